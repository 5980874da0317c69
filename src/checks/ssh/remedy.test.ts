import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import type { PvesecConfig } from '../../config/schema.js';
import { dumpConfig } from '../../engines/sshd/index.js';
import type { ValidateOp, WriteFileOp } from '../../harden/ops.js';
import type { PlannedOp } from '../../harden/plan-types.js';
import { accNode, GOOD_HOMES, pubkey } from '../acc/testing.js';
import { checks as accChecks } from '../acc/index.js';
import { applyOps, findingsOf, planWith, remedyInput, statuses, type NodeCase } from '../remedy-sim/testing.js';
import { checks as sshChecks } from './index.js';
import { SSH_DROPIN, sshdPackageOnly, sshRemedies } from './remedy.js';
import { parseDpkgStatus } from '../../parse/dpkg-status.js';
import { COROSYNC_CONF, DEBIAN12_CONFIG, DEBIAN13_CONFIG, DPKG_WITH_SUDO, sshNode, type SshNodeOptions } from './testing.js';

/** What the PVE installer leaves: Debian's sshd_config with root password logins on. */
const PVE_SSHD_CONFIG = DEBIAN12_CONFIG.replace('#PermitRootLogin prohibit-password', 'PermitRootLogin yes');
const CHECKS = [...accChecks, ...sshChecks];

/**
 * A PVE node: accounts (alice and bob in sudo with keys), the sshd files given and the `sshd -T` the
 * sshd model computes for them (what a collection of that node would hold).
 */
function pveNode(o: SshNodeOptions & { cluster?: boolean; openssh10?: boolean; homes?: typeof GOOD_HOMES } = {}): MemorySnapshotSpec {
  const spec = accNode(o.homes ?? GOOD_HOMES, sshNode({ main: PVE_SSHD_CONFIG, ...o, t: false }));
  const files = { ...spec.files } as Record<string, string>;
  if (o.openssh10) files['/var/lib/dpkg/status'] = DPKG_WITH_SUDO.replace('Version: 1:9.2p1-2+deb12u7', 'Version: 1:10.0p1-7');
  if (o.cluster) Object.assign(files, { '/etc/pve/corosync.conf': COROSYNC_CONF, '/etc/hostname': 'pve1\n', '/etc/hosts': '127.0.0.1 localhost\n10.0.0.11 pve1\n' });
  const tree = Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith('/etc/ssh/')));
  const dump = dumpConfig({ files: tree }, o.openssh10 ? '10.0' : '9.2');
  assert.equal(dump.rc, 0, dump.fatal);
  return { ...spec, files, commands: { ...spec.commands, 'sshd -T': dump.lines.map(([k, v]) => `${k} ${v}`).join('\n') + '\n' } };
}

const ALICE: Partial<PvesecConfig> = { admin_users: ['alice'], admin_sources: ['10.10.0.0/24'] };

const dropin = (ops: PlannedOp[]) => ops.find((o): o is PlannedOp & WriteFileOp => o.kind === 'write-file' && o.path === SSH_DROPIN);
const gates = (ops: PlannedOp[]) => ops.filter((o): o is PlannedOp & ValidateOp => o.kind === 'validate');

/** Plans the node, applies the operations to its files and audits the result. */
function planAndApply(c: NodeCase) {
  const input = remedyInput(c, CHECKS);
  const plan = planWith(sshRemedies, input);
  const after = applyOps(c.nodes[0], plan.ops);
  const result = statuses(findingsOf({ ...c, nodes: [after.spec, ...c.nodes.slice(1)] }, sshChecks));
  return { before: statuses(input.findings), plan, after, result };
}

interface Case {
  name: string;
  node: MemorySnapshotSpec;
  config?: Partial<PvesecConfig>;
  /** Lines the drop-in must hold, and must not. */
  has?: string[];
  lacks?: RegExp[];
  /** Controls left for a human, with a fragment of the reason. */
  manual?: Record<string, string | RegExp>;
}

