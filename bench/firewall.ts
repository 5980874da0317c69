/**
 * Firewall engine benchmarks (pure CPU, no test hosts): `benchFirewall()` is wired into
 * `npm run bench` by bench/run.ts. Run alone: `node --import tsx bench/firewall.ts`.
 *   firewall-verdicts   verdicts per second through a compiled 1,000-rule cluster.fw with 50 ipsets
 *   firewall-matrix     full reachability matrix (every source class x service) of a 16-node cluster
 *   firewall-exposure   exact exposure (every source address, IPv4 + IPv6, every port) of the five services
 *                       on each node of a 16-node cluster, 1,000 rules and 50 ipsets with IPv4 and IPv6 entries
 */
import { exactExposure, SOURCE_PORT, type ExposureService } from '../src/engines/firewall/exposure.js';
import { reachabilityMatrix, SERVICES, type SourceClass } from '../src/engines/firewall/matrix.js';
import { parsePacket, type Packet } from '../src/engines/firewall/packet.js';
import { topologyFromPeers, type PveEnvironment } from '../src/engines/firewall/pve-common.js';
import { parsePveConfig, pveSimulator } from '../src/engines/firewall/simulator.js';
import { parseHostFw } from '../src/parse/pve-fw.js';

export interface FirewallBenchResult {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same ruleset. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MACROS = ['SSH', 'HTTPS', 'Web', 'DNS', 'NTP', 'SMTP', 'Ping', 'MySQL', 'PostgreSQL', 'Ceph'];

/**
 * A realistic large cluster.fw: 50 ipsets (with nomatch entries), aliases, 1,000 rules and a few groups.
 * With `ipv6`, every ipset also holds IPv6 networks (and an IPv6 nomatch host), and some rules and
 * aliases use IPv6 sources.
 */
export function bigClusterFw(rules = 1000, ipsets = 50, seed = 20251125, ipv6 = false): string {
  const r = rng(seed);
  const n = (k: number) => Math.floor(r() * k);
  const hex = (k: number) => n(k).toString(16);
  const net = () => (ipv6 && r() < 0.3 ? `2001:db8:${hex(65536)}:${hex(65536)}::/64` : `10.${n(256)}.${n(256)}.0/24`);
  const host = () => (ipv6 && r() < 0.3 ? `2001:db8:${hex(65536)}::${hex(65536)}` : `10.${n(256)}.${n(256)}.${1 + n(254)}`);
  const lines = ['[OPTIONS]', '', 'enable: 1', 'policy_in: DROP', '', '[ALIASES]', ''];
  for (let i = 0; i < 40; i++) lines.push(`host${i} ${host()}`);
  lines.push('local_network 10.0.0.0/24', '');
  for (let i = 0; i < ipsets; i++) {
    lines.push(`[IPSET set${i}]`, '');
    for (let j = 0; j < 8; j++) lines.push(j === 7 ? `!${host()}` : j % 3 ? net() : host());
    lines.push('');
  }
  lines.push('[IPSET management]', '', '10.0.0.0/24', '192.168.100.0/24', '');
  lines.push('[RULES]', '');
  for (let i = 0; i < rules; i++) {
    const dir = r() < 0.85 ? 'IN' : 'OUT';
    const action = ['ACCEPT', 'ACCEPT', 'DROP', 'REJECT'][n(4)];
    const src = [`-source +set${n(ipsets)}`, `-source host${n(40)}`, `-source ${net()}`, ''][n(4)];
    if (r() < 0.15) {
      lines.push(`${dir} ${MACROS[n(MACROS.length)]}(${action}) ${src}`.trim());
    } else {
      const proto = r() < 0.7 ? 'tcp' : 'udp';
      const port = r() < 0.2 ? `${1024 + n(2000)}:${3100 + n(2000)}` : `${1 + n(65000)}`;
      lines.push(`${dir} ${action} ${src} -p ${proto} -dport ${port}${r() < 0.1 ? ' -i vmbr1' : ''}`.replace(/\s+/g, ' '));
    }
  }
  lines.push('GROUP web', '', '[group web]', '', 'IN ACCEPT -p tcp -dport 443', 'IN REJECT -p tcp -dport 80', '');
  return lines.join('\n');
}

function packets(count: number, seed: number): Packet[] {
  const r = rng(seed);
  const n = (k: number) => Math.floor(r() * k);
  const out: Packet[] = [];
  for (let i = 0; i < count; i++) {
    const src = r() < 0.5 ? `10.${n(256)}.${n(256)}.${1 + n(254)}` : `${1 + n(223)}.${n(256)}.${n(256)}.${1 + n(254)}`;
    const proto = r() < 0.7 ? 'tcp' : 'udp';
    const dport = [22, 8006, 443, 80, 3128, 5405, 60000][n(7)] ?? 1 + n(65000);
    out.push(parsePacket({ direction: r() < 0.85 ? 'in' : 'out', src: r() < 0.85 ? src : '10.0.0.11', dst: '10.0.0.11', proto, dport: r() < 0.5 ? dport : 1 + n(65000), sport: 1024 + n(60000), iface: r() < 0.9 ? 'vmbr0' : 'vmbr1' }));
  }
  return out;
}

function verdictsPerSecond(): FirewallBenchResult {
  const env: PveEnvironment = { node: 'pve1', hostIp: '10.0.0.11', localNetwork: '10.0.0.0/24', corosync: topologyFromPeers({ pve1: '10.0.0.11', pve2: '10.0.0.12' }), now: new Date() };
  const sim = pveSimulator(parsePveConfig(bigClusterFw(), undefined, 'pve1').config, env);
  const ps = packets(20000, 7);
  for (const p of ps) sim.decide(p); // warm-up (JIT)
  let decided = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1e9) {
    for (const p of ps) sim.decide(p);
    decided += ps.length;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const perSecond = Math.round(decided / (elapsed / 1e9));
  return { name: 'firewall-verdicts', value: perSecond, unit: 'verdicts/s', target: '> 1000000', ok: perSecond > 1_000_000 };
}

function sixteenNodeMatrix(): FirewallBenchResult {
  const peers: Record<string, string> = {};
  for (let i = 1; i <= 16; i++) peers[`pve${i}`] = `10.0.0.${10 + i},172.30.0.${10 + i}`;
  const fw = bigClusterFw(300, 20, 99);
  const run = () => {
    // cluster.fw is parsed once per cluster (a cluster fact); each node compiles it with its own host.fw.
    const cluster = parsePveConfig(fw, undefined, 'pve1').config.cluster;
    for (let i = 1; i <= 16; i++) {
      const node = `pve${i}`;
      const env: PveEnvironment = { node, hostIp: `10.0.0.${10 + i}`, localNetwork: '10.0.0.0/24', corosync: topologyFromPeers(peers), now: new Date() };
      const host = parseHostFw(`[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -source 10.0.0.${10 + i} -p tcp -dport 9100\n`, `/etc/pve/nodes/${node}/host.fw`, cluster).value;
      const sim = pveSimulator({ cluster, host }, env);
      const sources: SourceClass[] = [
        { kind: 'admin', label: 'admin 10.0.0.0/24', address: '10.0.0.1', family: 4, origin: 'bench' },
        { kind: 'admin', label: 'admin 192.168.100.0/24', address: '192.168.100.1', family: 4, origin: 'bench' },
        ...Object.entries(peers).filter(([n]) => n !== node).flatMap(([n, a]) => a.split(',').map((addr, ring): SourceClass => ({ kind: 'peer', label: `peer ${n} ring${ring}`, address: addr, family: 4, origin: 'bench' }))),
        { kind: 'non-admin', label: 'non-admin 10.99.0.0/16', address: '10.99.0.1', family: 4, origin: 'bench' },
        { kind: 'public', label: 'public IPv4', address: '8.8.8.8', family: 4, origin: 'bench' },
        { kind: 'public', label: 'public IPv6', address: '2001:4860:4860::8888', family: 6, origin: 'bench' },
      ];
      reachabilityMatrix({ node, manager: 'pve-firewall', sim, hostIp: env.hostIp, ringAddrs: peers[node].split(',') }, sources, SERVICES.iptables);
    }
  };
  run(); // warm-up
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const ms = Math.round(times.sort((a, b) => a - b)[2] * 10) / 10;
  return { name: 'firewall-matrix-16-nodes', value: ms, unit: 'ms', target: '< 200', ok: ms < 200 };
}

/**
 * Exact exposure of ssh, web, spice, corosync and migration over IPv4 and IPv6 on every node of a
 * 16-node cluster (1,000 rules, 50 ipsets with IPv4 and IPv6 entries). Timed from compiled
 * simulators with cold caches (each run compiles fresh ones first, untimed): the compilation is what
 * every audit pays anyway and is reported on its own line.
 */
function sixteenNodeExposure(): FirewallBenchResult[] {
  const peers: Record<string, string> = {};
  for (let i = 1; i <= 16; i++) peers[`pve${i}`] = `10.0.0.${10 + i},172.30.0.${10 + i}`;
  const fw = bigClusterFw(1000, 50, 20251206, true);
  const services: ExposureService[] = [
    { name: 'ssh', proto: 'tcp', ports: [[22, 22]] },
    { name: 'web', proto: 'tcp', ports: [[8006, 8006]] },
    { name: 'spice', proto: 'tcp', ports: [[3128, 3128]] },
    { name: 'corosync', proto: 'udp', ports: [[5404, 5405]] },
    { name: 'migration', proto: 'tcp', ports: [[60000, 60050]] },
  ];
  let evaluations = 0;
  const compile = () => {
    const cluster = parsePveConfig(fw, undefined, 'pve1').config.cluster;
    return Array.from({ length: 16 }, (_, k) => {
      const node = `pve${k + 1}`;
      const env: PveEnvironment = { node, hostIp: `10.0.0.${11 + k}`, localNetwork: '10.0.0.0/24', corosync: topologyFromPeers(peers), now: new Date() };
      const host = parseHostFw(`[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -source 10.0.0.${11 + k} -p tcp -dport 9100\n`, `/etc/pve/nodes/${node}/host.fw`, cluster).value;
      return { sim: pveSimulator({ cluster, host }, env), dst: { 4: env.hostIp!, 6: `fd00::${11 + k}` } };
    });
  };
  const expose = (sims: ReturnType<typeof compile>) => {
    evaluations = 0;
    for (const { sim, dst } of sims) {
      for (const service of services) {
        for (const family of [4, 6] as const) evaluations += exactExposure(sim, service, { family, dst: dst[family], iface: 'vmbr0', sport: SOURCE_PORT }).evaluations;
      }
    }
  };
  expose(compile()); // warm-up (JIT)
  const exposureMs: number[] = [];
  const compileMs: number[] = [];
  for (let k = 0; k < 5; k++) {
    let t = process.hrtime.bigint();
    const sims = compile();
    compileMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    expose(sims);
    exposureMs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const median = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[2] * 10) / 10;
  const ms = median(exposureMs);
  return [
    { name: `firewall-exposure-16-nodes (${evaluations} classes decided)`, value: ms, unit: 'ms', target: '< 500', ok: ms < 500 },
    { name: 'firewall-compile-16-nodes (1,000 rules, for reference)', value: median(compileMs), unit: 'ms', target: '-', ok: true },
  ];
}

export async function benchFirewall(): Promise<FirewallBenchResult[]> {
  return [verdictsPerSecond(), sixteenNodeMatrix(), ...sixteenNodeExposure()];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchFirewall()) console.log(`${r.name}: ${r.value} ${r.unit} (target ${r.target}) ${r.ok ? 'ok' : 'MISSED'}`);
}
