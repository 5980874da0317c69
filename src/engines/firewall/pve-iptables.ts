import { parseIpRange, type IpRange } from '../../parse/ip-address.js';
import { appliedRules, type FwRule } from '../../parse/pve-fw.js';
import { AddressSet } from './addr.js';
import { addRule, newChain, type Chain, type Program, type Rule, type Target } from './program.js';
import {
  AddressCompiler, compileMatch, localNetwork, originOf, pveFilterState, ringAddress, type PveEnvironment, type PveFirewallConfig,
} from './pve-common.js';

/**
 * The host part of the ruleset pve-firewall (iptables backend) generates, chain for chain as
 * PVE::Firewall::enable_host_firewall builds it, plus the standard chains it jumps to
 * (PVEFW-reject, PVEFW-Drop, PVEFW-Reject, PVEFW-DropBroadcast, PVEFW-smurfs, PVEFW-tcpflags).
 */
export function compilePveIptables(cfg: PveFirewallConfig, env: PveEnvironment, family: 4 | 6): Program {
  const program: Program = { family, chains: new Map(), entry: {} };
  const state = pveFilterState(cfg, env.now);
  if (!state.filtering) {
    program.unfiltered = state.reason;
    return program;
  }
  const { cluster, host } = cfg;
  const hostOpts = host?.options ?? new Map();
  const localnet = localNetwork(cluster, env);
  const addrs = new AddressCompiler(cluster, family, localnet ? [localnet] : []);
  addStandardChains(program, family);

  const input = newChain(program, 'INPUT', 'ACCEPT');
  const output = newChain(program, 'OUTPUT', 'ACCEPT');
  addRule(input, { text: '-A INPUT -j PVEFW-INPUT', target: jump('PVEFW-INPUT') });
  addRule(output, { text: '-A OUTPUT -j PVEFW-OUTPUT', target: jump('PVEFW-OUTPUT') });
  const pveIn = newChain(program, 'PVEFW-INPUT');
  const pveOut = newChain(program, 'PVEFW-OUTPUT');
  addRule(pveIn, { text: '-A PVEFW-INPUT -j PVEFW-HOST-IN', target: jump('PVEFW-HOST-IN') });
  addRule(pveOut, { text: '-A PVEFW-OUTPUT -j PVEFW-HOST-OUT', target: jump('PVEFW-HOST-OUT') });
  program.entry = { in: 'INPUT', out: 'OUTPUT' };

  const RET: Target = { kind: 'RETURN' };
  const userRules = appliedRules(host, cluster);

  // ---- PVEFW-HOST-IN
  const hin = newChain(program, 'PVEFW-HOST-IN');
  const add = (chain: Chain, spec: string, target: Target, extra: Partial<Rule> = {}) =>
    addRule(chain, { text: `-A ${chain.name}${spec ? ' ' + spec : ''} ${targetText(target)}`, target, ...extra });
  add(hin, '-i lo', { kind: 'ACCEPT' }, { inIface: { name: 'lo', prefix: false, neg: false }, note: 'loopback' });
  addConnFilters(hin, add);
  addNdp(hin, family, hostOpts, 'IN', add);
  if (cluster.ipsets.has('blacklist')) {
    add(hin, `-m set --match-set PVEFW-0-blacklist-v${family} src`, jump('PVEFW-blacklist'), { src: { set: addrs.ipset('blacklist'), neg: false }, note: 'blacklist ipset' });
  }
  if (hostOpts.get('nosmurfs')?.value !== 0 && family === 4) {
    add(hin, '-m conntrack --ctstate INVALID,NEW', jump('PVEFW-smurfs'), { ctNew: true, note: 'smurf protection' });
  }
  if (hostOpts.get('tcpflags')?.value === 1) add(hin, '-p tcp', jump('PVEFW-tcpflags'), { proto: { nums: [6], neg: false }, note: 'tcpflags' });
  add(hin, '-p igmp', RET, { proto: { nums: [2], neg: false }, note: 'igmp' });
  for (const rule of userRules) {
    if (rule.type === 'group') addGroupCall(program, hin, rule, 'IN', addrs, add);
    else if (rule.type === 'in') addUserRule(hin, rule, addrs, 'in', { ACCEPT: RET, DROP: { kind: 'DROP' }, REJECT: jump('PVEFW-reject') });
  }
  const mgmt = addrs.ipset('management');
  const mgmtText = `-m set --match-set PVEFW-0-management-v${family} src`;
  for (const [ports, what] of [[[8006, 8006], 'PVE API'], [[5900, 5999], 'VNC console'], [[3128, 3128], 'SPICE proxy'], [[22, 22], 'SSH'], [[60000, 60050], 'migration']] as const) {
    add(hin, `${mgmtText} -p tcp --dport ${ports[0] === ports[1] ? ports[0] : `${ports[0]}:${ports[1]}`}`, RET, {
      src: { set: mgmt, neg: false }, proto: { nums: [6], neg: false }, dport: { ranges: [...ports], neg: false },
      note: `builtin management ipset accept (${what})`,
    });
  }
  addCorosync(hin, 'IN', family, env, add);
  addPolicy(hin, (cluster.options.get('policy_in')?.value as string | undefined) ?? 'DROP', 'policy_in', add);

  // ---- PVEFW-HOST-OUT
  const hout = newChain(program, 'PVEFW-HOST-OUT');
  add(hout, '-o lo', { kind: 'ACCEPT' }, { outIface: { name: 'lo', prefix: false, neg: false }, note: 'loopback' });
  addConnFilters(hout, add);
  addNdp(hout, family, hostOpts, 'OUT', add);
  add(hout, '-p igmp', RET, { proto: { nums: [2], neg: false }, note: 'igmp' });
  for (const rule of userRules) {
    if (rule.type === 'group') addGroupCall(program, hout, rule, 'OUT', addrs, add);
    else if (rule.type === 'out') addUserRule(hout, rule, addrs, 'out', { ACCEPT: RET, DROP: { kind: 'DROP' }, REJECT: jump('PVEFW-reject') });
  }
  if (localnet && localnet.family === family) {
    const set = AddressSet.of([localnet]);
    for (const ports of [[8006, 8006], [22, 22], [5900, 5999], [3128, 3128]] as const) {
      add(hout, `-d ${localnet.text} -p tcp --dport ${ports[0] === ports[1] ? ports[0] : `${ports[0]}:${ports[1]}`}`, RET, {
        dst: { set, neg: false }, proto: { nums: [6], neg: false }, dport: { ranges: [...ports], neg: false }, note: 'builtin accept to local_network',
      });
    }
  }
  addCorosync(hout, 'OUT', family, env, add);
  addPolicy(hout, (cluster.options.get('policy_out')?.value as string | undefined) ?? 'ACCEPT', 'policy_out', add);
  return program;
}

