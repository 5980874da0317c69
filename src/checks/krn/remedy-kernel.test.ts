import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { remedyInput } from '../../harden/plan-testing.js';
import { krnRemedy, SYSCTL_FILE } from './remedy.js';

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const canNetns = process.getuid?.() === 0 && spawnSync('unshare', ['-m', '-n', 'true']).status === 0;

// The network keys of KRN-01 are per network namespace: the planned file is loaded into a new one with the
// real `sysctl -p`, then the planned read-back validators run there (the host's own values are not touched).
test('KRN remedy on this kernel: sysctl -p loads the drop-in and every read-back passes', { skip: canNetns ? false : 'needs root and network namespaces' }, () => {
  const live = 'kernel.dmesg_restrict = 1\nnet.ipv4.conf.all.accept_redirects = 1\nnet.ipv4.conf.all.send_redirects = 1\nnet.ipv4.conf.all.log_martians = 0\nnet.ipv4.tcp_syncookies = 1\nnet.ipv4.icmp_echo_ignore_broadcasts = 1\n';
  const ops = krnRemedy.plan(remedyInput({ files: { '/etc/sysctl.conf': '\n' }, commands: { 'sysctl -a': live, 'uname -r': '6.17.2-1-pve\n' } }));
  const file = ops.find((o) => o.kind === 'write-file');
  assert.ok(file?.kind === 'write-file' && !file.content.includes('kernel.'), 'only per-namespace keys in this case');
  const steps = ops.filter((o) => o.kind === 'run' || o.kind === 'validate').map((o) => ('argv' in o ? o.argv.map(shq).join(' ') : ''));
  const script = [
    'set -e',
    `mount -t tmpfs none ${SYSCTL_FILE.replace(/\/[^/]+$/, '')}`,
    `printf '%s' ${shq(file.content)} > ${SYSCTL_FILE}`,
    'sysctl -w net.ipv4.conf.all.accept_redirects=1 net.ipv4.conf.all.send_redirects=1 net.ipv4.conf.all.log_martians=0 >/dev/null',
    // before loading, a read-back fails
    `if ${steps.find((s) => s.includes('log_martians'))}; then echo 'read-back passed before the load' >&2; exit 20; fi`,
    ...steps,
    'sysctl -n net.ipv4.conf.all.accept_redirects net.ipv4.conf.all.send_redirects net.ipv4.conf.all.log_martians',
  ].join('\n');
  const r = spawnSync('unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.deepEqual(r.stdout.trim().split('\n').slice(-3), ['0', '0', '1']);
});
