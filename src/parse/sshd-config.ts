import { isIP } from 'node:net';
import path from 'node:path';
import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';
import { parseIpRange, rangeContains, type IpRange } from './ip-address.js';
import { argvSplit, stripLineStart, strdelim, trimLineEnd } from '../engines/sshd/lexer.js';
import { matchGroups } from '../engines/sshd/match.js';
import { convtime } from '../engines/sshd/values.js';

/**
 * sshd_config as sshd reads it (servconf.c): keywords case-insensitive, `Keyword value` or
 * `Keyword=value`, quoted arguments, `Include` (globs, relative to /etc/ssh, files sorted, depth
 * limit 16) and `Match` blocks. The first value of a keyword wins, except list keywords that
 * accumulate. Matching Match blocks are applied in a second pass and override the global value.
 */

/** One `Match` line: all its criteria must hold. */
export interface SshdMatch {
  criteria: { kind: string; pattern: string }[];
  file: string;
  line: number;
  text: string;
}

export interface SshdDirective {
  /** Canonical lowercase keyword as `sshd -T` prints it (aliases resolved). */
  keyword: string;
  /** Keyword as written. */
  name: string;
  args: string[];
  file: string;
  line: number;
  text: string;
  /** Match lines this directive is under, outermost first (an Include inside Match adds one level). Empty: global. */
  match: SshdMatch[];
}

export interface SshdConfig {
  /** Every directive in reading order, Include files expanded in place. */
  directives: SshdDirective[];
  /** Files read, in order (the main file first). */
  files: string[];
}

/** The connection a Match block is evaluated for (like `sshd -T -C user=,host=,addr=`). */
export interface SshdConnection {
  user?: string;
  /** Host name of the client; sshd uses the address when UseDNS is no. */
  host?: string;
  addr?: string;
  /** Supplementary and primary groups of the user, for `Match Group`. */
  groups?: string[];
  laddr?: string;
  lport?: number;
}

/** One effective setting: its winning directive(s) and the arguments they give. */
export interface SshdSetting {
  keyword: string;
  /** Arguments of the winning directive; for accumulating keywords, all arguments of all directives. */
  args: string[];
  directives: SshdDirective[];
}

export interface IncludeResolver {
  /** Files matching an absolute glob pattern, sorted by path; empty when none matches. */
  glob(pattern: string): { path: string; content: string | Buffer }[];
}

export const SSH_DIR = '/etc/ssh';
const MAX_INCLUDE_DEPTH = 16;

/** Keywords whose values accumulate instead of first-wins. */
export const ACCUMULATING = new Set([
  'hostkey', 'hostcertificate', 'listenaddress', 'port', 'acceptenv', 'allowusers', 'denyusers',
  'allowgroups', 'denygroups', 'subsystem',
]);

const ALIASES: Record<string, string> = {
  challengeresponseauthentication: 'kbdinteractiveauthentication',
  skeyauthentication: 'kbdinteractiveauthentication',
  pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms',
  hostbasedacceptedkeytypes: 'hostbasedacceptedalgorithms',
  dsaauthentication: 'pubkeyauthentication',
};

/** Keywords sshd accepts inside a Match block (sshd_config(5), OpenSSH 9.2..10.0). */
const MATCH_ALLOWED = new Set([
  'acceptenv', 'allowagentforwarding', 'allowgroups', 'allowstreamlocalforwarding', 'allowtcpforwarding',
  'allowusers', 'authenticationmethods', 'authorizedkeyscommand', 'authorizedkeyscommanduser', 'authorizedkeysfile',
  'authorizedprincipalscommand', 'authorizedprincipalscommanduser', 'authorizedprincipalsfile', 'banner',
  'casignaturealgorithms', 'channeltimeout', 'chrootdirectory', 'clientalivecountmax', 'clientaliveinterval',
  'denygroups', 'denyusers', 'disableforwarding', 'exposeauthinfo', 'forcecommand', 'gatewayports',
  'gssapiauthentication', 'hostbasedacceptedalgorithms', 'hostbasedauthentication', 'hostbasedusesnamefrompacketonly',
  'ignorerhosts', 'include', 'ipqos', 'kbdinteractiveauthentication', 'kerberosauthentication', 'loglevel',
  'logverbose', 'maxauthtries', 'maxsessions', 'passwordauthentication', 'permitemptypasswords', 'permitlisten',
  'permitopen', 'permitrootlogin', 'permittty', 'permittunnel', 'permituserrc', 'pubkeyacceptedalgorithms',
  'pubkeyauthentication', 'pubkeyauthoptions', 'refuseconnection', 'rekeylimit', 'requiredrsasize', 'revokedkeys',
  'setenv', 'streamlocalbindmask', 'streamlocalbindunlink', 'trustedusercakeys', 'unusedconnectiontimeout',
  'x11displayoffset', 'x11forwarding', 'x11uselocalhost',
]);

