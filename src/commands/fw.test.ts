import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memorySnapshot, type MemorySnapshotSpec } from '../collect/memory.js';
import type { Collector } from './audit.js';
import { runFwCheckChange, runFwMatrix, runFwSimulate } from './fw.js';
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
    assert.match(io.stdout, /^LOCKOUT pve1: tcp\/22 from admin 10\.10\.0\.0\/24 \(10\.10\.0\.1\): ACCEPT -> DROP by \/etc\/pve\/firewall\/cluster\.fw:17 `IN DROP -p tcp -dport 22`$/m);
    assert.match(io.stdout, /^LOCKOUT pve2: tcp\/22 from peer pve1 ring0 \(10\.10\.0\.11\): ACCEPT -> DROP/m);
    assert.match(io.stdout, /do not apply this change/);
    assert.ok(io.stderr.some((l) => /proposed \/etc\/pve\/firewall\/cluster\.fw:18: rule ignored by Proxmox: action 'accept' must be upper case/.test(l)), io.stderr.join('\n'));

    const fine = path.join(dir, 'fine.fw');
    fs.writeFileSync(fine, `${CLUSTER_FW_GOOD}IN DROP -p tcp -dport 25\n`);
    const ok = recordingIO();
    assert.equal(await runFwCheckChange(['bundles/pve1'], { clusterFw: fine }, ok, { collect, now }), 0);
    assert.equal(ok.stdout, 'no probed packet changes verdict: nobody is locked out, nothing new is exposed\n');

    const host = path.join(dir, 'host.fw');
    fs.writeFileSync(host, '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 8006\n');
    const opens = recordingIO();
    assert.equal(await runFwCheckChange(['bundles/pve1'], { hostFw: [`pve1=${host}`], format: 'json' }, opens, { collect, now }), 0);
    const doc = JSON.parse(opens.stdout);
    assert.equal(doc.lockout, false);
    assert.ok(doc.changes.some((c: { source: { kind: string }; port: number; after: { verdict: string } }) => c.source.kind === 'public' && c.port === 8006 && c.after.verdict === 'ACCEPT'));
    await assert.rejects(runFwCheckChange(['bundles/pve1'], { hostFw: [`pve3=${host}`] }, recordingIO(), { collect, now }), /no node pve3 among the targets/);
    await assert.rejects(runFwCheckChange(['bundles/pve1'], {}, recordingIO(), { collect, now }), /give --cluster-fw/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