type Add = (chain: Chain, spec: string, target: Target, extra?: Partial<Rule>) => Rule;

const jump = (chain: string): Target => ({ kind: 'JUMP', chain });
const goto = (chain: string): Target => ({ kind: 'GOTO', chain });

function targetText(t: Target): string {
  switch (t.kind) {
    case 'JUMP': return `-j ${t.chain}`;
    case 'GOTO': return `-g ${t.chain}`;
    case 'MARK_RETURN': return '-g PVEFW-SET-ACCEPT-MARK';
    case 'CLEAR_MARK': return '-j MARK --set-mark 0x0/0x80000000';
    case 'CONTINUE': return '';
    case 'REJECT': return '-j REJECT';
    default: return `-j ${t.kind}`;
  }
}

function addConnFilters(chain: Chain, add: Add): void {
  add(chain, '-m conntrack --ctstate INVALID', { kind: 'DROP' }, { ctNew: false, note: 'conntrack INVALID' });
  add(chain, '-m conntrack --ctstate RELATED,ESTABLISHED', { kind: 'ACCEPT' }, { ctNew: false, note: 'conntrack RELATED,ESTABLISHED' });
}

/** IPv6 neighbour discovery (host option `ndp`, on unless set to 0). */
function addNdp(chain: Chain, family: 4 | 6, opts: Map<string, { value: string | number }>, dir: 'IN' | 'OUT', add: Add): void {
  if (family !== 6 || opts.get('ndp')?.value === 0) return;
  for (const [name, type] of [['router-solicitation', 133], ['router-advertisement', 134], ['neighbor-solicitation', 135], ['neighbor-advertisement', 136]] as const) {
    if (dir === 'OUT' && name === 'router-advertisement') continue;
    add(chain, `-p icmpv6 --icmpv6-type ${name}`, { kind: 'RETURN' }, { proto: { nums: [58], neg: false }, icmp: { type, neg: false }, note: 'ndp' });
  }
}