const MATCH_KINDS = new Set(['user', 'group', 'host', 'address', 'localaddress', 'localport', 'rdomain', 'all']);

export function canonicalKeyword(name: string): string {
  const k = name.toLowerCase();
  return ALIASES[k] ?? k;
}

/**
 * Parses sshd_config and the files it includes. `resolver` supplies Include targets (from a
 * snapshot); without it Include lines are recorded but not followed.
 */
export function parseSshdConfig(
  input: string | Buffer,
  file = '/etc/ssh/sshd_config',
  resolver?: IncludeResolver,
): Parsed<SshdConfig> {
  const diagnostics: Diagnostic[] = [];
  const config: SshdConfig = { directives: [], files: [] };
  readFile(asText(input, file), file, [], 0, config, diagnostics, resolver);
  return { value: config, diagnostics };
}

function readFile(
  text: string,
  file: string,
  outer: SshdMatch[],
  depth: number,
  config: SshdConfig,
  diagnostics: Diagnostic[],
  resolver: IncludeResolver | undefined,
): void {
  config.files.push(file);
  let match: SshdMatch[] = outer;
  for (const { line, text: raw } of numberedLines(text)) {
    const split = splitLine(raw);
    if (!split) continue;
    if ('error' in split) {
      diagnostics.push({ file, line, message: split.error, severity: 'error' });
      continue;
    }
    const { name, args } = split;
    const keyword = canonicalKeyword(name);
    const t = raw.trim();
    if (keyword === 'match') {
      const m = parseMatch(args, file, line, t, diagnostics);
      match = [...outer, m];
      continue;
    }
    if (match.length > outer.length && !MATCH_ALLOWED.has(keyword)) {
      // After `Match all` sshd's load pass is active: a global-only keyword there is a global line.
      if (!match.slice(outer.length).every((m) => m.criteria.length === 1 && m.criteria[0].kind === 'all')) {
        diagnostics.push({ file, line, message: `Directive '${name}' is not allowed within a Match block`, severity: 'error' });
        continue;
      }
      config.directives.push({ keyword, name, args, file, line, text: t, match: outer });
      continue;
    }
    if (keyword === 'include') {
      if (args.length === 0) {
        diagnostics.push({ file, line, message: 'Include without a file', severity: 'error' });
        continue;
      }
      config.directives.push({ keyword, name, args, file, line, text: t, match });
      for (const arg of args) {
        const pattern = arg.startsWith('/') ? arg : path.posix.join(SSH_DIR, arg);
        if (!resolver) continue;
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
          diagnostics.push({ file, line, message: `Too many recursive configuration includes (${pattern})`, severity: 'error' });
          continue;
        }
        for (const inc of resolver.glob(pattern)) {
          let incText: string;
          try {
            incText = asText(inc.content, inc.path);
          } catch (e) {
            diagnostics.push({ file: inc.path, message: (e as Error).message, severity: 'error' });
            continue;
          }
          readFile(incText, inc.path, match, depth + 1, config, diagnostics, resolver);
        }
      }
      continue;
    }
    if (args.length === 0) {
      diagnostics.push({ file, line, message: `${name}: missing argument`, severity: 'error' });
      continue;
    }
    config.directives.push({ keyword, name, args, file, line, text: t, match });
  }
}

/**
 * Splits a line exactly like sshd (the engine's lexer: strdelim for the keyword, so `Keyword=value`,
 * `Keyword = value` and `"Keyword"` work; argv_split for the arguments: blanks, single and double
 * quotes, backslash escapes, `#` at the start of a word ends the line). Linear in the line length.
 */
function splitLine(raw: string): { name: string; args: string[] } | { error: string } | undefined {
  const line = trimLineEnd(stripLineStart(raw));
  let d = strdelim(line);
  if (d.token === null) return undefined;
  let name = d.token;
  if (name === '') {
    d = strdelim(d.rest);
    if (d.token === null) return undefined;
    name = d.token;
  }
  if (name === '' || name.startsWith('#')) return undefined;
  const args = d.rest === null || d.rest === '' ? [] : argvSplit(d.rest);
  if (args === null) return { error: `${name}: unterminated quote` };
  return { name, args };
}

