import { asText, type Diagnostic, type Parsed } from './diagnostics.js';
import { parseIp, parseIpRange, type IpRange } from './ip-address.js';
import {
  ETC_PROTOCOLS, ETC_SERVICES, ICMP_TYPE_NAMES, ICMPV6_TYPE_NAMES, MACRO_BY_LOWER_NAME, PROTOCOLS_WITH_PORTS,
  EXTRA_PROTOCOL_NAMES, macroTemplates, type MacroTemplate,
} from './pve-fw-tables.js';

/**
 * Proxmox VE firewall configuration (cluster.fw, host.fw) as pve-firewall reads it: sections are
 * parsed top-down and each rule is verified while it is read, against the aliases and ipsets
 * defined ABOVE it. A rule that fails verification is kept here with `ignored` (Proxmox logs a
 * warning and generates nothing for it).
 */

export type FwAction = 'ACCEPT' | 'DROP' | 'REJECT';

/** A parsed address operand: literal addresses (one or a list, or a range), an alias, or an ipset reference. */
export type FwAddress =
  | { kind: 'ip'; ranges: IpRange[]; family: 4 | 6 }
  | { kind: 'alias'; name: string; scope?: 'dc' | 'guest' }
  | { kind: 'ipset'; name: string; scope?: 'dc' | 'guest' };

/** One element of a port list: an inclusive range (a single port has from === to). */
export interface FwPort {
  from: number;
  to: number;
  text: string;
}

/** A concrete match after macro expansion: one macro template combined with the rule's own options. */
export interface FwMatch {
  action: FwAction;
  proto?: string;
  /** Ports, or for icmp the type name in `icmpType`. */
  dport?: FwPort[];
  sport?: FwPort[];
  icmpType?: string;
  /** Set when the match exists only in one IP version's chains (a macro with IPv6 templates of its own). */
  family?: 4 | 6;
}

export interface FwRule {
  file: string;
  line: number;
  /** The line as written (comments included). */
  text: string;
  /** Where the rule lives: cluster/host [RULES] or a security group. */
  context: 'cluster' | 'host' | 'group';
  /** Security group name (lowercased) for rules inside [group name]. */
  group?: string;
  enabled: boolean;
  /** in, out, forward or group (lowercased as Proxmox does). */
  type: string;
  /** ACCEPT/DROP/REJECT, or the security group name for a GROUP rule (as written). */
  action: string;
  /** Macro name in its preferred spelling, when the action was `Macro(ACTION)`. */
  macro?: string;
  iface?: string;
  proto?: string;
  dport?: string;
  sport?: string;
  source?: string;
  dest?: string;
  log?: string;
  icmpType?: string;
  comment?: string;
  sourceAddr?: FwAddress;
  destAddr?: FwAddress;
  /** Protocol/port combinations the rule generates (several for macros); empty for GROUP rules. */
  matches: FwMatch[];
  ipversion?: 4 | 6;
  /** Why pve-firewall silently skips this rule; undefined for a rule it applies. */
  ignored?: string;
  /**
   * A run of identical ignored lines, one after the other in the same section (comments and blank lines
   * between them allowed), is kept as the rule of its first line: `count` lines, the last at `lastLine`
   * (a million `{` lines are one rule and one diagnostic). Absent: the rule is one line.
   */
  run?: { count: number; lastLine: number };
}

export interface FwAlias {
  name: string;
  cidr: string;
  range: IpRange;
  line: number;
  comment?: string;
}

export interface FwIpsetEntry {
  /** Address, CIDR or alias name as written (without `!`). */
  cidr: string;
  nomatch: boolean;
  line: number;
  comment?: string;
  /** Resolved address range (aliases resolved); undefined when the entry is invalid. */
  range?: IpRange;
  /** Why the entry is skipped. */
  error?: string;
}

export interface FwIpset {
  name: string;
  line: number;
  comment?: string;
  entries: FwIpsetEntry[];
}

export interface FwGroup {
  name: string;
  line: number;
  comment?: string;
  rules: FwRule[];
}

export interface FwOption {
  value: string | number;
  line: number;
}

/**
 * What CRLF line endings did to a file. pve-firewall keeps the `\r` at the end of each line, so its
 * `^\[options\]$`, `^\[aliases\]$` and `^\[rules\]$` header patterns never match such a line
 * (`[group x]` and `[ipset x]` allow trailing blanks and still do): the lines below a missed header
 * are skipped, or read as part of the section before it.
 */
export interface CrlfEffect {
  /** How many lines end in CR LF. */
  lines: number;
  /** Section headers Proxmox did not recognise because of their CR, as written. */
  unreadHeaders: { line: number; text: string }[];
  /** Lines skipped or misread because of a CR (the missed headers, the lines below them, alias lines). */
  affectedLines: number[];
}

export interface ClusterFw {
  file: string;
  /** enable, policy_in, policy_out, policy_forward, ebtables, log_ratelimit */
  options: Map<string, FwOption>;
  rules: FwRule[];
  /** By lowercased name. */
  aliases: Map<string, FwAlias>;
  /** By lowercased name. */
  ipsets: Map<string, FwIpset>;
  /** By lowercased name. */
  groups: Map<string, FwGroup>;
  /** Set when lines end in CR LF. */
  crlf?: CrlfEffect;
  /**
   * Ignored rule lines past the first MAX_IGNORED_RULES of the file (a hostile file holds a million), not
   * kept as rules: the line numbers of the enabled ones. One diagnostic names how many and where.
   */
  ignoredNotKept?: number[];
}

export interface HostFw {
  file: string;
  /** enable, nftables, nosmurfs, tcpflags, log_level_in ... */
  options: Map<string, FwOption>;
  rules: FwRule[];
  /** Set when lines end in CR LF. */
  crlf?: CrlfEffect;
  /**
   * Ignored rule lines past the first MAX_IGNORED_RULES of the file (a hostile file holds a million), not
   * kept as rules: the line numbers of the enabled ones. One diagnostic names how many and where.
   */
  ignoredNotKept?: number[];
}

