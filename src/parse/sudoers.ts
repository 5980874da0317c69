import path from 'node:path';
import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

/**
 * sudoers(5), reduced to what matters for "who may run ALL as root": aliases, user specs with
 * host, runas, tags and command lists, `!` negation, and the include directives (`@include`,
 * `@includedir` and their `#` forms). Defaults lines are ignored.
 */

/** Who a rule names: a user, a %group, or everyone (ALL); `negated` for `!bob`. */
export interface SudoPrincipal {
  kind: 'user' | 'group' | 'all' | 'netgroup';
  name: string;
  negated: boolean;
}

/** One `host = (runas) TAGS: command` element of a user spec that concerns ALL commands. */
export interface SudoRule {
  /** The users of the spec (aliases expanded), in order; a later `!x` excludes x. */
  users: SudoPrincipal[];
  /** Host list includes ALL (otherwise the hosts are named). */
  hosts: string[];
  /** Runs as root: no runas list, or a runas user list containing ALL or root. */
  asRoot: boolean;
  /** The command list grants ALL (not negated). false with `negated` when it is `!ALL`. */
  all: boolean;
  negated: boolean;
  nopasswd: boolean;
  file: string;
  line: number;
  text: string;
}

export interface Sudoers {
  rules: SudoRule[];
  files: string[];
}

export interface SudoersResolver {
  read(file: string): string | Buffer | undefined;
  /** Files directly inside a directory, sorted by name. */
  list(dir: string): { path: string; content: string | Buffer }[];
}

const MAX_DEPTH = 8;
const TAGS = /^(NOPASSWD|PASSWD|NOEXEC|EXEC|SETENV|NOSETENV|LOG_INPUT|NOLOG_INPUT|LOG_OUTPUT|NOLOG_OUTPUT|MAIL|NOMAIL|FOLLOW|NOFOLLOW|INTERCEPT|NOINTERCEPT)$/;

interface Aliases {
  user: Map<string, string[]>;
  runas: Map<string, string[]>;
  host: Map<string, string[]>;
  cmnd: Map<string, string[]>;
}

export function parseSudoers(input: string | Buffer, file = '/etc/sudoers', resolver?: SudoersResolver): Parsed<Sudoers> {
  const diagnostics: Diagnostic[] = [];
  const out: Sudoers = { rules: [], files: [] };
  const aliases: Aliases = { user: new Map(), runas: new Map(), host: new Map(), cmnd: new Map() };
  readFile(asText(input, file), file, 0, out, aliases, diagnostics, resolver);
  return { value: out, diagnostics };
}

function readFile(
  text: string, file: string, depth: number, out: Sudoers, aliases: Aliases, diagnostics: Diagnostic[],
  resolver: SudoersResolver | undefined,
): void {
  out.files.push(file);
  for (const { line, text: logical } of logicalLines(text)) {
    const t = logical.trim();
    if (!t) continue;
    const inc = /^[@#](include|includedir)\s+(.+)$/.exec(t);
    if (inc) {
      include(inc[1] as 'include' | 'includedir', unquote(inc[2].trim()), file, line, depth, out, aliases, diagnostics, resolver);
      continue;
    }
    if (t.startsWith('#')) continue;
    const body = stripComment(t);
    if (!body) continue;
    if (/^Defaults([@:!>]|\s|$)/.test(body)) continue;
    const alias = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.*)$/.exec(body);
    if (alias) {
      const map = { User_Alias: aliases.user, Runas_Alias: aliases.runas, Host_Alias: aliases.host, Cmnd_Alias: aliases.cmnd, Cmd_Alias: aliases.cmnd }[alias[1]]!;
      for (const def of alias[2].split(':')) {
        const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.*)$/.exec(def);
        if (!m) {
          diagnostics.push({ file, line, message: `syntax error in ${alias[1]}`, severity: 'error' });
          continue;
        }
        map.set(m[1], splitList(m[2]));
      }
      continue;
    }
    const spec = parseUserSpec(body, aliases);
    if (!spec) {
      diagnostics.push({ file, line, message: `syntax error in a line starting with "${body.split(/\s/)[0].slice(0, 40)}"`, severity: 'error' });
      continue;
    }
    // spelled out, not spread: 60,000 specs copied by `...` cost more than parsing them
    for (const r of spec) out.rules.push({ users: r.users, hosts: r.hosts, asRoot: r.asRoot, all: r.all, negated: r.negated, nopasswd: r.nopasswd, file, line, text: t });
  }
}