function parseMatch(args: string[], file: string, line: number, text: string, diagnostics: Diagnostic[]): SshdMatch {
  const criteria: SshdMatch['criteria'] = [];
  args = args.flatMap((a) => {
    const eq = a.indexOf('=');
    return eq > 0 && MATCH_KINDS.has(a.slice(0, eq).toLowerCase()) ? [a.slice(0, eq), a.slice(eq + 1)] : [a];
  });
  for (let i = 0; i < args.length; i++) {
    const kind = args[i].toLowerCase();
    if (kind === 'all') {
      criteria.push({ kind, pattern: '' });
      continue;
    }
    if (!MATCH_KINDS.has(kind)) {
      diagnostics.push({ file, line, message: `Unsupported Match attribute ${args[i]}`, severity: 'error' });
      criteria.push({ kind: 'invalid', pattern: args[i] });
      break;
    }
    const pattern = args[i + 1];
    if (pattern === undefined) {
      diagnostics.push({ file, line, message: `Match ${args[i]}: missing argument`, severity: 'error' });
      criteria.push({ kind: 'invalid', pattern: '' });
      break;
    }
    criteria.push({ kind, pattern });
    i++;
  }
  if (criteria.length === 0) {
    diagnostics.push({ file, line, message: 'Match without criteria', severity: 'error' });
    criteria.push({ kind: 'invalid', pattern: '' });
  }
  return { criteria, file, line, text };
}

/** Whether every criterion of a Match line holds for the connection (missing fields never match, like sshd -T without -C). */
export function matchApplies(m: SshdMatch, conn: SshdConnection): boolean {
  return m.criteria.every((c) => {
    switch (c.kind) {
      case 'all':
        return true;
      case 'user':
        return conn.user !== undefined && matchPatternList(conn.user, c.pattern, false);
      case 'group':
        return conn.user !== undefined && matchGroups(conn.groups ?? [], c.pattern);
      case 'host': {
        const host = conn.host ?? conn.addr;
        return host !== undefined && matchPatternList(host.toLowerCase(), c.pattern.toLowerCase(), false);
      }
      case 'address':
        return conn.addr !== undefined && matchAddressList(conn.addr, c.pattern);
      case 'localaddress':
        return conn.laddr !== undefined && matchAddressList(conn.laddr, c.pattern);
      case 'localport':
        return conn.lport !== undefined && matchPatternList(String(conn.lport), c.pattern, false);
      default:
        return false;
    }
  });
}

/** OpenSSH match_pattern_list: comma-separated wildcards, a matching `!pattern` vetoes. */
export function matchPatternList(value: string, list: string, _caseFold: boolean): boolean {
  let positive = false;
  for (const raw of list.split(',')) {
    const neg = raw.startsWith('!');
    const p = neg ? raw.slice(1) : raw;
    if (wildcard(value, p)) {
      if (neg) return false;
      positive = true;
    }
  }
  return positive;
}

/** Compiled wildcard patterns: a file with thousands of Match blocks is evaluated for every connection asked about. */
const wildcardCache = new Map<string, RegExp>();

function wildcard(value: string, pattern: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return value === pattern;
  let re = wildcardCache.get(pattern);
  if (!re) {
    re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    if (wildcardCache.size >= 10_000) wildcardCache.clear();
    wildcardCache.set(pattern, re);
  }
  return re.test(value);
}

/** OpenSSH addr_match_list: CIDR or wildcard entries, `!` negation vetoes. */
export function matchAddressList(addr: string, list: string): boolean {
  let positive = false;
  for (const raw of list.split(',')) {
    const neg = raw.startsWith('!');
    const p = neg ? raw.slice(1) : raw;
    const hit = /[*?]/.test(p) ? wildcard(addr, p) : inCidr(addr, p);
    if (hit) {
      if (neg) return false;
      positive = true;
    }
  }
  return positive;
}

export function inCidr(addr: string, cidr: string): boolean {
  const network = cachedRange(networks, cidr, cidrRange);
  if (network === null) return false;
  const address = cachedRange(addresses, addr, addressRange);
  return address !== null && rangeContains(network, address);
}

/**
 * Parsed Match address lists' entries and connection addresses: a file with thousands of Match
 * blocks is evaluated for every peer address asked about (null: not an address or network).
 */
const networks = new Map<string, IpRange | null>();
const addresses = new Map<string, IpRange | null>();

function cachedRange(cache: Map<string, IpRange | null>, text: string, parse: (t: string) => IpRange | null): IpRange | null {
  let r = cache.get(text);
  if (r === undefined) {
    r = parse(text);
    if (cache.size >= 100_000) cache.clear();
    cache.set(text, r);
  }
  return r;
}

function cidrRange(cidr: string): IpRange | null {
  const [net, bitsText] = cidr.split('/');
  if (!isIP(net)) return null;
  if (bitsText !== undefined && !/^\d+$/.test(bitsText)) return null;
  const network = parseIpRange(bitsText === undefined ? net : `${net}/${Number(bitsText)}`);
  return typeof network === 'string' ? null : network;
}