/** Splits `text # comment` at the first `#` (what `s/#\s*(.*?)\s*$//` does, without its quadratic backtracking). */
function splitComment(text: string): { body: string; comment?: string } {
  const hash = text.indexOf('#');
  if (hash === -1) return { body: text };
  return { body: text.slice(0, hash), comment: text.slice(hash + 1).trim() };
}

const ALIAS_RE = /^(?:(dc|guest)\/)?([A-Za-z][A-Za-z0-9_-]+)$/;
const IPSET_REF_RE = /^\+(?:(dc|guest)\/)?([A-Za-z][A-Za-z0-9_-]+)$/;
const GROUP_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]+$/;
const IFACE_RE = /^[a-zA-Z][a-zA-Z0-9_]{1,20}([:.]\d+)?$/;
const LOG_LEVELS = 'emerg|alert|crit|err|warning|notice|info|debug|nolog';
const MAX_NAME = 64;
/** $max_group_name_length: a longer [group name] header is refused and its section skipped. */
const MAX_GROUP_NAME = 18;

export function emptyClusterFw(file = '/etc/pve/firewall/cluster.fw'): ClusterFw {
  return { file, options: new Map(), rules: [], aliases: new Map(), ipsets: new Map(), groups: new Map() };
}

/**
 * The rules pve-firewall applies, in its order (host.fw, then cluster.fw), the rest dropped: `keep`
 * (optional) maps a rule before the test. No copy of either list (a million ignored lines stay put).
 */
export function appliedRules(host: HostFw | undefined, cluster: ClusterFw, keep: (rule: FwRule) => FwRule = (r) => r): FwRule[] {
  const out: FwRule[] = [];
  for (const list of [host?.rules ?? [], cluster.rules]) {
    for (const raw of list) {
      const rule = keep(raw);
      if (rule.enabled && !rule.ignored) out.push(rule);
    }
  }
  return out;
}

/** Parses /etc/pve/firewall/cluster.fw. */
export function parseClusterFw(input: string | Buffer, file = '/etc/pve/firewall/cluster.fw'): Parsed<ClusterFw> {
  const text = asText(input, file);
  const conf = emptyClusterFw(file);
  const diagnostics: Diagnostic[] = [];
  const warn = (line: number, message: string) => diagnostics.push({ file, line, message, severity: 'warning' });
  const messages = new SharedMessages();
  const ruleCtx: RuleContext = { file, line: 0, context: 'cluster', cluster: conf }; // one for every line (parseFwRule keeps none)
  const crlf = new CrlfTracker();
  let section: 'options' | 'aliases' | 'rules' | 'group' | 'ipset' | undefined;
  let current: FwGroup | FwIpset | undefined;

  const runs = new IgnoredRuns();
  for (const lines = new PveLines(text); lines.next(); ) {
    const { line, text: raw } = lines;
    crlf.see(raw);
    if (raw.startsWith('#') || /^\s*$/.test(raw)) continue;
    const previous = runs.contentLine(line);
    const header = parseSectionHeader(raw, CLUSTER_SECTIONS);
    crlf.header(line, raw, header !== undefined, CLUSTER_SECTIONS);
    if (header) {
      if (header.kind === 'group' || header.kind === 'ipset') {
        const name = header.name!.toLowerCase();
        const max = header.kind === 'group' ? MAX_GROUP_NAME : MAX_NAME;
        if (name.length > max || !GROUP_NAME_RE.test(name)) {
          const tooLong = name.length > max ? ` (longer than ${max} characters)` : '';
          warn(line, `invalid ${header.kind === 'group' ? 'security group' : 'ipset'} name '${header.name}'${tooLong}: section skipped`);
          section = undefined;
          current = undefined;
          continue;
        }
        section = header.kind;
        if (header.kind === 'group') {
          current = { name, line, comment: header.comment, rules: [] };
          conf.groups.set(name, current);
        } else {
          current = { name, line, comment: header.comment, entries: [] };
          conf.ipsets.set(name, current);
        }
      } else {
        section = header.kind;
        current = undefined;
      }
      continue;
    }
    if (!section) {
      warn(line, 'skip line - no section');
      continue;
    }
    if (section === 'options') {
      const opt = parseClusterOption(raw, messages);
      if (typeof opt === 'string') warn(line, opt);
      else conf.options.set(opt.key, { value: opt.value, line });
    } else if (section === 'aliases') {
      const alias = parseAlias(raw, line);
      if (typeof alias === 'string') {
        warn(line, alias);
        if (raw.endsWith('\r') && typeof parseAlias(raw.slice(0, -1), line) !== 'string') crlf.affected(line);
      } else conf.aliases.set(alias.name.toLowerCase(), alias);
    } else if (section === 'rules' || section === 'group') {
      const context = section === 'rules' ? 'cluster' : 'group';
      ruleCtx.line = line;
      ruleCtx.context = context;
      ruleCtx.group = (current as FwGroup | undefined)?.name;
      const rule = parseFwRule(raw, ruleCtx);
      const list = section === 'rules' ? conf.rules : (current as FwGroup).rules;
      if (runs.extend(list, rule, previous) || runs.notKept(rule)) continue;
      if (rule.ignored && rule.enabled) warn(line, messages.get('rule ignored by Proxmox: ', rule.ignored));
      list.push(rule);
      runs.start(list, rule, rule.ignored && rule.enabled ? diagnostics[diagnostics.length - 1] : undefined);
    } else {
      const entry = parseIpsetEntry(raw, line, conf);
      if (entry.error) warn(line, `ipset entry skipped: ${entry.error}`);
      (current as FwIpset).entries.push(entry);
    }
  }
  runs.finish(conf, diagnostics);
  const effect = crlf.effect();
  if (effect) conf.crlf = effect;
  return { value: conf, diagnostics };
}

