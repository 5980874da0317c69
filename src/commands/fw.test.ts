import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memorySnapshot, type MemorySnapshotSpec } from '../collect/memory.js';
import type { Collector } from './audit.js';
import { runFwCheckChange, runFwExposure, runFwMatrix, runFwSimulate } from './fw.js';
import { recordingIO } from './testing.js';
import { UsageError } from './options.js';
import { CLUSTER_FW_GOOD, pveNode } from '../../test/fixtures/netfilter/helpers.js';
import { corosyncConf } from '../checks/fw/testing.js';
import { loadOracle } from '../../test/support/oracle.js';

const collectorOf = (specs: Record<string, MemorySnapshotSpec>): Collector => async (targets) =>
  targets.map((target) => (specs[target] ? { target, snapshot: memorySnapshot({ target, ...specs[target] }) } : { target, error: `${target}: no such bundle` }));

const COROSYNC = corosyncConf({ pve1: '10.10.0.11', pve2: '10.10.0.12' });
const node = (name: string): MemorySnapshotSpec => {
  const spec = pveNode({ name });
  return { ...spec, files: { ...spec.files, '/etc/pve/corosync.conf': COROSYNC } };
};
const collect = collectorOf({ 'bundles/pve1': node('pve1'), 'bundles/pve2': node('pve2') });
const now = new Date('2026-11-25T12:00:00Z');

test('fw matrix: a table per node with the deciding rules of what stands out; json', async () => {
  const io = recordingIO();
  assert.equal(await runFwMatrix(['bundles/pve1', 'bundles/pve2'], { format: 'text' }, io, { collect, now }), 0);
  assert.match(io.stdout, /^pve1: pve-firewall: pve-firewall is running and the firewall is enabled$/m);
  assert.match(io.stdout, /^ {2}source +address +ssh tcp\/22 +web tcp\/8006 +spice tcp\/3128 +corosync udp\/5404-5405 +migration tcp\/60000-60050$/m);
  assert.match(io.stdout, /^ {2}admin 10\.10\.0\.0\/24 +10\.10\.0\.1 +ACCEPT +ACCEPT +ACCEPT +DROP +ACCEPT$/m);
  assert.match(io.stdout, /^ {2}peer pve2 ring0 +10\.10\.0\.12 +ACCEPT +ACCEPT +ACCEPT +ACCEPT +ACCEPT$/m);
  assert.match(io.stdout, /^ {2}public IPv4 +8\.8\.8\.8 +DROP +DROP +DROP +DROP +DROP$/m);
  assert.match(io.stdout, /^pve2: /m);

  const json = recordingIO();
  assert.equal(await runFwMatrix(['bundles/pve1'], { format: 'json' }, json, { collect, now }), 0);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.schema, 'pvesec.fw-matrix/v1');
  const ssh = doc.nodes[0].cells.find((c: { source: { label: string }; service: string }) => c.source.label === 'admin 10.10.0.0/24' && c.service === 'ssh');
  assert.deepEqual(ssh.ports[0].origin, { file: '/etc/pve/firewall/cluster.fw', line: 17, text: 'IN SSH(ACCEPT) -source +management' });

  // Lines Proxmox skips are named with file:line on stderr.
  const skipped = recordingIO();
  const spec = node('pve1');
  const withBad = collectorOf({ b: { ...spec, files: { ...spec.files, '/etc/pve/firewall/cluster.fw': `${CLUSTER_FW_GOOD}IN ACCEPT -dport 8006\n` } } });
  assert.equal(await runFwMatrix(['b'], {}, skipped, { collect: withBad, now }), 0);
  assert.deepEqual(skipped.stderr, ['pvesec: /etc/pve/firewall/cluster.fw:19: rule ignored by Proxmox: -dport requires -p (protocol)']);

  const failed = recordingIO();
  assert.equal(await runFwMatrix(['bundles/pve9'], {}, failed, { collect, now }), 2);
  assert.deepEqual(failed.stderr, ['pvesec: bundles/pve9: no such bundle']);
});