function addUserRule(chain: Chain, rule: FwRule, addrs: AddressCompiler, dir: 'in' | 'out', actions: Record<string, Target>): void {
  for (const m of rule.matches) {
    const c = compileMatch(rule, m, addrs, dir);
    if (!c) continue;
    const target = actions[m.action];
    // c.cond is this call's own object: completed in place (addRule copies it into the rule shape)
    const r = c.cond as Omit<Rule, 'chain' | 'index'>;
    r.text = `-A ${chain.name}${c.text ? ' ' + c.text : ''} ${targetText(target)}`;
    r.target = target;
    r.origin = originOf(rule);
    addRule(chain, r);
  }
}

/**
 * GROUP rule: jump to GROUP-<name>-<DIR>, then accept if the group set the accept mark. The group
 * chains are generated on first use, IN then OUT (PVE::Firewall::generate_group_rules); when that
 * dies half-way (a guest-scope alias/ipset in the group, a chain name over 28 characters) the chains
 * made so far stay, but the GROUP rule that triggered it adds nothing - later references to an
 * existing chain do jump to it.
 */
function addGroupCall(program: Program, chain: Chain, rule: FwRule, dir: 'IN' | 'OUT', addrs: AddressCompiler, add: Add): void {
  const name = rule.action;
  const groupChain = `GROUP-${name}-${dir}`;
  if (!program.chains.has(groupChain) && !generateGroup(program, name, addrs, add)) return;
  const iface = rule.iface ? { name: rule.iface, prefix: false, neg: false } : undefined;
  const flag = dir === 'IN' ? '-i' : '-o';
  add(chain, iface ? `${flag} ${rule.iface}` : '', jump(groupChain), { ...(iface ? (dir === 'IN' ? { inIface: iface } : { outIface: iface }) : {}), origin: originOf(rule) });
  add(chain, '-m mark --mark 0x80000000/0x80000000', { kind: 'RETURN' }, { acceptMark: true, origin: originOf(rule), note: `accepted by security group ${name}` });
}

/** Builds GROUP-<name>-IN and -OUT; false where pve-firewall dies (see addGroupCall). */
function generateGroup(program: Program, name: string, addrs: AddressCompiler, add: Add): boolean {
  const rules = addrs.cluster.groups.get(name)?.rules ?? [];
  for (const dir of ['IN', 'OUT'] as const) {
    const chainName = `GROUP-${name}-${dir}`;
    if (chainName.length > 28 || program.chains.has(chainName)) return false;
    const g = newChain(program, chainName);
    add(g, '', { kind: 'CLEAR_MARK' });
    for (const r of rules) {
      if (!r.enabled || r.type !== dir.toLowerCase()) continue;
      if (r.ignored && failsGeneration(r)) return false;
      if (r.ignored) continue;
      addUserRule(g, r, addrs, dir === 'IN' ? 'in' : 'out', { ACCEPT: { kind: 'MARK_RETURN' }, DROP: { kind: 'DROP' }, REJECT: jump('PVEFW-reject') });
    }
  }
  return true;
}

/** A rule that passes pve-firewall's verification but dies when generated: guest-scope references outside a guest. */
export function failsGeneration(rule: FwRule): boolean {
  return !!rule.ignored && rule.ignored.split('; ').every((e) => /guest scope/.test(e));
}