/**
 * Parses /etc/pve/nodes/<node>/host.fw; rules are verified against the cluster's aliases and ipsets.
 * Only [OPTIONS] and [RULES] are section headers here: any other header line is read, like every
 * line, as part of the current section (so rules below a stray `[group x]` still apply).
 */
export function parseHostFw(input: string | Buffer, file = '/etc/pve/nodes/localhost/host.fw', cluster?: ClusterFw): Parsed<HostFw> {
  const text = asText(input, file);
  const conf: HostFw = { file, options: new Map(), rules: [] };
  const diagnostics: Diagnostic[] = [];
  const warn = (line: number, message: string) => diagnostics.push({ file, line, message, severity: 'warning' });
  const clusterConf = cluster ?? emptyClusterFw();
  const messages = new SharedMessages();
  const ruleCtx: RuleContext = { file, line: 0, context: 'host', cluster: clusterConf }; // one for every line (parseFwRule keeps none)
  const crlf = new CrlfTracker();
  let section: 'options' | 'rules' | undefined;
  const runs = new IgnoredRuns();
  for (const lines = new PveLines(text); lines.next(); ) {
    const { line, text: raw } = lines;
    crlf.see(raw);
    if (raw.startsWith('#') || /^\s*$/.test(raw)) continue;
    const previous = runs.contentLine(line);
    const header = parseSectionHeader(raw, HOST_SECTIONS);
    crlf.header(line, raw, header !== undefined, HOST_SECTIONS);
    if (header) {
      section = header.kind as 'options' | 'rules';
      continue;
    }
    const stray = parseSectionHeader(raw, CLUSTER_SECTIONS) !== undefined;
    if (!section) {
      warn(line, 'skip line - no section');
    } else if (section === 'options') {
      const opt = parseHostOption(raw, messages);
      if (typeof opt === 'string') warn(line, stray ? `${strayHeader(raw)}: read as an option line and skipped (the lines below it stay in [OPTIONS])` : opt);
      else conf.options.set(opt.key, { value: opt.value, line });
    } else {
      ruleCtx.line = line;
      const rule = parseFwRule(raw, ruleCtx);
      if (stray && rule.ignored) rule.ignored = `${strayHeader(raw)}: read as a rule and skipped (the lines below it stay in [RULES])`;
      if (runs.extend(conf.rules, rule, previous) || runs.notKept(rule)) continue;
      if (rule.ignored && rule.enabled) warn(line, messages.get('rule ignored by Proxmox: ', rule.ignored));
      conf.rules.push(rule);
      runs.start(conf.rules, rule, rule.ignored && rule.enabled ? diagnostics[diagnostics.length - 1] : undefined);
    }
  }
  runs.finish(conf, diagnostics);
  const effect = crlf.effect();
  if (effect) conf.crlf = effect;
  return { value: conf, diagnostics };
}

/** Ignored rules (or runs of identical ones) a file keeps as FwRule objects; the rest are counted. */
export const MAX_IGNORED_RULES = 10_000;

/**
 * Bounds what a file of ignored lines costs (issue 8: a million `{`/`}` lines made a million rules and
 * diagnostics). Runs of identical ignored lines merge: only consecutive lines of one rule list, any other
 * line between them (a header, an option, another rule) ends the run; the run's diagnostic names how many
 * lines and where they end. Past MAX_IGNORED_RULES ignored rules, further ones are only counted.
 */
class IgnoredRuns {
  private kept = 0;
  private readonly notKeptLines: number[] = [];
  private notKeptFirst = 0;
  private notKeptLast = 0;
  private notKeptCount = 0;
  private previousLine = 0;
  private last: { list: FwRule[]; rule: FwRule; diagnostic?: Diagnostic } | undefined;
  private readonly merged: { rule: FwRule; diagnostic?: Diagnostic }[] = [];

  /** Called for every line that is not a comment or blank; returns the previous such line. */
  contentLine(line: number): number {
    const previous = this.previousLine;
    this.previousLine = line;
    return previous;
  }

  /** Counts `rule` into the run before it when it repeats that run's line; false: it starts its own. */
  extend(list: FwRule[], rule: FwRule, previousLine: number): boolean {
    const last = this.last;
    if (!last || !rule.ignored || last.list !== list || last.rule.text !== rule.text || last.rule.ignored !== rule.ignored
      || last.rule.enabled !== rule.enabled || (last.rule.run?.lastLine ?? last.rule.line) !== previousLine) return false;
    if (!last.rule.run) {
      last.rule.run = { count: 1, lastLine: last.rule.line };
      this.merged.push(last);
    }
    last.rule.run.count++;
    last.rule.run.lastLine = rule.line;
    return true;
  }

  /** True when `rule` is ignored and the file already keeps MAX_IGNORED_RULES of them: it is counted instead. */
  notKept(rule: FwRule): boolean {
    if (!rule.ignored) return false;
    if (this.kept < MAX_IGNORED_RULES) {
      this.kept++;
      return false;
    }
    if (rule.enabled) this.notKeptLines.push(rule.line);
    if (!this.notKeptCount++) this.notKeptFirst = rule.line;
    this.notKeptLast = rule.line;
    return true;
  }

  start(list: FwRule[], rule: FwRule, diagnostic: Diagnostic | undefined): void {
    this.last = rule.ignored ? { list, rule, diagnostic } : undefined;
  }