/** Real `ssh -Q` outputs: OpenSSH 9.2 of a Debian 12 test host, 10.0 as recorded from Debian 13 (test/fixtures/sshd). */
const SSH_Q_92 = Object.fromEntries(['kex', 'cipher', 'mac', 'key'].map((q) => [q, readFileSync(new URL(`../../parse/fixtures/ssh-q-openssh92/${q}`, import.meta.url), 'utf8')]));
const SSH_Q_100 = Object.fromEntries(Object.entries((JSON.parse(readFileSync(new URL('../../../test/fixtures/sshd/versions.json', import.meta.url), 'utf8')) as
  Record<string, { algorithms: Record<string, string[]> }>)['10.0'].algorithms).map(([q, names]) => [q, names.join('\n') + '\n']));
/** The node's `ssh -Q` commands as a collection holds them, with some names left out of the build. */
function sshQ(outputs: Record<string, string>, leftOut: string[] = []): Record<string, string> {
  return Object.fromEntries(['kex', 'cipher', 'mac', 'key'].map((q) => [`ssh -Q ${q}`, outputs[q].split('\n').filter((n) => !leftOut.includes(n)).join('\n')]));
}
const withCommands = (n: MemorySnapshotSpec, commands: Record<string, string | { output: string; exitCode?: number }>): MemorySnapshotSpec => ({ ...n, commands: { ...n.commands, ...commands } });

