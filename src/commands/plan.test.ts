import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBundle } from '../collect/bundle.js';
import { memorySnapshot, type MemorySnapshotSpec } from '../collect/memory.js';
import type { Plan } from '../harden/plan-types.js';
import { loadPlanFile } from '../harden/plan-json.js';
import { applyOps, specOf, statusesOf } from '../harden/plan-testing.js';
import { runAudit } from './audit.js';
import { runPlan } from './plan.js';
import { UsageError } from './options.js';
import { recordingIO } from './testing.js';

const now = new Date('2026-11-25T12:00:00Z');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-plan-'));
const noConfig = path.join(tmp, 'none.yaml');
fs.writeFileSync(noConfig, '# defaults\n');
const adminConfig = path.join(tmp, 'admins.yaml');
fs.writeFileSync(adminConfig, 'admin_sources: [192.168.1.0/24]\n');

/** The controls with an automatic remedy on this node (written down here, not taken from the registry): pve-firewall is installed, so the pve mode's FW controls. */
const AUTOMATIC = ['BF-01', 'BF-02', 'BF-03', 'UPD-01', 'UPD-02', 'UPD-03', 'KRN-01', 'AUD-01', 'AUD-02', 'BAK-01', 'FW-01', 'FW-02', 'FW-03', 'FW-04', 'FW-05', 'FW-06', 'FW-07', 'FW-13'];

async function planJson(targets: string[], opts: Record<string, string> = {}, deps = {}) {
  const io = recordingIO();
  const code = await runPlan(targets, { config: noConfig, format: 'json', ...opts }, io, { now, ...deps });
  return { code, plan: JSON.parse(io.stdout) as Plan, io };
}

test('plan examples/fresh-install: what it fixes is what fails and has a remedy; the rest is left with its fix text', async () => {
  const io = recordingIO();
  await runAudit(['examples/fresh-install'], { config: noConfig, format: 'json' }, io, { now });
  const findings = (JSON.parse(io.stdout) as { findings: { id: string; status: string }[] }).findings;
  const failing = [...new Set(findings.filter((f) => f.status === 'FAIL' || f.status === 'WARN').map((f) => f.id))];

  const out = path.join(tmp, 'fresh.json');
  const { code, plan } = await planJson(['examples/fresh-install'], { config: adminConfig, out });
  assert.equal(code, 1);
  assert.equal(plan.schema, 'pvesec.plan/v1');
  assert.deepEqual(loadPlanFile(out), plan, '--out holds the same plan');
  const [node] = plan.nodes;
  assert.equal(node.node, 'pve');
  assert.deepEqual(node.fixes.slice().sort(), failing.filter((id) => AUTOMATIC.includes(id)).sort());
  assert.deepEqual(node.fixes, ['FW-01', 'FW-03', 'FW-04', 'FW-05', 'FW-13', 'BF-01', 'BF-02', 'BF-03', 'UPD-01', 'KRN-01', 'AUD-01', 'AUD-02', 'BAK-01']);
  assert.deepEqual(node.manual.map((m) => m.id).sort(), failing.filter((id) => !AUTOMATIC.includes(id)).sort());
  assert.ok(node.manual.every((m) => m.fix.length > 10));
  // ACC and SSH have remedies, but they need a declared admin with keys: without one they stay manual, saying so
  const needAdmin = node.manual.filter((m) => /^(ACC|SSH)-/.test(m.id) && m.id !== 'SSH-15');
  assert.ok(needAdmin.length > 0);
  assert.ok(needAdmin.every((m) => /admin/.test(m.reason)), JSON.stringify(needAdmin.map((m) => m.reason)));
  // the FW remedy's mode for this node (pve-firewall installed: pve) says why it left them
  const fwRemedied = ['FW-01', 'FW-02', 'FW-03', 'FW-04', 'FW-05', 'FW-06', 'FW-07', 'FW-10', 'FW-11', 'FW-13'];
  assert.ok(node.manual.filter((m) => fwRemedied.includes(m.id)).every((m) => /firewall/.test(m.reason)), JSON.stringify(node.manual.filter((m) => m.id.startsWith('FW'))));
  assert.ok(node.manual.filter((m) => !/^(ACC|SSH)-/.test(m.id) && !fwRemedied.includes(m.id)).every((m) => m.reason === 'no automatic remedy'));
  assert.deepEqual(node.ops.filter((o) => o.kind === 'install-packages').flatMap((o) => (o.kind === 'install-packages' ? o.packages : [])), ['fail2ban', 'python3-systemd', 'unattended-upgrades', 'auditd']);
  assert.deepEqual(node.ops.flatMap((o) => (o.kind === 'write-file' ? [o.path] : [])).sort(), [
    '/etc/apt/apt.conf.d/90pvesec-unattended-upgrades', '/etc/audit/rules.d/pvesec.rules', '/etc/fail2ban/filter.d/proxmox-webui.conf',
    '/etc/fail2ban/jail.d/pvesec.local', '/etc/pve/firewall/cluster.fw', '/etc/pve/nodes/pve/host.fw', '/etc/sysctl.d/90-pvesec.conf', '/etc/systemd/system/pvesec-config-backup.service',
    '/etc/systemd/system/pvesec-config-backup.timer', '/usr/local/sbin/pvesec-config-backup',
  ]);
  assert.deepEqual(node.ops.filter((o) => o.cutsAccess).map((o) => o.id), [
    'write:/etc/fail2ban/jail.d/pvesec.local', 'write:/etc/pve/nodes/pve/host.fw', 'write:/etc/pve/firewall/cluster.fw',
    'service:reload-or-restart:fail2ban', 'service:enable-now:fail2ban', 'service:pve-firewall',
  ]);
  assert.match(node.ops.find((o) => o.kind === 'write-file' && o.path.endsWith('pvesec.local'))!.kind === 'write-file' ? (node.ops.find((o) => o.id === 'write:/etc/fail2ban/jail.d/pvesec.local') as { content: string }).content : '', /^ignoreip = 127\.0\.0\.1\/8 ::1 192\.168\.1\.0\/24$/m);
  for (const [p, d] of Object.entries(node.fileDigests)) if (node.ops.some((o) => o.kind === 'write-file' && o.path === p)) assert.equal(d, null, p);
});