  /** Adds the extent of each merged run to its diagnostic, and the lines not kept to the file. */
  finish(conf: ClusterFw | HostFw, diagnostics: Diagnostic[]): void {
    for (const { rule, diagnostic } of this.merged) {
      if (diagnostic) diagnostic.message += ` (${describeRun(rule)!})`;
    }
    if (!this.notKeptCount) return;
    conf.ignoredNotKept = this.notKeptLines;
    const enabled = this.notKeptLines.length;
    diagnostics.push({
      file: conf.file, line: this.notKeptFirst, severity: 'warning',
      message: `rule ignored by Proxmox: ${this.notKeptCount} more ignored rule lines between lines ${this.notKeptFirst} and ${this.notKeptLast}`
        + `${enabled === this.notKeptCount ? '' : ` (${enabled} of them enabled)`}, not listed one by one (a file lists its first ${MAX_IGNORED_RULES})`,
    });
  }
}

/** "1000 identical lines, 5-1004" for a merged run; undefined for a rule of one line. */
export function describeRun(rule: FwRule): string | undefined {
  return rule.run ? `${rule.run.count} identical lines, ${rule.line}-${rule.run.lastLine}` : undefined;
}

function strayHeader(raw: string): string {
  return `section header ${trimCrAndBlanks(raw)} is not allowed in host.fw`;
}

/**
 * One string per distinct diagnostic message of a file: a million ignored `{` lines share one message
 * instead of each holding a concatenation that every reader (FW-08's startsWith) flattens anew.
 * Bounded: past MAX_SHARED distinct messages they are built one by one again.
 */
class SharedMessages {
  private static readonly MAX_SHARED = 10_000;
  private readonly byPrefix = new Map<string, Map<string, string>>();
  private size = 0;

  /** prefix + detail + suffix; the same prefix always comes with the same suffix. */
  get(prefix: string, detail: string, suffix = ''): string {
    let byDetail = this.byPrefix.get(prefix);
    if (!byDetail) this.byPrefix.set(prefix, (byDetail = new Map()));
    const known = byDetail.get(detail);
    if (known !== undefined) return known;
    const message = prefix + detail + suffix;
    if (this.size++ < SharedMessages.MAX_SHARED) byDetail.set(detail, message);
    return message;
  }
}

type SectionKind = 'options' | 'aliases' | 'rules' | 'group' | 'ipset';
const CLUSTER_SECTIONS: ReadonlySet<SectionKind> = new Set(['options', 'aliases', 'rules', 'group', 'ipset']);
const HOST_SECTIONS: ReadonlySet<SectionKind> = new Set(['options', 'rules']);

/**
 * The lines as pve-firewall's `while ($raw =~ /^\h*(.*?)\h*$/gm)` yields them: split at LF, blanks
 * and tabs trimmed at both ends, a CR before the LF kept (it is not horizontal whitespace).
 */
class PveLines {
  /** 1-based number of the current line. */
  line = 0;
  /** The current line, blanks trimmed. */
  text = '';
  private start = 0;

  constructor(private readonly source: string) {}

  /** Advances to the next line; false at the end. One line at a time, no object per line: a 2 MB file of one-character lines is a million of them. */
  next(): boolean {
    if (this.start >= this.source.length) return false;
    const nl = this.source.indexOf('\n', this.start);
    const end = nl === -1 ? this.source.length : nl;
    this.line++;
    this.text = trimBlanks(this.source.slice(this.start, end));
    this.start = end + 1;
    return true;
  }
}

function trimBlanks(t: string): string {
  let a = 0;
  let b = t.length;
  while (a < b && (t[a] === ' ' || t[a] === '\t')) a++;
  while (b > a && (t[b - 1] === ' ' || t[b - 1] === '\t')) b--;
  return t.slice(a, b);
}

function trimCrAndBlanks(t: string): string {
  let b = t.length;
  while (b > 0 && (t[b - 1] === '\r' || t[b - 1] === ' ' || t[b - 1] === '\t')) b--;
  return t.slice(0, b);
}

/** Records which lines CRLF line endings made Proxmox skip or misread. */
class CrlfTracker {
  private lines = 0;
  private readonly unread: { line: number; text: string }[] = [];
  private readonly affectedLines: number[] = [];
  /** Below a header Proxmox missed, until the next header it recognises. */
  private displaced = false;

  see(raw: string): void {
    if (raw.endsWith('\r')) this.lines++;
  }

  header(line: number, raw: string, recognised: boolean, allowed: ReadonlySet<SectionKind>): void {
    if (recognised) {
      this.displaced = false;
      return;
    }
    if (raw.endsWith('\r') && parseSectionHeader(trimCrAndBlanks(raw), allowed)) {
      this.unread.push({ line, text: trimCrAndBlanks(raw) });
      this.displaced = true;
    }
    if (this.displaced) this.affectedLines.push(line);
  }

  affected(line: number): void {
    this.affectedLines.push(line);
  }

  effect(): CrlfEffect | undefined {
    return this.lines ? { lines: this.lines, unreadHeaders: this.unread, affectedLines: this.affectedLines } : undefined;
  }
}

/**
 * PVE::Firewall's section header patterns: `^\[options\]$` (likewise aliases, rules) and
 * `^\[group\s+(\S+)\]\s*(?:#\s*(.*?)\s*)?$` (likewise ipset), case-insensitive.
 */
function parseSectionHeader(raw: string, allowed: ReadonlySet<SectionKind>): { kind: SectionKind; name?: string; comment?: string } | undefined {
  if (!raw.startsWith('[')) return undefined;
  for (const kind of ['options', 'aliases', 'rules'] as const) {
    if (allowed.has(kind) && raw.toLowerCase() === `[${kind}]`) return { kind };
  }
  const m = /^\[(group|ipset)\s+(\S+)\]/i.exec(raw);
  if (!m || !allowed.has(m[1].toLowerCase() as SectionKind)) return undefined;
  const rest = raw.slice(m[0].length).trimStart();
  if (rest !== '' && !rest.startsWith('#')) return undefined;
  const comment = rest.slice(1).trim();
  return { kind: m[1].toLowerCase() as 'group' | 'ipset', name: m[2], comment: comment || undefined };
}

