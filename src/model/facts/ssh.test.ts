import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { memorySnapshot, type MemorySnapshotSpec } from '../../collect/memory.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { groupClusters } from '../../audit/run.js';
import { FactContext } from '../fact.js';
import { COROSYNC_CONF, HARDENED_DROPIN } from '../../checks/ssh/testing.js';
import { conflictingOverrides, peerConnections, peersFact, sshdDrift, sshdFact, sshdValue } from './ssh.js';

const fixture = (name: string) => readFileSync(new URL(`../../parse/fixtures/${name}`, import.meta.url), 'utf8');
const PEER_FWD = 'Match Address 10.0.0.11,10.0.0.12,10.0.0.13 User root\n  AllowTcpForwarding yes\n';

function ctxOf(spec: MemorySnapshotSpec): FactContext {
  const [cluster] = groupClusters([memorySnapshot(spec)]);
  return new FactContext(cluster.nodes[0], cluster, DEFAULT_CONFIG);
}

// The files below and debian12-hardened-sshd-T.txt were fed to OpenSSH 9.2p1 (`sshd -T -f`): the dump is real.
const hardened = {
  files: {
    '/etc/ssh/sshd_config': fixture('debian12-sshd_config') + PEER_FWD,
    '/etc/ssh/sshd_config.d/10-pvesec.conf': HARDENED_DROPIN,
  },
  commands: { 'sshd -T': fixture('debian12-hardened-sshd-T.txt'), 'sshd -t': '' },
};

test('the files evaluate to exactly what real sshd -T printed for them (no drift)', () => {
  const state = ctxOf(hardened).get(sshdFact);
  assert.equal(state.source, 'sshd -T');
  assert.deepEqual(state.files?.files, ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/10-pvesec.conf']);
  assert.deepEqual(sshdDrift(state.files!, state.sshdT!), []);
  const plain = ctxOf({ files: { '/etc/ssh/sshd_config': fixture('debian12-sshd_config') }, commands: { 'sshd -T': fixture('debian12-sshd-T.txt') } }).get(sshdFact);
  assert.deepEqual(sshdDrift(plain.files!, plain.sshdT!), []);
});

test('per-connection values: Match blocks of the files over sshd -T (observed: sshd -T -C user=root,addr=10.0.0.12)', () => {
  const state = ctxOf(hardened).get(sshdFact);
  const root = sshdValue(state, 'allowtcpforwarding', { user: 'root', addr: '10.0.0.12', host: '10.0.0.12' })!;
  assert.equal(root.value, 'yes');
  assert.equal(root.origin, 'file');
  assert.deepEqual(root.evidence[0], { source: '/etc/ssh/sshd_config', line: 124, text: 'AllowTcpForwarding yes' });
  assert.equal(sshdValue(state, 'allowtcpforwarding', { user: 'alice', addr: '10.0.0.12' })!.value, 'no');
  const global = sshdValue(state, 'allowtcpforwarding')!;
  assert.deepEqual([global.value, global.origin, global.evidence[0].source], ['no', 'sshd -T', 'sshd -T']);
  assert.deepEqual(sshdValue(state, 'allowgroups')!.values, ['sudo', 'root']);
});

test('files mode: normalized values, defaults, and overrides that change a value', () => {
  const state = ctxOf({ files: hardened.files }).get(sshdFact);
  assert.equal(state.source, 'files');
  assert.match(state.sshdTNote!, /sshd -T is not in the bundle/);
  assert.deepEqual([sshdValue(state, 'permitrootlogin')!.value, sshdValue(state, 'logingracetime')!.value, sshdValue(state, 'clientaliveinterval')!.value], ['without-password', '30', '300']);
  const d = sshdValue(state, 'clientalivecountmax')!;
  assert.deepEqual([d.value, d.isDefault, d.origin], ['3', true, 'default']);
  assert.deepEqual(conflictingOverrides(state.files!).map((o) => `${o.directive.keyword}@${o.directive.line}`), ['x11forwarding@90']);
});

test('OpenSSH version from dpkg selects the defaults', () => {
  const dpkg = 'Package: openssh-server\nStatus: install ok installed\nVersion: 1:10.0p1-7\n';
  const state = ctxOf({ files: { '/etc/ssh/sshd_config': 'Port 22\n', '/var/lib/dpkg/status': dpkg } }).get(sshdFact);
  assert.equal(state.version, 10);
  assert.match(sshdValue(state, 'kexalgorithms')!.value, /^mlkem768x25519-sha256,/);
});

test('peers come from corosync.conf, without this node', () => {
  const ctx = ctxOf({ files: { '/etc/pve/corosync.conf': COROSYNC_CONF, '/etc/hostname': 'pve2\n' } });
  const peers = ctx.get(peersFact);
  assert.deepEqual(peers.map((p) => [p.name, p.addrs]), [['pve1', ['10.0.0.11']], ['pve3', ['10.0.0.13']]]);
  assert.deepEqual(peerConnections(peers).map((c) => c.conn.addr), ['10.0.0.11', '10.0.0.13']);
  assert.deepEqual(ctxOf({ files: { '/etc/hostname': 'solo\n' } }).get(peersFact), []);
});

test('neither files nor sshd -T: Unavailable naming both', () => {
  assert.throws(() => ctxOf({ errors: { 'sshd -T': 'sudo: a password is required' } }).get(sshdFact), /sshd_config is not in the bundle; sshd -T: sudo: a password is required/);
});

// openssh92-tricky-sshd-T.txt is the real `sshd -T` (OpenSSH 9.2p1) of openssh92-tricky-sshd_config plus the drop-in below:
// repeated Port/AcceptEnv, time units, case, +/-/^ algorithm modifiers, AllowUsers with a host part, Match all.
test('drift: none against real sshd -T of a tricky configuration; a changed value is named', () => {
  const files = {
    '/etc/ssh/sshd_config': fixture('openssh92-tricky-sshd_config'),
    '/etc/ssh/sshd_config.d/a.conf': 'X11Forwarding no\nUsePAM yes\nPasswordAuthentication=no\n',
  };
  const real = fixture('openssh92-tricky-sshd-T.txt');
  const state = ctxOf({ files, commands: { 'sshd -T': real } }).get(sshdFact);
  assert.deepEqual(state.fileDiagnostics, []);
  assert.deepEqual(sshdDrift(state.files!, state.sshdT!), []);
  assert.equal(sshdValue(state, 'maxauthtries')!.value, '2');
  const changed = real.replace('maxauthtries 2', 'maxauthtries 6').replace('port 2222\n', '').replace(/^macs .*$/m, 'macs hmac-sha1,umac-64@openssh.com');
  const drifted = ctxOf({ files, commands: { 'sshd -T': changed } }).get(sshdFact);
  assert.deepEqual(sshdDrift(drifted.files!, drifted.sshdT!).map((d) => `${d.key}: ${d.files} / ${d.sshd}`), [
    'port: 22 2222 / 22',
    'macs: -hmac-sha1,umac-64* / hmac-sha1,umac-64@openssh.com',
    'maxauthtries: 2 / 6',
  ]);
});

test('files mode expands +, - and ^ algorithm lists like the real sshd -T of the same files', () => {
  const files = { '/etc/ssh/sshd_config': fixture('openssh92-tricky-sshd_config') };
  const state = ctxOf({ files }).get(sshdFact);
  const real = parseRealT(fixture('openssh92-tricky-sshd-T.txt'));
  for (const key of ['ciphers', 'macs', 'kexalgorithms']) assert.equal(sshdValue(state, key)!.value, real.get(key), key);
});

function parseRealT(text: string): Map<string, string> {
  return new Map(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
}
