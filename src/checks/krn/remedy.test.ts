import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { readBundle } from '../../collect/bundle.js';
import { applyOps, remedyInput, specOf, statusesOf } from '../../harden/plan-testing.js';
import { ManualOnly, type PlannedOp } from '../../harden/plan-types.js';
import { krnRemedy, SYSCTL_FILE } from './remedy.js';

// `sysctl -a` excerpt of a fresh PVE 9 node
const FRESH = `kernel.dmesg_restrict = 0
net.ipv4.conf.all.accept_redirects = 1
net.ipv4.conf.all.log_martians = 0
net.ipv4.conf.all.send_redirects = 1
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.ip_forward = 1
net.ipv4.tcp_syncookies = 1
net.ipv6.conf.all.accept_redirects = 1
`;
const HARD = FRESH.replace('dmesg_restrict = 0', 'dmesg_restrict = 1').replace(/accept_redirects = 1/g, 'accept_redirects = 0')
  .replace('log_martians = 0', 'log_martians = 1').replace('send_redirects = 1', 'send_redirects = 0');
const node = (live: string, files: Record<string, string> = {}, release = '6.17.2-1-pve'): MemorySnapshotSpec => ({
  files: { '/etc/sysctl.conf': '# stock Debian: everything commented\n#net.ipv4.ip_forward=1\n', ...files },
  commands: { 'sysctl -a': live, 'uname -r': release + '\n' },
});

interface Case { name: string; tree: () => Promise<MemorySnapshotSpec> | MemorySnapshotSpec; expect: { file: string[]; readBack?: number } | { manual: RegExp } }

const cases: Case[] = [
  { name: 'fresh install: five keys', tree: async () => specOf(await readBundle('examples/fresh-install')),
    expect: { file: ['net.ipv4.conf.all.accept_redirects = 0', 'net.ipv6.conf.all.accept_redirects = 0', 'net.ipv4.conf.all.send_redirects = 0', 'net.ipv4.conf.all.log_martians = 1', 'kernel.dmesg_restrict = 1'] } },
  { name: 'set live by hand on a custom kernel, nothing persisted', tree: () => node(HARD, {}, '6.12.0-custom'),
    expect: { file: ['net.ipv4.conf.all.accept_redirects = 0', 'net.ipv6.conf.all.accept_redirects = 0', 'net.ipv4.conf.all.send_redirects = 0', 'net.ipv4.conf.all.log_martians = 1', 'kernel.dmesg_restrict = 1'] } },
  { name: 'IPv6 disabled: its key is not written (sysctl -p would fail on it)', tree: () => node(FRESH.replace(/^net\.ipv6.*\n/m, '')),
    expect: { file: ['net.ipv4.conf.all.accept_redirects = 0', 'net.ipv4.conf.all.send_redirects = 0', 'net.ipv4.conf.all.log_martians = 1', 'kernel.dmesg_restrict = 1'] } },
  { name: 'an earlier pvesec drop-in keeps its keys; a later change of log_martians is added',
    tree: () => node(HARD.replace('log_martians = 1', 'log_martians = 0'), { [SYSCTL_FILE]: 'kernel.dmesg_restrict = 1\nnet.ipv4.conf.all.accept_redirects = 0\nnet.ipv6.conf.all.accept_redirects = 0\nnet.ipv4.conf.all.send_redirects = 0\n' }, '6.12.0-custom'),
    expect: { file: ['net.ipv4.conf.all.accept_redirects = 0', 'net.ipv6.conf.all.accept_redirects = 0', 'net.ipv4.conf.all.send_redirects = 0', 'net.ipv4.conf.all.log_martians = 1', 'kernel.dmesg_restrict = 1'], readBack: 1 } },
  { name: '/etc/sysctl.conf (read as 99-sysctl.conf) turns redirects back on', tree: () => node(FRESH, { '/etc/sysctl.conf': 'net.ipv4.conf.all.accept_redirects = 1\n' }),
    expect: { manual: /\/etc\/sysctl\.conf:1 sets net\.ipv4\.conf\.all\.accept_redirects = 1 and is read after/ } },
  { name: 'a glob in a later file', tree: () => node(FRESH, { '/etc/sysctl.d/99-zz.conf': 'net.ipv4.conf.*.send_redirects = 1\n' }), expect: { manual: /99-zz\.conf:1/ } },
];

test('KRN remedy: the planned drop-in makes every KRN-01 key pass once loaded', async () => {
  for (const c of cases) {
    const tree = await c.tree();
    let ops: PlannedOp[];
    try {
      ops = krnRemedy.plan(remedyInput(tree));
    } catch (e) {
      assert.ok('manual' in c.expect && e instanceof ManualOnly, `${c.name}: ${(e as Error).message}`);
      assert.match(e.reason, c.expect.manual, c.name);
      continue;
    }
    assert.ok(!('manual' in c.expect), `${c.name}: expected ManualOnly`);
    const file = ops.find((o) => o.kind === 'write-file');
    assert.ok(file?.kind === 'write-file' && file.path === SYSCTL_FILE);
    assert.deepEqual(file.content.split('\n').filter((l) => l && !l.startsWith('#')), c.expect.file, c.name);
    assert.deepEqual(ops.map((o) => o.kind), ['write-file', 'run', ...Array(c.expect.readBack ?? c.expect.file.length).fill('validate')], c.name);
    const after = statusesOf(applyOps(tree, ops), {}, ['KRN-01']).get('KRN-01')!;
    assert.ok(after.every((s) => s === 'PASS' || s === 'SKIP') && after.includes('PASS'), `${c.name}: ${after}`);
    assert.equal(after.filter((s) => s === 'SKIP').length, c.name.startsWith('IPv6') ? 1 : 0, c.name);
  }
});

test('KRN remedy: the read-back validators pass on the wanted value and fail on another', async () => {
  const ops = krnRemedy.plan(remedyInput(node(FRESH)));
  const dir = mkdtempSync(path.join(tmpdir(), 'pvesec-sysctl-'));
  try {
    // a stand-in sysctl that reports the values of a file: `sysctl -n KEY`
    writeFileSync(path.join(dir, 'values'), 'net.ipv4.conf.all.accept_redirects 0\nkernel.dmesg_restrict 0\n');
    writeFileSync(path.join(dir, 'sysctl'), `#!/bin/sh\n[ "$1" = -n ] || exit 2\nawk -v k="$2" '$1 == k { print $2 }' "${dir}/values"\n`, { mode: 0o755 });
    const run = (key: string) => {
      const v = ops.find((o) => o.kind === 'validate' && o.argv.join(' ').includes(key));
      assert.ok(v?.kind === 'validate');
      return spawnSync(v.argv[0], v.argv.slice(1), { env: { PATH: `${dir}:/usr/bin:/bin` } }).status;
    };
    assert.equal(run('net.ipv4.conf.all.accept_redirects'), 0);
    assert.equal(run('kernel.dmesg_restrict'), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
