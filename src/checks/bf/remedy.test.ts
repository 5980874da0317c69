import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { readBundle } from '../../collect/bundle.js';
import { applyOps, remedyInput, specOf, statusesOf } from '../../harden/plan-testing.js';
import { ManualOnly, type PlannedOp } from '../../harden/plan-types.js';
import { dpkgStatus, STATES_RUNNING, stockFail2ban } from '../../../test/fixtures/system/helpers.js';
import { bfRemedy, JAIL_FILE, WEB_FILTER_TEXT } from './remedy.js';

const CONTROLS = ['BF-01', 'BF-02', 'BF-03'];
const ADMIN = { admin_sources: ['192.168.1.0/24', '2001:db8:5::/48'] };
const installedStock: MemorySnapshotSpec = {
  files: { ...stockFail2ban(), '/var/lib/dpkg/status': dpkgStatus({ fail2ban: '1.0.2-2', 'python3-systemd': '235-1+b2' }) },
  commands: { 'systemctl-states': STATES_RUNNING.replace('fail2ban active enabled', 'fail2ban inactive disabled'), 'sshd -T': 'port 2222\nport 22\npermitrootlogin yes\n' },
};

interface Case { name: string; tree: () => Promise<MemorySnapshotSpec> | MemorySnapshotSpec; config?: object; expect: { install?: string[]; jail?: RegExp[] } | { manual: RegExp } }

const cases: Case[] = [
  { name: 'fresh install (examples/fresh-install): nothing of fail2ban', tree: async () => specOf(await readBundle('examples/fresh-install')), config: ADMIN,
    expect: { install: ['fail2ban', 'python3-systemd'], jail: [/^ignoreip = 127\.0\.0\.1\/8 ::1 192\.168\.1\.0\/24 2001:db8:5::\/48$/m, /^port = ssh$/m, /^bantime = 3600$/m] } },
  { name: 'Debian 12 stock fail2ban, stopped, bantime 10m, sshd on 2222 and 22', tree: () => installedStock, config: ADMIN,
    expect: { install: [], jail: [/^\[sshd\][^[]*port = 2222,22$/m, /^bantime = 3600$/m] } },
  { name: 'a stricter jail.local is kept (permanent ban, 3 retries, 1 day findtime; ignoreip kept)',
    tree: () => ({ ...installedStock, files: { ...installedStock.files, '/etc/fail2ban/jail.local': '[sshd]\nbantime = -1\nmaxretry = 3\nfindtime = 1d\nignoreip = 10.9.9.9\n' } }),
    expect: { install: [], jail: [/^\[sshd\]\nenabled = true\nbackend = systemd\nport = 2222,22\nmaxretry = 3\nfindtime = 86400\nbantime = -1\nignoreip = 127\.0\.0\.1\/8 ::1 10\.9\.9\.9$/m] } },
  { name: 'a later jail.d/*.local could override the pvesec jails', tree: () => ({ ...installedStock, files: { ...installedStock.files, '/etc/fail2ban/jail.d/zz-site.local': '[sshd]\nenabled = false\n' } }),
    expect: { manual: /zz-site\.local is read after/ } },
  { name: 'a foreign proxmox-webui filter is not replaced', tree: () => ({ ...installedStock, files: { ...installedStock.files, '/etc/fail2ban/filter.d/proxmox-webui.conf': '[Definition]\nfailregex = x\n' } }),
    expect: { manual: /not written by pvesec/ } },
];

test('BF remedy: the planned jails make BF-01/02/03 pass on the tree they were planned for', async () => {
  for (const c of cases) {
    const tree = await c.tree();
    const input = remedyInput(tree, c.config);
    let ops: PlannedOp[];
    try {
      ops = bfRemedy.plan(input);
    } catch (e) {
      assert.ok('manual' in c.expect, `${c.name}: ${(e as Error).message}`);
      assert.ok(e instanceof ManualOnly);
      assert.match(e.reason, c.expect.manual, c.name);
      continue;
    }
    assert.ok(!('manual' in c.expect), `${c.name}: expected ManualOnly`);
    const before = statusesOf(tree, c.config, CONTROLS);
    assert.ok(CONTROLS.some((id) => before.get(id)?.includes('FAIL')), `${c.name}: nothing to fix before`);
    const install = ops.find((o) => o.kind === 'install-packages');
    assert.deepEqual(install?.kind === 'install-packages' ? install.packages : [], c.expect.install, c.name);
    const jail = ops.find((o) => o.kind === 'write-file' && o.path === JAIL_FILE);
    assert.ok(jail?.kind === 'write-file');
    for (const re of c.expect.jail ?? []) assert.match(jail.content, re, c.name);
    // the validator comes after the files it checks and before fail2ban (re)starts
    const kinds = ops.map((o) => o.kind);
    assert.ok(kinds.lastIndexOf('write-file') < kinds.indexOf('validate') && kinds.indexOf('validate') < kinds.indexOf('service'), `${c.name}: ${kinds}`);
    const after = statusesOf(applyOps(tree, ops), c.config, CONTROLS);
    for (const id of CONTROLS) assert.deepEqual(after.get(id), ['PASS'], `${c.name}: ${id} after the plan`);
  }
});

test('BF remedy: the web-UI filter catches the line pvedaemon writes and bans the IPv4 address', () => {
  const failregex = /^failregex = (.*)$/m.exec(WEB_FILTER_TEXT)![1];
  // fail2ban's <ADDR> is an IP address; the journal backend prefixes the host name
  const re = new RegExp(failregex.replace('<ADDR>', '(?<addr>[0-9a-fA-F:.]+)'));
  const lines = [
    ['pve1 pvedaemon[1187]: authentication failure; rhost=::ffff:1.2.3.4 user=root@pam msg=Authentication failure', '1.2.3.4'],
    ['pve1 pvedaemon[40211]: authentication failure; rhost=2001:db8::7 user=alice@pve msg=no such user (\'alice@pve\')', '2001:db8::7'],
    ['pve1 pvedaemon[1187]: authentication verification failure; rhost=198.51.100.4 user=root@pam msg=Invalid TOTP', '198.51.100.4'],
  ];
  for (const [line, addr] of lines) assert.equal(re.exec(line)?.groups?.addr, addr, line);
  assert.equal(re.exec('pve1 pvedaemon[1187]: <root@pam> successful auth for user \'root@pam\''), null);
});
