import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { applyOps, remedyInput, statusesOf } from '../../harden/plan-testing.js';
import { ManualOnly, type NodePlan, type PlannedOp } from '../../harden/plan-types.js';
import { gateFirewallChange, gatePlanNow, pvesecSource, verifyLiveRuleset } from '../../harden/fw-gate.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { memorySnapshot } from '../../collect/memory.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';
import { EMPTY_IP6TABLES, EMPTY_IPTABLES, HANDWRITTEN_V4, pveNode } from '../../../test/fixtures/netfilter/helpers.js';
import { corosyncConf, pveNodeWith } from './testing.js';
import { fwRemedy, iptablesAllowlistFor } from './remedy.js';
import { canonicalRuleset } from './iptables-allowlist.js';

const STATES = 'ssh active enabled\npve-firewall inactive not-found\nproxmox-firewall inactive not-found\nnetfilter-persistent inactive not-found\npveproxy active enabled\n';
const SSHD_T = 'port 22\naddressfamily any\nlistenaddress [::]:22\nlistenaddress 0.0.0.0:22\npermitrootlogin prohibit-password\n';
const CONFIG = { admin_sources: ['10.10.0.0/24', '2001:db8:10::/64'], non_admin_networks: ['192.168.50.0/24'] };
const FW = ['FW-04', 'FW-05', 'FW-06', 'FW-10', 'FW-13'];

/** A Debian/PVE node without pve-firewall, nothing filtered, collected over SSH from `from`. */
function bareNode(from = '10.10.0.5', extra: Partial<MemorySnapshotSpec> = {}): MemorySnapshotSpec {
  const base = pveNodeWith({ clusterFw: null, states: STATES, iptables: EMPTY_IPTABLES, ip6tables: EMPTY_IP6TABLES }, { '/var/lib/dpkg/status': dpkgStatus({ iptables: '1.8.9-2' }) }, { 'sshd -T': SSHD_T });
  return { ...base, ...extra, files: { ...base.files, ...extra.files }, commands: { ...base.commands, ...extra.commands }, meta: { sshConnection: `${from} 51234 192.0.2.1 22` } };
}

function planOf(spec: MemorySnapshotSpec, config: object = CONFIG): PlannedOp[] {
  return fwRemedy.plan(remedyInput(spec, config));
}

function manualOf(spec: MemorySnapshotSpec, config: object = CONFIG): string {
  try {
    planOf(spec, config);
  } catch (e) {
    assert.ok(e instanceof ManualOnly, String(e));
    return e.reason;
  }
  assert.fail('expected ManualOnly');
}

test('FW remedy (iptables mode): the allowlist makes FW-04/05/06/10/13 pass, and a second plan changes nothing', () => {
  const tree = bareNode();
  const before = statusesOf(tree, CONFIG, FW);
  assert.deepEqual(before.get('FW-04'), ['FAIL'], 'SSH open to everyone before');
  const ops = planOf(tree);
  assert.deepEqual(ops.map((o) => `${o.phase} ${o.kind} ${'path' in o ? o.path : 'unit' in o ? o.unit : 'packages' in o ? o.packages.join(',') : ''}`), [
    'packages install-packages iptables-persistent',
    'restrict write-file /etc/iptables/rules.v4',
    'restrict load-ruleset /etc/iptables/rules.v4',
    'restrict write-file /etc/iptables/rules.v6',
    'restrict load-ruleset /etc/iptables/rules.v6',
    'restrict service netfilter-persistent',
  ]);
  const v4 = ops.find((o) => o.kind === 'write-file' && o.path.endsWith('v4'));
  assert.ok(v4?.kind === 'write-file');
  assert.match(v4.content, /^:INPUT DROP \[0:0\]$/m);
  assert.match(v4.content, /^-A INPUT -s 10\.10\.0\.0\/24 -p tcp -m multiport --dports 22,3128,8006 -j ACCEPT$/m);
  const v6 = ops.find((o) => o.kind === 'write-file' && o.path.endsWith('v6'));
  assert.ok(v6?.kind === 'write-file');
  assert.match(v6.content, /^-A INPUT -s 2001:db8:10::\/64 -p tcp -m multiport --dports 22,3128,8006 -j ACCEPT$/m);
  assert.match(v6.content, /--icmpv6-type 135 -j ACCEPT/, 'neighbour solicitation (NDP) accepted');
  // the before/after table rides on the first load operation
  const load = ops.find((o) => o.kind === 'load-ruleset');
  assert.ok(load?.kind === 'load-ruleset');
  assert.ok(load.exposure?.some((l) => /^~ ssh +tcp\/22 +IPv4: every address -> 10\.10\.0\.0\/24 \(256 addresses\)$/.test(l)), load.exposure?.join('\n'));
  assert.ok(load.exposure?.some((l) => l.startsWith('nobody is locked out')));
  const after = applyOps(tree, ops);
  const statuses = statusesOf(after, CONFIG, FW);
  for (const id of FW) assert.deepEqual(statuses.get(id), ['PASS'], `${id} after the plan`);
  // applied: the files, the live ruleset and the unit are as planned: nothing left to change
  const again = planOf({ ...after, meta: tree.meta });
  assert.deepEqual(again.filter((o) => o.kind !== 'write-file'), []);
  assert.equal(canonicalRuleset(v4.content).join('\n'), canonicalRuleset(String((after.commands!['iptables-save'] as string))).join('\n'));
});

