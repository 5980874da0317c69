/**
 * sshd's configuration reader (servconf.c parse_server_config / process_server_config_line_depth) for
 * OpenSSH 9.2 and 10.0, over a tree of files given in memory (paths under /etc/ssh).
 *
 * Two passes, as sshd runs them:
 * - the load pass (connection NULL): every line is checked, global lines and `Match all` blocks are
 *   applied first-value-wins, other Match blocks are checked but not applied, global-only keywords in
 *   them are fatal;
 * - the reprocess pass for a connection (`sshd -T -C …`): only matching Match blocks are applied, into
 *   a fresh option set that then overrides the loaded one (copy.ts).
 * fatal() is an exception; error() lines count as bad options and end the file with "terminating".
 */
import { isIP } from 'node:net';
import { argvSplit, stripLineStart, strdelim, trimLineEnd } from './lexer.js';
import { ciphersValid, kexValid, keyNamesValid, macsValid } from './algorithms.js';
import { keywordTable, type Keyword, type KeywordTable, type SshdVersion } from './keywords.js';
import { addrMatchList, matchGroups, matchHostname, matchPatternList } from './match.js';
import { ServerOptions } from './options.js';
import {
  ADDRESS_FAMILY, COMPRESSION, FLAG, GATEWAY_PORTS, IGNORE_RHOSTS, IPQOS_DEPRECATED, LOG_FACILITIES, LOG_LEVELS, PERMIT_ROOT_LOGIN,
  TCP_FORWARDING, TUNNEL_MODES, a2port, atoiErr, convtime, lookupMultistate, parseIpqos, scanScaled, type Multistate,
} from './values.js';

export const SSHDIR = '/etc/ssh';
export const MAIN_CONFIG = `${SSHDIR}/sshd_config`;

export type MessageLevel = 'info' | 'error' | 'fatal';
export interface SshdMessage {
  level: MessageLevel;
  text: string;
}

export class SshdFatal extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

/** What `-C user=…,host=…,addr=…,laddr=…,lport=…` tells sshd; `lport` 0 = not given (blank -T). */
export interface ConnectionInfo {
  user?: string;
  host?: string;
  address?: string;
  laddress?: string;
  lport: number;
  rdomain?: string;
  invalidUser?: boolean;
  test: boolean;
}

/** Accounts on the host: user -> all group names (primary first), as getpwnam + getgrouplist see them. */
export type GroupDb = (user: string) => readonly string[] | undefined;

export interface LoadEnv {
  version: SshdVersion;
  /** Absolute path -> content. */
  files: ReadonlyMap<string, string>;
  groups: GroupDb;
}

const SSHCFG_NEVERMATCH = 0x04;
const SSHCFG_MATCH_ONLY = 0x08;
const MAX_DEPTH = 16;
const SSH_RELEASE: Record<SshdVersion, string> = { '9.2': 'OpenSSH_9.2', '10.0': 'OpenSSH_10.0' };

