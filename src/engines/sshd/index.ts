/**
 * pvesec's model of OpenSSH's sshd configuration handling (9.2 = Debian 12 / PVE 8, 10.0 = Debian 13 /
 * PVE 9), held to real sshd by differential.test.ts:
 * - testConfig: what `sshd -t` says (loadable or the first fatal error, plus warnings);
 * - dumpConfig: what `sshd -T [-C spec]` prints.
 */
import { copySetOptions, dumpConfig as dumpLines, fillDefaults, postLoadChecks, type DumpLine } from './effective.js';
import { keywordTable, type SshdVersion } from './keywords.js';
import { ConfigReader, MAIN_CONFIG, SSHDIR, SshdFatal, type ConnectionInfo, type GroupDb, type LoadEnv, type MatchQuestion, type SshdMessage, type TraceStep } from './loader.js';
import { a2port } from './values.js';
import { ServerOptions } from './options.js';

export type { SshdVersion } from './keywords.js';
export { SSHD_VERSIONS, keywordTable } from './keywords.js';
export type { ConnectionInfo, GroupDb, SshdMessage } from './loader.js';
export type { DumpLine } from './effective.js';

export interface SshdTree {
  /** Path under /etc/ssh (`sshd_config`, `sshd_config.d/x.conf`) or absolute path -> content. */
  files: Readonly<Record<string, string>>;
  /** user -> every group (primary first); users not listed do not exist. Default: none. */
  groups?: GroupDb;
}

export interface SshdVerdict {
  /** sshd's exit status: 0 loadable, 255 refused. */
  rc: 0 | 255;
  /** Everything sshd prints, one message a line (warnings, errors, the fatal one last). */
  messages: SshdMessage[];
  /** The fatal message when refused. */
  fatal?: string;
  /** Where the first error points, when sshd names a file and line. */
  location?: { file: string; line: number };
}

export interface SshdDump extends SshdVerdict {
  lines: DumpLine[];
}

function envFor(tree: SshdTree, version: SshdVersion): LoadEnv {
  const files = new Map<string, string>();
  for (const [path, content] of Object.entries(tree.files)) files.set(path.startsWith('/') ? path : `${SSHDIR}/${path}`, content);
  return { version, files, groups: tree.groups ?? (() => undefined) };
}

