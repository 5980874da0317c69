import { appliedRules, parseFwRule, type ClusterFw, type FwRule } from '../../parse/pve-fw.js';
import { addRule, newChain, type Chain, type Program, type Rule, type Target } from './program.js';
import { AddressCompiler, compileMatch, localNetwork, originOf, pveFilterState, type PveEnvironment, type PveFirewallConfig } from './pve-common.js';

/**
 * The host ruleset of proxmox-firewall (the nftables backend, host.fw `nftables: 1`). It differs
 * from pve-firewall in ways that matter for lockouts (see docs/firewall.md):
 * - the management accepts (tcp 22, 3128, 5900-5999, 8006 from the management ipset) come BEFORE
 *   the user rules, so a cluster `IN DROP -p tcp -dport 22` does not lock the LAN out;
 * - corosync is accepted on udp 5405-5412 from any source (not only ring peers);
 * - there are no implicit migration ports (tcp 60000-60050);
 * - actions are case-insensitive (`accept` works);
 * - policies are plain verdicts (no PVEFW-Drop/Reject noise chains); a security group ACCEPT accepts at once.
 */
export function compilePveNftables(cfg: PveFirewallConfig, env: PveEnvironment, family: 4 | 6): Program {
  const program: Program = { family, chains: new Map(), entry: {} };
  const state = pveFilterState(cfg, env.now);
  if (!state.filtering) {
    program.unfiltered = state.reason;
    return program;
  }
  const { cluster, host } = cfg;
  const localnet = localNetwork(cluster, env);
  const addrs = new AddressCompiler(cluster, family, localnet ? [localnet] : []);
  const add = (chain: Chain, spec: string, target: Target, extra: Partial<Rule> = {}) =>
    addRule(chain, { text: `${spec}${spec ? ' ' : ''}${verdictText(target)}`, target, ...extra });
  const ACCEPT: Target = { kind: 'ACCEPT' };
  const actions: Record<string, Target> = { ACCEPT, DROP: { kind: 'DROP' }, REJECT: { kind: 'REJECT' } };
  const rules = appliedRules(host, cluster, (r) => caseInsensitive(r, cluster));
  const policyIn = (cluster.options.get('policy_in')?.value as string | undefined) ?? 'DROP';
  const policyOut = (cluster.options.get('policy_out')?.value as string | undefined) ?? 'ACCEPT';

  const input = newChain(program, 'input', policyVerdict(policyIn));
  add(input, 'iifname "lo"', ACCEPT, { inIface: { name: 'lo', prefix: false, neg: false }, note: 'loopback' });
  add(input, 'ct state established,related', ACCEPT, { ctNew: false });
  add(input, 'ct state invalid', { kind: 'DROP' }, { ctNew: false });
  add(input, 'meta l4proto igmp', ACCEPT, { proto: { nums: [2], neg: false } });
  const icmp = family === 4 ? 1 : 58;
  for (const [name, type] of (family === 4 ? [['destination-unreachable', 3], ['time-exceeded', 11]] : [['destination-unreachable', 1], ['packet-too-big', 2], ['time-exceeded', 3]]) as [string, number][]) {
    add(input, `${family === 4 ? 'icmp' : 'icmpv6'} type ${name}`, ACCEPT, { proto: { nums: [icmp], neg: false }, icmp: { type, neg: false } });
  }
  const mgmt = addrs.ipset('management');
  add(input, `tcp dport { 22, 3128, 5900-5999, 8006 } ${family === 4 ? 'ip' : 'ip6'} saddr @v${family}-dc/management`, ACCEPT, {
    proto: { nums: [6], neg: false }, dport: { ranges: [22, 22, 3128, 3128, 5900, 5999, 8006, 8006], neg: false }, src: { set: mgmt, neg: false },
    note: 'builtin management ipset accept (before user rules with nftables)',
  });
  if (env.corosync) add(input, 'udp dport 5405-5412', ACCEPT, { proto: { nums: [17], neg: false }, dport: { ranges: [5405, 5412], neg: false }, note: 'builtin corosync accept (any source)' });
  for (const rule of rules) {
    if (rule.type === 'group') addGroup(program, input, rule, 'in', addrs, actions);
    else if (rule.type === 'in') addUser(input, rule, addrs, 'in', actions);
  }
  add(input, '', policyTarget(policyIn), { note: `policy_in ${policyIn}` });

  const output = newChain(program, 'output', policyVerdict(policyOut));
  add(output, 'oifname "lo"', ACCEPT, { outIface: { name: 'lo', prefix: false, neg: false }, note: 'loopback' });
  add(output, 'ct state established,related', ACCEPT, { ctNew: false });
  for (const rule of rules) {
    if (rule.type === 'group') addGroup(program, output, rule, 'out', addrs, actions);
    else if (rule.type === 'out') addUser(output, rule, addrs, 'out', actions);
  }
  add(output, '', policyTarget(policyOut), { note: `policy_out ${policyOut}` });
  program.entry = { in: 'input', out: 'output' };
  return program;
}

