import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOracle, type OracleCase } from '../../../test/support/oracle.js';
import { batchSimulator, envSchema, runBatch } from './batch.js';
import { parsePacket } from './packet.js';
import { topologyFromText } from './pve-common.js';
import { parsePveConfig, pveSimulator } from './simulator.js';

// Every verdict Proxmox's own pve-firewall code gives in ../shared/oracle/pve-firewall (packed into
// test/fixtures/oracle/pve-firewall.jsonl.gz): 200 generated cases, the two worked lockout examples
// and upstream's own test-*/tests lines for host traffic. The engine must agree with all of them.
const oracle = loadOracle('pve-firewall');

function runCase(c: OracleCase): { total: number; wrong: string[] } {
  const env = envSchema().parse(JSON.parse(c.files['env.json']));
  const { sim } = batchSimulator({ clusterFw: c.files['cluster.fw'], hostFw: c.files['host.fw'], corosyncConf: env.corosync ? c.files[env.corosync] : undefined }, env);
  const packets = c.jsonl['packets.jsonl'];
  const expected = c.jsonl['expected.jsonl'];
  assert.equal(packets.length, expected.length, c.case);
  const got = runBatch(sim, packets.map((value: unknown, i: number) => ({ line: i + 1, value })));
  const wrong: string[] = [];
  got.forEach((r, i) => {
    assert.equal(r.id, expected[i].id);
    if (r.verdict !== expected[i].verdict) wrong.push(`${c.case} ${JSON.stringify(packets[i])}: ${r.verdict} (${r.rule}), Proxmox says ${expected[i].verdict}`);
  });
  return { total: got.length, wrong };
}

test('200 generated cases: every verdict agrees with pve-firewall (12161 packets)', () => {
  const cases = oracle.filter((c) => c.source === 'generated');
  assert.equal(cases.length, 200);
  let total = 0;
  const wrong: string[] = [];
  for (const c of cases) {
    const r = runCase(c);
    total += r.total;
    wrong.push(...r.wrong);
  }
  console.log(`pve-firewall oracle, generated: ${total - wrong.length}/${total} packets agree in ${cases.length} cases`);
  assert.equal(total, 12161);
  assert.deepEqual(wrong.slice(0, 10), []);
});

test('worked lockout examples: verdict and deciding rule', () => {
  const cases = oracle.filter((c) => c.source === 'examples');
  assert.equal(cases.length, 2);
  let n = 0;
  for (const c of cases) {
    assert.deepEqual(runCase(c).wrong, []);
    const env = envSchema().parse(JSON.parse(c.files['env.json']));
    const { sim } = batchSimulator({ clusterFw: c.files['cluster.fw'], hostFw: c.files['host.fw'] }, env);
    const got = runBatch(sim, c.jsonl['packets.jsonl'].map((value: unknown, i: number) => ({ line: i + 1, value })));
    got.forEach((r, i) => {
      // The oracle's extended evaluator names its kernel-faithful copy of PVEFW-reject `PVEFW-reject-x`.
      const decidedBy = (c.jsonl['expected.jsonl'][i].decided_by as string).replace('PVEFW-reject-x', 'PVEFW-reject').replace(/\s+/g, ' ');
      assert.equal(r.rule, decidedBy, `${c.case} ${r.id}`);
      n++;
    });
  }
  console.log(`pve-firewall oracle, examples: ${n} packets, verdict and deciding rule agree`);
});

/** Upstream's `tests` lines: `{ from => 'outside', to => 'host', dport => 22, action => 'ACCEPT' }`. */
function perlHash(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/(\w+)\s*=>\s*(?:'([^']*)'|(\d+))/g)) out[m[1]] = m[2] ?? m[3];
  return out;
}

const HOST_IP = '172.16.1.2';
const OUTSIDE_IP = '100.200.3.4';
/** Zones that reach the host straight through vmbr0 (no guest firewall in between). */
const BRIDGE_ZONES = new Set(['outside', 'nfvm', 'vmbr0/eth0']);

test('upstream test-*/tests: host traffic lines agree (guest traffic is out of scope)', () => {
  const root = oracle.find((c) => c.case === 'upstream')!;
  const corosync = topologyFromText(root.files['corosync.conf']);
  let checked = 0;
  let skipped = 0;
  for (const c of oracle.filter((x) => x.case.startsWith('upstream/test-'))) {
    const { config } = parsePveConfig(c.files['cluster.fw'], c.files['host.fw'], 'proxself');
    const sim = pveSimulator(config, { node: 'proxself', hostIp: HOST_IP, localNetwork: '172.16.1.0/24', corosync, now: new Date() });
    for (const raw of c.files.tests.split('\n')) {
      if (!raw.trim().startsWith('{')) continue;
      const t = perlHash(raw);
      const from = t.from ?? (t.to === 'host' ? 'outside' : undefined);
      const to = t.to ?? (t.from === 'host' ? 'outside' : undefined);
      const inbound = to === 'host' && from !== undefined && BRIDGE_ZONES.has(from);
      const outbound = from === 'host' && to !== undefined && BRIDGE_ZONES.has(to);
      if (!inbound && !outbound) {
        skipped++;
        continue;
      }
      const proto = t.proto ?? 'tcp';
      const isIcmp = proto === 'icmp';
      const p = parsePacket({
        direction: inbound ? 'in' : 'out',
        src: t.source ?? (inbound ? OUTSIDE_IP : HOST_IP),
        dst: t.dest ?? (inbound ? HOST_IP : OUTSIDE_IP),
        proto,
        ...(t.dport !== undefined ? (isIcmp ? { icmp_type: t.dport } : { dport: Number(t.dport) }) : {}),
        ...(t.sport !== undefined ? { sport: Number(t.sport) } : {}),
        iface: 'vmbr0',
      }, { optionalDport: true });
      if (t.dsttype) p.dstType = t.dsttype as typeof p.dstType;
      assert.equal(sim.decide(p).verdict, t.action, `${c.case}: ${raw.trim()}`);
      checked++;
    }
  }
  console.log(`pve-firewall oracle, upstream: ${checked} host-traffic lines agree, ${skipped} guest-traffic lines skipped`);
  assert.ok(checked >= 50, `only ${checked} upstream lines checked`);
});
