import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';
import { parseIpRange, type IpRange } from './ip-address.js';

/**
 * Packet filter rulesets (iptables-save, ip6tables-save, /etc/iptables/rules.v4|v6, and through
 * nft-ruleset.ts `nft list ruleset`) in one structured shape, so that analyses of hand-written
 * rules work on both.
 */

export interface AddrMatch {
  ranges: IpRange[];
  negated: boolean;
  text: string;
}

export interface PortRange {
  from: number;
  to: number;
}

export interface PortMatch {
  ports: PortRange[];
  negated: boolean;
}

/** What a rule matches on. Absent fields match everything. */
export interface PacketMatch {
  src?: AddrMatch;
  dst?: AddrMatch;
  /** Protocol names lowercased (tcp, udp, icmp, ...) or numbers as written. */
  proto?: { values: string[]; negated: boolean };
  dport?: PortMatch;
  sport?: PortMatch;
  inIface?: { name: string; negated: boolean };
  outIface?: { name: string; negated: boolean };
  /** Connection tracking states, uppercased (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED). */
  ctstate?: { states: string[]; negated: boolean };
  icmpType?: string;
  comment?: string;
  /**
   * Conditions this parser does not model (e.g. `-m set --match-set x src`, `-m limit ...`,
   * `-m addrtype ...`), as written. A rule with opaque conditions may or may not match a packet:
   * analyses must stay conservative about it.
   */
  opaque: string[];
}

export interface FilterRule {
  table: string;
  chain: string;
  /** 1-based position in its chain (what `iptables -L --line-numbers` shows). */
  index: number;
  line: number;
  /** The rule as written, without counters. */
  text: string;
  match: PacketMatch;
  /** ACCEPT, DROP, REJECT, RETURN, LOG, MASQUERADE, ... or a user chain name; undefined when the rule has no target. */
  target?: string;
  targetArgs: string[];
  /** true for `-g chain` / nft `goto` (no return to this chain). */
  goto: boolean;
  counters?: { packets: number; bytes: number };
}

export interface FilterChain {
  name: string;
  /** Builtin chains: ACCEPT/DROP (nft: accept/drop uppercased); user chains: undefined. */
  policy?: string;
  /** Netfilter hook of a base chain: input, forward, output, prerouting, postrouting. */
  hook?: string;
  /** Chain type: filter, nat, route (for iptables: the table name). */
  type?: string;
  line: number;
  counters?: { packets: number; bytes: number };
  rules: FilterRule[];
}

export interface FilterTable {
  name: string;
  /** ip, ip6 (iptables-save / ip6tables-save), or nft families: ip, ip6, inet, arp, bridge, netdev. */
  family: string;
  line: number;
  chains: Map<string, FilterChain>;
}

export interface Ruleset {
  /** The command or file it came from. */
  source: string;
  tables: FilterTable[];
}

const BUILTIN_HOOKS: Record<string, string> = {
  INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output', PREROUTING: 'prerouting', POSTROUTING: 'postrouting',
};

/** Parses iptables-save / ip6tables-save output (also the format of /etc/iptables/rules.v4 and rules.v6). */
export function parseIptablesSave(input: string | Buffer, file = 'iptables-save', family: 'ip' | 'ip6' = file.includes('6') ? 'ip6' : 'ip'): Parsed<Ruleset> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const warn = (line: number, message: string) => diagnostics.push({ file, line, message, severity: 'warning' });
  const ruleset: Ruleset = { source: file, tables: [] };
  let table: FilterTable | undefined;
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    if (t.startsWith('*')) {
      table = { name: t.slice(1).trim(), family, line, chains: new Map() };
      ruleset.tables.push(table);
      continue;
    }
    if (t === 'COMMIT') {
      table = undefined;
      continue;
    }
    if (!table) {
      warn(line, 'line outside a table (no *table before it)');
      continue;
    }
    if (t.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?/.exec(t);
      if (!m) {
        warn(line, `cannot parse chain declaration: ${t.slice(0, 80)}`);
        continue;
      }
      const chain: FilterChain = { name: m[1], line, rules: [] };
      if (m[2] !== '-') chain.policy = m[2].toUpperCase();
      if (BUILTIN_HOOKS[m[1]] && m[2] !== '-') {
        chain.hook = BUILTIN_HOOKS[m[1]];
        chain.type = table.name;
      }
      if (m[3] !== undefined) chain.counters = { packets: Number(m[3]), bytes: Number(m[4]) };
      table.chains.set(chain.name, chain);
      continue;
    }
    let body = t;
    let counters: FilterRule['counters'];
    const c = /^\[(\d+):(\d+)\]\s+/.exec(body);
    if (c) {
      counters = { packets: Number(c[1]), bytes: Number(c[2]) };
      body = body.slice(c[0].length);
    }
    let tokens: string[];
    try {
      tokens = tokenize(body);
    } catch (e) {
      warn(line, (e as Error).message);
      continue;
    }
    if ((tokens[0] !== '-A' && tokens[0] !== '--append') || tokens.length < 2) {
      warn(line, `expected "-A CHAIN ...": ${t.slice(0, 80)}`);
      continue;
    }
    const chainName = tokens[1];
    let chain = table.chains.get(chainName);
    if (!chain) {
      warn(line, `rule for undeclared chain ${chainName}`);
      chain = { name: chainName, line, rules: [] };
      table.chains.set(chainName, chain);
    }
    const rule = parseRuleTokens(tokens.slice(2), { table: table.name, chain: chainName, index: chain.rules.length + 1, line, text: body });
    if (counters) rule.counters = counters;
    chain.rules.push(rule);
  }
  if (table) warn(table.line, `table ${table.name} has no COMMIT`);
  return { value: ruleset, diagnostics };
}