test('after the plan, the fixed controls pass, nothing else changes, and a second plan has nothing to do', async () => {
  const { plan } = await planJson(['examples/fresh-install']);
  const before = specOf(await readBundle('examples/fresh-install'));
  const applied = applyOps(before, plan.nodes[0].ops);
  // the first archive the backup service writes, as the collector lists it (the script itself runs in the BAK remedy test)
  const afterSpec: MemorySnapshotSpec = { ...applied, commands: { ...applied.commands, 'config-backups': `${now.getTime() / 1000 - 60} 51287 /root/pve-config-20261125-115900.tar.gz\netc/pve/\netc/ssh/\netc/apt/\n` } };
  const was = statusesOf(before, {}, undefined, now);
  const is = statusesOf(afterSpec, {}, undefined, now);
  for (const [id, statuses] of was) {
    if (plan.nodes[0].fixes.includes(id)) assert.ok(is.get(id)!.every((s) => s === 'PASS'), `${id}: ${is.get(id)}`);
    else if (id !== 'UPD-02') assert.deepEqual(is.get(id), statuses, id); // UPD-02 SKIPped without the package; now judged (PASS)
  }
  assert.deepEqual(is.get('UPD-02'), ['PASS']);
  const collect = async (targets: string[]) => targets.map((target) => ({ target, snapshot: memorySnapshot({ ...afterSpec, target }) }));
  const again = await planJson(['examples/fresh-install'], {}, { collect });
  assert.deepEqual(again.plan.nodes[0].ops, []);
  assert.equal(again.code, 0);
});

test('plan text: per node the changes, the diffs, the access-cutting ops, then the summary and the manual fixes', async () => {
  const io = recordingIO();
  const code = await runPlan(['examples/fresh-install'], { config: noConfig }, io, { now });
  assert.equal(code, 1);
  const text = io.stdout;
  assert.match(text, /^Node pve \(examples\/fresh-install\)$/m);
  assert.match(text, /^ {2}packages to install: fail2ban, python3-systemd, unattended-upgrades, auditd$/m);
  assert.match(text, /^ {4}--- \/etc\/sysctl\.d\/90-pvesec\.conf absent$/m);
  assert.match(text, /^ {4}\+kernel\.dmesg_restrict = 1$/m);
  assert.match(text, /^ +\d+ ! restrict +write \/etc\/fail2ban\/jail\.d\/pvesec\.local/m);
  assert.match(text, /^ {2}8 controls fixed \(BF-01, BF-02, BF-03, UPD-01, KRN-01, AUD-01, AUD-02, BAK-01\), \d+ left for a human:$/m);
  assert.match(text, /^ {4}FW-12 FAIL: no automatic remedy\n {8}\S/m);
  assert.match(text, /^Plan: \d+ operations on 1 node; 8 controls fixed, \d+ left for a human\.$/m);
});