function addCorosync(chain: Chain, dir: 'IN' | 'OUT', family: 4 | 6, env: PveEnvironment, add: Add): void {
  const coro = env.corosync;
  if (!coro) return;
  const base: Partial<Rule> = { proto: { nums: [17], neg: false }, dport: { ranges: [5404, 5405], neg: false }, note: 'builtin corosync accept' };
  const spec = '-p udp --dport 5404:5405';
  if (coro.transport === 'udp') {
    add(chain, `-m addrtype --dst-type MULTICAST ${spec}`, { kind: 'RETURN' }, { ...base, dstType: { type: 'MULTICAST', neg: false } });
  }
  const local = new Map<string, string>();
  for (const n of coro.nodes) if (n.name === env.node) for (const r of n.rings) if (ringAddress(r.addr, family)) local.set(r.key, r.addr);
  for (const n of coro.nodes) {
    if (n.name === env.node) continue;
    for (const r of n.rings) {
      const peer = ringAddress(r.addr, family);
      const own = local.get(r.key);
      if (!peer || own === undefined) continue;
      const ownSet = ringAddress(own, family)!;
      if (dir === 'IN') add(chain, `-d ${own} -s ${r.addr} ${spec}`, { kind: 'RETURN' }, { ...base, src: { set: peer, neg: false }, dst: { set: ownSet, neg: false } });
      else add(chain, `-s ${own} -d ${r.addr} ${spec}`, { kind: 'RETURN' }, { ...base, src: { set: ownSet, neg: false }, dst: { set: peer, neg: false } });
    }
  }
}

function addPolicy(chain: Chain, policy: string, option: string, add: Add): void {
  const note = `${option} ${policy}`;
  if (policy === 'ACCEPT') add(chain, '', { kind: 'RETURN' }, { note });
  else if (policy === 'REJECT') {
    add(chain, '', jump('PVEFW-Reject'), { note });
    add(chain, '', goto('PVEFW-reject'), { note });
  } else {
    add(chain, '', jump('PVEFW-Drop'), { note });
    add(chain, '', { kind: 'DROP' }, { note });
  }
}

const cidr = (t: string): IpRange => parseIpRange(t) as IpRange;