/** Splits a rule like the shell would (iptables-save quotes comments and log prefixes with "..."). */
export function tokenize(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    let tok = '';
    while (i < s.length && !/\s/.test(s[i])) {
      if (s[i] === '"' || s[i] === "'") {
        const q = s[i++];
        while (i < s.length && s[i] !== q) {
          if (s[i] === '\\' && q === '"' && i + 1 < s.length) i++;
          tok += s[i++];
        }
        if (i >= s.length) throw new Error('unterminated quote');
        i++;
      } else tok += s[i++];
    }
    out.push(tok);
  }
  return out;
}

function parseRuleTokens(tokens: string[], where: Pick<FilterRule, 'table' | 'chain' | 'index' | 'line' | 'text'>): FilterRule {
  const rule: FilterRule = { ...where, match: { opaque: [] }, targetArgs: [], goto: false };
  const m = rule.match;
  let negate = false;
  let module = '';
  let i = 0;
  const next = () => tokens[++i];
  for (; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === '!') {
      negate = true;
      continue;
    }
    const neg = negate;
    negate = false;
    switch (tok) {
      case '-s': case '--source': case '--src':
        m.src = addrMatch(next(), neg);
        break;
      case '-d': case '--destination': case '--dst':
        m.dst = addrMatch(next(), neg);
        break;
      case '-p': case '--protocol':
        m.proto = { values: [(next() ?? '').toLowerCase()], negated: neg };
        break;
      case '-i': case '--in-interface':
        m.inIface = { name: next() ?? '', negated: neg };
        break;
      case '-o': case '--out-interface':
        m.outIface = { name: next() ?? '', negated: neg };
        break;
      case '-m': case '--match':
        module = next() ?? '';
        if (!KNOWN_MODULES.has(module)) m.opaque.push(`-m ${module}`);
        break;
      case '--dport': case '--destination-port': case '--dports': case '--destination-ports':
        m.dport = portMatch(next(), neg);
        break;
      case '--sport': case '--source-port': case '--sports': case '--source-ports':
        m.sport = portMatch(next(), neg);
        break;
      case '--ctstate': case '--state':
        m.ctstate = { states: (next() ?? '').toUpperCase().split(','), negated: neg };
        break;
      case '--comment':
        m.comment = next();
        break;
      case '--icmp-type': case '--icmpv6-type':
        m.icmpType = next();
        break;
      case '-j': case '--jump':
      case '-g': case '--goto':
        rule.target = next();
        rule.goto = tok === '-g' || tok === '--goto';
        // Target options (--reject-with, --log-prefix, ...) follow the target in iptables-save output.
        rule.targetArgs = tokens.slice(i + 1);
        i = tokens.length;
        break;
      default: {
        // An option of a module we do not model: keep it with its arguments (up to the next option).
        const args = [tok];
        while (i + 1 < tokens.length && !tokens[i + 1].startsWith('-') && tokens[i + 1] !== '!') args.push(tokens[++i]);
        m.opaque.push(`${neg ? '! ' : ''}${args.join(' ')}`);
      }
    }
  }
  return rule;
}

const KNOWN_MODULES = new Set(['tcp', 'udp', 'multiport', 'conntrack', 'state', 'comment', 'icmp', 'icmp6', 'icmpv6']);

function addrMatch(text: string | undefined, negated: boolean): AddrMatch {
  const ranges: IpRange[] = [];
  for (const part of (text ?? '').split(',')) {
    const r = parseIpRange(part);
    // iptables-save prints addresses; a name would have been resolved when the rule was added.
    if (typeof r !== 'string') ranges.push(r);
  }
  return { ranges, negated, text: text ?? '' };
}

function portMatch(text: string | undefined, negated: boolean): PortMatch {
  const ports: PortRange[] = [];
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d*)[:-]?(\d*)$/.exec(part);
    if (!m || (!m[1] && !m[2])) continue;
    const from = m[1] ? Number(m[1]) : 0;
    const to = part.includes(':') || part.includes('-') ? (m[2] ? Number(m[2]) : 65535) : from;
    ports.push({ from, to });
  }
  return { ports, negated };
}

/** The filtering base chains attached to a hook (iptables: filter/INPUT; nft: every `type filter hook input` chain). */
export function baseChains(ruleset: Ruleset, hook: string): FilterChain[] {
  return ruleset.tables.flatMap((t) => [...t.chains.values()].filter((c) => c.hook === hook && c.type === 'filter'));
}
