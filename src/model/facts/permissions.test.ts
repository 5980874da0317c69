import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot, type MemorySnapshotSpec } from '../../collect/memory.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { groupClusters } from '../../audit/run.js';
import { FactContext, Unavailable } from '../fact.js';
import { accessFact, administratorsFact, ADMINISTRATIVE_PRIVILEGES, pveReleaseFact, userCfgWarnings, type AdministrativeHolding } from './permissions.js';

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

/** A random user.cfg where administration roles are common: groups, tokens, pools, and users granted alike. */
function randomAdminCfg(seed: number): string {
  let x = seed;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const users = Array.from({ length: 12 }, (_, i) => `u${i}@pve`);
  const tokens = ['u0@pve!ta', 'u1@pve!tb', 'u2@pve!tc', 'u3@pve!td'];
  const lines = users.map((u) => `user:${u}:1:0::::::`);
  tokens.forEach((t, i) => lines.push(`token:${t}:0:${i % 2}::`));
  for (const g of ['g1', 'g2', 'g3']) lines.push(`group:${g}:${users.filter(() => rand() < 0.3).join(',')}::`);
  lines.push('pool:p1::100,101:local:', 'pool:p2::102:local:');
  const roles = ['Administrator', 'PVEUserAdmin', 'PVESysAdmin', 'PVEAdmin', 'PVEAuditor', 'PVEVMAdmin', 'NoAccess'];
  const paths = ['/', '/vms', '/vms/100', '/vms/102', '/storage', '/storage/local', '/pool/p1', '/pool/p2', '/access', '/nodes/pve1', '/access/realm/pve'];
  for (let i = 0; i < 14; i++) {
    const member = rand() < 0.3 ? `@${pick(['g1', 'g2', 'g3'])}` : rand() < 0.7 ? pick(users) : pick(tokens);
    lines.push(`acl:${rand() < 0.8 ? 1 : 0}:${pick(paths)}:${member}:${pick(roles)}:`);
  }
  // users granted exactly alike (their matrix rows are shared)
  for (const u of users.slice(8)) lines.push(`acl:1:/access:${u}:PVEUserAdmin:`);
  return lines.join('\n') + '\n';
}

test('administrators: equal to asking every identity on every matrix path, in matrix order (fuzz)', () => {
  let holders = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const text = randomAdminCfg(seed);
    const ctx = ctxOf({ files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': text } });
    const { engine } = ctx.get(accessFact);
    const paths = engine.matrix([]).pathList();
    const want = new Map<string, AdministrativeHolding>();
    for (const id of engine.identities()) {
      let h: AdministrativeHolding | undefined;
      for (const path of paths) {
        const held = ADMINISTRATIVE_PRIVILEGES.filter((p) => engine.privileges(id, path).includes(p));
        if (held.length === 0) continue;
        h ??= { first: { path, privileges: held } };
        if (held.includes('Permissions.Modify')) {
          if (h.permissionsModify) h.permissionsModify.paths++;
          else h.permissionsModify = { first: path, paths: 1 };
        }
      }
      if (h) want.set(id, h);
    }
    assert.deepEqual([...ctx.get(administratorsFact)], [...want], `seed ${seed}\n${text}`);
    holders += want.size;
  }
  assert.ok(holders > 1000, `only ${holders} holders`);
});