/** Whether a line starts with an ASCII letter, as every option name does (a million `{` lines skip the option patterns). */
function startsWithLetter(raw: string): boolean {
  const c = raw.charCodeAt(0) | 0x20;
  return c >= 0x61 && c <= 0x7a;
}

function parseClusterOption(raw: string, messages: SharedMessages): { key: string; value: string | number } | string {
  let m: RegExpExecArray | null;
  if (!startsWithLetter(raw)) return messages.get("can't parse option '", raw.trim().slice(0, 80), "'");
  if ((m = /^(enable):\s*(\d+)\s*$/i.exec(raw))) return { key: 'enable', value: Number(m[2]) };
  if ((m = /^(ebtables):\s*(0|1)\s*$/i.exec(raw))) return { key: 'ebtables', value: Number(m[2]) };
  if ((m = /^(policy_(?:in|out|forward)):\s*(ACCEPT|DROP|REJECT)\s*$/i.exec(raw))) return { key: m[1].toLowerCase(), value: m[2].toUpperCase() };
  if ((m = /^(log_ratelimit):\s*(\S+)\s*$/.exec(raw))) return { key: 'log_ratelimit', value: m[2] };
  return messages.get("can't parse option '", raw.trim().slice(0, 80), "'");
}

const HOST_LOG_LEVEL_OPTION = new RegExp(`^(log_level_in|log_level_out|log_level_forward|tcp_flags_log_level|smurf_log_level):\\s*((${LOG_LEVELS})\\s*)?$`, 'i');

function parseHostOption(raw: string, messages: SharedMessages): { key: string; value: string | number } | string {
  let m: RegExpExecArray | null;
  if (!startsWithLetter(raw)) return messages.get("can't parse option '", raw.trim().slice(0, 80), "'");
  if ((m = /^(enable|nosmurfs|tcpflags|ndp|log_nf_conntrack|nf_conntrack_allow_invalid|protection_synflood|nftables):\s*(0|1)\s*$/i.exec(raw))) {
    return { key: m[1].toLowerCase(), value: Number(m[2]) };
  }
  if ((m = HOST_LOG_LEVEL_OPTION.exec(raw))) {
    return { key: m[1].toLowerCase(), value: m[3] ? m[3].toLowerCase() : '' };
  }
  if ((m = /^(nf_conntrack_max|nf_conntrack_tcp_timeout_established|nf_conntrack_tcp_timeout_syn_recv|protection_synflood_rate|protection_synflood_burst|protection_limit):\s*(\d+)\s*$/i.exec(raw))) {
    return { key: m[1].toLowerCase(), value: Number(m[2]) };
  }
  if ((m = /^(nf_conntrack_helpers):\s*(((ftp|irc|netbios-ns|pptp|sane|sip|snmp|tftp),)*(ftp|irc|netbios-ns|pptp|sane|sip|snmp|tftp)?)\s*$/i.exec(raw))) {
    return { key: 'nf_conntrack_helpers', value: m[2] };
  }
  return messages.get("can't parse option '", raw.trim().slice(0, 80), "'");
}

function parseAlias(raw: string, line: number): FwAlias | string {
  const { body, comment } = splitComment(raw);
  // Proxmox strips `\s*#...` only when there is a comment: without one a trailing CR stays and the line fails.
  const rest = comment === undefined ? body : body.trimEnd();
  const m = /^(\S+)\s(\S+)$/.exec(rest);
  if (!m) return `can't parse alias '${raw.trim().slice(0, 80)}'`;
  const [, name, cidrRaw] = m;
  if (!/^[A-Za-z][A-Za-z0-9_-]+$/.test(name) || name.length > MAX_NAME) return `invalid alias name '${name}'`;
  const range = parseIpOrCidr(cidrRaw);
  if (typeof range === 'string') return `alias ${name}: ${range}`;
  return { name, cidr: range.text, range, line, comment };
}

/** pve-firewall's parse_ip_or_cidr: an address or a CIDR (host bits allowed), no ranges. */
function parseIpOrCidr(text: string): IpRange | string {
  if (text.includes('-')) return `value '${text}' does not look like a valid IP address or CIDR network`;
  const r = parseIpRange(text);
  return typeof r === 'string' ? `value '${text}' does not look like a valid IP address or CIDR network` : r;
}

function parseIpsetEntry(raw: string, line: number, conf: ClusterFw): FwIpsetEntry {
  const { body: rest, comment } = splitComment(raw);
  const m = /^(!)?\s*(\S+)$/.exec(rest.trim());
  if (!m) return { cidr: rest.trim(), nomatch: false, line, comment, error: `can't parse ipset entry '${raw.trim().slice(0, 80)}'` };
  const nomatch = m[1] === '!';
  const cidr = m[2];
  const alias = ALIAS_RE.exec(cidr);
  if (alias) {
    if (alias[1] === 'guest') return { cidr, nomatch, line, comment, error: `guest alias '${cidr}' outside a guest configuration` };
    const a = conf.aliases.get(alias[2].toLowerCase());
    if (!a) return { cidr, nomatch, line, comment, error: `no such alias '${alias[2].toLowerCase()}'` };
    return checkIpsetPrefix({ cidr, nomatch, line, comment, range: a.range });
  }
  const range = parseIpOrCidr(cidr);
  if (typeof range === 'string') return { cidr, nomatch, line, comment, error: range };
  return checkIpsetPrefix({ cidr, nomatch, line, comment, range });
}

/** The kernel's hash:net sets refuse a zero-length prefix: such an entry is dropped from the set. */
function checkIpsetPrefix(e: FwIpsetEntry): FwIpsetEntry {
  const r = e.range!;
  const span = r.to - r.from + 1n;
  if (span === 1n << BigInt(r.family === 4 ? 32 : 128)) return { ...e, range: undefined, error: `prefix length 0 is not allowed in an ipset ('${e.cidr}')` };
  return e;
}

