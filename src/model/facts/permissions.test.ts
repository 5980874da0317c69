import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot, type MemorySnapshotSpec } from '../../collect/memory.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { groupClusters } from '../../audit/run.js';
import { FactContext, Unavailable } from '../fact.js';
import { accessFact, pveReleaseFact, userCfgWarnings } from './permissions.js';

function ctxOf(spec: MemorySnapshotSpec): FactContext {
  const [cluster] = groupClusters([memorySnapshot(spec)]);
  return new FactContext(cluster.representative, cluster, DEFAULT_CONFIG, new Date('2026-11-25T12:00:00Z'));
}

const USER_CFG = 'user:ops@pve:1:0::::::\nrole:Monitor:VM.Monitor,VM.GuestAgent.Audit,Sys.Audit:\nacl:1:/vms:ops@pve:Monitor:\nrole:PVEAuditor:Sys.Console:\n';
const PVE8 = 'proxmox-ve: 8.4.0 (running kernel: 6.8.12-9-pve)\npve-manager: 8.4.1 (running version: 8.4.1/2a5fa54a8503f96d)\npve-kernel-helper: 8.1.1\n';
const PVE9 = 'proxmox-ve: 9.1.0 (running kernel: 6.17.2-1-pve)\npve-manager: 9.1.1 (running version: 9.1.1/42db4a6cf33dac83)\n';
const node = (pveversion?: string): MemorySnapshotSpec => ({
  files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': USER_CFG },
  commands: pveversion === undefined ? {} : { 'pveversion -v': pveversion },
});

test('the release of the node chooses privileges and built-in roles', () => {
  const v8 = ctxOf(node(PVE8));
  assert.deepEqual(v8.get(pveReleaseFact), { release: 'pve8', source: 'pve-manager 8.4.1' });
  assert.deepEqual([...v8.get(accessFact).engine.privileges('ops@pve', '/vms/100')], ['Sys.Audit', 'VM.Monitor']);
  const v9 = ctxOf(node(PVE9));
  assert.equal(v9.get(pveReleaseFact).release, 'pve9');
  assert.deepEqual([...v9.get(accessFact).engine.privileges('ops@pve', '/vms/100')], ['Sys.Audit', 'VM.GuestAgent.Audit']);
  const unknown = ctxOf(node());
  assert.equal(unknown.get(pveReleaseFact).release, 'pve9');
  assert.match(unknown.get(pveReleaseFact).source, /not collected; PVE 9 assumed/);
});

test('warnings: unknown privileges with their line, and a built-in role changed by a role: line', () => {
  const { cfg, diagnostics } = ctxOf(node(PVE9)).get(accessFact);
  const w = userCfgWarnings(cfg, diagnostics);
  assert.deepEqual(w.map((x) => x.line), [2, 4]);
  assert.match(w[0].message, /invalid privilege 'VM.Monitor'/);
  assert.match(w[1].message, /role 'PVEAuditor' is built in.*Sys.Console/);
});

test('no user.cfg: the access model is unavailable', () => {
  assert.throws(() => ctxOf({ files: { '/etc/hostname': 'pve1\n' } }).get(accessFact), Unavailable);
});