test('plan text: what a node holds is escaped, in diffs as everywhere', async () => {
  const spec: MemorySnapshotSpec = {
    meta: { hostname: 'pve9' },
    files: { '/etc/sysctl.d/90-pvesec.conf': '# \x1b[2Jowned\nkernel.dmesg_restrict = 1\n', '/etc/hostname': 'pve9\n' },
    commands: { 'sysctl -a': 'kernel.dmesg_restrict = 1\nnet.ipv4.conf.all.log_martians = 0\n', 'uname -r': '6.17.2-1-pve\n' },
  };
  const io = recordingIO();
  const code = await runPlan(['x'], { config: noConfig, control: 'KRN-01' }, io, { now, collect: async (t) => t.map((target) => ({ target, snapshot: memorySnapshot({ ...spec, target }) })) });
  assert.equal(code, 1);
  assert.ok(!io.stdout.includes('\x1b'), io.stdout);
  assert.match(io.stdout, /^ {4}-# \\x1b\[2Jowned$/m);
  assert.match(io.stdout, /^ {4}\+net\.ipv4\.conf\.all\.log_martians = 1$/m);
});

test('plan: exit 0 with nothing to change, 2 on usage, configuration or collection errors', async () => {
  // the hardened example only WARNs on SSH-07 (its drop-in offers ecdh-sha2-nistp256): that is all a plan changes
  const hardened = await planJson(['examples/hardened-cluster'], { config: 'examples/hardened-cluster/pvesec.yaml' });
  assert.equal(hardened.code, 1);
  assert.equal(hardened.plan.nodes.length, 3);
  assert.ok(hardened.plan.nodes.every((n) => n.fixes.join() === 'SSH-07'), JSON.stringify(hardened.plan.nodes.map((n) => n.fixes)));
  const nothing = await planJson(['examples/hardened-cluster'], { config: 'examples/hardened-cluster/pvesec.yaml', control: 'BF-*,UPD-*,KRN-*' });
  assert.equal(nothing.code, 0);
  assert.ok(nothing.plan.nodes.every((n) => n.ops.length === 0));
  await assert.rejects(runPlan(['examples/fresh-install'], { format: 'sarif' }, recordingIO(), { now }), (e) => e instanceof UsageError && /--format/.test(e.message));
  await assert.rejects(runPlan(['examples/fresh-install'], { control: 'XYZ-99' }, recordingIO(), { now }), UsageError);
  await assert.rejects(runPlan([], {}, recordingIO(), { now }), UsageError);
  const badConfig = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(badConfig, 'admin_sources: [not-an-address]\n');
  const io = recordingIO();
  assert.equal(await runPlan(['examples/fresh-install'], { config: badConfig }, io, { now }), 2);
  assert.match(io.stderr.join('\n'), /bad\.yaml/);
  const io2 = recordingIO();
  const partial = path.join(tmp, 'partial.json');
  assert.equal(await runPlan(['examples/fresh-install', path.join(tmp, 'no-such-bundle')], { config: noConfig, out: partial }, io2, { now }), 2);
  assert.match(io2.stderr.join('\n'), /no-such-bundle/);
  assert.match(io2.stderr.join('\n'), /partial\.json not written: 1 target could not be collected/);
  assert.equal(fs.existsSync(partial), false);
  assert.match(io2.stdout, /^Node pve /m, 'the nodes that were collected are still planned');
});

test('plan: a waived control is neither fixed nor left for a human; --control limits the plan', async () => {
  const waived = path.join(tmp, 'waived.yaml');
  fs.writeFileSync(waived, 'waivers:\n  - id: BF-*\n    reason: the edge firewall bans brute force\n');
  const { plan } = await planJson(['examples/fresh-install'], { config: waived });
  const [node] = plan.nodes;
  assert.ok(!node.fixes.some((id) => id.startsWith('BF-')) && !node.manual.some((m) => m.id.startsWith('BF-')));
  assert.ok(!node.ops.some((o) => o.controls.some((c) => c.startsWith('BF-'))));
  const only = await planJson(['examples/fresh-install'], { control: 'KRN-*' });
  assert.deepEqual(only.plan.nodes[0].fixes, ['KRN-01']);
  assert.deepEqual(only.plan.nodes[0].manual.map((m) => m.id), ['KRN-02', 'KRN-03']);
  assert.deepEqual(only.plan.nodes[0].fileDigests, { '/etc/sysctl.conf': null, '/etc/sysctl.d/90-pvesec.conf': null });
});