function policyVerdict(p: string): 'ACCEPT' | 'DROP' | 'REJECT' {
  return p === 'ACCEPT' || p === 'REJECT' ? p : 'DROP';
}

function policyTarget(p: string): Target {
  return { kind: policyVerdict(p) };
}

function verdictText(t: Target): string {
  if (t.kind === 'JUMP' || t.kind === 'GOTO') return `${t.kind.toLowerCase()} ${t.chain}`;
  return t.kind === 'RETURN' ? 'return' : t.kind.toLowerCase();
}

function addUser(chain: Chain, rule: FwRule, addrs: AddressCompiler, dir: 'in' | 'out', actions: Record<string, Target>): void {
  for (const m of rule.matches) {
    const c = compileMatch(rule, m, addrs, dir);
    if (!c) continue;
    const target = actions[m.action];
    addRule(chain, { ...c.cond, text: `${c.text} ${verdictText(target)}`.trim(), target, origin: originOf(rule) });
  }
}

function addGroup(program: Program, chain: Chain, rule: FwRule, dir: 'in' | 'out', addrs: AddressCompiler, actions: Record<string, Target>): void {
  const name = `group-${rule.action}-${dir}`;
  if (!program.chains.has(name)) {
    const g = newChain(program, name);
    for (const r of addrs.cluster.groups.get(rule.action)?.rules ?? []) {
      const rr = caseInsensitive(r, addrs.cluster);
      if (rr.enabled && !rr.ignored && rr.type === dir) addUser(g, rr, addrs, dir, actions);
    }
  }
  const iface = rule.iface ? { name: rule.iface, prefix: false, neg: false } : undefined;
  addRule(chain, {
    text: `${iface ? `${dir === 'in' ? 'iifname' : 'oifname'} "${rule.iface}" ` : ''}jump ${name}`,
    target: { kind: 'JUMP', chain: name }, origin: originOf(rule), ...(iface ? (dir === 'in' ? { inIface: iface } : { outIface: iface }) : {}),
  });
}

/** proxmox-firewall accepts lowercase actions: re-read such a rule with the action uppercased. */
function caseInsensitive(rule: FwRule, cluster: ClusterFw): FwRule {
  if (!rule.ignored || !/must be upper case/.test(rule.ignored)) return rule;
  const fixed = rule.text.replace(/^(\s*\|?\s*\S+\s+)(?:(\S+)\()?(accept|drop|reject)(\)?)/i, (_, head: string, macro: string | undefined, action: string, close: string) =>
    `${head}${macro ? `${macro}(` : ''}${action.toUpperCase()}${close}`);
  const again = parseFwRule(fixed, { file: rule.file, line: rule.line, context: rule.context, group: rule.group, cluster });
  return { ...again, text: rule.text };
}