test('fw simulate: one packet with verdict and trace; bad input names the option', async () => {
  const io = recordingIO();
  assert.equal(await runFwSimulate('bundles/pve1', { from: '8.8.8.8', proto: 'tcp', port: '22' }, io, { collect, now }), 0);
  assert.match(io.stdout, /^packet: in tcp\/22 8\.8\.8\.8 -> 10\.10\.0\.11 \(in on vmbr0\)$/m);
  assert.match(io.stdout, /^verdict: DROP by policy_in DROP$/m);
  assert.match(io.stdout, /PVEFW-HOST-IN #\d+: -A PVEFW-HOST-IN -j DROP {3}\(policy_in DROP\)/);

  const ok = recordingIO();
  await runFwSimulate('bundles/pve1', { from: '192.0.2.10', port: '8006', format: 'json' }, ok, { collect, now });
  const doc = JSON.parse(ok.stdout);
  assert.equal(doc.verdict, 'ACCEPT');
  assert.equal(doc.origin.line, 18);
  const steps = doc.trace.map((t: { chain: string; rule: string }) => `${t.chain}: ${t.rule}`);
  // INPUT -> PVEFW-INPUT -> PVEFW-HOST-IN, through the smurf check, to the rule that returned (accepted).
  assert.deepEqual(steps.slice(0, 3), ['INPUT: -A INPUT -j PVEFW-INPUT', 'PVEFW-INPUT: -A PVEFW-INPUT -j PVEFW-HOST-IN', 'PVEFW-HOST-IN: -A PVEFW-HOST-IN -m conntrack --ctstate INVALID,NEW -j PVEFW-smurfs']);
  assert.equal(steps.at(-1), 'PVEFW-HOST-IN: -A PVEFW-HOST-IN -s 192.0.2.10 -p tcp --dport 8006 -j RETURN');

  await assert.rejects(runFwSimulate('bundles/pve1', { from: '8.8.8.8', port: 'ssh' }, recordingIO(), { collect, now }), (e: Error) => e instanceof UsageError && /--port must be a port number 0-65535, got "ssh"/.test(e.message));
  await assert.rejects(runFwSimulate('bundles/pve1', { from: '8.8.8.888', port: '22' }, recordingIO(), { collect, now }), /--from is not an IP address: "8\.8\.8\.888"/);
  await assert.rejects(runFwSimulate('bundles/pve1', { port: '22' }, recordingIO(), { collect, now }), /--from IP is required/);
  await assert.rejects(runFwSimulate('bundles/pve1', { from: '8.8.8.8', port: '22', to: 'pve7' }, recordingIO(), { collect, now }), /--to pve7: no such node/);
});

test('fw simulate batch mode: the oracle formats, packets in, {"id","verdict","rule"} out, in order', async () => {
  const c = loadOracle('pve-firewall').find((x) => x.case === 'generated/cases/0003')!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-fw-'));
  try {
    for (const name of ['cluster.fw', 'host.fw', 'env.json']) fs.writeFileSync(path.join(dir, name), c.files[name]);
    const packets = path.join(dir, 'packets.jsonl');
    fs.writeFileSync(packets, c.jsonl['packets.jsonl'].map((p) => JSON.stringify(p)).join('\n') + '\n');
    const io = recordingIO();
    assert.equal(await runFwSimulate(undefined, { configDir: dir, env: path.join(dir, 'env.json'), packets }, io, { now }), 0);
    const out = io.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(out.map((o) => ({ id: o.id, verdict: o.verdict })), c.jsonl['expected.jsonl']);
    assert.ok(out.every((o) => typeof o.rule === 'string' && o.rule.length > 0));
    // Malformed lines of cluster.fw are reported with file:line, the rest still applies.
    assert.deepEqual(io.stderr, [`pvesec: ${path.join(dir, 'cluster.fw')}:34: rule ignored by Proxmox: -dport requires -p (protocol)`]);

    fs.writeFileSync(packets, '{"id":"a","direction":"in","src":"1.2.3.4","dst":"172.23.251.145","proto":"tcp","dport":22,"sport":1000}\n{"id":"b","direction":"in","src":"1.2.3.4","dst":"172.23.251.145","proto":"tcp","dport":"x"}\n');
    await assert.rejects(runFwSimulate(undefined, { configDir: dir, env: path.join(dir, 'env.json'), packets }, recordingIO(), { now }),
      (e: Error) => e instanceof UsageError && /line 2: packet b: field "dport" must be a port number/.test(e.message));
    fs.writeFileSync(packets, '{"id":"a",\n');
    await assert.rejects(runFwSimulate(undefined, { configDir: dir, env: path.join(dir, 'env.json'), packets }, recordingIO(), { now }), /packets\.jsonl:1: not valid JSON/);
    fs.writeFileSync(path.join(dir, 'env.json'), '{"host_ip":"1.2.3.4"}');
    await assert.rejects(runFwSimulate(undefined, { configDir: dir, env: path.join(dir, 'env.json'), packets }, recordingIO(), { now }), /field "node"/);
    await assert.rejects(runFwSimulate(undefined, { configDir: dir, packets }, recordingIO(), { now }), /batch mode needs --env/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fw check-change: a change that drops the admins or the peers exits 1 naming the packets', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-fw-'));
  try {
    const bad = path.join(dir, 'cluster.fw');
    // The admin's rule moves behind a DROP of tcp/22 for everyone: LAN and peers lose SSH.
    fs.writeFileSync(bad, CLUSTER_FW_GOOD.replace('[RULES]\n', '[RULES]\n\nIN DROP -p tcp -dport 22\nIN accept -p tcp -dport 8006 # lowercase: ignored\n'));
    const io = recordingIO();
    assert.equal(await runFwCheckChange(['bundles/pve1', 'bundles/pve2'], { clusterFw: bad }, io, { collect, now }), 1);
    assert.match(io.stdout, /^LOCKOUT pve1: tcp\/22 from admin 10\.10\.0\.0\/24, 192\.0\.2\.10\/32 \(257 addresses\): ACCEPT -> DROP by \/etc\/pve\/firewall\/cluster\.fw:17 `IN DROP -p tcp -dport 22`$/m);
    assert.match(io.stdout, /^LOCKOUT pve2: tcp\/22 from peer pve1 ring0 10\.10\.0\.11\/32 \(1 address\): ACCEPT -> DROP/m);
    assert.match(io.stdout, /do not apply this change/);
    assert.match(io.stdout, /^  ~ ssh {7}tcp\/22 {12}IPv4: 10\.10\.0\.0\/24, 192\.0\.2\.10\/32 \(257 addresses\) -> nobody$/m);
    assert.ok(io.stderr.some((l) => /proposed \/etc\/pve\/firewall\/cluster\.fw:18: rule ignored by Proxmox: action 'accept' must be upper case/.test(l)), io.stderr.join('\n'));

    const fine = path.join(dir, 'fine.fw');
    fs.writeFileSync(fine, `${CLUSTER_FW_GOOD}IN DROP -p tcp -dport 25\n`);
    const ok = recordingIO();
    assert.equal(await runFwCheckChange(['bundles/pve1'], { clusterFw: fine }, ok, { collect, now }), 0);
    assert.match(ok.stdout, /\nnobody is locked out \(every admin address and peer keeps its access\), nothing new is exposed to public or non-admin addresses\n$/);
    // the before/after table plan prints too: accepted sources per service and family
    assert.match(ok.stdout, /^pve1: accepted before -> after \(~ changed\)\n {4}ssh {7}tcp\/22 {12}IPv4: 10\.10\.0\.0\/24, 192\.0\.2\.10\/32 \(257 addresses\) -> unchanged$/m);

    const host = path.join(dir, 'host.fw');
    fs.writeFileSync(host, '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 8006\n');
    const opens = recordingIO();
    assert.equal(await runFwCheckChange(['bundles/pve1'], { hostFw: [`pve1=${host}`], format: 'json' }, opens, { collect, now }), 0);
    const doc = JSON.parse(opens.stdout);
    assert.equal(doc.schema, 'pvesec.fw-change/v2');
    assert.equal(doc.lockout, false);
    const web = doc.exposed.find((x: { service: string; family: number }) => x.service === 'web' && x.family === 4);
    assert.deepEqual({ ports: web.ports, verdict: web.after.verdict, origin: web.after.origin.line }, { ports: ['tcp/8006'], verdict: 'ACCEPT', origin: 5 });
    assert.ok(web.cidrs.includes('8.0.0.0/7') && !web.cidrs.some((c: string) => c.startsWith('10.')), web.cidrs.join(' '));
    await assert.rejects(runFwCheckChange(['bundles/pve1'], { hostFw: [`pve3=${host}`] }, recordingIO(), { collect, now }), /no node pve3 among the targets/);
    await assert.rejects(runFwCheckChange(['bundles/pve1'], {}, recordingIO(), { collect, now }), /give --cluster-fw/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Admins in [IPSET management]; the peers talk over 172.30.0.0/24, which is local_network (so the
// management ipset covers them even without the admin entries).
const ADMIN_FW = CLUSTER_FW_GOOD.replace('bastion 192.0.2.10', 'bastion 192.0.2.10\nlocal_network 172.30.0.0/24');
const ringSpec = (name: string): MemorySnapshotSpec => {
  const spec = pveNode({ name, clusterFw: ADMIN_FW });
  return { ...spec, files: { ...spec.files, '/etc/pve/corosync.conf': corosyncConf({ pve1: '172.30.0.11', pve2: '172.30.0.12' }) } };
};
const ringCollect = collectorOf({ 'bundles/pve1': ringSpec('pve1'), 'bundles/pve2': ringSpec('pve2') });

test('fw check-change: admins come from the current state, not from the proposed file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-fw-'));
  try {
    // Deleting [IPSET management]: today's admins lose SSH and the GUI.
    const deleted = path.join(dir, 'deleted.fw');
    fs.writeFileSync(deleted, ADMIN_FW.replace('[IPSET management] # admin networks\n\n10.10.0.0/24\n192.0.2.10\n\n', ''));
    const io = recordingIO();
    assert.equal(await runFwCheckChange(['bundles/pve1', 'bundles/pve2'], { clusterFw: deleted }, io, { collect: ringCollect, now }), 1, io.stdout);
    assert.match(io.stdout, /^LOCKOUT pve1: tcp\/22 from admin 10\.10\.0\.0\/24, 192\.0\.2\.10\/32 \(257 addresses\): ACCEPT -> DROP by policy_in DROP$/m);
    assert.match(io.stdout, /^LOCKOUT pve1: tcp\/8006 from admin 10\.10\.0\.0\/24 \(256 addresses\): ACCEPT -> DROP by policy_in DROP$/m);
    assert.doesNotMatch(io.stdout, /from peer/, 'the peers stay in local_network');

    // Mistyping 10.10.0.0/24 as 10.10.1.0/24: the real admin network is locked out.
    const typo = path.join(dir, 'typo.fw');
    fs.writeFileSync(typo, ADMIN_FW.replace('\n10.10.0.0/24\n', '\n10.10.1.0/24\n'));
    const t = recordingIO();
    assert.equal(await runFwCheckChange(['bundles/pve1'], { clusterFw: typo }, t, { collect: ringCollect, now }), 1, t.stdout);
    assert.match(t.stdout, /^LOCKOUT pve1: tcp\/22 from admin 10\.10\.0\.0\/24 \(256 addresses\): ACCEPT -> DROP by policy_in DROP$/m);
    assert.match(t.stdout, /do not apply this change/);

    // The same with admins configured in pvesec.yaml.
    const yaml = path.join(dir, 'pvesec.yaml');
    fs.writeFileSync(yaml, 'admin_sources: [10.10.0.0/25]\n');
    const c = recordingIO();
    assert.equal(await runFwCheckChange(['bundles/pve1'], { clusterFw: typo, config: yaml, format: 'json' }, c, { collect: ringCollect, now }), 1);
    const doc = JSON.parse(c.stdout);
    assert.deepEqual(doc.lockouts.map((l: { service: string; lost: string[]; addresses: string }) => `${l.service} ${l.lost.join(',')} ${l.addresses}`), ['ssh 10.10.0.0/25 128', 'web 10.10.0.0/25 128']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fw exposure: per node and service, who is accepted (minimal CIDRs) and what decides the rest', async () => {
  const io = recordingIO();
  assert.equal(await runFwExposure(['bundles/pve1'], { service: 'web' }, io, { collect, now }), 0);
  assert.match(io.stdout, /^pve1: pve-firewall: pve-firewall is running and the firewall is enabled$/m);
  assert.match(io.stdout, /^ {2}web tcp\/8006 IPv4 \(to 10\.10\.0\.11\):$/m);
  assert.match(io.stdout, /^ {4}accepted from: 10\.10\.0\.0\/24, 192\.0\.2\.10\/32; everything else dropped$/m);
  assert.match(io.stdout, /^ {6}ACCEPT 192\.0\.2\.10\/32 \(1 address\) by \/etc\/pve\/firewall\/cluster\.fw:18 `IN ACCEPT -source bastion -p tcp -dport 8006`$/m);
  assert.match(io.stdout, /^ {6}DROP {3}everything else \(4,026,531,582 addresses\) by policy_in DROP$/m);
  assert.match(io.stdout, /^ {6}DROP {3}224\.0\.0\.0\/4, 255\.255\.255\.255\/32 \(268,435,457 addresses\) by smurf$/m);
  assert.match(io.stdout, /^ {6}DROP {3}every address \(2\^128 addresses\) by policy_in DROP$/m);
  assert.match(io.stdout, /^ {2}web tcp\/8006 IPv6 \(to 2001:db8::1\):$/m);
  assert.match(io.stdout, /^ {4}accepted from: nothing; everything dropped$/m);
  assert.match(io.stdout, /note: SSH assumed on tcp\/22/);

  // A port range is cut where rules change; the JSON lists every class with full CIDR lists.
  const spec = node('pve1');
  const ranged = collectorOf({ b: { ...spec, files: { ...spec.files, '/etc/pve/firewall/cluster.fw': `${CLUSTER_FW_GOOD}IN ACCEPT -source 203.0.113.0/25 -p tcp -dport 5900:5949\n` } } });
  const j = recordingIO();
  assert.equal(await runFwExposure(['b'], { service: '5900-5999/tcp', format: 'json' }, j, { collect: ranged, now }), 0);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.schema, 'pvesec.fw-exposure/v1');
  const v4 = doc.nodes[0].services.find((s: { family: number }) => s.family === 4);
  assert.deepEqual(v4.segments.map((s: { from: number; to: number }) => `${s.from}-${s.to}`), ['5900-5949', '5950-5999']);
  // The management ipset (with the bastion) reaches the VNC range through the builtin accept.
  assert.deepEqual(v4.accepted_on_any_port, ['10.10.0.0/24', '192.0.2.10/32', '203.0.113.0/25']);
  assert.deepEqual(v4.accepted_on_every_port, ['10.10.0.0/24', '192.0.2.10/32']);
  assert.deepEqual(v4.held_fixed, { destination: '10.10.0.11', input_interface: 'vmbr0', source_port: 40000, state: 'NEW' });
  const cls = v4.segments[0].classes.find((c: { cidrs: string[] }) => c.cidrs[0] === '203.0.113.0/25');
  assert.deepEqual({ verdict: cls.verdict, line: cls.origin.line, addresses: cls.addresses }, { verdict: 'ACCEPT', line: 19, addresses: '128' });

  await assert.rejects(runFwExposure(['bundles/pve1'], { service: 'telnet' }, recordingIO(), { collect, now }), (e: Error) => e instanceof UsageError && /--service: "telnet" is not ssh, web/.test(e.message));
  await assert.rejects(runFwExposure(['bundles/pve1'], { service: '70000/tcp' }, recordingIO(), { collect, now }), /--service/);
});
