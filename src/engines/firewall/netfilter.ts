import type { FilterChain, FilterRule, Ruleset } from '../../parse/iptables-save.js';
import { AddressSet } from './addr.js';
import type { Packet } from './packet.js';
import { evaluate, type Decision, type Program, type Rule, type Target, type Verdict } from './program.js';
import type { Simulator } from './simulator.js';
import { icmpType, PROTO_NUMBERS } from './tables.js';

/**
 * Hand-written rulesets (iptables-save / ip6tables-save output, /etc/iptables/rules.v4|v6, and
 * `nft list ruleset`) compiled for the evaluator. Only the filter hooks decide host traffic: the
 * base chains of `input` (inbound) and `output` (outbound). With several nft base chains on a hook,
 * a packet must be accepted by each of them in turn (a drop anywhere is final).
 *
 * Conditions the parser keeps as opaque (ipset matches, addrtype, recent, ...) make the rule
 * "assumed not to match", which the decision records; `limit` is taken as matching (the first
 * packet of a connection is within any burst).
 */

/** One address family's filter chains from one or more rulesets (iptables-save + ip6tables-save, or nft). */
export function compileRulesets(rulesets: Ruleset[], family: 4 | 6): { programs: Program[]; hooks: { in: string[]; out: string[] } } {
  const programs: Program[] = [];
  const hooks = { in: [] as string[], out: [] as string[] };
  for (const rs of rulesets) {
    for (const table of rs.tables) {
      const ofFamily = table.family === 'inet' || (table.family === 'ip' && family === 4) || (table.family === 'ip6' && family === 6);
      if (!ofFamily) continue;
      if (!rs.source.startsWith('nft') && table.name !== 'filter') continue;
      const chains = [...table.chains.values()];
      const program: Program = { family, chains: new Map(), entry: {} };
      for (const c of chains) program.chains.set(c.name, { name: c.name, policy: c.hook ? (c.policy === 'DROP' ? 'DROP' : 'ACCEPT') : undefined, rules: c.rules.map((r) => compileRule(r, rs.source, family, chains)) });
      for (const c of chains) {
        if (c.type !== undefined && c.type !== 'filter') continue;
        for (const [hook, dir] of [['input', 'in'], ['output', 'out']] as const) {
          if (c.hook !== hook) continue;
          // One program per base chain: several base chains on a hook each have their say.
          programs.push({ ...program, entry: { [dir]: c.name } });
          hooks[dir].push(`${rs.source} ${table.family === 'ip' || table.family === 'ip6' ? '' : table.family + ' '}${table.name} ${c.name}`.replace(/\s+/g, ' '));
        }
      }
    }
  }
  return { programs, hooks };
}

/** Decides a packet through every base chain of its hook, in order. */
export function evaluateAll(programs: Program[], p: Packet): Decision {
  let last: Decision | undefined;
  const assumptions: string[] = [];
  const trace: Rule[] = [];
  for (const prog of programs) {
    if (!(p.direction === 'in' ? prog.entry.in : prog.entry.out)) continue;
    const d = evaluate(prog, p);
    assumptions.push(...d.assumptions);
    trace.push(...d.trace);
    last = { verdict: d.verdict, rule: d.rule, reason: d.reason, trace: [...trace], assumptions: [...assumptions] };
    if (d.verdict !== 'ACCEPT') return last;
  }
  return last ?? { verdict: 'ACCEPT', reason: `no ${p.direction === 'in' ? 'input' : 'output'} filter chain: everything accepted`, trace: [], assumptions: [] };
}

/** A simulator over hand-written rulesets of both families. */
export function netfilterSimulator(v4: Ruleset[], v6: Ruleset[], hostIp?: string): Simulator {
  const p4 = compileRulesets(v4, 4).programs;
  const p6 = compileRulesets(v6, 6).programs;
  const first = (ps: Program[]): Program => ps[0] ?? { family: 4, chains: new Map(), entry: {} };
  return {
    backend: 'netfilter',
    programs: { 4: first(p4), 6: first(p6) },
    layers: { 4: p4, 6: p6 },
    packetDefaults: { hostIp },
    decide: (p) => evaluateAll(p.family === 4 ? p4 : p6, p),
  };
}