const cases: Case[] = [
  {
    name: 'a fresh PVE node: root key-only, passwords off, the crypto profile, forwarding off',
    node: pveNode(), config: ALICE,
    has: ['PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'AllowUsers root alice bob', 'MaxAuthTries 3', 'LoginGraceTime 30',
      'KexAlgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256',
      'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com', 'X11Forwarding no', 'AllowTcpForwarding no', 'ClientAliveInterval 300'],
    // what already passes is not touched: Debian sets KbdInteractiveAuthentication no; its Ciphers are fine
    lacks: [/^KbdInteractiveAuthentication/m, /^Ciphers/m, /^Match/m, /mlkem/],
  },
  {
    name: 'OpenSSH 10.0 (PVE 9): the post-quantum ML-KEM exchange is offered first',
    node: pveNode({ main: DEBIAN13_CONFIG.replace('#PermitRootLogin prohibit-password', 'PermitRootLogin yes'), openssh10: true }), config: ALICE,
    has: ['KexAlgorithms mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256'],
  },
  {
    name: 'OpenSSH version unknown (no dpkg entry): algorithms both 9.2 and 10.0 support',
    node: (() => { const n = pveNode(); return { ...n, files: { ...n.files, '/var/lib/dpkg/status': DPKG_WITH_SUDO.split('\n\n')[0] + '\n' } }; })(), config: ALICE,
    has: ['KexAlgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256'],
  },
  {
    name: 'the node\'s own `ssh -Q` (OpenSSH 9.2, all of the profile there): the same lists as the tables',
    node: withCommands(pveNode(), sshQ(SSH_Q_92)), config: ALICE,
    has: ['KexAlgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256',
      'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com'],
  },
  {
    name: 'a build without sntrup and UMAC (`ssh -Q` of 9.2 less those): the drop-in names only what the node lists',
    node: withCommands(pveNode(), sshQ(SSH_Q_92, ['sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com', 'umac-128-etm@openssh.com'])), config: ALICE,
    has: ['KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256',
      'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com'],
    lacks: [/sntrup/, /umac/],
  },
  {
    name: 'OpenSSH 10.0 whose `ssh -Q kex` lacks ML-KEM: not offered',
    node: withCommands(pveNode({ main: DEBIAN13_CONFIG.replace('#PermitRootLogin prohibit-password', 'PermitRootLogin yes'), openssh10: true }), sshQ(SSH_Q_100, ['mlkem768x25519-sha256'])), config: ALICE,
    has: ['KexAlgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256'],
    lacks: [/mlkem/],
  },
  {
    name: 'a node listing none of the profile\'s MACs: SSH-09 is left for a human, the rest goes ahead',
    node: withCommands(pveNode(), sshQ(SSH_Q_92, ['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'umac-128-etm@openssh.com'])), config: ALICE,
    manual: { 'SSH-09': /supports none of the MACs of pvesec's profile .* according to what the node's `ssh -Q` lists \(OpenSSH 9\.2\)/ },
    lacks: [/^MACs/m],
    has: ['PasswordAuthentication no'],
  },
  {
    name: '`ssh -Q` that failed (an error, not a list): pvesec\'s tables of the version decide',
    node: withCommands(pveNode(), { ...sshQ(SSH_Q_92, ['sntrup761x25519-sha512']), 'ssh -Q kex': { output: 'Unsupported query "kex"\n', exitCode: 255 } }), config: ALICE,
    has: ['KexAlgorithms sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256'],
  },
  {
    name: 'cluster, root_login peers-only: no root login, except with keys from the corosync peers',
    node: pveNode({ cluster: true }), config: { ...ALICE, root_login: 'peers-only' },
    has: ['PermitRootLogin no', 'Match User root Address 10.0.0.12,10.0.0.13', '    PermitRootLogin prohibit-password', '    AllowTcpForwarding yes'],
  },
  {
    name: 'cluster, default root_login: keys from anywhere, TCP forwarding kept for root between nodes',
    node: pveNode({ cluster: true }), config: ALICE,
    has: ['PermitRootLogin prohibit-password', 'Match User root Address 10.0.0.12,10.0.0.13', '    AllowTcpForwarding yes'],
    lacks: [/^ {4}PermitRootLogin/m],
  },
  {
    name: 'cluster refusing root everywhere (SSH-01 WARN): the peers get key logins back, nothing else is loosened',
    node: pveNode({ cluster: true, main: DEBIAN12_CONFIG.replace('#PermitRootLogin prohibit-password', 'PermitRootLogin no') }), config: ALICE,
    has: ['PermitRootLogin no', 'Match User root Address 10.0.0.12,10.0.0.13', '    PermitRootLogin prohibit-password'],
  },
  {
    name: 'standalone, root_login no',
    node: pveNode(), config: { ...ALICE, root_login: 'no' },
    has: ['PermitRootLogin no'],
  },
  {
    name: 'refused: root_login no on a cluster node',
    node: pveNode({ cluster: true }), config: { ...ALICE, root_login: 'no' },
    manual: { 'SSH-01': 'root_login: no would refuse root key logins between the cluster nodes' },
    lacks: [/PermitRootLogin/],
    has: ['PasswordAuthentication no'],
  },
  {
    name: 'refused: an earlier drop-in wins for PasswordAuthentication (the rest goes ahead)',
    node: pveNode({ dropins: { '00-local.conf': 'PasswordAuthentication yes\n' } }), config: ALICE,
    manual: { 'SSH-02': /would not settle it .*PasswordAuthentication yes \(sshd -T; set at \/etc\/ssh\/sshd_config\.d\/00-local\.conf:1\)/ },
    lacks: [/PasswordAuthentication/],
    has: ['MaxAuthTries 3'],
  },
  {
    name: 'refused: a line before the Include of sshd_config wins',
    node: pveNode({ main: `MaxAuthTries 6\n${PVE_SSHD_CONFIG}` }), config: ALICE,
    manual: { 'SSH-11': /MaxAuthTries 6 \(sshd -T; set at \/etc\/ssh\/sshd_config:1\)/ },
    lacks: [/MaxAuthTries/],
  },
  {
    name: 'refused: a Match block re-enables passwords for some connections',
    node: pveNode({ main: `${PVE_SSHD_CONFIG}Match User bob\n    PasswordAuthentication yes\n` }), config: ALICE,
    manual: { 'SSH-02': /PasswordAuthentication yes in "Match User bob" \(\/etc\/ssh\/sshd_config:\d+\)/ },
  },
  {
    name: 'the pvesec drop-in already there: the keywords it set stay set (profile values) when it is rewritten',
    node: pveNode({ dropins: { '00-pvesec.conf': '# Managed by pvesec\nMaxAuthTries 2\nClientAliveInterval 600\n' } }), config: ALICE,
    has: ['MaxAuthTries 3', 'ClientAliveInterval 300', 'PasswordAuthentication no'],
  },
  {
    name: 'a cloud-init drop-in (50-) is beaten by 00-pvesec.conf',
    node: pveNode({ dropins: { '50-cloud-init.conf': 'PasswordAuthentication yes\n' } }), config: ALICE,
    has: ['PasswordAuthentication no'],
  },
];

for (const c of cases) {
  test(`SSH remedy: ${c.name}`, () => {
    const nc: NodeCase = { nodes: [c.node], config: c.config };
    const { before, plan, after, result } = planAndApply(nc);
    assert.deepEqual(Object.fromEntries([...plan.manual].filter(([id]) => id.startsWith('SSH')).map(([id, why]) => [id, why.slice(0, 0)])),
      Object.fromEntries(Object.keys(c.manual ?? {}).map((id) => [id, ''])), `manual: ${[...plan.manual].join(' | ')}`);
    for (const [id, frag] of Object.entries(c.manual ?? {})) {
      const why = plan.manual.get(id)!;
      if (typeof frag === 'string') assert.ok(why.includes(frag), `${id}: ${why}`);
      else assert.match(why, frag, id);
    }
    const d = dropin(plan.ops);
    assert.ok(d, 'a drop-in is written');
    assert.deepEqual([d.mode, d.owner, d.group, d.phase, d.cutsAccess], [0o644, 'root', 'root', 'restrict', true]);
    const lines = d.content.split('\n');
    for (const l of c.has ?? []) assert.ok(lines.includes(l), `drop-in lacks "${l}":\n${d.content}`);
    for (const re of c.lacks ?? []) assert.doesNotMatch(d.content, re);
    // the operations: the drop-in, sshd -t, sshd -T -C per connection, then one reload
    assert.deepEqual(plan.ops.map((o) => o.kind), ['write-file', ...gates(plan.ops).map(() => 'validate'), 'service']);
    assert.deepEqual(gates(plan.ops)[0].argv, ['/usr/sbin/sshd', '-t']);
    assert.ok(plan.ops.every((o) => o.phase === 'restrict'));
    const svc = plan.ops.at(-1)!;
    assert.ok(svc.kind === 'service' && svc.unit === 'ssh' && svc.action === 'reload-or-restart');
    // every gate holds on the result (the sshd model standing in for the node's sshd)
    assert.deepEqual(after.gateFailures, []);
    // every control the drop-in claims PASSes when the checks run again on the changed node
    const targeted = Object.entries(before).filter(([id, s]) => id.startsWith('SSH') && /FAIL|WARN/.test(s)).map(([id]) => id);
    assert.ok(targeted.length > 0);
    for (const id of d.controls) assert.equal(result[id], 'PASS', `${id} after: ${result[id]}`);
    assert.deepEqual([...d.controls].sort(), targeted.filter((id) => !plan.manual.has(id)).sort());
    // and a second plan changes nothing for them
    const again = planWith(sshRemedies, remedyInput({ ...nc, nodes: [after.spec] }, CHECKS));
    assert.equal(dropin(again.ops), undefined, 'a second plan writes nothing');
  });
}

test('SSH remedy: the drop-in\'s summary says where its algorithm lists come from', () => {
  const summary = (n: MemorySnapshotSpec) => dropin(planAndApply({ nodes: [n], config: ALICE }).plan.ops)!.summary;
  assert.match(summary(withCommands(pveNode(), sshQ(SSH_Q_92))), /algorithms limited to what the node's `ssh -Q` lists \(OpenSSH 9\.2\)/);
  assert.match(summary(pveNode()), /algorithms limited to OpenSSH 9\.2 \(pvesec's tables of `ssh -Q`; the node's own list unknown: kex: ssh -Q kex is not in the bundle; cipher: .*\)/);
});

test('SSH remedy: the simulated audit reads the openssh-server entry of dpkg\'s status, as the whole file gives it', () => {
  for (const status of [DPKG_WITH_SUDO, DPKG_WITH_SUDO.split('\n\n').reverse().join('\n\n')]) {
    const full = parseDpkgStatus(status, 'status').value;
    const reduced = parseDpkgStatus(sshdPackageOnly(Buffer.from(status))!, 'status').value;
    assert.deepEqual([...reduced.keys()], ['openssh-server']);
    // the SSH checks read its version (the line it came from is not cited)
    assert.deepEqual({ ...reduced.get('openssh-server'), line: 0 }, { ...full.get('openssh-server'), line: 0 });
    assert.equal(reduced.get('openssh-server')!.version, '1:9.2p1-2+deb12u7');
  }
  assert.equal(sshdPackageOnly(Buffer.from(DPKG_WITH_SUDO.replace(/openssh-server/g, 'dropbear'))), undefined);
});

test('SSH remedy: the gates read back what each connection must get', () => {
  const { plan } = planAndApply({ nodes: [pveNode({ cluster: true })], config: { ...ALICE, root_login: 'peers-only' } });
  const bySpec = new Map(gates(plan.ops).map((g) => [g.argv[3], g.expectOutput ?? []]));
  assert.deepEqual([...bySpec.keys()], [
    undefined,
    'user=alice,host=10.10.0.1,addr=10.10.0.1,laddr=10.0.0.11,lport=22',
    'user=root,host=10.0.0.12,addr=10.0.0.12,laddr=10.0.0.11,lport=22',
    'user=root,host=10.0.0.13,addr=10.0.0.13,laddr=10.0.0.11,lport=22',
    'user=root,host=198.51.100.23,addr=198.51.100.23,laddr=10.0.0.11,lport=22',
    'user=pvesec-probe,host=198.51.100.23,addr=198.51.100.23,laddr=10.0.0.11,lport=22',
  ]);
  const peer = bySpec.get('user=root,host=10.0.0.12,addr=10.0.0.12,laddr=10.0.0.11,lport=22')!;
  assert.ok(peer.includes('permitrootlogin without-password') && peer.includes('allowtcpforwarding yes') && peer.includes('pubkeyauthentication yes'), peer.join('|'));
  const elsewhere = bySpec.get('user=root,host=198.51.100.23,addr=198.51.100.23,laddr=10.0.0.11,lport=22')!;
  assert.ok(elsewhere.includes('permitrootlogin no') && elsewhere.includes('allowtcpforwarding no'), elsewhere.join('|'));
  const alice = bySpec.get('user=alice,host=10.10.0.1,addr=10.10.0.1,laddr=10.0.0.11,lport=22')!;
  assert.ok(alice.includes('passwordauthentication no') && alice.includes('allowusers alice'), alice.join('|'));
});

test('SSH remedy: a gate fails when the node\'s sshd would answer otherwise (an earlier drop-in added after planning)', () => {
  const node = pveNode();
  const { plan } = planAndApply({ nodes: [node], config: ALICE });
  const changed = { ...node, files: { ...node.files, '/etc/ssh/sshd_config.d/00-aaa.conf': 'MaxAuthTries 6\n' } };
  const { gateFailures } = applyOps(changed, plan.ops);
  assert.ok(gateFailures.some((g) => g.includes('no line "maxauthtries 3"')), gateFailures.join('\n'));
});

const refusedAll: [string, MemorySnapshotSpec, Partial<PvesecConfig>, RegExp][] = [
  ['no admin declared', pveNode(), { admin_users: [] }, /no declared admin who can log in with a key \(admin_users is empty\)/],
  ['the declared admin has no key', pveNode({ homes: { ...GOOD_HOMES, bob: { uid: 1001 } } }), { admin_users: ['bob'] }, /bob has no authorized key and pvesec\.yaml declares none/],
  ['the declared admin does not exist and has no keys', pveNode(), { admin_users: ['carol'] }, /carol is not an account on this node and pvesec\.yaml declares no authorized_keys/],
  ['an AllowGroups already shuts the admin out', pveNode({ main: `${PVE_SSHD_CONFIG}AllowGroups sshusers\n` }), ALICE, /even today alice from 10\.10\.0\.1 could not log in with a key \(AllowUsers\/AllowGroups\/DenyUsers\/DenyGroups refuse it\)/],
  ['sshd_config does not read the drop-ins', pveNode({ main: PVE_SSHD_CONFIG.replace('Include /etc/ssh/sshd_config.d/*.conf', '') }), ALICE, /does not Include \/etc\/ssh\/sshd_config\.d\/00-pvesec\.conf/],
];
for (const [name, node, config, re] of refusedAll) {
  test(`SSH remedy refused: ${name}`, () => {
    const { plan } = planAndApply({ nodes: [node], config });
    assert.deepEqual(plan.ops, []);
    const ssh = [...plan.manual].filter(([id]) => id.startsWith('SSH'));
    assert.ok(ssh.length > 0);
    for (const [id, why] of ssh) assert.match(why, re, id);
  });
}

test('SSH remedy: an admin declared with keys but not yet created is admitted and probed', () => {
  const config: Partial<PvesecConfig> = { admin_users: [{ name: 'dave', authorized_keys: [pubkey('ed25519')] }], admin_sources: ['192.0.2.10'] };
  const { plan } = planAndApply({ nodes: [pveNode()], config });
  assert.match(dropin(plan.ops)!.content, /^AllowUsers root alice bob dave$/m);
  assert.ok(gates(plan.ops).some((g) => g.argv[3] === 'user=dave,host=192.0.2.10,addr=192.0.2.10'));
});

test('SSH remedy refused: the only declared admin\'s authorized_keys is a symbolic link', () => {
  const config: Partial<PvesecConfig> = { admin_users: [{ name: 'alice', authorized_keys: [pubkey('ed25519')] }], admin_sources: ['10.10.0.0/24'] };
  const { plan } = planAndApply({
    nodes: [pveNode()], config,
    mutate: (s) => s.addFile({ path: '/home/alice/.ssh/authorized_keys', content: Buffer.alloc(0), stat: { mode: 0o777, uid: 1000, gid: 1000, type: 'symlink', linkTarget: '/srv/keys/alice' } }),
  });
  assert.equal(dropin(plan.ops), undefined);
  assert.match(plan.manual.get('SSH-02')!, /no declared admin who can log in with a key \(\/home\/alice\/\.ssh\/authorized_keys is a symbolic link to \/srv\/keys\/alice/);
});

test('SSH remedy on a PVE cluster node: root\'s authorized_keys (a link into /etc/pve/priv) is never written', () => {
  const { plan } = planAndApply({
    nodes: [pveNode({ cluster: true })], config: { ...ALICE, root_login: 'peers-only' },
    mutate: (s) => s.addFile({ path: '/root/.ssh/authorized_keys', content: Buffer.alloc(0), stat: { mode: 0o777, uid: 0, gid: 0, type: 'symlink', linkTarget: '/etc/pve/priv/authorized_keys' } }),
  });
  assert.ok(dropin(plan.ops));
  assert.deepEqual(plan.ops.filter((o) => 'path' in o).map((o) => (o as { path: string }).path), [SSH_DROPIN]);
});