/** glob(3) over the in-memory tree: `*`, `?`, `[…]` per path component, results in byte order. */
export function globFiles(files: ReadonlyMap<string, string>, pattern: string): string[] {
  const parts = pattern.split('/');
  const re = (p: string): RegExp => {
    let out = '^';
    for (let i = 0; i < p.length; i++) {
      const c = p[i];
      if (c === '*') out += '[^/]*';
      else if (c === '?') out += '[^/]';
      else if (c === '[') {
        const close = p.indexOf(']', i + 2);
        if (close === -1) out += '\\[';
        else {
          let set = p.slice(i + 1, close);
          if (set.startsWith('!')) set = `^${set.slice(1)}`;
          out += `[${set.replace(/\\/g, '\\\\')}]`;
          i = close;
        }
      } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    return new RegExp(`${out}$`);
  };
  const matchers = parts.map((p) => (/[*?[]/.test(p) ? re(p) : p));
  const out: string[] = [];
  for (const path of files.keys()) {
    const segs = path.split('/');
    if (segs.length !== parts.length) continue;
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      const m = matchers[i];
      if (typeof m === 'string') ok = m === segs[i];
      else ok = m.test(segs[i]) && !(segs[i].startsWith('.') && !parts[i].startsWith('.'));
    }
    if (ok) out.push(path);
  }
  return out.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

interface Active {
  on: boolean;
}

/**
 * A question a reprocess pass asks about its connection (one Match criterion, or `invalid-user`) and
 * the answer: the criterion's result with what it logged, or the fatal error it raised. Everything a
 * pass does depends on the connection only through these answers, so two connections that get the
 * same answers to the same questions get the same result (see dumpConfig's cache).
 */
export interface MatchQuestion {
  attrib: string;
  arg: string;
  line: number;
  shown: string;
}

export interface TraceStep {
  question: MatchQuestion;
  answer: string;
}

/** The longest trace recorded: passes that ask more questions are not cached. */
export const MAX_TRACE = 256;
/** The question `Match invalid-user` asks (10.0): not a criterion with an argument. */
const INVALID_USER = 'invalid-user';

/** A line cut into keyword and arguments (what process_server_config_line does before acting on it). */
interface LexedLine {
  keyword: string;
  /** The rest of the line after the keyword; null or '' when there is none. */
  str: string | null;
  kw: Keyword | undefined;
  /** argv_split of str; null for unbalanced quotes (undefined when str is empty: never split). */
  av: string[] | null;
}

/**
 * The lines of a file, lexed once per content and keyword table: a model of sshd -T -C runs a
 * reprocess pass over the whole tree per connection, and lexing is pure (null: a line that does nothing).
 */
const lexCache = new Map<KeywordTable, Map<string, (LexedLine | null)[]>>();
const LEX_CACHE_SIZE = 16;

function lexedLines(content: string, table: KeywordTable): (LexedLine | null)[] {
  let perTable = lexCache.get(table);
  if (!perTable) lexCache.set(table, (perTable = new Map()));
  let lines = perTable.get(content);
  if (lines) return lines;
  lines = [];
  let start = 0;
  for (;;) {
    const nl = content.indexOf('\n', start);
    lines.push(lexLine(stripLineStart(nl === -1 ? content.slice(start) : content.slice(start, nl)), table));
    if (nl === -1) break;
    start = nl + 1;
  }
  if (perTable.size >= LEX_CACHE_SIZE) perTable.delete(perTable.keys().next().value!);
  perTable.set(content, lines);
  return lines;
}

function lexLine(rawLine: string, table: KeywordTable): LexedLine | null {
  if (rawLine.length === 0) return null;
  const line = trimLineEnd(rawLine);
  let d = strdelim(line);
  if (d.token === null) return null;
  let keyword = d.token;
  let str = d.rest;
  if (keyword === '') {
    d = strdelim(str);
    keyword = d.token as string;
    str = d.rest;
  }
  if (keyword === null || keyword === '' || keyword[0] === '#') return null;
  if (str === null || str === '') return { keyword, str, kw: undefined, av: null };
  return { keyword, str, kw: table.lookup(keyword), av: argvSplit(str) };
}

/** One reading of the whole tree (a pass); collects messages, throws SshdFatal. */
export class ConfigReader {
  readonly table: KeywordTable;
  readonly messages: SshdMessage[] = [];
  readonly v10: boolean;
  /** When set, the questions this pass asks about the connection, with their answers (undefined once longer than MAX_TRACE). */
  trace?: TraceStep[];

  constructor(
    readonly env: LoadEnv,
    readonly options: ServerOptions,
    readonly ci: ConnectionInfo | null,
  ) {
    this.table = keywordTable(env.version);
    this.v10 = env.version === '10.0';
  }

  log(level: MessageLevel, text: string): void {
    this.messages.push({ level, text });
  }

  fatal(text: string): never {
    throw new SshdFatal(text);
  }

  /** parse_server_config: the whole tree starting at the main file. */
  run(mainPath = MAIN_CONFIG): void {
    const content = this.env.files.get(mainPath);
    if (content === undefined) this.fatal(`${mainPath}: No such file or directory`);
    const active: Active = { on: this.ci === null };
    // parse_server_match_config names the main buffer "reprocess config" (included files keep their names)
    this.parseFile(this.ci ? 'reprocess config' : mainPath, content, this.ci ? SSHCFG_MATCH_ONLY : 0, active, 0);
    if (this.ci === null) this.processQueuedListenAddrs();
  }

  /** process_queued_listen_addrs: a numeric address of the other family than AddressFamily is fatal. */
  private processQueuedListenAddrs(): void {
    const family = this.options.get('AddressFamily');
    for (const q of this.options.queuedListen) {
      if (q.host === null) continue;
      const kind = isIP(q.host);
      if ((kind === 6 && family === 2) || (kind === 4 && family === 10)) {
        this.fatal(`bad addr or host: ${q.host} (Address family for hostname not supported)`);
      }
    }
  }

  private parseFile(filename: string, content: string, flags: number, active: Active, depth: number): void {
    if (depth < 0 || depth > MAX_DEPTH) this.fatal('Too many recursive configuration includes');
    const state = { flags };
    let bad = 0;
    const lines = lexedLines(content, this.table);
    for (let i = 0; i < lines.length; i++) {
      const lexed = lines[i];
      if (lexed !== null && this.processLine(lexed, filename, i + 1, active, state, depth) !== 0) bad++;
    }
    if (bad > 0) this.fatal(`${filename}: terminating, ${bad} bad configuration options`);
  }

  /** process_server_config_line_depth: 0 ok, -1 bad option (counted). */
  private processLine(lexed: LexedLine, filename: string, linenum: number, active: Active, state: { flags: number }, depth: number): number {
    const { keyword, str, kw, av } = lexed;
    if (str === null || str === '') {
      this.log('error', `${filename} line ${linenum}: no argument after keyword "${keyword}"`);
      return -1;
    }
    if (!kw) this.log('error', `${filename}: line ${linenum}: Bad configuration option: ${keyword}`);
    const opcode = kw?.opcode ?? 'BadOption';
    const matchAllowed = kw?.scope === 'ALL';
    if (av === null) {
      this.log('error', `${filename} line ${linenum}: invalid quotes`);
      return -1;
    }
    if (!active.on && !matchAllowed) {
      if (this.ci === null) this.fatal(`${filename} line ${linenum}: Directive '${keyword}' is not allowed within a Match block`);
      return 0;
    }
    const directive = new LineContext(this, filename, linenum, keyword, str, av, active.on);
    if (opcode === 'BadOption') return -1;
    let r: number;
    if (opcode === 'Include') r = this.include(directive, active, state, depth);
    else if (opcode === 'Match') r = this.match(directive, active, state);
    else r = directive.handle(opcode);
    if (r !== 0) return r;
    if (directive.remaining() > 0) {
      this.log('error', `${filename} line ${linenum}: keyword ${keyword} extra arguments at end of line`);
      return -1;
    }
    return 0;
  }

  private include(l: LineContext, active: Active, state: { flags: number }, depth: number): number {
    let count = 0;
    for (let arg2 = l.next(); arg2 !== null; arg2 = l.next()) {
      if (arg2 === '') {
        this.log('error', `${l.filename} line ${l.linenum}: keyword ${l.keyword} empty argument`);
        return -1;
      }
      count++;
      const path = arg2[0] !== '/' && arg2[0] !== '~' ? `${SSHDIR}/${arg2}` : arg2;
      const oactive = active.on;
      const childFlags = state.flags & SSHCFG_MATCH_ONLY ? SSHCFG_MATCH_ONLY : oactive ? 0 : SSHCFG_NEVERMATCH;
      for (const file of globFiles(this.env.files, path)) {
        this.parseFile(file, this.env.files.get(file) as string, childFlags, active, depth + 1);
        active.on = oactive;
      }
    }
    if (count === 0) this.fatal(`${l.filename} line ${l.linenum}: ${l.keyword} missing filename argument`);
    return 0;
  }

  private match(l: LineContext, active: Active, state: { flags: number }): number {
    const ci = state.flags & SSHCFG_NEVERMATCH ? null : this.ci;
    const value = this.v10 ? this.matchLine10(l, ci) : this.matchLine92(l, ci);
    if (value < 0) this.fatal(`${l.filename} line ${l.linenum}: Bad Match condition`);
    active.on = state.flags & SSHCFG_NEVERMATCH ? false : value === 1;
    state.flags &= ~SSHCFG_MATCH_ONLY;
    return 0;
  }

  private missing(criteria: string, attrib: string): never {
    this.fatal(`'Match ${criteria}' in configuration but '${attrib}' not in connection test specification.`);
  }

  /** criterion() for the connection of this pass, recorded in the trace. */
  private ask(attrib: string, arg: string, line: number, ci: ConnectionInfo | null, shownAttrib: string): -1 | 0 | 1 {
    // with no connection (the load pass, or an Include under a never-matching block) the answer is fixed
    if (ci === null) return this.criterion(attrib, arg, line, ci, shownAttrib);
    const question: MatchQuestion = { attrib, arg, line, shown: shownAttrib };
    if (this.trace === undefined) return this.direct(question, ci);
    const { result, fatal, answer } = this.answer(question, ci);
    if (this.trace.length >= MAX_TRACE) this.trace = undefined;
    else this.trace.push({ question, answer });
    if (fatal) throw fatal;
    return result!;
  }

  /** Asks one question for a connection: the result (or the fatal error) and the answer as text. */
  answer(q: MatchQuestion, ci: ConnectionInfo): { result?: -1 | 0 | 1; fatal?: SshdFatal; answer: string } {
    const before = this.messages.length;
    const logged = (): string => JSON.stringify(this.messages.slice(before));
    try {
      const result = this.direct(q, ci);
      return { result, answer: `${result} ${logged()}` };
    } catch (e) {
      if (!(e instanceof SshdFatal)) throw e;
      return { fatal: e, answer: `fatal ${JSON.stringify(e.text)} ${logged()}` };
    }
  }

  private direct(q: MatchQuestion, ci: ConnectionInfo): -1 | 0 | 1 {
    return q.attrib === INVALID_USER ? (ci.invalidUser ? 1 : 0) : this.criterion(q.attrib, q.arg, q.line, ci, q.shown);
  }

  /** One criterion against the connection; returns 1/0, or -1 for a bad line. Shared by both versions. */
  private criterion(attrib: string, arg: string, line: number, ci: ConnectionInfo | null, shownAttrib: string): -1 | 0 | 1 {
    const a = attrib.toLowerCase();
    if (a === 'user') {
      if (ci === null || (ci.test && ci.user === undefined)) return 0;
      if (ci.user === undefined) this.missing('User', 'user');
      return matchPatternList(ci.user, arg) === 1 ? 1 : 0;
    }
    if (a === 'group') {
      if (ci === null || (ci.test && ci.user === undefined)) return 0;
      if (ci.user === undefined) this.missing('Group', 'user');
      const groups = this.env.groups(ci.user);
      return groups && groups.length > 0 && matchGroups(groups, arg) ? 1 : 0;
    }
    if (a === 'host') {
      if (ci === null || (ci.test && ci.host === undefined)) return 0;
      if (ci.host === undefined) this.missing('Host', 'host');
      return matchHostname(ci.host, arg) === 1 ? 1 : 0;
    }
    if (a === 'address' || a === 'localaddress') {
      const addr = a === 'address' ? ci?.address : ci?.laddress;
      if (ci === null || (ci.test && addr === undefined)) {
        if (addrMatchList(null, arg) !== 0) {
          this.fatal(a === 'address' ? `Invalid Match address argument '${arg}' at line ${line}` : `Invalid Match localaddress argument '${arg}' at line ${line}`);
        }
        return 0;
      }
      if (addr === undefined) this.missing(a === 'address' ? 'Address' : 'LocalAddress', a === 'address' ? 'addr' : 'laddr');
      const r = addrMatchList(addr, arg);
      return r === 1 ? 1 : r === -2 ? -1 : 0;
    }
    if (a === 'localport') {
      const port = a2port(arg);
      if (port === -1) {
        this.log('error', `Invalid LocalPort '${arg}' on Match line`);
        return -1;
      }
      if (ci === null || (ci.test && ci.lport === -1)) return 0;
      if (ci.lport === 0) this.missing('LocalPort', 'lport');
      return port === ci.lport ? 1 : 0;
    }
    if (a === 'rdomain') {
      if (ci === null || (ci.test && ci.rdomain === undefined)) return 0;
      if (ci.rdomain === undefined) this.missing('RDomain', 'rdomain');
      return matchPatternList(ci.rdomain, arg) === 1 ? 1 : 0;
    }
    if (a === 'version' && this.v10) return matchPatternList(SSH_RELEASE[this.env.version], arg) === 1 ? 1 : 0;
    this.log('error', `Unsupported Match attribute ${shownAttrib}`);
    return -1;
  }

  /** 9.2 match_cfg_line: criteria cut with strdelim from the raw rest of the line (so `User=alice` works). */
  private matchLine92(l: LineContext, ci: ConnectionInfo | null): number {
    let cp: string | null = l.str;
    let result = 1;
    let attributes = 0;
    for (;;) {
      const d = strdelim(cp);
      cp = d.rest;
      const attrib = d.token;
      if (attrib === null || attrib === '') break;
      if (attrib[0] === '#') {
        cp = null;
        break;
      }
      attributes++;
      if (attrib.toLowerCase() === 'all') {
        const n = attributes > 1 ? null : strdelim(cp);
        if (attributes > 1 || (n && n.token !== null && n.token !== '' && n.token[0] !== '#')) {
          this.log('error', "'all' cannot be combined with other Match attributes");
          return -1;
        }
        l.consumeAll();
        return 1;
      }
      const n = strdelim(cp);
      cp = n.rest;
      const arg = n.token;
      if (arg === null || arg === '' || arg[0] === '#') {
        this.log('error', `Missing Match criteria for ${attrib}`);
        return -1;
      }
      const r = this.ask(attrib, arg, l.linenum, ci, attrib);
      if (r === -1) return -1;
      if (r === 0) result = 0;
    }
    if (attributes === 0) {
      this.log('error', 'One or more attributes required for Match');
      return -1;
    }
    if (cp === null || cp === '') l.consumeAll();
    return result;
  }

  /** 10.0 match_cfg_line: criteria are argv words; `attr=value` forms split explicitly; invalid-user, version. */
  private matchLine10(l: LineContext, ci: ConnectionInfo | null): number {
    let result = 1;
    let attributes = 0;
    const prefixed = /^(user|group|host|address|localaddress|localport|rdomain|version)=/i;
    for (let oattrib = l.next(); oattrib !== null; oattrib = l.next()) {
      let attrib = oattrib;
      if (attrib[0] === '#') {
        l.consumeAll();
        break;
      }
      attributes++;
      if (attrib.toLowerCase() === 'all') {
        const arg = attributes > 1 ? null : l.next();
        if (attributes > 1 || (arg !== null && arg !== '' && arg[0] !== '#')) {
          this.log('error', "'all' cannot be combined with other Match attributes");
          return -1;
        }
        if (arg !== null && arg[0] === '#') l.consumeAll();
        return 1;
      }
      if (attrib.toLowerCase() === 'invalid-user') {
        if (ci === null || this.ask(INVALID_USER, '', l.linenum, ci, oattrib) !== 1) result = 0;
        continue;
      }
      let arg: string | null;
      if (prefixed.test(attrib)) {
        const eq = attrib.indexOf('=');
        arg = attrib.slice(eq + 1);
        attrib = attrib.slice(0, eq);
      } else arg = l.next();
      if (arg === null || arg === '' || arg[0] === '#') {
        this.log('error', `Missing Match criteria for ${attrib}`);
        return -1;
      }
      const r = this.ask(attrib, arg, l.linenum, ci, oattrib);
      if (r === -1) return -1;
      if (r === 0) result = 0;
    }
    if (attributes === 0) {
      this.log('error', 'One or more attributes required for Match');
      return -1;
    }
    return result;
  }
}

const PUBKEYAUTH_TOUCH_REQUIRED = 1;
const PUBKEYAUTH_VERIFY_REQUIRED = 2;

/** Multistate keywords: opcode -> table. */
const MULTISTATE: Record<string, Multistate> = {
  AddressFamily: ADDRESS_FAMILY, PermitRootLogin: PERMIT_ROOT_LOGIN, IgnoreRhosts: IGNORE_RHOSTS, Compression: COMPRESSION,
  GatewayPorts: GATEWAY_PORTS, AllowTcpForwarding: TCP_FORWARDING, AllowStreamLocalForwarding: TCP_FORWARDING,
};
const FLAGS = new Set([
  'UsePAM', 'IgnoreUserKnownHosts', 'HostbasedAuthentication', 'HostbasedUsesNameFromPacketOnly', 'PubkeyAuthentication',
  'KerberosAuthentication', 'KerberosOrLocalPasswd', 'KerberosTicketCleanup', 'KerberosGetAFSToken', 'GssAuthentication', 'GssKeyEx',
  'GssCleanupCreds', 'GssStrictAcceptor', 'GssStoreRekey', 'PasswordAuthentication', 'KbdInteractiveAuthentication', 'PrintMotd',
  'PrintLastLog', 'X11Forwarding', 'X11UseLocalhost', 'PermitTTY', 'PermitUserRC', 'StrictModes', 'TCPKeepAlive', 'EmptyPasswd',
  'UseDNS', 'AllowAgentForwarding', 'DisableForwarding', 'StreamLocalBindUnlink', 'ExposeAuthInfo', 'DebianBanner', 'RefuseConnection',
]);
const INTS = new Set(['X11DisplayOffset', 'MaxAuthTries', 'MaxSessions', 'ClientAliveCountMax', 'RequiredRSASize']);
const TIMES = new Set(['LoginGraceTime', 'ClientAliveInterval']);
const FILENAMES = new Set(['PidFile', 'ModuliFile', 'XAuthLocation', 'Banner', 'TrustedUserCAKeys', 'RevokedKeys', 'SshdSessionPath', 'SshdAuthPath']);
const PUBKEY_ALGOS = new Set(['HostbasedAcceptedAlgorithms', 'HostKeyAlgorithms', 'CASignatureAlgorithms', 'PubkeyAcceptedAlgorithms']);

/** sshd's derelativise_path for `sshd -T` run from / (tilde = root's home). */
function derelativise(path: string): string {
  if (path.toLowerCase() === 'none') return 'none';
  const expanded = path === '~' ? '/root' : path.startsWith('~/') ? `/root/${path.slice(2)}` : path;
  return expanded.startsWith('/') ? expanded : `//${expanded}`; // getcwd() is / for sshd -t/-T
}

function tildeExpand(path: string): string {
  return path === '~' ? '/root' : path.startsWith('~/') ? `/root/${path.slice(2)}` : path;
}

/** One directive line being handled: the argv cursor and the message helpers. */
class LineContext {
  private ai = 0;

  constructor(
    private readonly reader: ConfigReader,
    readonly filename: string,
    readonly linenum: number,
    readonly keyword: string,
    readonly str: string,
    private readonly av: string[],
    readonly active: boolean,
  ) {}

  next(): string | null {
    return this.ai < this.av.length ? this.av[this.ai++] : null;
  }

  peek(): string | null {
    return this.ai < this.av.length ? this.av[this.ai] : null;
  }

  remaining(): number {
    return this.av.length - this.ai;
  }

  consumeAll(): void {
    this.ai = this.av.length;
  }

  private get o(): ServerOptions {
    return this.reader.options;
  }

  private get v10(): boolean {
    return this.reader.v10;
  }

  private where(): string {
    return `${this.filename} line ${this.linenum}`;
  }

  private fatal(msg: string): never {
    this.reader.fatal(`${this.where()}: ${msg}`);
  }

  private error(msg: string): -1 {
    this.reader.log('error', `${this.where()}: ${msg}`);
    return -1;
  }

  private required(msg = `${this.keyword} missing argument.`): string {
    const arg = this.next();
    if (arg === null || arg === '') this.fatal(msg);
    return arg;
  }

  private setFirst(slot: string, value: number | string): void {
    if (this.active) this.o.setFirst(slot, value);
  }

  handle(opcode: string): number {
    const o = this.o;
    if (FLAGS.has(opcode)) return this.multistate(opcode, FLAG);
    if (MULTISTATE[opcode]) return this.multistate(opcode, MULTISTATE[opcode]);
    if (INTS.has(opcode)) return this.int(opcode);
    if (TIMES.has(opcode)) return this.time(opcode);
    if (FILENAMES.has(opcode)) {
      const arg = this.required('missing file name.');
      this.setFirst(opcode, derelativise(arg));
      return 0;
    }
    if (PUBKEY_ALGOS.has(opcode)) {
      const arg = this.required('Missing argument.');
      const plainOnly = this.v10 && opcode === 'CASignatureAlgorithms';
      if (arg[0] !== '-' && !keyNamesValid(this.reader.env.version, arg[0] === '+' || arg[0] === '^' ? arg.slice(1) : arg, plainOnly)) {
        this.fatal(`Bad key types '${arg}'.`);
      }
      this.setFirst(opcode, arg);
      return 0;
    }
    switch (opcode) {
      case 'Port': {
        const arg = this.next();
        if (arg === null || arg === '') this.fatal('missing port number.');
        const port = a2port(arg);
        o.ports.push(port);
        if (port <= 0) this.fatal('Badly formatted port number.');
        return 0;
      }
      case 'ListenAddress':
        return this.listenAddress();
      case 'HostKeyFile': {
        const arg = this.required('missing file name.');
        if (this.active) o.hostKeys.push(derelativise(arg));
        return 0;
      }
      case 'HostCertificate': {
        const arg = this.required('missing file name.');
        if (this.active) o.hostCerts.push(derelativise(arg));
        return 0;
      }
      case 'HostKeyAgent': {
        const arg = this.required('missing socket name.');
        this.setFirst(opcode, arg === 'SSH_AUTH_SOCK' ? arg : derelativise(arg));
        return 0;
      }
      case 'PAMServiceName': {
        const arg = this.required('missing argument.');
        this.setFirst(opcode, arg);
        return 0;
      }
      case 'PubkeyAuthOptions': {
        let value = 0;
        for (let arg = this.next(); arg !== null; arg = this.next()) {
          const a = arg.toLowerCase();
          if (a === 'none') continue;
          if (a === 'touch-required') value |= PUBKEYAUTH_TOUCH_REQUIRED;
          else if (a === 'verify-required') value |= PUBKEYAUTH_VERIFY_REQUIRED;
          else return this.error(`unsupported ${this.keyword} option ${arg}`);
        }
        this.setFirst(opcode, value);
        return 0;
      }
      case 'GssKexAlgorithms': {
        const arg = this.required('Missing argument.');
        if (!gssKexNamesValid(arg, (m) => this.reader.log('error', m))) this.fatal(`Bad GSSAPI KexAlgorithms '${arg}'.`);
        this.setFirst(opcode, arg);
        return 0;
      }
      case 'PermitUserEnvironment': {
        const arg = this.required(`${this.keyword} missing argument.`);
        const value = arg === 'yes' ? 1 : arg === 'no' ? 0 : 1;
        if (this.active && o.get(opcode) === undefined) {
          o.set(opcode, value);
          o.set('PermitUserEnvironmentAllowlist', arg === 'yes' || arg === 'no' ? undefined : arg);
          o.set('PermitUserEnvironment.set', 1);
        }
        return 0;
      }
      case 'RekeyLimit': {
        const arg = this.required();
        let val = 0;
        if (arg !== 'default') {
          const v = scanScaled(arg);
          if (v === null) this.fatal(`Bad ${this.keyword} number '${arg}': Invalid argument`);
          if (v !== 0 && v < 16) this.fatal(`${this.keyword} too small`);
          val = v;
        }
        this.setFirst('RekeyLimit', val);
        if (this.remaining() !== 0) {
          if (this.peek() === 'none') {
            this.next();
            return 0;
          }
          return this.time('RekeyInterval');
        }
        return 0;
      }
      case 'LogFacility': {
        const arg = this.next();
        const f = arg === null ? undefined : LOG_FACILITIES.find(([n]) => n.toLowerCase() === arg.toLowerCase());
        if (!f) this.fatal(`unsupported log facility '${arg ?? '<NONE>'}'`);
        o.setFirst(opcode, f[1]);
        return 0;
      }
      case 'LogLevel': {
        const arg = this.next();
        const l = arg === null ? undefined : LOG_LEVELS.find(([n]) => n.toLowerCase() === arg.toLowerCase());
        if (!l) this.fatal(`unsupported log level '${arg ?? '<NONE>'}'`);
        this.setFirst(opcode, l[1]);
        return 0;
      }
      case 'LogVerbose':
        return this.stringList(opcode, { emptyError: true, noneAlone: true, requireOne: this.v10 });
      case 'AllowUsers':
      case 'DenyUsers':
      case 'AllowGroups':
      case 'DenyGroups':
        return this.allowDeny(opcode);
      case 'Ciphers':
      case 'Macs':
      case 'KexAlgorithms': {
        const arg = this.required();
        const names = arg[0] === '+' || arg[0] === '^' ? arg.slice(1) : arg;
        const v = this.reader.env.version;
        if (arg[0] !== '-') {
          if (opcode === 'Ciphers' && !ciphersValid(v, names)) this.fatal(`Bad SSH2 cipher spec '${arg}'.`);
          if (opcode === 'Macs' && !macsValid(v, names)) this.fatal(`Bad SSH2 mac spec '${arg}'.`);
          if (opcode === 'KexAlgorithms' && !kexValid(v, names, (m) => this.reader.log('error', m))) this.fatal(`Bad SSH2 KexAlgorithms '${arg}'.`);
        }
        o.setFirst(opcode, arg);
        return 0;
      }
      case 'Subsystem':
        return this.subsystem();
      case 'MaxStartups': {
        const arg = this.required();
        const m = /^[ \t\n]*([+-]?\d+)(?::[ \t\n]*([+-]?\d+)(?::[ \t\n]*([+-]?\d+))?)?/.exec(arg);
        const n = m ? (m[3] !== undefined ? 3 : m[2] !== undefined ? 2 : 1) : 0;
        if (n === 3) {
          const [b, r, x] = [Number(m![1]), Number(m![2]), Number(m![3])];
          o.set('MaxStartupsBegin', b);
          o.set('MaxStartupsRate', r);
          o.set('MaxStartups', x);
          if (b > x || r > 100 || r < 1) this.fatal(`Invalid ${this.keyword} spec.`);
        } else if (n !== 1) {
          if (n === 2) {
            o.set('MaxStartupsBegin', Number(m![1]));
            o.set('MaxStartupsRate', Number(m![2]));
          }
          this.fatal(`Invalid ${this.keyword} spec.`);
        } else {
          o.set('MaxStartupsBegin', Number(m![1]));
          o.set('MaxStartups', Number(m![1]));
        }
        if ((o.get('MaxStartups') as number) <= 0 || (o.get('MaxStartupsBegin') as number) <= 0) this.fatal(`Invalid ${this.keyword} spec.`);
        return 0;
      }
      case 'PerSourceNetBlockSize': {
        const arg = this.required();
        const m = /^[ \t\n]*([+-]?\d+)(?::[ \t\n]*([+-]?\d+))?/.exec(arg);
        let n = m ? (m[2] !== undefined ? 2 : 1) : 0;
        const v4 = m ? Number(m[1]) : 0;
        const v6 = m && m[2] !== undefined ? Number(m[2]) : undefined;
        if (n === 2 && (v6! < 0 || v6! > 128)) n = -1;
        if ((n === 1 || n === 2) && (v4 < 0 || v4 > 32)) n = -1;
        if (n !== 1 && n !== 2) this.fatal(`Invalid ${this.keyword} spec.`);
        if (this.active) {
          o.set('PerSourceMasklenIpv4', v4);
          o.set('PerSourceMasklenIpv6', v6);
        }
        return 0;
      }
      case 'PerSourceMaxStartups': {
        const arg = this.required();
        let value: number;
        if (arg === 'none') value = 2147483647;
        else {
          const r = atoiErr(arg);
          if (r.error) this.fatal(`${this.keyword} integer value ${r.error}.`);
          value = r.value as number;
        }
        if (this.active && (!this.v10 || o.get(opcode) === undefined)) o.set(opcode, value);
        return 0;
      }
      case 'PerSourcePenaltyExemptList': {
        const arg = this.required('missing argument.');
        if (addrMatchList(null, arg) !== 0) this.fatal(`keyword ${this.keyword} invalid address argument.`);
        this.setFirst(opcode, arg);
        return 0;
      }
      case 'PerSourcePenalties':
        return this.penalties();
      case 'AuthorizedKeysFile':
        return this.stringList(opcode, { emptyError: true, requireOne: this.v10, map: tildeExpand });
      case 'AuthorizedPrincipalsFile': {
        const arg = this.required();
        this.setFirst(opcode, tildeExpand(arg));
        return 0;
      }
      case 'AcceptEnv': {
        let found = false;
        for (let arg = this.next(); arg !== null; arg = this.next()) {
          if (arg === '' || arg.includes('=')) this.fatal('Invalid environment name.');
          found = true;
          if (this.active) (o.arrays[opcode] ??= []).push(arg);
        }
        if (this.v10 && !found) this.fatal(`no ${this.keyword} specified`);
        return 0;
      }
      case 'SetEnv': {
        const collected: string[] = [];
        const first = o.array(opcode).length === 0;
        for (let arg = this.next(); arg !== null; arg = this.next()) {
          if (arg === '' || !arg.includes('=')) this.fatal('Invalid environment.');
          const name = arg.slice(0, arg.indexOf('='));
          if (this.v10 || (this.active && first)) {
            if (!collected.some((e) => e.slice(0, e.indexOf('=')) === name)) collected.push(arg);
          }
        }
        if (this.v10 && collected.length === 0) this.fatal(`no ${this.keyword} specified`);
        if (this.active && first && collected.length > 0) o.arrays[opcode] = collected;
        return 0;
      }
      case 'PermitTunnel': {
        const arg = this.required();
        const mode = TUNNEL_MODES.find(([n]) => n === arg);
        if (!mode) this.fatal(`bad ${this.keyword} argument ${arg}`);
        this.setFirst(opcode, mode[1]);
        return 0;
      }
      case 'PermitOpen':
      case 'PermitListen':
        return this.permitOpen(opcode);
      case 'ForceCommand':
      case 'VersionAddendum': {
        if (this.str === '') this.fatal(`${this.keyword} missing argument.`);
        let rest = this.str.replace(/^[ \t\r\n]+/, '');
        if (opcode === 'VersionAddendum') {
          if (rest.includes('\r')) this.fatal(`Invalid ${this.keyword} argument`);
          // sshd looks for '#' in the keyword (strdelim ended it there), so a comment stays in the value
          if (rest.toLowerCase() === 'none') rest = '';
        }
        this.setFirst(opcode, rest);
        this.consumeAll();
        return 0;
      }
      case 'ChrootDirectory': {
        const arg = this.required();
        this.setFirst(opcode, arg);
        return 0;
      }
      case 'SecurityKeyProvider': {
        const arg = this.required();
        this.setFirst(opcode, arg.toLowerCase() === 'internal' ? arg : derelativise(arg));
        return 0;
      }
      case 'IPQoS': {
        const v = this.reader.env.version;
        let arg = this.required();
        let value = parseIpqos(v, arg);
        if (value === -1) this.fatal(`Bad ${this.keyword} value: ${arg}`);
        if (value === IPQOS_DEPRECATED) value = 2147483647;
        const arg2 = this.next();
        let value2 = value;
        if (arg2 !== null) {
          arg = arg2;
          value2 = parseIpqos(v, arg2);
          if (value2 === -1) this.fatal(`Bad ${this.keyword} value: ${arg2}`);
          if (value2 === IPQOS_DEPRECATED) value2 = 2147483647;
        }
        if (this.active) {
          o.set('IPQoSInteractive', value);
          o.set('IPQoSBulk', value2);
        }
        return 0;
      }
      case 'AuthorizedKeysCommand':
      case 'AuthorizedPrincipalsCommand': {
        const rest = this.str.replace(/^[ \t\r\n]+/, '');
        if (rest[0] !== '/' && rest.toLowerCase() !== 'none') this.fatal(`${this.keyword} must be an absolute path`);
        const guard = this.v10 ? opcode : 'AuthorizedKeysCommand';
        if (this.active && o.get(guard) === undefined) o.set(opcode, rest);
        this.consumeAll();
        return 0;
      }
      case 'AuthorizedKeysCommandUser':
      case 'AuthorizedPrincipalsCommandUser': {
        const arg = this.required(`missing ${this.keyword} argument.`);
        this.setFirst(opcode, arg);
        return 0;
      }
      case 'AuthenticationMethods':
        return this.authMethods();
      case 'StreamLocalBindMask': {
        const arg = this.required();
        const m = /^[ \t\n]*([+-]?)([0-7]+)/.exec(arg);
        const value = m ? (m[1] === '-' ? -1 : 1) * parseInt(m[2], 8) : NaN;
        if (!m || value < 0 || value > 0o777) this.fatal(`Invalid ${this.keyword}.`);
        if (this.active) o.set(opcode, value);
        return 0;
      }
      case 'FingerprintHash': {
        const arg = this.required();
        const a = arg.toLowerCase();
        if (a !== 'md5' && a !== 'sha1' && a !== 'sha256' && a !== 'sha384' && a !== 'sha512') {
          this.reader.fatal(`${this.where()}: Invalid ${this.keyword} algorithm "${arg}".`);
        }
        if (this.active) o.set(opcode, a.toUpperCase());
        return 0;
      }
      case 'RDomain':
        // Debian's Linux build has no routing-domain support: sshd refuses the keyword outright
        return this.fatal('setting RDomain not supported on this platform.');
      case 'ChannelTimeout':
        return this.channelTimeout();
      case 'UnusedConnectionTimeout': {
        const first = this.peek();
        if (first !== null && first.toLowerCase() === 'none') {
          this.next();
          if (this.active) o.set(opcode, 0);
          return 0;
        }
        return this.time(opcode);
      }
      case 'Deprecated':
      case 'Ignore':
      case 'Unsupported':
        if (opcode !== 'Ignore') this.reader.log('info', `${this.where()}: ${opcode === 'Unsupported' ? 'Unsupported' : 'Deprecated'} option ${this.keyword}`);
        this.consumeAll();
        return 0;
      default:
        this.fatal(`Missing handler for opcode ${this.keyword}`);
    }
  }

  private multistate(opcode: string, table: Multistate): number {
    const arg = this.next();
    if (arg === null || arg === '') this.fatal('missing argument.');
    const value = lookupMultistate(table, arg);
    if (value === undefined) this.fatal(`unsupported option "${arg}".`);
    this.setFirst(opcode, value);
    return 0;
  }

  private int(opcode: string): number {
    const r = atoiErr(this.next());
    if (r.error) this.fatal(`${this.keyword} integer value ${r.error}.`);
    this.setFirst(opcode, r.value as number);
    return 0;
  }

  private time(slot: string): number {
    const arg = this.next();
    if (arg === null || arg === '') this.fatal('missing time value.');
    const value = convtime(arg);
    if (value === -1) this.fatal('invalid time value.');
    this.setFirst(slot, value);
    return 0;
  }

  private listenAddress(): number {
    const arg = this.next();
    if (arg === null || arg === '') this.fatal('missing address');
    let host: string;
    let port = 0;
    const colon = arg.indexOf(':');
    if (!arg.includes('[') && colon !== -1 && arg.indexOf(':', colon + 1) !== -1) host = arg;
    else {
      // hpdelim: "[v6]:port", "host:port", "host"
      let rest: string | null;
      if (arg.startsWith('[')) {
        const close = arg.indexOf(']');
        if (close === -1) this.fatal('bad address:port usage');
        host = arg.slice(1, close);
        const after = arg.slice(close + 1);
        if (after === '') rest = null;
        else if (after[0] === ':' || after[0] === '/') rest = after.slice(1);
        else this.fatal('bad address:port usage');
      } else {
        const c = arg.search(/[:/]/);
        host = c === -1 ? arg : arg.slice(0, c);
        rest = c === -1 ? null : arg.slice(c + 1);
      }
      if (rest !== null) {
        port = a2port(rest);
        if (port <= 0) this.fatal('bad port number');
      }
    }
    let rdomain: string | null = null;
    const a = this.next();
    if (a !== null) {
      const r = this.next();
      if (a !== 'rdomain' || r === null) this.fatal('bad ListenAddress syntax');
      rdomain = r;
    }
    this.o.queuedListen.push({ host, port, rdomain });
    return 0;
  }

  private allowDeny(opcode: string): number {
    let found = false;
    const users = opcode.endsWith('Users');
    for (let arg = this.next(); arg !== null; arg = this.next()) {
      if (users) {
        if (arg === '' || !userPatternValid(arg)) this.fatal(`invalid ${this.keyword} pattern: "${arg}"`);
      } else if (arg === '') this.fatal(`empty ${this.keyword} pattern`);
      found = true;
      if (this.active) (this.o.arrays[opcode] ??= []).push(arg);
    }
    if (this.v10 && !found) this.fatal(`no ${this.keyword} specified`);
    return 0;
  }

  /** First-set-wins string arrays (LogVerbose, AuthorizedKeysFile): 9.2 appends while unset, 10.0 sets once. */
  private stringList(opcode: string, opts: { emptyError?: boolean; noneAlone?: boolean; requireOne?: boolean; map?: (s: string) => string }): number {
    const first = this.o.array(opcode).length === 0;
    const collected: string[] = [];
    for (let arg = this.next(); arg !== null; arg = this.next()) {
      if (opts.emptyError && arg === '') return this.error(`keyword ${this.keyword} empty argument`);
      if (opts.noneAlone && arg.toLowerCase() === 'none' && (collected.length > 0 || this.remaining() > 0)) {
        return this.error(`keyword ${this.keyword} "none" argument must appear alone.`);
      }
      collected.push(opts.map ? opts.map(arg) : arg);
      if (!this.v10 && first && this.active) (this.o.arrays[opcode] ??= []).push(opts.map ? opts.map(arg) : arg);
    }
    if (opts.requireOne && collected.length === 0) this.fatal(`no ${this.keyword} specified`);
    if (this.v10 && first && this.active && collected.length > 0) this.o.arrays[opcode] = collected;
    return 0;
  }

  private authMethods(): number {
    const o = this.o;
    const first = o.array('AuthenticationMethods').length === 0;
    const collected: string[] = [];
    let sawAny = false;
    for (let arg = this.next(); arg !== null; arg = this.next()) {
      if (arg === 'any') {
        if ((this.v10 ? collected.length : o.array('AuthenticationMethods').length) > 0) this.fatal(`"any" must appear alone in ${this.keyword}`);
        sawAny = true;
      } else if (sawAny) this.fatal(`"any" must appear alone in ${this.keyword}`);
      else if (!authMethodsValid(arg, null, (m) => this.reader.log('error', m))) this.fatal(`invalid ${this.keyword} method list.`);
      collected.push(arg);
      if (!this.v10 && first && this.active) (o.arrays.AuthenticationMethods ??= []).push(arg);
    }
    if (collected.length === 0) this.fatal(`no ${this.keyword} specified`);
    if (this.v10 && first && this.active) o.arrays.AuthenticationMethods = collected;
    return 0;
  }

  private channelTimeout(): number {
    const o = this.o;
    const first = o.array('ChannelTimeout').length === 0;
    const collected: string[] = [];
    for (let arg = this.next(); arg !== null; arg = this.next()) {
      if (arg.toLowerCase() === 'none') {
        if (collected.length > 0 || this.remaining() > 0) return this.error(`keyword ${this.keyword} "none" argument must appear alone.`);
      } else {
        const eq = arg.indexOf('=');
        if (eq <= 0 || convtime(arg.slice(eq + 1)) < 0) this.fatal(`invalid channel timeout ${arg}`);
      }
      collected.push(arg);
      if (!this.v10 && first && this.active) (o.arrays.ChannelTimeout ??= []).push(arg);
    }
    if (this.v10 && collected.length === 0) this.fatal(`no ${this.keyword} specified`);
    if (this.v10 && first && this.active) o.arrays.ChannelTimeout = collected;
    return 0;
  }

  private permitOpen(opcode: string): number {
    const o = this.o;
    const first = o.array(opcode).length === 0;
    if (!this.v10) {
      const arg = this.required();
      if (arg === 'any' || arg === 'none') {
        if (this.active && first) o.arrays[opcode] = [arg];
        return 0;
      }
      for (let a: string | null = arg; a !== null && a !== ''; a = this.next()) {
        const entry = this.permitEntry(opcode, a);
        if (this.active && first) (o.arrays[opcode] ??= []).push(entry);
      }
      return 0;
    }
    const collected: string[] = [];
    for (let arg = this.next(); arg !== null; arg = this.next()) {
      if (arg === 'any' || arg === 'none') {
        if (collected.length !== 0) this.fatal(`${arg} must appear alone on a ${this.keyword} line.`);
        collected.push(arg);
        continue;
      }
      collected.push(this.permitEntry(opcode, arg));
    }
    if (collected.length === 0) this.fatal(`${this.keyword} missing argument.`);
    if (first && this.active) o.arrays[opcode] = collected;
    return 0;
  }

  private permitEntry(opcode: string, arg: string): string {
    let entry = arg;
    let portPart: string | null;
    if (opcode === 'PermitListen' && !arg.includes(':')) {
      entry = `*:${arg}`;
      portPart = arg;
    } else if (arg.startsWith('[')) {
      const close = arg.indexOf(']');
      if (close === -1) this.fatal(`${this.keyword} missing host`);
      const after = arg.slice(close + 1);
      portPart = after === '' ? null : after[0] === ':' || after[0] === '/' ? after.slice(1) : null;
      if (after !== '' && portPart === null) this.fatal(`${this.keyword} missing host`);
    } else {
      const c = arg.search(/[:/]/);
      portPart = c === -1 ? null : arg.slice(c + 1);
    }
    if (portPart === null || !(portPart === '*' || a2port(portPart) > 0)) this.fatal(`${this.keyword} bad port number`);
    return entry;
  }

  private subsystem(): number {
    const o = this.o;
    const name = this.required();
    if (!this.active) {
      if (this.v10) this.consumeAll();
      else this.next();
      return 0;
    }
    if (o.subsystems.some((s) => s.name === name)) {
      if (!this.v10) this.fatal(`Subsystem '${name}' already defined.`);
      this.consumeAll();
      return 0;
    }
    const command = this.next();
    if (command === null || command === '') this.fatal('Missing subsystem command.');
    const rest: string[] = [];
    for (let a = this.next(); a !== null; a = this.next()) rest.push(a);
    const args = this.v10 ? [command, ...rest].map(assembleArg).join(' ') : [command, ...rest].join(' ');
    o.subsystems.push({ name, command, args });
    return 0;
  }

  private penalties(): number {
    const p = this.o.penalty;
    let found = false;
    const times: Record<string, keyof typeof p> = {
      'crash:': 'crash', 'authfail:': 'authfail', 'noauth:': 'noauth', 'grace-exceeded:': 'grace',
      'refuseconnection:': 'refuseconnection', 'max:': 'max', 'min:': 'min',
    };
    for (let arg = this.next(); arg !== null; arg = this.next()) {
      found = true;
      const lower = arg.toLowerCase();
      if (lower === 'no' || lower === 'yes') {
        if (this.remaining() > 0) this.fatal(`keyword ${this.keyword} "${arg}" argument must appear alone.`);
        if (this.active && p.enabled === undefined) p.enabled = lower === 'yes' ? 1 : 0;
        continue;
      }
      let slot: keyof typeof p | undefined;
      let value = -1;
      const prefix = Object.keys(times).find((k) => arg.startsWith(k));
      if (prefix) {
        slot = times[prefix];
        value = convtime(arg.slice(prefix.length));
        if (value === -1) this.fatal(`invalid ${this.keyword} time value.`);
      } else if (arg.startsWith('max-sources4:') || arg.startsWith('max-sources6:')) {
        slot = arg.startsWith('max-sources4:') ? 'maxSources4' : 'maxSources6';
        const r = atoiErr(arg.slice(13));
        if (r.error) this.fatal(`${this.keyword} value ${r.error}.`);
        value = r.value as number;
      } else if (arg === 'overflow:deny-all' || arg === 'overflow:permissive') {
        slot = 'overflow';
        value = arg.endsWith('deny-all') ? 1 : 2;
      } else if (arg === 'overflow6:deny-all' || arg === 'overflow6:permissive') {
        slot = 'overflow6';
        value = arg.endsWith('deny-all') ? 1 : 2;
      } else this.fatal(`unsupported ${this.keyword} keyword ${arg}`);
      if (this.active && p[slot] === undefined) {
        p[slot] = value;
        p.enabled = 1;
      }
    }
    if (!found) this.fatal(`no ${this.keyword} specified`);
    return 0;
  }
}

const GSS_KEX_PREFIXES = ['gss-gex-sha1-', 'gss-group1-sha1-', 'gss-group14-sha1-', 'gss-group14-sha256-', 'gss-group16-sha512-', 'gss-nistp256-sha256-', 'gss-curve25519-sha256-'];

/** kex_gss_names_valid (Debian's GSSAPI key exchange patch): GSS names match by prefix. */
function gssKexNamesValid(list: string, log: (msg: string) => void): boolean {
  if (list === '') return false;
  for (const p of list.split(',')) {
    if (p === '') break;
    if (!GSS_KEX_PREFIXES.some((g) => p.startsWith(g))) {
      log(`Unsupported KEX algorithm "${p.slice(0, 100)}"`);
      return false;
    }
  }
  return true;
}

/** argv_assemble for one word: quote when it has whitespace or quote characters (10.0 Subsystem). */
function assembleArg(arg: string): string {
  if (arg === '') return '""';
  if (!/[\s'"\\]/.test(arg)) return arg;
  let out = '';
  let ws = false;
  for (const c of arg) {
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      ws = true;
      out += c;
    } else if (c === '\\' || c === '"' || c === "'") out += `\\${c}`;
    else out += c;
  }
  return ws ? `"${out}"` : out;
}

/** match_user(NULL, …, pattern) validity: a `user@host` pattern's host part must be a valid address list. */
function userPatternValid(pattern: string): boolean {
  const at = pattern.indexOf('@');
  if (at === -1) return true;
  const host = pattern.slice(at + 1);
  return !(addrMatchList(null, host) === -2);
}

const AUTH_METHODS = ['none', 'publickey', 'gssapi-keyex', 'gssapi-with-mic', 'password', 'keyboard-interactive', 'hostbased'] as const;
const METHOD_OPTION: Record<string, string | null> = {
  none: null, publickey: 'PubkeyAuthentication', 'gssapi-keyex': 'GssAuthentication', 'gssapi-with-mic': 'GssAuthentication',
  password: 'PasswordAuthentication', 'keyboard-interactive': 'KbdInteractiveAuthentication', hostbased: 'HostbasedAuthentication',
};

/** auth2_methods_valid: `enabled` null = names only; otherwise methods must also be enabled. */
export function authMethodsValid(list: string, enabled: ((option: string) => boolean) | null, log: (msg: string) => void): boolean {
  if (list === '') {
    log('empty authentication method list');
    return false;
  }
  for (const raw of list.split(',')) {
    const method = raw.includes(':') ? raw.slice(0, raw.indexOf(':')) : raw;
    if (!(AUTH_METHODS as readonly string[]).includes(method)) {
      log(`Unknown authentication method "${method}" in list`);
      return false;
    }
    const opt = METHOD_OPTION[method];
    if (enabled && opt !== null && !enabled(opt)) {
      log(`Disabled method "${method}" in AuthenticationMethods list "${list}"`);
      return false;
    }
  }
  return true;
}