/** sshd's log(): non-printable bytes as octal escapes (strnvis VIS_SAFE|VIS_OCTAL). */
export function visEncode(text: string): string {
  if (/^[\x20-\x5b\x5d-\x7e\t\n\r]*$/.test(text)) return text;
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x5c) out += '\\\\';
    else if ((byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

const LOCATION = /^(\/\S+?):? line (\d+)[:,]|at line (\d+)$/;

function verdict(messages: SshdMessage[], fatal: string | undefined): SshdVerdict {
  const shown = messages.map((m) => ({ ...m, text: visEncode(m.text) }));
  if (fatal === undefined) return { rc: 0, messages: shown };
  const all = [...shown, { level: 'fatal' as const, text: visEncode(fatal) }];
  let location: SshdVerdict['location'];
  for (const m of all) {
    if (m.level === 'info') continue;
    const hit = LOCATION.exec(m.text);
    if (hit && hit[1]) location = { file: hit[1], line: Number(hit[2]) };
    if (location) break;
  }
  return { rc: 255, messages: all, fatal: visEncode(fatal), location };
}

interface Loaded {
  reader: ConfigReader;
  fatal?: string;
  /** Reprocess passes already run on this tree, by the answers they got (see dumpConfig). */
  passes?: PassNode;
}

/**
 * A trie of reprocess passes: a node is the state after some answers; it holds the result when the
 * pass ended there, else the next question the pass asks and a child per answer seen.
 */
interface PassNode {
  result?: SshdDump;
  question?: MatchQuestion;
  next?: Map<string, PassNode>;
}

const questionKey = (q: MatchQuestion): string => `${q.attrib}\0${q.arg}\0${q.line}\0${q.shown}`;

/**
 * The load pass does not depend on the connection (nor on the accounts: no Match block is evaluated in
 * it), so each tree is loaded once per version: a model of sshd -T -C for thousands of connections
 * otherwise re-reads every file each time. Keyed by content; the last few trees are kept. A cached
 * Loaded is shared: its reader and options must not be changed (dumpConfig works on a copy).
 */
const loadCache = new Map<string, Loaded>();
const LOAD_CACHE_SIZE = 8;

/** Keys of frozen trees (a caller that asks about thousands of connections passes one frozen tree). */
const frozenKeys = new WeakMap<object, Partial<Record<SshdVersion, string>>>();

function treeKey(tree: SshdTree, version: SshdVersion): string {
  const text = (): string => [version, ...Object.entries(tree.files).flat()].join('\0');
  if (!Object.isFrozen(tree.files)) return text();
  let keys = frozenKeys.get(tree.files);
  if (!keys) frozenKeys.set(tree.files, (keys = {}));
  return (keys[version] ??= text());
}

function loadOnce(tree: SshdTree, version: SshdVersion): Loaded {
  const key = treeKey(tree, version);
  let loaded = loadCache.get(key);
  if (loaded) {
    loadCache.delete(key);
  } else {
    loaded = load(tree, version);
    if (loadCache.size >= LOAD_CACHE_SIZE) loadCache.delete(loadCache.keys().next().value!);
  }
  loadCache.set(key, loaded);
  return loaded;
}

function load(tree: SshdTree, version: SshdVersion): Loaded {
  const reader = new ConfigReader(envFor(tree, version), new ServerOptions(), null);
  try {
    reader.run(MAIN_CONFIG);
    fillDefaults(version, reader.options);
    postLoadChecks(reader);
    return { reader };
  } catch (e) {
    if (e instanceof SshdFatal) return { reader, fatal: e.text };
    throw e;
  }
}

/** `sshd -t`. */
export function testConfig(tree: SshdTree, version: SshdVersion): SshdVerdict {
  const { reader, fatal } = loadOnce(tree, version);
  return verdict(reader.messages, fatal);
}

/** Parses a `-C` test spec the way parse_server_match_testspec does. */
export function parseConnectionSpec(spec: string): ConnectionInfo {
  const ci: ConnectionInfo = { test: true, lport: 0 };
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    const [k, v] = eq === -1 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    if (k === 'addr') ci.address = v;
    else if (k === 'host') ci.host = v;
    else if (k === 'user') ci.user = v;
    else if (k === 'laddr') ci.laddress = v;
    else if (k === 'rdomain') ci.rdomain = v;
    else if (k === 'lport') ci.lport = a2port(v);
    else if (part === 'invalid-user') ci.invalidUser = true;
    else throw new Error(`Invalid test mode specification ${part}`);
  }
  return ci;
}

/** `sshd -T` (spec undefined) or `sshd -T -C spec`. */
export function dumpConfig(tree: SshdTree, version: SshdVersion, spec?: string | ConnectionInfo): SshdDump {
  const loaded = loadOnce(tree, version);
  if (loaded.fatal !== undefined) return { ...verdict(loaded.reader.messages, loaded.fatal), lines: [] };
  const ci: ConnectionInfo = spec === undefined ? { test: true, lport: 0 } : typeof spec === 'string' ? parseConnectionSpec(spec) : spec;
  const env = envFor(tree, version);
  // A connection that answers the Match questions like an earlier one gets the earlier result: checks
  // ask the model about one connection per user and per cluster peer, thousands of them.
  const root = (loaded.passes ??= {});
  const probe = new ConfigReader(env, new ServerOptions(), ci);
  for (let node: PassNode | undefined = root; node;) {
    if (node.result) return { ...node.result };
    if (!node.question) break;
    node = node.next?.get(probe.answer(node.question, ci).answer);
  }
  const result = reprocess(loaded, env, version, ci);
  if (result.trace) remember(root, result.trace, result.dump);
  return result.dump;
}

/** Files the result of a pass under the answers it got. */
function remember(root: PassNode, trace: TraceStep[], dump: SshdDump): void {
  let node = root;
  for (const { question, answer } of trace) {
    if (node.result) return;
    if (!node.question) node.question = question;
    else if (questionKey(node.question) !== questionKey(question)) return; // cannot happen: a pass is deterministic
    const next = (node.next ??= new Map());
    let child = next.get(answer);
    if (!child) next.set(answer, (child = {}));
    node = child;
  }
  if (!node.question) node.result = dump;
}

/** The reprocess pass for a connection (sshd -T -C) over a loaded tree; the questions it asked when they were few. */
function reprocess(loaded: Loaded, env: LoadEnv, version: SshdVersion, ci: ConnectionInfo): { dump: SshdDump; trace?: TraceStep[] } {
  const options = loaded.reader.options.clone();
  const matchOptions = new ServerOptions();
  const again = new ConfigReader(env, matchOptions, ci);
  again.trace = [];
  const messages = [...loaded.reader.messages];
  try {
    again.run(MAIN_CONFIG);
    messages.push(...again.messages);
    copySetOptions(version, options, matchOptions);
  } catch (e) {
    if (!(e instanceof SshdFatal)) throw e;
    return { dump: { ...verdict([...messages, ...again.messages], e.text), lines: [] }, trace: again.trace };
  }
  return { dump: { ...verdict(messages, undefined), lines: dumpLines(version, keywordTable(version), options) }, trace: again.trace };
}

