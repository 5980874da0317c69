import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { MemorySnapshotSpec } from '../collect/memory.js';
import { memorySnapshot } from '../collect/memory.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { groupClusters, runChecks } from '../audit/run.js';
import { ALL_CHECKS } from '../checks/registry.js';
import { dpkgStatus } from '../../test/fixtures/system/helpers.js';
import { buildPlan, PlanConflict } from './plan.js';
import { ManualOnly, type PlannedOp, type Remedy } from './plan-types.js';
import { REMEDIES } from './remedies.js';
import { TEST_NOW } from './plan-testing.js';

const plan = (spec: MemorySnapshotSpec, remedies: Remedy[], ids?: string[]) => {
  const clusters = groupClusters([memorySnapshot({ target: 'bundle/pve1', meta: { hostname: 'pve1' }, ...spec })]);
  const checks = ids ? ALL_CHECKS.filter((c) => ids.includes(c.meta.id)) : ALL_CHECKS;
  const results = runChecks(clusters, checks, DEFAULT_CONFIG, TEST_NOW);
  return buildPlan({ clusters, results, checks, config: DEFAULT_CONFIG, configDigest: '0'.repeat(64), version: 'test', now: TEST_NOW, remedies }).nodes[0];
};

// a node without fail2ban, auditd or unattended-upgrades; sysctl.conf present, sysctl -a at the fresh values
const NODE: MemorySnapshotSpec = {
  files: {
    '/var/lib/dpkg/status': dpkgStatus({ 'openssh-server': '1:10.0p1-7' }),
    '/etc/sysctl.conf': '#net.ipv4.ip_forward=1\n',
    '/etc/apt/apt.conf.d/70debconf': 'DPkg::Pre-Install-Pkgs {"/usr/sbin/dpkg-preconfigure --apt || true";};\n',
  },
  commands: { 'systemctl-states': 'ssh active enabled\n', 'sysctl -a': 'kernel.dmesg_restrict = 0\nnet.ipv4.conf.all.log_martians = 0\n', 'uname -r': '6.17.2-1-pve\n' },
};
const IDS = ['BF-01', 'AUD-01', 'KRN-01', 'UPD-01'];

const op = (o: Partial<PlannedOp> & Pick<PlannedOp, 'kind'>): PlannedOp => ({ id: `${o.kind}:${Math.random()}`, controls: [], cutsAccess: false, summary: '', phase: 'activate', ...o } as PlannedOp);
const remedy = (controls: string[], ops: PlannedOp[] | (() => never)): Remedy => ({ controls, plan: () => (typeof ops === 'function' ? ops() : ops) });

test('plan: one install for all packages, identical ops once, order by phase then files, gates, activations, read-backs', () => {
  const r1 = remedy(['BF-01'], [
    op({ kind: 'install-packages', packages: ['fail2ban'], phase: 'packages', controls: ['BF-01'] }),
    op({ kind: 'write-file', path: '/etc/a', content: 'a\n', mode: 0o644, owner: 'root', group: 'root', controls: ['BF-01'], phase: 'restrict' }),
    op({ kind: 'validate', argv: ['check-a'], why: '', controls: ['BF-01'], phase: 'restrict' }),
    op({ kind: 'service', unit: 'a', action: 'reload', controls: ['BF-01'], phase: 'restrict' }),
    op({ kind: 'run', id: 'run:daemon-reload', argv: ['systemctl', 'daemon-reload'], controls: ['BF-01'], phase: 'activate' }),
  ]);
  const r2 = remedy(['AUD-01'], [
    op({ kind: 'install-packages', packages: ['auditd', 'fail2ban'], phase: 'packages', controls: ['AUD-01'] }),
    op({ kind: 'write-file', path: '/etc/b', content: 'b\n', mode: 0o640, owner: 'root', group: 'root', controls: ['AUD-01'] }),
    op({ kind: 'run', id: 'run:daemon-reload', argv: ['systemctl', 'daemon-reload'], controls: ['AUD-01'] }),
    op({ kind: 'validate', argv: ['read-back-b'], why: '', controls: ['AUD-01'] }),
  ]);
  const r3 = remedy(['KRN-01'], [
    op({ kind: 'write-file', path: '/etc/c', content: 'c\n', mode: 0o644, owner: 'root', group: 'root', controls: ['KRN-01'] }),
    op({ kind: 'validate', argv: ['check-c'], why: '', controls: ['KRN-01'] }),
    op({ kind: 'run', argv: ['load-c'], controls: ['KRN-01'] }),
  ]);
  const p = plan(NODE, [r1, r2, r3], IDS);
  const shape = p.ops.map((o) => `${o.phase} ${o.kind} ${'path' in o ? o.path : 'argv' in o ? o.argv.join(' ') : 'packages' in o ? o.packages.join(',') : 'unit' in o ? o.unit : ''} ${o.controls.join(',')}`);
  assert.deepEqual(shape, [
    'packages install-packages fail2ban,auditd BF-01,AUD-01',
    'restrict write-file /etc/a BF-01',
    'restrict validate check-a BF-01',
    'restrict service a BF-01',
    'activate write-file /etc/b AUD-01',
    'activate write-file /etc/c KRN-01',
    'activate validate check-c KRN-01',
    'activate run systemctl daemon-reload BF-01,AUD-01',
    'activate run load-c KRN-01',
    'activate validate read-back-b AUD-01',
  ]);
  assert.equal(new Set(p.ops.map((o) => o.id)).size, p.ops.length, 'ids unique');
  assert.deepEqual(p.fixes, ['BF-01', 'KRN-01', 'AUD-01']);
  assert.deepEqual(p.manual.map((m) => `${m.id} ${m.reason}`), ['UPD-01 no automatic remedy']);
  assert.match(p.manual[0].fix, /unattended-upgrades/);
  // digests: written files absent (null); files the fixed controls read, as collected
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  assert.equal(p.fileDigests['/etc/a'], null);
  assert.equal(p.fileDigests['/etc/sysctl.conf'], sha('#net.ipv4.ip_forward=1\n'));
  assert.equal(p.fileDigests['/var/lib/dpkg/status'], sha(NODE.files!['/var/lib/dpkg/status'] as string));
  assert.equal(p.fileDigests['/etc/apt/apt.conf.d/70debconf'], undefined, 'UPD-01 is not fixed: its files are not pinned');
});