/** pve-firewall's standard chains ($pve_std_chains_conf) for one family, host-relevant parts. */
function addStandardChains(program: Program, family: 4 | 6): void {
  const add = (chain: Chain, spec: string, target: Target, extra: Partial<Rule> = {}) =>
    addRule(chain, { text: `-A ${chain.name}${spec ? ' ' + spec : ''} ${targetText(target)}`, target, ...extra });
  const DROP: Target = { kind: 'DROP' };
  const REJECT: Target = { kind: 'REJECT' };
  const tcp = { nums: [6], neg: false };
  const udp = { nums: [17], neg: false };
  const icmpProto = { nums: [family === 4 ? 1 : 58], neg: false };
  const icmpName = family === 4 ? 'icmp' : 'icmpv6';
  const mcast = AddressSet.of([cidr(family === 4 ? '224.0.0.0/4' : 'ff00::/8')]);

  const bl = newChain(program, 'PVEFW-blacklist');
  add(bl, '', DROP, { note: 'blacklist' });

  const smurflog = newChain(program, 'PVEFW-smurflog');
  add(smurflog, '', DROP, { note: 'smurf' });
  const smurfs = newChain(program, 'PVEFW-smurfs');
  add(smurfs, '-s 0.0.0.0/32', { kind: 'RETURN' }, { src: { set: AddressSet.of([cidr('0.0.0.0')]), neg: false } });
  add(smurfs, '-m addrtype --src-type BROADCAST', goto('PVEFW-smurflog'), { srcType: { type: 'BROADCAST', neg: false } });
  add(smurfs, '-s 224.0.0.0/4', goto('PVEFW-smurflog'), { src: { set: mcast, neg: false } });

  const logflags = newChain(program, 'PVEFW-logflags');
  add(logflags, '', DROP, { note: 'tcpflags' });
  const tcpflags = newChain(program, 'PVEFW-tcpflags');
  // A SYN (the first packet) only trips the last test: source port 0.
  add(tcpflags, '-p tcp -m tcp --sport 0 --tcp-flags FIN,SYN,RST,ACK SYN', goto('PVEFW-logflags'), { proto: tcp, synSport0: true });

  const dropBc = newChain(program, 'PVEFW-DropBroadcast');
  if (family === 4) {
    add(dropBc, '-m addrtype --dst-type BROADCAST', DROP, { dstType: { type: 'BROADCAST', neg: false } });
    add(dropBc, '-m addrtype --dst-type MULTICAST', DROP, { dstType: { type: 'MULTICAST', neg: false } });
    add(dropBc, '-m addrtype --dst-type ANYCAST', DROP, { dstType: { type: 'ANYCAST', neg: false } });
  }
  add(dropBc, `-d ${family === 4 ? '224.0.0.0/4' : 'ff00::/8'}`, DROP, { dst: { set: mcast, neg: false } });

  const reject = newChain(program, 'PVEFW-reject');
  if (family === 4) {
    add(reject, '-m addrtype --dst-type BROADCAST', DROP, { dstType: { type: 'BROADCAST', neg: false } });
    add(reject, '-s 224.0.0.0/4', DROP, { src: { set: mcast, neg: false } });
  }
  add(reject, `-p ${icmpName}`, DROP, { proto: icmpProto });
  add(reject, '-p tcp -j REJECT --reject-with tcp-reset', REJECT, { proto: tcp });
  add(reject, '-p udp -j REJECT --reject-with icmp-port-unreachable', REJECT, { proto: udp });
  add(reject, `-p ${icmpName} -j REJECT`, REJECT, { proto: icmpProto });
  add(reject, '-j REJECT --reject-with icmp-host-prohibited', REJECT);
  for (const r of reject.rules) if (r.target.kind === 'REJECT') r.text = `-A PVEFW-reject ${r.text.replace(/^-A PVEFW-reject /, '').replace(/ -j REJECT$/, '')}`;

  for (const [name, noise] of [['PVEFW-Drop', DROP], ['PVEFW-Reject', goto('PVEFW-reject')]] as const) {
    const c = newChain(program, name);
    const soft: Target = noise.kind === 'DROP' ? DROP : jump('PVEFW-reject');
    add(c, '-p tcp --dport 43', jump('PVEFW-reject'), { proto: tcp, dport: { ranges: [43, 43], neg: false } });
    add(c, '', jump('PVEFW-DropBroadcast'));
    const critical = family === 4 ? [['fragmentation-needed', 3, 4], ['time-exceeded', 11, undefined]] as const
      : [['destination-unreachable', 1, undefined], ['time-exceeded', 3, undefined], ['packet-too-big', 2, undefined]] as const;
    for (const [t, type, code] of critical) {
      add(c, `-p ${icmpName} -m ${icmpName} --${icmpName}-type ${t}`, { kind: 'ACCEPT' }, { proto: icmpProto, icmp: { type, code, neg: false } });
    }
    add(c, '-m conntrack --ctstate INVALID', DROP, { ctNew: false });
    add(c, '-p udp -m multiport --dports 135,445', soft, { proto: udp, dport: { ranges: [135, 135, 445, 445], neg: false } });
    add(c, '-p udp --dport 137:139', soft, { proto: udp, dport: { ranges: [137, 139], neg: false } });
    add(c, '-p udp --dport 1024:65535 --sport 137', soft, { proto: udp, dport: { ranges: [1024, 65535], neg: false }, sport: { ranges: [137, 137], neg: false } });
    add(c, '-p tcp -m multiport --dports 135,139,445', soft, { proto: tcp, dport: { ranges: [135, 135, 139, 139, 445, 445], neg: false } });
    add(c, '-p udp --dport 1900', DROP, { proto: udp, dport: { ranges: [1900, 1900], neg: false } });
    add(c, '-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN', DROP, { proto: tcp, ctNew: false });
    add(c, '-p udp --sport 53', DROP, { proto: udp, sport: { ranges: [53, 53], neg: false } });
  }
}