function include(
  kind: 'include' | 'includedir', target: string, file: string, line: number, depth: number, out: Sudoers, aliases: Aliases,
  diagnostics: Diagnostic[], resolver: SudoersResolver | undefined,
): void {
  if (!resolver) return;
  if (depth + 1 > MAX_DEPTH) {
    diagnostics.push({ file, line, message: `too many levels of includes (${target})`, severity: 'error' });
    return;
  }
  // sudo 1.9: a relative path is relative to the directory of the including file.
  const p = target.startsWith('/') ? target : path.posix.join(path.posix.dirname(file), target);
  if (kind === 'include') {
    const content = resolver.read(p);
    if (content === undefined) {
      diagnostics.push({ file, line, message: `unable to open ${p}`, severity: 'warning' });
      return;
    }
    readText(content, p, depth, out, aliases, diagnostics, resolver);
    return;
  }
  // @includedir skips names ending in `~` or containing a `.` (editor backups, .dpkg-old ...).
  for (const f of resolver.list(p)) {
    const base = path.posix.basename(f.path);
    if (base.endsWith('~') || base.includes('.')) continue;
    readText(f.content, f.path, depth, out, aliases, diagnostics, resolver);
  }
}

function readText(
  content: string | Buffer, file: string, depth: number, out: Sudoers, aliases: Aliases, diagnostics: Diagnostic[],
  resolver: SudoersResolver,
): void {
  let text: string;
  try {
    text = asText(content, file);
  } catch (e) {
    diagnostics.push({ file, message: (e as Error).message, severity: 'error' });
    return;
  }
  readFile(text, file, depth + 1, out, aliases, diagnostics, resolver);
}

/** Joins backslash-continued lines, keeping the number of the first physical line. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let cur: { line: number; text: string } | undefined;
  for (const l of numberedLines(text)) {
    const cont = l.text.endsWith('\\');
    const piece = cont ? l.text.slice(0, -1) : l.text;
    if (cur) cur.text += ' ' + piece;
    else cur = { line: l.line, text: piece };
    if (!cont) {
      out.push(cur);
      cur = undefined;
    }
  }
  if (cur) out.push(cur);
  return out;
}

function stripComment(s: string): string {
  // A `#` followed by digits is a uid (#1000), otherwise it starts a comment.
  const m = /(^|[^\\])#(?!\d)/.exec(s);
  return (m ? s.slice(0, m.index + m[1].length) : s).trim();
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function splitList(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

type SpecPart = Omit<SudoRule, 'file' | 'line' | 'text'>;

function parseUserSpec(body: string, aliases: Aliases): SpecPart[] | undefined {
  const eq = body.indexOf('=');
  if (eq <= 0) return undefined;
  const head = body.slice(0, eq).trim();
  // The host list is the last whitespace-separated group; the user list is everything before.
  const lastSpace = head.search(/\s+[^\s,]+(\s*,\s*[^\s,]+)*$/);
  if (lastSpace <= 0) return undefined;
  const userList = splitList(head.slice(0, lastSpace));
  const users = expandUsers(userList, aliases, 0);
  if (users.length === 0) return undefined;
  const out: SpecPart[] = [];
  // `host = cmnds : host = cmnds`
  const sections = splitHostSections(head.slice(lastSpace).trim(), body.slice(eq + 1));
  for (const { hosts, cmnds } of sections) {
    const hostList = expandHosts(hosts, aliases);
    let asRoot = true;
    let nopasswd = false;
    for (const raw of splitCommands(cmnds)) {
      let c = raw.trim();
      const runas = /^\(([^)]*)\)\s*/.exec(c);
      if (runas) {
        const [usersPart] = runas[1].split(':');
        const rl = expandRunas(splitList(usersPart ?? ''), aliases);
        // `(:group)` keeps the invoking user; `()` means root.
        asRoot = usersPart.trim() === '' ? runas[1].includes(':') === false : rl.some((r) => !r.neg && (r.name === 'ALL' || r.name === 'root' || r.name === '#0')) && !rl.some((r) => r.neg && (r.name === 'root' || r.name === '#0'));
        c = c.slice(runas[0].length);
      }
      for (;;) {
        const tag = /^([A-Z_]+):\s*/.exec(c);
        if (!tag || !TAGS.test(tag[1])) break;
        if (tag[1] === 'NOPASSWD') nopasswd = true;
        if (tag[1] === 'PASSWD') nopasswd = false;
        c = c.slice(tag[0].length);
      }
      const negated = c.startsWith('!');
      const cmd = negated ? c.slice(1).trim() : c;
      if (!expandsToAll(cmd, aliases.cmnd, 0)) continue;
      out.push({ users, hosts: hostList, asRoot, all: !negated, negated, nopasswd });
    }
  }
  return out;
}

function splitHostSections(firstHosts: string, rest: string): { hosts: string[]; cmnds: string }[] {
  // rest = "cmnds [: hosts = cmnds]..."; a `:` inside a runas `(user:group)` does not split.
  const out: { hosts: string[]; cmnds: string }[] = [];
  let hosts = splitList(firstHosts);
  let depth = 0;
  let start = 0;
  const pieces: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ':' && depth === 0) {
      const before = rest.slice(start, i);
      // tags like NOPASSWD: are not separators
      if (/(^|[\s,(])[A-Z_]+$/.test(before) && TAGS.test(/([A-Z_]+)$/.exec(before)![1])) continue;
      pieces.push(before);
      start = i + 1;
    }
  }
  pieces.push(rest.slice(start));
  out.push({ hosts, cmnds: pieces[0] });
  for (const p of pieces.slice(1)) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    hosts = splitList(p.slice(0, eq));
    out.push({ hosts, cmnds: p.slice(eq + 1) });
  }
  return out;
}