const IGNORED_OPAQUE = /^(-m limit|--limit(-burst)? |limit rate |-m comment|--comment |counter|log |-m tcp|-m udp)/;

/**
 * What a rule compiles to in either family (all but its addresses and ICMP type), once per rule: an
 * `inet` table is compiled for both families, and 50,000 rules were compiled twice.
 */
const familyFree = new WeakMap<FilterRule, Rule>();

function compileRule(r: FilterRule, source: string, family: 4 | 6, chains: FilterChain[]): Rule {
  let base = familyFree.get(r);
  if (!base) familyFree.set(r, (base = compileFamilyFree(r, source, chains)));
  const m = r.match;
  if (!m.src?.ranges.length && !m.dst?.ranges.length && m.icmpType === undefined) return { ...base };
  const rule: Rule = { ...base };
  let opaque = base.opaque;
  for (const [key, a] of [['src', m.src], ['dst', m.dst]] as const) {
    if (a?.ranges.length) rule[key] = { set: AddressSet.shared(a.ranges.filter((x) => x.family === family)), neg: a.negated };
  }
  if (m.icmpType !== undefined) {
    const t = icmpType(m.icmpType, family);
    if (t) rule.icmp = { type: t.type, code: t.code, neg: false };
    else opaque = [...(opaque ?? []), `icmp type ${m.icmpType}`];
  }
  rule.opaque = opaque;
  return rule;
}

function compileFamilyFree(r: FilterRule, source: string, chains: FilterChain[]): Rule {
  const m = r.match;
  // built in normalizeRule's shape (same keys, same order) so that it needs no second copy
  const rule: Rule = {
    chain: r.chain, index: r.index, text: r.text, origin: { file: source, line: r.line, text: r.text }, note: undefined,
    opaque: undefined, proto: undefined, dport: undefined, src: undefined, dst: undefined, inIface: undefined, outIface: undefined,
    sport: undefined, icmp: undefined, srcType: undefined, dstType: undefined, ctNew: undefined, acceptMark: undefined,
    synSport0: undefined, target: targetOf(r, chains), indexExact: false,
  };
  const opaque = m.opaque.filter((o) => !IGNORED_OPAQUE.test(o));
  for (const [key, a] of [['src', m.src], ['dst', m.dst]] as const) {
    if (a && !a.ranges.length) opaque.push(`${key === 'src' ? '-s' : '-d'} ${a.text}`);
  }
  if (m.proto && !m.proto.values.includes('all')) {
    const nums = m.proto.values.map((v) => (/^\d+$/.test(v) ? Number(v) : PROTO_NUMBERS.get(v)));
    if (nums.some((n) => n === undefined)) opaque.push(`-p ${m.proto.values.join(',')}`);
    else rule.proto = { nums: nums as number[], neg: m.proto.negated };
  }
  if (m.dport) rule.dport = { ranges: m.dport.ports.flatMap((p) => [p.from, p.to]), neg: m.dport.negated };
  if (m.sport) rule.sport = { ranges: m.sport.ports.flatMap((p) => [p.from, p.to]), neg: m.sport.negated };
  for (const [key, i] of [['inIface', m.inIface], ['outIface', m.outIface]] as const) {
    if (!i) continue;
    const prefix = i.name.endsWith('+') || i.name.endsWith('*');
    rule[key] = { name: prefix ? i.name.slice(0, -1) : i.name, prefix, neg: i.negated };
  }
  if (m.ctstate) rule.ctNew = m.ctstate.states.includes('NEW') !== m.ctstate.negated;
  if (opaque.length) rule.opaque = opaque;
  rule.indexExact = (!rule.proto || !rule.proto.neg) && (!rule.dport || !rule.dport.neg);
  return rule;
}

function targetOf(r: FilterRule, chains: FilterChain[]): Target {
  const t = r.target;
  if (t === undefined) return { kind: 'CONTINUE' };
  if (t === 'ACCEPT' || t === 'DROP' || t === 'REJECT' || t === 'RETURN') return { kind: t };
  if (chains.some((c) => c.name === t)) return { kind: r.goto ? 'GOTO' : 'JUMP', chain: t };
  return { kind: 'CONTINUE' }; // LOG, MARK, NFLOG, counters: non-terminating
}

export type { Verdict };
