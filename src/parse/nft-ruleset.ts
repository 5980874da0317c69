import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';
import { rememberLast } from './remember-last.js';
import { parseIpRange, type IpRange } from './ip-address.js';
import type { AddrMatch, FilterChain, FilterRule, FilterTable, PacketMatch, PortMatch, PortRange, Ruleset } from './iptables-save.js';

/**
 * Parses `nft list ruleset` (the common forms nft prints): table and chain blocks, base chain
 * headers (`type filter hook input priority filter; policy drop;`), named sets, and rules made of
 * address/port/protocol/conntrack/interface matches and a verdict. Expressions it does not model
 * are kept as opaque conditions. Counters and comments do not affect matching.
 */
export function parseNftRuleset(input: string | Buffer, file = 'nft list ruleset'): Parsed<Ruleset> {
  return parseText(asText(input, file), file);
}

// The firewall and the network facts both read the live ruleset: parsed once.
const parseText = rememberLast((text: string, file: string): Parsed<Ruleset> => {
  const diagnostics: Diagnostic[] = [];
  const warn = (line: number, message: string) => diagnostics.push({ file, line, message, severity: 'warning' });
  const ruleset: Ruleset = { source: file, tables: [] };
  const sets = new Map<FilterTable, Map<string, string[]>>();
  /** The open blocks, innermost last. */
  const stack: { kind: 'table' | 'chain' | 'set' | 'other'; table?: FilterTable; chain?: FilterChain; set?: string[]; line: number }[] = [];
  let pending: { line: number; text: string; balance: number } | undefined;
  let stmtLine = 0;

  for (const { line, text: raw } of numberedLines(text)) {
    let t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    stmtLine = pending ? pending.line : line;
    // A statement whose { } set spans several lines is joined before parsing.
    if (pending) {
      pending.text += ' ' + t;
      pending.balance += braceBalance(t);
      if (pending.balance > 0) continue;
      t = pending.text;
      pending = undefined;
    } else if (!t.endsWith('{') && braceBalance(t) > 0) {
      pending = { line, text: t, balance: braceBalance(t) };
      continue;
    }
    const top = stack[stack.length - 1];
    if (t === '}') {
      if (!stack.length) warn(line, 'unbalanced "}"');
      else stack.pop();
      continue;
    }
    const open = t.endsWith('{') ? /^(\w+)\s+(.*)$/.exec(t.slice(0, -1).trimEnd()) : null;
    if (open) {
      const [, kw, rest] = open;
      if (kw === 'table') {
        const parts = rest.split(/\s+/);
        const table: FilterTable = { name: parts[parts.length - 1], family: parts.length > 1 ? parts[0] : 'ip', line, chains: new Map() };
        ruleset.tables.push(table);
        sets.set(table, new Map());
        stack.push({ kind: 'table', table, line });
      } else if (kw === 'chain' && top?.kind === 'table') {
        const chain: FilterChain = { name: rest, line, rules: [] };
        top.table!.chains.set(rest, chain);
        stack.push({ kind: 'chain', table: top.table, chain, line });
      } else if (kw === 'set' && top?.kind === 'table') {
        const elements: string[] = [];
        sets.get(top.table!)!.set(rest, elements);
        stack.push({ kind: 'set', table: top.table, set: elements, line });
      } else {
        stack.push({ kind: 'other', line });
      }
      continue;
    }
    if (!top) {
      warn(line, `statement outside a table: ${t.slice(0, 80)}`);
      continue;
    }
    if (top.kind === 'set') {
      const el = /^elements\s*=\s*\{(.*)\}$/.exec(t);
      if (el) top.set!.push(...el[1].split(',').map((s) => s.trim()).filter(Boolean));
      continue;
    }
    if (top.kind !== 'chain') continue;
    const chain = top.chain!;
    if (/^type\s/.test(t)) {
      const hdr = /^type\s+(\S+)\s+hook\s+(\S+)(?:\s+device\s+\S+)?\s+priority\s+([^;]+);(?:\s*policy\s+(\w+);)?/.exec(t);
      if (!hdr) {
        warn(line, `cannot parse chain header: ${t.slice(0, 80)}`);
        continue;
      }
      chain.type = hdr[1];
      chain.hook = hdr[2];
      chain.policy = (hdr[4] ?? 'accept').toUpperCase();
      continue;
    }
    if (/^policy\s+\w+;?$/.test(t)) {
      chain.policy = t.split(/\s+/)[1].replace(';', '').toUpperCase();
      continue;
    }
    let tokens: string[];
    try {
      tokens = nftTokens(t);
    } catch (e) {
      warn(line, (e as Error).message);
      continue;
    }
    chain.rules.push(parseNftRule(tokens, {
      table: top.table!.name, chain: chain.name, index: chain.rules.length + 1, line: stmtLine, text: t,
    }, sets.get(top.table!)!));
  }
  if (pending) warn(pending.line, 'statement with an unclosed "{"');
  if (stack.length) warn(stack[stack.length - 1].line, 'block is not closed');
  return { value: ruleset, diagnostics };
});