const RULE_OPTIONS: Record<string, 'proto' | 'dport' | 'sport' | 'source' | 'dest' | 'log' | 'icmpType'> = {
  '-p': 'proto', '-proto': 'proto', '--proto': 'proto',
  '-dport': 'dport', '--dport': 'dport',
  '-sport': 'sport', '--sport': 'sport',
  '-source': 'source', '--source': 'source',
  '-dest': 'dest', '--dest': 'dest',
  '-log': 'log', '--log': 'log',
  '-icmp-type': 'icmpType', '--icmp-type': 'icmpType',
};

const TYPE_AND_ACTION = /^(\S+)\s+(\S+)\s*/;
const UNPARSABLE_RULE = 'unable to parse rule: expected "TYPE ACTION [options]"';

/** The matches of a rule that generates none (ignored, GROUP): one frozen array for all of them. */
const NO_MATCHES = Object.freeze([]) as unknown as FwMatch[];

interface RuleContext {
  file: string;
  line: number;
  context: 'cluster' | 'host' | 'group';
  group?: string;
  cluster: ClusterFw;
}

/**
 * Parses and verifies one rule line like PVE::Firewall::parse_fw_rule + verify_rule. Never throws:
 * what Proxmox rejects comes back with `ignored` set.
 */
export function parseFwRule(raw: string, ctx: RuleContext): FwRule {
  const trimmed = raw.trim();
  const hash = trimmed.indexOf('#');
  let line = hash === -1 ? trimmed : trimmed.slice(0, hash);
  if (!ctx.group && hash === -1 && line[0] !== '|' && !TYPE_AND_ACTION.test(line)) {
    // the shape of a million junk lines: built whole (as below, in the same key order), no property added later
    return { file: ctx.file, line: ctx.line, text: raw, context: ctx.context, enabled: true, type: '', action: '', matches: NO_MATCHES, ignored: UNPARSABLE_RULE };
  }
  const rule: FwRule = { file: ctx.file, line: ctx.line, text: raw, context: ctx.context, enabled: true, type: '', action: '', matches: NO_MATCHES };
  if (ctx.group) rule.group = ctx.group;
  if (hash !== -1) rule.comment = trimmed.slice(hash + 1).trim();
  if (line.startsWith('|')) {
    rule.enabled = false;
    line = line.slice(1);
  }
  const head = TYPE_AND_ACTION.exec(line);
  if (!head) {
    rule.ignored = UNPARSABLE_RULE;
    return rule;
  }
  rule.type = head[1].toLowerCase();
  rule.action = head[2];
  line = line.slice(head[0].length);
  if (rule.type === 'in' || rule.type === 'out' || rule.type === 'forward') {
    const macro = /^(\S+)\((ACCEPT|DROP|REJECT)\)$/.exec(rule.action);
    if (macro) {
      rule.macro = macro[1];
      rule.action = macro[2];
    }
  }
  // Options are `-name value` pairs separated by blanks; -i comes first for GROUP rules, which take nothing else.
  const tokens = line.split(/\s+/).filter(Boolean);
  let i = 0;
  while (i < tokens.length) {
    const opt = tokens[i];
    const value = tokens[i + 1];
    if (value === undefined) break;
    if (opt === '-i') {
      rule.iface = value;
      i += 2;
      continue;
    }
    if (rule.type === 'group') break;
    const key = RULE_OPTIONS[opt];
    if (!key) break;
    rule[key] = value;
    i += 2;
  }
  if (i < tokens.length) {
    rule.ignored = `unable to parse rule parameters: ${tokens.slice(i).join(' ').slice(0, 60)}`;
    return rule;
  }
  const errors = verifyRule(rule, ctx);
  if (errors.length) rule.ignored = errors.join('; ');
  return rule;
}