function addressRange(addr: string): IpRange | null {
  if (!isIP(addr)) return null;
  const address = parseIpRange(addr);
  return typeof address === 'string' ? null : address;
}

/**
 * The effective configuration for a connection, as `sshd -T -C` computes it: global directives
 * (first value wins, lists accumulate), then directives of the Match blocks that apply, which
 * override. With an empty connection this is what `sshd -T` prints (only `Match All` applies).
 */
export function effectiveSshdConfig(config: SshdConfig, conn: SshdConnection = {}): ReadonlyMap<string, SshdSetting> {
  return memo(config, `effective ${connectionKey(conn)}`, () => {
    const global = collect(config.directives.filter((d) => d.match.length === 0));
    for (const [k, v] of matchedSshdSettings(config, conn)) global.set(k, v);
    return global;
  });
}

/** Only the settings that Match blocks applying to the connection set (sshd's second pass). */
export function matchedSshdSettings(config: SshdConfig, conn: SshdConnection): ReadonlyMap<string, SshdSetting> {
  return memo(config, `matched ${connectionKey(conn)}`, () => {
    // directives of one block share their Match lines: each line is judged once per connection
    const applies = new Map<SshdMatch, boolean>();
    const holds = (m: SshdMatch): boolean => {
      let v = applies.get(m);
      if (v === undefined) applies.set(m, (v = matchApplies(m, conn)));
      return v;
    };
    // connections that meet the same Match blocks share one result (thousands of cluster peers mostly meet none)
    let chosen = '';
    const directives = config.directives;
    for (let i = 0; i < directives.length; i++) {
      const d = directives[i];
      if (d.match.length > 0 && d.match.every(holds)) chosen += `${i},`;
    }
    return memo(config, `directives ${chosen}`, () => collect(chosen.split(',').filter(Boolean).map((i) => directives[Number(i)])));
  });
}

/**
 * Results per parsed configuration and connection: checks ask for key after key and connection after
 * connection, and each answer would otherwise walk every directive (and every Match line) again.
 * The configuration is never changed once parsed.
 */
const results = new WeakMap<SshdConfig, Map<string, Map<string, SshdSetting>>>();

function memo(config: SshdConfig, key: string, compute: () => Map<string, SshdSetting>): Map<string, SshdSetting> {
  let perConfig = results.get(config);
  if (!perConfig) results.set(config, (perConfig = new Map()));
  let r = perConfig.get(key);
  if (!r) perConfig.set(key, (r = compute()));
  return r;
}

/** Keys of connection objects already asked about (a check asks several keys for one connection object). */
const connectionKeys = new WeakMap<SshdConnection, string>();

function connectionKey(c: SshdConnection): string {
  let k = connectionKeys.get(c);
  if (k === undefined) connectionKeys.set(c, (k = JSON.stringify([c.user, c.host, c.addr, c.groups, c.laddr, c.lport])));
  return k;
}

function collect(directives: SshdDirective[]): Map<string, SshdSetting> {
  const out = new Map<string, SshdSetting>();
  for (const d of directives) {
    if (d.keyword === 'include') continue;
    const cur = out.get(d.keyword);
    if (!cur) out.set(d.keyword, { keyword: d.keyword, args: [...d.args], directives: [d] });
    else if (ACCUMULATING.has(d.keyword)) {
      cur.args.push(...d.args);
      cur.directives.push(d);
    }
  }
  return out;
}

/** A global directive that has no effect because an earlier one (often an Include drop-in) set the keyword first. */
export interface OverriddenDirective {
  directive: SshdDirective;
  by: SshdDirective;
}

export function overriddenDirectives(config: SshdConfig): OverriddenDirective[] {
  const first = new Map<string, SshdDirective>();
  const out: OverriddenDirective[] = [];
  for (const d of config.directives) {
    if (d.match.length > 0 || d.keyword === 'include' || ACCUMULATING.has(d.keyword)) continue;
    const by = first.get(d.keyword);
    if (by) out.push({ directive: d, by });
    else first.set(d.keyword, d);
  }
  return out;
}

/** sshd's convtime: `90`, `1m30s`, `0m30` (a bare trailing number is seconds)… in seconds; undefined when invalid. */
export function sshdTime(value: string): number | undefined {
  const t = convtime(value);
  return t < 0 ? undefined : t;
}

/** Converts a shell glob to a RegExp over absolute paths (`*` and `?` do not cross `/`). */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += '[' + cls.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  try {
    return new RegExp('^' + re + '$');
  } catch {
    // An invalid bracket expression (e.g. [z-a]) matches nothing, like glob(3).
    return /(?!)/;
  }
}