test('plan: ManualOnly and unchanged files; one file written two ways is an error', () => {
  const manual = remedy(['BF-01'], () => { throw new ManualOnly('a later jail.d file wins'); });
  const same = remedy(['KRN-01'], [op({ kind: 'write-file', path: '/etc/sysctl.conf', content: '#net.ipv4.ip_forward=1\n', mode: 0o644, owner: 'root', group: 'root', controls: ['KRN-01'] }),
    op({ kind: 'run', argv: ['sysctl', '-p', '/etc/sysctl.conf'], controls: ['KRN-01'] })]);
  const p = plan(NODE, [manual, same], IDS);
  assert.deepEqual(p.manual.map((m) => `${m.id} ${m.status}: ${m.reason}`), ['BF-01 FAIL: a later jail.d file wins', 'UPD-01 FAIL: no automatic remedy', 'AUD-01 FAIL: no automatic remedy']);
  assert.deepEqual(p.ops.map((o) => o.kind), ['run'], 'a write of the bytes already there is dropped');
  const w = (content: string, c: string) => remedy([c], [op({ kind: 'write-file', path: '/etc/x', content, mode: 0o644, owner: 'root', group: 'root', controls: [c] })]);
  assert.throws(() => plan(NODE, [w('1', 'BF-01'), w('2', 'AUD-01')], IDS), (e) => e instanceof PlanConflict && /two remedies write \/etc\/x differently \(BF-01 and AUD-01\)/.test(e.message));
  assert.deepEqual(plan(NODE, [w('1', 'BF-01'), w('1', 'AUD-01')], IDS).ops.map((o) => o.controls), [['BF-01', 'AUD-01']]);
});

test('plan: an operation id with whitespace is a remedy bug, refused before any plan exists (events name ops by id)', () => {
  const spaced = remedy(['KRN-01'], [op({ kind: 'run', id: 'run:sysctl -p', argv: ['sysctl', '-p'], controls: ['KRN-01'] })]);
  assert.throws(() => plan(NODE, [spaced], IDS), /operation id "run:sysctl -p" has whitespace/);
});

test('remedies: each control has at most one remedy, and only real controls', () => {
  const ids = REMEDIES.flatMap((r) => r.controls);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.ok(ALL_CHECKS.some((c) => c.meta.id === id), id);
});

test('plan: a remedy that would replace a symbolic link is left for a human', () => {
  const linked: MemorySnapshotSpec = { ...NODE, files: { ...NODE.files } };
  const clusters = groupClusters([memorySnapshot({ target: 'bundle/pve1', meta: { hostname: 'pve1' }, ...linked })]);
  clusters[0].nodes[0].snapshot.addFile({ path: '/root/.ssh/authorized_keys', content: Buffer.from('ssh-ed25519 AAAA root@pve1\n'),
    stat: { mode: 0o777, uid: 0, gid: 0, type: 'symlink', linkTarget: '/etc/pve/priv/authorized_keys' } });
  const checks = ALL_CHECKS.filter((c) => IDS.includes(c.meta.id));
  const results = runChecks(clusters, checks, DEFAULT_CONFIG, TEST_NOW);
  const r = remedy(['BF-01'], [op({ kind: 'write-file', path: '/root/.ssh/authorized_keys', content: 'x\n', mode: 0o600, owner: 'root', group: 'root', controls: ['BF-01'] })]);
  const p = buildPlan({ clusters, results, checks, config: DEFAULT_CONFIG, configDigest: '0'.repeat(64), version: 'test', now: TEST_NOW, remedies: [r] }).nodes[0];
  assert.deepEqual(p.ops, []);
  assert.equal(p.manual.find((m) => m.id === 'BF-01')?.reason, 'the remedy would replace the symbolic link /root/.ssh/authorized_keys -> /etc/pve/priv/authorized_keys');
});