function verifyRule(rule: FwRule, ctx: RuleContext): string[] {
  const errors: string[] = [];
  let ipversion: 4 | 6 | undefined;
  const setIpVersion = (v: 4 | 6 | undefined): string | undefined => {
    if (!v) return undefined;
    if (ipversion && ipversion !== v) return 'mixed IPv4/IPv6 addresses in rule';
    ipversion = v;
    return undefined;
  };
  const { type, action } = rule;
  if (type === 'in' || type === 'out' || type === 'forward') {
    if (!/^(ACCEPT|DROP|REJECT)$/.test(action)) {
      errors.push(/^(accept|drop|reject)$/i.test(action) ? `action '${action}' must be upper case` : `invalid action '${action}'`);
    }
  } else if (type === 'group') {
    if (ctx.context === 'group') errors.push('security groups not allowed inside a security group');
    if (!GROUP_NAME_RE.test(action)) errors.push(`invalid characters in security group name '${action}'`);
  } else {
    errors.push(`unknown rule type '${rule.type}'`);
  }
  if (rule.iface !== undefined) {
    if (ctx.context === 'group') errors.push('parameter -i not allowed inside a security group');
    if (!IFACE_RE.test(rule.iface)) errors.push(`invalid interface name '${rule.iface}'`);
  }
  if (rule.macro !== undefined) {
    const preferred = MACRO_BY_LOWER_NAME.get(rule.macro.toLowerCase());
    if (preferred) rule.macro = preferred;
    else errors.push(`unknown macro '${rule.macro}'`);
  }
  let isIcmp = false;
  if (rule.proto !== undefined) {
    const p = rule.proto;
    const known = ETC_PROTOCOLS.has(p) || EXTRA_PROTOCOL_NAMES.has(p) || (/^\d+$/.test(p) && [...ETC_PROTOCOLS.values()].includes(Number(p)));
    if (!known) errors.push(`unknown protocol '${p}'`);
    if (p === 'icmp') setIpVersion(4);
    if (p === 'icmpv6' || p === 'ipv6-icmp') setIpVersion(6);
    isIcmp = p === 'icmp' || p === 'icmpv6' || p === 'ipv6-icmp';
  }
  if (rule.dport !== undefined) {
    const e = portListError(rule.dport, true);
    if (e) errors.push(`dport: ${e}`);
    if (!rule.proto) errors.push("-dport requires -p (protocol)");
    // Only `icmp` and `icmpv6` carry their type in -dport; `ipv6-icmp` (the /etc/protocols name) does not.
    else if (!PROTOCOLS_WITH_PORTS.has(rule.proto) && rule.proto !== 'icmp' && rule.proto !== 'icmpv6') errors.push(`protocol '${rule.proto}' does not support ports`);
  }
  if (rule.icmpType !== undefined) {
    if (!isIcmp) errors.push("-icmp-type requires -p icmp or icmpv6");
    if (rule.dport !== undefined) errors.push("-icmp-type cannot be specified together with -dport");
    const names = rule.proto === 'icmp' ? ICMP_TYPE_NAMES : ICMPV6_TYPE_NAMES;
    // verify_rule looks -icmp-type up by name only: a number (`-icmp-type 8`) is refused (as a -dport it works).
    if (isIcmp && !names.has(rule.icmpType)) errors.push(`invalid icmp-type '${rule.icmpType}' for proto '${rule.proto}'`);
  }
  if (rule.sport !== undefined) {
    const e = portListError(rule.sport, false);
    if (e) errors.push(`sport: ${e}`);
    if (!rule.proto) errors.push("-sport requires -p (protocol)");
    else if (!PROTOCOLS_WITH_PORTS.has(rule.proto)) errors.push(`protocol '${rule.proto}' does not support ports`);
  }
  for (const key of ['source', 'dest'] as const) {
    const value = rule[key];
    if (value === undefined) continue;
    const addr = parseAddressList(value);
    if (typeof addr === 'string') {
      errors.push(`-${key}: ${addr}`);
      continue;
    }
    if (addr.kind === 'ip') {
      const e = setIpVersion(addr.family);
      if (e) errors.push(e);
    }
    const refError = checkReference(addr, ctx, ipversion);
    if (refError) errors.push(`-${key}: ${refError}`);
    if (key === 'source') rule.sourceAddr = addr;
    else rule.destAddr = addr;
    if (addr.kind === 'alias' && !refError) {
      const a = ctx.cluster.aliases.get(addr.name.toLowerCase())!;
      const e = setIpVersion(a.range.family);
      if (e) errors.push(e);
    }
  }
  if (ipversion) rule.ipversion = ipversion;
  if (type === 'group' || errors.length) return errors;
  const expanded = expandMatches(rule);
  if (typeof expanded === 'string') errors.push(expanded);
  else rule.matches = expanded;
  return errors;
}

function checkReference(addr: FwAddress, ctx: RuleContext, ipversion: 4 | 6 | undefined): string | undefined {
  if (addr.kind === 'ip') return undefined;
  if (addr.scope === 'guest') return `guest scope '${addr.name}' is only valid in a guest firewall configuration`;
  if (addr.kind === 'ipset') {
    // References are case-sensitive while definitions are lowercased: +Admins never matches [IPSET Admins].
    if (!ctx.cluster.ipsets.has(addr.name)) return `no such ipset '${addr.name}'${addr.name === 'management' ? ' (the implicit management ipset cannot be referenced unless [IPSET management] is defined above)' : ''}`;
    return undefined;
  }
  const alias = ctx.cluster.aliases.get(addr.name.toLowerCase());
  if (!alias) return `no such alias '${addr.name.toLowerCase()}'${addr.name.toLowerCase() === 'local_network' ? ' (the implicit local_network alias cannot be referenced unless defined in [ALIASES] above)' : ''}`;
  if (ipversion && alias.range.family !== ipversion) return `alias '${addr.name.toLowerCase()}' has wrong IP version`;
  return undefined;
}

/** PVE::Firewall::parse_address_list: +ipset, alias, or a comma list of addresses/CIDRs (a range only alone). */
export function parseAddressList(text: string): FwAddress | string {
  if (text.startsWith('+')) {
    if (text.length > MAX_NAME + 1) return 'ipset name too long';
    const m = IPSET_REF_RE.exec(text);
    if (!m) return `invalid ipset name '${text}'`;
    return { kind: 'ipset', name: m[2], scope: m[1] as 'dc' | 'guest' | undefined };
  }
  const alias = ALIAS_RE.exec(text);
  if (alias) {
    if (text.length > MAX_NAME) return 'alias name too long';
    return { kind: 'alias', name: alias[2], scope: alias[1] as 'dc' | 'guest' | undefined };
  }
  const elements = text.split(',');
  if (elements.some((e) => e === '')) return 'extraneous commas in list';
  const ranges: IpRange[] = [];
  let family: 4 | 6 | undefined;
  let hasRange = false;
  for (const elem of elements) {
    const r = parseIpRange(elem, true);
    if (typeof r === 'string') return `invalid IP address: ${r}`;
    if (elem.includes('-')) hasRange = true;
    if (family && r.family !== family) return `mixed IPv4/IPv6 addresses in address list '${text}'`;
    family = r.family;
    ranges.push(r);
  }
  if (hasRange && elements.length > 1) return "you can't use a range in a list";
  return { kind: 'ip', ranges, family: family! };
}