test('FW remedy: peers get SSH, corosync and migration; sshd on 2200 is what the admins get', () => {
  const tree = bareNode('10.10.0.5', { files: { '/etc/pve/corosync.conf': corosyncConf({ pve1: '10.20.0.1', pve2: '10.20.0.2', pve3: '10.20.0.3' }) }, commands: { 'sshd -T': 'port 2200\npermitrootlogin prohibit-password\n' } });
  const rules = iptablesAllowlistFor(remedyInput(tree, CONFIG).ctx);
  assert.match(rules[4], /^-A INPUT -s 10\.10\.0\.0\/24 -p tcp -m multiport --dports 2200,3128,8006 -j ACCEPT$/m);
  for (const peer of ['10.20.0.2', '10.20.0.3']) {
    assert.match(rules[4], new RegExp(`^-A INPUT -s ${peer.replace(/\./g, '\\.')}/32 -p tcp -m tcp --dport 2200 -j ACCEPT$`, 'm'));
    assert.match(rules[4], new RegExp(`^-A INPUT -s ${peer.replace(/\./g, '\\.')}/32 -p udp -m udp --dport 5404:5405 -j ACCEPT$`, 'm'));
    assert.match(rules[4], new RegExp(`^-A INPUT -s ${peer.replace(/\./g, '\\.')}/32 -p tcp -m tcp --dport 60000:60050 -j ACCEPT$`, 'm'));
  }
  assert.doesNotMatch(rules[4], /10\.20\.0\.1\//, 'not the node itself');
  const ops = planOf(tree);
  assert.ok(ops.some((o) => o.kind === 'load-ruleset'));
});

test('FW remedy refuses: pvesec from a non-admin address, an admin source typo, no admin_sources, two managers, pve mode where pve-firewall is not installed', () => {
  assert.match(manualOf(bareNode('192.168.50.7')), /firewall change refused: the change would lock out pvesec itself \(192\.168\.50\.7\) on tcp\/22/);
  // the bastion is 10.10.0.5; 10.1.0.0/24 was meant as 10.10.0.0/24
  assert.match(manualOf(bareNode('10.10.0.5'), { admin_sources: ['10.1.0.0/24'] }), /LOCKOUT pve1: tcp\/22 from pvesec itself \(10\.10\.0\.5\) 10\.10\.0\.5\/32 \(1 address\): ACCEPT -> DROP by INPUT policy DROP/);
  assert.match(manualOf(bareNode(), {}), /needs admin_sources in pvesec\.yaml/);
  const dual = pveNode({ rulesV4: HANDWRITTEN_V4 });
  assert.match(manualOf(dual), /two firewall managers: the Proxmox firewall is active .*persisted: \/etc\/iptables\/rules\.v4/);
  assert.match(manualOf(bareNode(), { ...CONFIG, firewall: 'pve' }), /pve-firewall is not installed on this node: use firewall: iptables/);
  // iptables named while the Proxmox firewall runs (without hand-written rules yet): refused, it would make two managers
  assert.match(manualOf(pveNode({ iptables: EMPTY_IPTABLES }), { ...CONFIG, firewall: 'iptables' }), /firewall: iptables, but the Proxmox firewall is active/);
  // auto picks pve where pve-firewall is installed
  const withPvefw = bareNode('10.10.0.5', { commands: { 'systemctl-states': STATES.replace('pve-firewall inactive not-found', 'pve-firewall inactive disabled') } });
  assert.ok(planOf(withPvefw).some((o) => o.kind === 'write-file' && o.path.startsWith('/etc/pve/') && o.pmxcfs), 'auto: pve mode writes the .fw files');
  assert.ok(planOf(withPvefw, { ...CONFIG, firewall: 'iptables' }).length > 0);
});

test('firewall gate: a proposed ruleset without corosync locks the peers out; the own address comes from SSH_CONNECTION', () => {
  const tree = bareNode('::ffff:10.10.0.5', { files: { '/etc/pve/corosync.conf': corosyncConf({ pve1: '10.20.0.1', pve2: '10.20.0.2' }) } });
  const { ctx } = remedyInput(tree, CONFIG);
  assert.equal(pvesecSource(ctx.snapshot), '10.10.0.5');
  const rules = iptablesAllowlistFor(ctx)[4].split('\n').filter((l) => !l.includes('5404:5405')).join('\n');
  const gate = gateFirewallChange(ctx, { commands: new Map([['iptables-save', rules]]) }, '10.10.0.5');
  assert.equal(gate.refused, true);
  assert.match(gate.reason, /peer pve2 ring0 on udp\/5404-5405 \(10\.20\.0\.2\/32\)/);
  assert.ok(gate.lines.some((l) => /^LOCKOUT pve1: udp\/5404-5405 from peer pve2 ring0 10\.20\.0\.2\/32 \(1 address\): ACCEPT -> DROP/.test(l)), gate.lines.join('\n'));
  assert.equal(pvesecSource(memorySnapshot({ target: 'x', files: {}, commands: {} })), undefined);
});

test('FW remedy with fail2ban running: restarted after the load (its f2b chains come back), read back; its chains in the live ruleset are neither a change to plan nor drift', () => {
  const banned = (rules: string) => rules.replace(':OUTPUT ACCEPT [0:0]\n', ':OUTPUT ACCEPT [0:0]\n:f2b-sshd - [0:0]\n')
    .replace(/(^-A INPUT )/m, '-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd\n$1')
    .replace(/^COMMIT$/m, '-A f2b-sshd -s 203.0.113.9/32 -j REJECT --reject-with icmp-port-unreachable\n-A f2b-sshd -j RETURN\nCOMMIT');
  const states = `${STATES}fail2ban active enabled\n`;
  const tree = bareNode('10.10.0.5', { commands: { 'systemctl-states': states, 'iptables-save': banned(EMPTY_IPTABLES) } });
  assert.match(String(tree.commands!['iptables-save']), /-A f2b-sshd -s 203\.0\.113\.9/);
  const ops = planOf(tree);
  const ids = ops.map((o) => o.id);
  assert.ok(ids.includes('service:restart:fail2ban') && ids.includes('validate:fail2ban-back'), ids.join(' '));
  assert.ok(ids.indexOf('service:restart:fail2ban') > ids.lastIndexOf('load:/etc/iptables/rules.v6'), 'restarted after both loads');
  // without fail2ban running: no restart
  assert.ok(!planOf(bareNode()).some((o) => o.id.includes('fail2ban')));

  // applied, and fail2ban re-created its chain with the ban: the next plan loads nothing, the verification sees no drift
  const applied = applyOps(tree, ops);
  const live4 = banned(String(applied.commands!['iptables-save']));
  assert.match(live4, /^-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd$/m);
  const after = { ...applied, commands: { ...applied.commands, 'iptables-save': live4 }, meta: tree.meta };
  assert.deepEqual(planOf(after).filter((o) => o.kind === 'load-ruleset' || o.kind === 'service'), []);
  const plan = { node: 'pve1', target: 'ssh://root@pve1', ops, fileDigests: {}, fixes: FW, manual: [] } as NodePlan;
  const verdict = verifyLiveRuleset(plan, memorySnapshot(tree), memorySnapshot(after), { ...DEFAULT_CONFIG, ...CONFIG });
  assert.equal(verdict.ok, true, verdict.detail);
  // real drift is still drift: an accept the plan does not have
  const drifted = { ...after, commands: { ...after.commands, 'iptables-save': live4.replace(/^COMMIT$/m, '-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT') } };
  const bad = verifyLiveRuleset(plan, memorySnapshot(tree), memorySnapshot(drifted), { ...DEFAULT_CONFIG, ...CONFIG });
  assert.equal(bad.ok, false);
  assert.match(bad.detail, /ssh tcp\/22 IPv4 accepted on any port: live 10\.10\.0\.0\/24, 198\.51\.100\.0\/24/);
});

test('--force past the gate: a peer or admin loss is named (FORCED) instead of refused; the loss of pvesec itself never is', () => {
  const tree = bareNode('10.10.0.5', { files: { '/etc/pve/corosync.conf': corosyncConf({ pve1: '10.20.0.1', pve2: '10.20.0.2' }) } });
  const { ctx } = remedyInput(tree, CONFIG);
  const noCorosync = iptablesAllowlistFor(ctx)[4].split('\n').filter((l) => !l.includes('5404:5405')).join('\n');
  const forced = gateFirewallChange(ctx, { commands: new Map([['iptables-save', noCorosync]]) }, '10.10.0.5', { force: true });
  assert.equal(forced.refused, false, forced.reason);
  assert.deepEqual(forced.forced.map((l) => `${l.who} ${l.ports.join(',')}`), ['peer pve2 ring0 udp/5404-5405']);
  assert.match(forced.reason, /^forced \(--force\): pve1: peer pve2 ring0 on udp\/5404-5405 \(10\.20\.0\.2\/32\) lose access; pvesec itself keeps it$/);
  assert.ok(forced.lines.some((l) => /^FORCED  --force: applied although this loses access: pve1: peer pve2 ring0 on udp\/5404-5405 \(10\.20\.0\.2\/32\)/.test(l)), forced.lines.join('\n'));
  // the same ruleset without pvesec's own address (10.10.0.5 is outside the admin /24 it keeps): refused even forced
  const withoutMe = noCorosync.replace(/-s 10\.10\.0\.0\/24/, '-s 10.10.0.128/25');
  const own = gateFirewallChange(ctx, { commands: new Map([['iptables-save', withoutMe]]) }, '10.10.0.5', { force: true });
  assert.equal(own.refused, true);
  assert.deepEqual(own.forced, []);
  assert.match(own.reason, /pvesec itself \(10\.10\.0\.5\) on tcp\/22 \(10\.10\.0\.5\/32\)/);
  assert.match(own.reason, /--force never overrides the loss of the address pvesec connects from/);
  assert.match(own.reason, /admin on tcp\/22 \(10\.10\.0\.0\/25\)/, 'and the admin range is named as refusing too');
});

test('apply --force (gatePlanNow): the forced losses are told as FORCED/LOCKOUT progress lines; without --force the same plan is refused', () => {
  const tree = bareNode('10.10.0.5', { files: { '/etc/pve/corosync.conf': corosyncConf({ pve1: '10.20.0.1', pve2: '10.20.0.2' }) } });
  const ops = planOf(tree);
  const edited = ops.map((o) => (o.kind === 'write-file' && o.path.endsWith('rules.v4') ? { ...o, content: o.content.split('\n').filter((l) => !l.includes('-s 10.20.0.2/32 -p tcp -m tcp --dport 22 ')).join('\n') } : o));
  const plan = { node: 'pve1', target: 'ssh://root@pve1', ops: edited, fileDigests: {}, fixes: FW, manual: [] } as NodePlan;
  const config = { ...DEFAULT_CONFIG, ...CONFIG };
  assert.match(gatePlanNow(plan, memorySnapshot(tree), config) ?? '', /^firewall change refused: the change would lock out peer pve2 ring0 on tcp\/22 \(10\.20\.0\.2\/32\)$/);
  const told: string[] = [];
  assert.equal(gatePlanNow(plan, memorySnapshot(tree), config, { force: true, warn: (l) => told.push(l) }), undefined);
  assert.ok(told.some((l) => /^pve1: LOCKOUT pve1: tcp\/22 from peer pve2 ring0 10\.20\.0\.2\/32/.test(l)), told.join('\n'));
  assert.ok(told.some((l) => l.startsWith('pve1: FORCED')), told.join('\n'));
  // and planning with force: the remedy plans the change, the FORCED line under the load operation
  const input = { ...remedyInput(tree, CONFIG), force: true };
  assert.ok(fwRemedy.plan(input).length > 0);
});