function braceBalance(s: string): number {
  let n = 0;
  let inStr = false;
  for (const ch of s) {
    if (ch === '"') inStr = !inStr;
    else if (!inStr && ch === '{') n++;
    else if (!inStr && ch === '}') n--;
  }
  return n;
}

/** Words, quoted strings, and the punctuation nft prints as separate tokens ({ } ,). */
function nftTokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"') {
      const end = s.indexOf('"', i + 1);
      if (end === -1) throw new Error('unterminated string');
      out.push(s.slice(i + 1, end));
      i = end + 1;
    } else if (ch === '{' || ch === '}' || ch === ',') {
      out.push(ch);
      i++;
    } else {
      let j = i;
      while (j < s.length && !/[\s{},"]/.test(s[j])) j++;
      out.push(s.slice(i, j));
      i = j;
    }
  }
  return out;
}

const VERDICTS: Record<string, string> = { accept: 'ACCEPT', drop: 'DROP', reject: 'REJECT', return: 'RETURN', queue: 'QUEUE', continue: 'CONTINUE' };

function parseNftRule(tokens: string[], where: Pick<FilterRule, 'table' | 'chain' | 'index' | 'line' | 'text'>, sets: Map<string, string[]>): FilterRule {
  // spelled out, not spread (50,000 rules): the same keys in the same order
  const rule: FilterRule = { table: where.table, chain: where.chain, index: where.index, line: where.line, text: where.text, match: { opaque: [] }, targetArgs: [], goto: false };
  const m = rule.match;
  let i = 0;
  /** Reads `[!=] value` or `[!=] { a, b }`, returning the values and the negation. */
  const operand = (): { values: string[]; negated: boolean } => {
    let negated = false;
    if (tokens[i] === '!=') {
      negated = true;
      i++;
    } else if (tokens[i] === '==') i++;
    if (tokens[i] === '{') {
      const values: string[] = [];
      i++;
      while (i < tokens.length && tokens[i] !== '}') {
        if (tokens[i] !== ',') values.push(tokens[i]);
        i++;
      }
      i++;
      return { values, negated };
    }
    const v = tokens[i++] ?? '';
    if (v.startsWith('@') && sets.has(v.slice(1))) return { values: sets.get(v.slice(1))!, negated };
    const values = [v];
    // `ct state established,related` is a comma list without braces
    while (tokens[i] === ',' && i + 1 < tokens.length) {
      values.push(tokens[i + 1]);
      i += 2;
    }
    return { values, negated };
  };
  while (i < tokens.length) {
    const tok = tokens[i];
    const nextTok = tokens[i + 1];
    if ((tok === 'ip' || tok === 'ip6') && (nextTok === 'saddr' || nextTok === 'daddr')) {
      i += 2;
      const start = i;
      const { values, negated } = operand();
      const addr = addrOf(values, negated);
      if (!addr) m.opaque.push(tokens.slice(start - 2, i).join(' '));
      else if (nextTok === 'saddr') m.src = addr;
      else m.dst = addr;
      continue;
    }
    if ((tok === 'ip' && nextTok === 'protocol') || (tok === 'meta' && nextTok === 'l4proto') || (tok === 'ip6' && nextTok === 'nexthdr')) {
      i += 2;
      const { values, negated } = operand();
      m.proto = { values: values.map((v) => v.toLowerCase()), negated };
      continue;
    }
    if (['tcp', 'udp', 'th', 'sctp', 'dccp', 'udplite'].includes(tok) && (nextTok === 'dport' || nextTok === 'sport')) {
      i += 2;
      if (tok !== 'th' && !m.proto) m.proto = { values: [tok], negated: false };
      const { values, negated } = operand();
      const ports = portsOf(values, negated);
      if (!ports) m.opaque.push(`${tok} ${nextTok} ${values.join(',')}`);
      else if (nextTok === 'dport') m.dport = ports;
      else m.sport = ports;
      continue;
    }
    if (tok === 'ct' && nextTok === 'state') {
      i += 2;
      const { values, negated } = operand();
      m.ctstate = { states: values.map((v) => v.toUpperCase()), negated };
      continue;
    }
    if (['iifname', 'iif', 'oifname', 'oif'].includes(tok) || (tok === 'meta' && ['iifname', 'iif', 'oifname', 'oif'].includes(nextTok))) {
      const which = tok === 'meta' ? nextTok : tok;
      i += tok === 'meta' ? 2 : 1;
      const { values, negated } = operand();
      const iface = { name: values.length === 1 ? values[0] : `{${values.join(',')}}`, negated };
      if (values.length !== 1) m.opaque.push(`${which} ${iface.name}`);
      else if (which.startsWith('i')) m.inIface = iface;
      else m.outIface = iface;
      continue;
    }
    if ((tok === 'icmp' || tok === 'icmpv6') && nextTok === 'type') {
      i += 2;
      const { values } = operand();
      if (!m.proto) m.proto = { values: [tok === 'icmp' ? 'icmp' : 'ipv6-icmp'], negated: false };
      m.icmpType = values.join(',');
      continue;
    }
    if (tok === 'counter') {
      i++;
      while (tokens[i] === 'packets' || tokens[i] === 'bytes') i += 2;
      continue;
    }
    if (tok === 'comment') {
      m.comment = tokens[i + 1];
      i += 2;
      continue;
    }
    if (tok === 'log') {
      i++;
      const args: string[] = [];
      while (i < tokens.length && ['prefix', 'level', 'flags', 'group', 'snaplen', 'queue-threshold'].includes(tokens[i])) {
        args.push(tokens[i], tokens[i + 1] ?? '');
        i += 2;
      }
      if (!rule.target) {
        rule.target = 'LOG';
        rule.targetArgs = args;
      }
      continue;
    }
    if (VERDICTS[tok]) {
      rule.target = VERDICTS[tok];
      rule.targetArgs = [];
      i++;
      // `reject with icmp type port-unreachable` / `reject with tcp reset`
      if (tok === 'reject') while (i < tokens.length && tokens[i] !== 'comment') rule.targetArgs.push(tokens[i++]);
      continue;
    }
    if (tok === 'jump' || tok === 'goto') {
      rule.target = nextTok;
      rule.goto = tok === 'goto';
      i += 2;
      continue;
    }
    // Anything else (limit rate, meta mark, fib, xt match ...): one opaque condition up to the next known keyword.
    const start = i;
    i++;
    while (i < tokens.length && !isKeyword(tokens[i], tokens[i + 1])) i++;
    m.opaque.push(tokens.slice(start, i).join(' '));
  }
  return rule;
}