/** PVE::Firewall::parse_port_name_number_or_range: returns the reason a port list is invalid, or undefined. */
function portListError(text: string, isDport: boolean): string | undefined {
  const elements = text.split(',');
  if (elements.some((e) => e === '')) return 'extraneous commas in list';
  let count = 0;
  let icmp = false;
  for (const item of elements) {
    let m: RegExpExecArray | null;
    if ((m = /^(\d+):(\d+)$/.exec(item))) {
      count += 2;
      const [a, b] = [Number(m[1]), Number(m[2])];
      if (a > 65535) return `invalid port '${m[1]}'`;
      if (b > 65535) return `invalid port '${m[2]}'`;
      if (a > b) return `backwards range '${item}' not allowed`;
    } else if (/^\d+$/.test(item)) {
      count += 1;
      if (Number(item) > 65535) return `invalid port '${item}'`;
    } else if (isDport && (ICMP_TYPE_NAMES.has(item) || ICMPV6_TYPE_NAMES.has(item))) {
      icmp = true;
    } else if (!ETC_SERVICES.has(item)) {
      return `invalid port '${item}' (not a service name in /etc/services)`;
    }
  }
  if (icmp && count > 0) return 'ICMP ports not allowed in port range';
  if (count > 15) return 'too many entries in port list (> 15 numbers)';
  return undefined;
}

/** Port list to numeric ranges (service names resolved); icmp type names are not ports and give []. */
export function portRanges(text: string): FwPort[] {
  const out: FwPort[] = [];
  for (const item of text.split(',')) {
    const m = /^(\d+):(\d+)$/.exec(item);
    if (m) out.push({ from: Number(m[1]), to: Number(m[2]), text: item });
    else if (/^\d+$/.test(item)) out.push({ from: Number(item), to: Number(item), text: item });
    else {
      const s = ETC_SERVICES.get(item);
      if (s) out.push({ from: s.port, to: s.port, text: item });
    }
  }
  return out;
}

/**
 * Macro expansion as pve-firewall's apply_macro does it: a rule option that contradicts a template
 * value invalidates the rule. Verification expands with the rule's own IP version; the chains of
 * each IP version are then generated with that version's templates (Ping and Trcrt use icmpv6 in
 * the IPv6 chains, NeighborDiscovery and DHCPv6 exist only there), and a template conflict met only
 * while generating one version's chain drops the rule from that chain alone.
 */
function expandMatches(rule: FwRule): FwMatch[] | string {
  if (!rule.macro) return matchesOf(rule, [{ proto: rule.proto as string, dport: rule.dport, sport: rule.sport }]);
  const conflict = macroConflict(rule, macroTemplates(rule.macro, rule.ipversion));
  if (conflict) return conflict;
  if (rule.ipversion) return matchesOf(rule, macroTemplates(rule.macro, rule.ipversion));
  const v4 = macroTemplates(rule.macro, 4);
  const v6 = macroTemplates(rule.macro, 6);
  if (v4 === v6) return matchesOf(rule, v4);
  return ([[4, v4], [6, v6]] as const).flatMap(([family, templates]) =>
    macroConflict(rule, templates) ? [] : matchesOf(rule, templates).map((m) => ({ ...m, family })));
}

function macroConflict(rule: FwRule, templates: MacroTemplate[]): string | undefined {
  for (const tpl of templates) {
    for (const key of ['proto', 'dport', 'sport'] as const) {
      const own = rule[key];
      const fixed = tpl[key];
      if (own !== undefined && fixed !== undefined && own !== fixed) {
        return `-${key === 'proto' ? 'p' : key} ${own} conflicts with macro ${rule.macro} (${key} ${fixed})`;
      }
    }
  }
  return undefined;
}

function matchesOf(rule: FwRule, templates: MacroTemplate[]): FwMatch[] {
  return templates.map((tpl) => {
    const proto = tpl.proto ?? rule.proto;
    const dport = tpl.dport ?? rule.dport;
    const sport = tpl.sport ?? rule.sport;
    const m: FwMatch = { action: rule.action as FwAction };
    if (proto) m.proto = proto;
    if (dport !== undefined) {
      if (proto === 'icmp' || proto === 'icmpv6') m.icmpType = dport;
      else m.dport = portRanges(dport);
    }
    if (sport !== undefined) m.sport = portRanges(sport);
    if (rule.icmpType !== undefined) m.icmpType = rule.icmpType;
    return m;
  });
}

/** Resolves an address operand to ranges (nomatch entries of an ipset returned apart); undefined if it cannot be resolved. */
export function resolveAddress(addr: FwAddress, cluster: ClusterFw): { match: IpRange[]; nomatch: IpRange[] } | undefined {
  if (addr.kind === 'ip') return { match: addr.ranges, nomatch: [] };
  if (addr.kind === 'alias') {
    const a = cluster.aliases.get(addr.name.toLowerCase());
    return a ? { match: [a.range], nomatch: [] } : undefined;
  }
  const set = cluster.ipsets.get(addr.name);
  if (!set) return undefined;
  const valid = set.entries.filter((e) => e.range && !e.error);
  return { match: valid.filter((e) => !e.nomatch).map((e) => e.range!), nomatch: valid.filter((e) => e.nomatch).map((e) => e.range!) };
}

/**
 * The datacenter switch: cluster.fw `enable` must be a non-zero integer; a value above 1 is the
 * anti-lockout timestamp, which turns the firewall off 60 s after it was set.
 */
export function clusterFirewallEnabled(conf: ClusterFw, now: Date): { enabled: boolean; reason: string; line?: number } {
  const opt = conf.options.get('enable');
  if (!opt) return { enabled: false, reason: 'no valid `enable:` option in [OPTIONS]' };
  const v = Number(opt.value);
  if (v === 0) return { enabled: false, reason: 'enable: 0', line: opt.line };
  if (v === 1) return { enabled: true, reason: 'enable: 1', line: opt.line };
  const nowSec = Math.floor(now.getTime() / 1000);
  if (nowSec - v > 60) return { enabled: false, reason: `enable: ${v} is an anti-lockout timestamp that expired (firewall off)`, line: opt.line };
  return { enabled: true, reason: `enable: ${v} (anti-lockout timestamp, still active)`, line: opt.line };
}

export { parseIp };