function splitCommands(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth = Math.max(0, depth - 1);
    else if (s[i] === ',' && depth === 0 && s[i - 1] !== '\\') {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.filter((x) => x.trim());
}

function expandUsers(list: string[], aliases: Aliases, depth: number): SudoPrincipal[] {
  const out: SudoPrincipal[] = [];
  for (const raw of list) {
    const neg = raw.startsWith('!');
    const item = (neg ? raw.slice(1) : raw).trim();
    if (depth < 16 && aliases.user.has(item)) {
      for (const p of expandUsers(aliases.user.get(item)!, aliases, depth + 1)) out.push({ ...p, negated: p.negated !== neg });
      continue;
    }
    if (item === 'ALL') out.push({ kind: 'all', name: 'ALL', negated: neg });
    else if (item.startsWith('%:')) out.push({ kind: 'group', name: item.slice(2), negated: neg });
    else if (item.startsWith('%')) out.push({ kind: 'group', name: item.slice(1), negated: neg });
    else if (item.startsWith('+')) out.push({ kind: 'netgroup', name: item.slice(1), negated: neg });
    else out.push({ kind: 'user', name: unquote(item), negated: neg });
  }
  return out;
}

function expandHosts(list: string[], aliases: Aliases): string[] {
  return list.flatMap((h) => (aliases.host.has(h) ? aliases.host.get(h)! : [h]));
}

function expandRunas(list: string[], aliases: Aliases): { name: string; neg: boolean }[] {
  const out: { name: string; neg: boolean }[] = [];
  for (const raw of list) {
    const neg = raw.startsWith('!');
    const item = neg ? raw.slice(1) : raw;
    if (aliases.runas.has(item)) for (const x of aliases.runas.get(item)!) out.push({ name: x.replace(/^!/, ''), neg: neg !== x.startsWith('!') });
    else out.push({ name: item, neg });
  }
  return out;
}

function expandsToAll(cmd: string, cmnd: Map<string, string[]>, depth: number): boolean {
  if (cmd === 'ALL') return true;
  if (depth < 16 && cmnd.has(cmd)) return cmnd.get(cmd)!.some((c) => !c.startsWith('!') && expandsToAll(c, cmnd, depth + 1));
  return false;
}

/**
 * Whether a user may run ALL as root: the last rule naming the user decides (sudo's last match
 * wins), so `bob ALL=(ALL) !ALL` after `%sudo ALL=(ALL:ALL) ALL` revokes bob.
 */
export function sudoAllRule(rules: SudoRule[], user: string, groups: string[]): SudoRule | undefined {
  let decided: SudoRule | undefined;
  for (const k of candidates(rules, user, groups)) {
    const r = rules[k];
    if (!principalMatches(r.users, user, groups)) continue;
    decided = r.negated ? undefined : r;
  }
  return decided;
}

/**
 * Positions of the root rules that can name a user at all (ALL, the user, one of the groups), in
 * order: the others cannot match, and a sudoers of 60,000 lines is asked about every account.
 */
interface RuleIndex {
  byUser: Map<string, number[]>;
  byGroup: Map<string, number[]>;
  everyone: number[];
}

const ruleIndexes = new WeakMap<SudoRule[], { size: number; index: RuleIndex }>();

function candidates(rules: SudoRule[], user: string, groups: string[]): number[] {
  let entry = ruleIndexes.get(rules);
  if (!entry || entry.size !== rules.length) ruleIndexes.set(rules, (entry = { size: rules.length, index: indexRules(rules) }));
  const { byUser, byGroup, everyone } = entry.index;
  const lists = [everyone, byUser.get(user) ?? [], ...groups.map((g) => byGroup.get(g) ?? [])].filter((l) => l.length);
  if (lists.length === 1) return lists[0];
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

function indexRules(rules: SudoRule[]): RuleIndex {
  const index: RuleIndex = { byUser: new Map(), byGroup: new Map(), everyone: [] };
  const add = (m: Map<string, number[]>, name: string, k: number) => {
    const l = m.get(name);
    if (!l) m.set(name, [k]);
    else if (l[l.length - 1] !== k) l.push(k);
  };
  rules.forEach((r, k) => {
    if (!r.asRoot) return;
    if (r.users.some((p) => p.kind === 'all')) index.everyone.push(k);
    else for (const p of r.users) {
      if (p.kind === 'user') add(index.byUser, p.name, k);
      else if (p.kind === 'group') add(index.byGroup, p.name, k);
    }
  });
  return index;
}

function principalMatches(users: SudoPrincipal[], user: string, groups: string[]): boolean {
  let matched = false;
  for (const p of users) {
    const hit = p.kind === 'all' || (p.kind === 'user' && p.name === user) || (p.kind === 'group' && groups.includes(p.name));
    if (!hit) continue;
    if (p.negated) return false;
    matched = true;
  }
  return matched;
}