function isKeyword(tok: string, next: string | undefined): boolean {
  if (VERDICTS[tok] || tok === 'jump' || tok === 'goto' || tok === 'counter' || tok === 'comment' || tok === 'log') return true;
  if ((tok === 'ip' || tok === 'ip6') && (next === 'saddr' || next === 'daddr' || next === 'protocol' || next === 'nexthdr')) return true;
  if (['tcp', 'udp', 'th'].includes(tok) && (next === 'dport' || next === 'sport')) return true;
  if (tok === 'ct' && next === 'state') return true;
  return ['iifname', 'iif', 'oifname', 'oif'].includes(tok);
}

function addrOf(values: string[], negated: boolean): AddrMatch | undefined {
  const ranges: IpRange[] = [];
  for (const v of values) {
    const r = parseIpRange(v);
    if (typeof r === 'string') return undefined;
    ranges.push(r);
  }
  return ranges.length ? { ranges, negated, text: values.join(',') } : undefined;
}

function portsOf(values: string[], negated: boolean): PortMatch | undefined {
  const ports: PortRange[] = [];
  for (const v of values) {
    const mm = /^(\d+)(?:-(\d+))?$/.exec(v);
    if (mm) {
      ports.push({ from: Number(mm[1]), to: Number(mm[2] ?? mm[1]) });
      continue;
    }
    const named = NFT_SERVICE_NAMES[v];
    if (named === undefined) return undefined;
    ports.push({ from: named, to: named });
  }
  return ports.length ? { ports, negated } : undefined;
}

/** Service names nft prints instead of numbers when run without -nn (`nft list ruleset` resolves a few). */
const NFT_SERVICE_NAMES: Record<string, number> = {
  ssh: 22, smtp: 25, domain: 53, http: 80, https: 443, sunrpc: 111, ntp: 123, snmp: 161, ldap: 389, ldaps: 636,
  'http-alt': 8080, ftp: 21, telnet: 23, bootps: 67, bootpc: 68, tftp: 69, syslog: 514, submission: 587,
  rsync: 873, imaps: 993, pop3s: 995, mysql: 3306, postgresql: 5432, 'squid': 3128,
};

export type { PacketMatch };
