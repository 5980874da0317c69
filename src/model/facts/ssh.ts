import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Snapshot } from '../../collect/snapshot.js';
import type { Evidence } from '../../core/types.js';
import { ParseError, type Diagnostic } from '../../parse/diagnostics.js';
import { parseCorosyncConf } from '../../parse/corosync.js';
import {
  ACCUMULATING, effectiveSshdConfig, globToRegExp, matchedSshdSettings, overriddenDirectives, parseSshdConfig, sshdTime,
  type IncludeResolver, type OverriddenDirective, type SshdConfig, type SshdConnection, type SshdDirective, type SshdSetting,
} from '../../parse/sshd-config.js';
import { parseSshdConnections, parseSshdT, parseSshdTest, type SshdTEntry, type SshdTestResult } from '../../parse/sshd-effective.js';
import { nodeFact, Unavailable, type FactContext } from '../fact.js';
import { dumpConfig, testConfig, type ConnectionInfo, type SshdVerdict, type SshdVersion } from '../../engines/sshd/index.js';
import { packagesFact } from './system-base.js';

/** What is known about sshd's configuration on a node. */
export interface SshdState {
  /** What decides global values: the `sshd -T` dump when usable, else the files. */
  source: 'sshd -T' | 'files';
  /** The parsed files (Include expanded), when /etc/ssh/sshd_config was collected. */
  files?: SshdConfig;
  fileDiagnostics: Diagnostic[];
  sshdT?: Map<string, SshdTEntry>;
  /** Why `sshd -T` was not used (missing, failed), when it was not. */
  sshdTNote?: string;
  /** `sshd -t` result, when collected. */
  test?: SshdTestResult;
  /** Major.minor of openssh-server (from dpkg), for defaults. */
  version?: number;
  /** What sshd would say about the files (`sshd -t` as the model in src/engines/sshd computes it). */
  load?: SshdLoad;
  /** The model's `sshd -T` for the files (when it loads them): exact global values in files mode. */
  modelT?: Map<string, SshdTEntry>;
  /** Real `sshd -T -C` dumps collected for the admins and cluster peers, by spec (`user=alice`, `user=root,host=A,addr=A`). */
  connections?: Map<string, Map<string, SshdTEntry>>;
}

/** The model's `sshd -t` on the collected files, for the OpenSSH version installed (both when unknown). */
export interface SshdLoad {
  versions: SshdVersion[];
  /** The verdict for the first version that refuses the files, else for the installed version. */
  verdict: SshdVerdict;
  /** true when every version judged refuses the files. */
  refused: boolean;
  /** The /etc/ssh files the model read. */
  tree: { path: string; content: string }[];
}

/** One effective value with the evidence that decided it. */
export interface SshdValue {
  key: string;
  /** Normalized like `sshd -T` prints it (lowercase keywords, times in seconds). */
  value: string;
  /** All values, for accumulating keywords (one per argument). */
  values: string[];
  /** true when nothing sets it and the compiled-in default applies (files mode). */
  isDefault: boolean;
  /** Where it came from: 'sshd -T', a file, or 'default'. */
  origin: 'sshd -T' | 'file' | 'default';
  evidence: Evidence[];
  /** For a value from sshd -T: the file line that sets it, when the files agree with sshd -T. */
  setBy?: Evidence;
}

const SSHD_CONFIG = FILES.sshdConfig;

export function snapshotIncludeResolver(snapshot: Snapshot): IncludeResolver {
  return {
    glob(pattern) {
      const re = globToRegExp(pattern);
      return [...snapshot.files.values()]
        .filter((f) => re.test(f.path) && !/^\./.test(f.path.slice(f.path.lastIndexOf('/') + 1)))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
        .map((f) => ({ path: f.path, content: f.content }));
    },
  };
}

/**
 * Everything known about sshd's configuration, also when sshd would refuse it. Only SSH-15 reads this
 * one directly; every other consumer uses sshdFact, which refuses to answer for a configuration sshd
 * would not load.
 */
export const sshdFilesFact = nodeFact<SshdState>('sshd.files', (ctx) => {
  const snapshot = ctx.snapshot;
  const main = snapshot.file(SSHD_CONFIG);
  let files: SshdConfig | undefined;
  let fileDiagnostics: Diagnostic[] = [];
  if (main) {
    const parsed = parseSshdConfig(main.content, SSHD_CONFIG, snapshotIncludeResolver(snapshot));
    files = parsed.value;
    fileDiagnostics = parsed.diagnostics;
  }
  let sshdT: Map<string, SshdTEntry> | undefined;
  let sshdTNote: string | undefined;
  const t = snapshot.command(COMMANDS.sshdEffective.name);
  if (!t) sshdTNote = snapshot.whyMissing(COMMANDS.sshdEffective.name);
  else if (t.exitCode !== undefined && t.exitCode !== 0) sshdTNote = `sshd -T exited with ${t.exitCode}`;
  else {
    try {
      sshdT = parseSshdT(t.output).value;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      sshdTNote = e.message;
    }
  }
  if (!files && !sshdT) throw new Unavailable(`${snapshot.whyMissing(SSHD_CONFIG)}; ${sshdTNote}`);
  const testCmd = snapshot.command(COMMANDS.sshdTest.name);
  const test = testCmd ? parseSshdTest(testCmd.output, testCmd.exitCode).value : undefined;
  const version = opensshVersion(ctx);
  const load = main ? modelLoad(snapshot, version) : undefined;
  const modelT = load && !load.refused && !sshdT ? modelDump(load, version) : undefined;
  const conns = snapshot.command(COMMANDS.sshdConnections.name);
  const connections = conns ? new Map(parseSshdConnections(conns.output).value.flatMap((c) => (c.dump ? [[c.spec, c.dump] as const] : []))) : undefined;
  return { source: sshdT ? 'sshd -T' : 'files', files, fileDiagnostics, sshdT, sshdTNote, test, version, load, modelT, connections };
});

/** Runs the sshd model on the collected /etc/ssh tree for the installed version (both 9.2 and 10.0 when unknown). */
function modelLoad(snapshot: Snapshot, version: number | undefined): SshdLoad {
  const files: Record<string, string> = {};
  for (const f of snapshot.files.values()) if (f.path.startsWith('/etc/ssh/')) files[f.path] = f.content.toString('utf8');
  const versions: SshdVersion[] = version === undefined ? ['9.2', '10.0'] : version >= 10 ? ['10.0'] : ['9.2'];
  const verdicts = versions.map((v) => testConfig({ files }, v));
  const refused = verdicts.every((v) => v.rc !== 0);
  return { versions, verdict: verdicts.find((v) => v.rc !== 0) ?? verdicts[0], refused, tree: Object.entries(files).map(([path, content]) => ({ path, content })) };
}

/** The model's `sshd -T` for the files, for the installed version (9.2's defaults when unknown, as before). */
function modelDump(load: SshdLoad, version: number | undefined): Map<string, SshdTEntry> | undefined {
  const files: Record<string, string> = {};
  for (const f of load.tree) files[f.path] = f.content;
  const dump = dumpConfig({ files }, version !== undefined && version >= 10 ? '10.0' : '9.2');
  if (dump.rc !== 0) return undefined;
  const out = new Map<string, SshdTEntry>();
  dump.lines.forEach(([key, value], i) => {
    const e = out.get(key) ?? { key, values: [], lines: [] };
    e.values.push(value);
    e.lines.push(i + 1);
    out.set(key, e);
  });
  return out;
}

/** Why sshd would not start with this configuration: real `sshd -t` failing, else the model refusing the files. */
export function sshdRefusal(state: SshdState): { reason: string; evidence: Evidence[] } | undefined {
  if (state.test) {
    if (state.test.ok) return undefined;
    const e = state.test.errors[0];
    return {
      reason: `sshd -t fails (exit ${state.test.exitCode ?? '?'}): ${e ? (e.file ? `${e.file}:${e.line}: ` : '') + e.message : 'no message'}`,
      evidence: state.test.errors.map((x) => (x.file ? { source: x.file, line: x.line, text: x.message } : { source: 'sshd -t', line: x.outputLine, text: x.message })),
    };
  }
  if (!state.load?.refused) return undefined;
  const v = state.load.verdict;
  const strip = (t: string): string => t.replace(/^\/\S+?:? line \d+: /, '');
  const errors = v.messages.filter((m) => m.level !== 'info');
  const where = v.location ? `${v.location.file}:${v.location.line}: ` : '';
  const fatal = strip(v.fatal ?? '');
  const first = strip(errors[0]?.text ?? fatal);
  const versions = state.load.versions.map((x) => `OpenSSH ${x}`).join(' and ');
  return {
    reason: `${versions} would refuse the files: ${where}${first}${first !== fatal ? ` (${fatal})` : ''}`,
    evidence: errors.map((m) => ({ source: v.location && m === errors[0] ? v.location.file : 'sshd model', line: v.location && m === errors[0] ? v.location.line : undefined, text: m.text })),
  };
}

/**
 * sshd's configuration for the checks. Unavailable (so the checks SKIP, never PASS) when sshd would
 * refuse the files: the next restart or reboot leaves no sshd running, whatever the values say.
 */
export const sshdFact = nodeFact<SshdState>('sshd.state', (ctx) => {
  const state = ctx.get(sshdFilesFact);
  const refusal = sshdRefusal(state);
  if (refusal) throw new Unavailable(`the sshd configuration is not loadable (see SSH-15): ${refusal.reason}`);
  return state;
});

function opensshVersion(ctx: FactContext): number | undefined {
  const v = ctx.tryGet(packagesFact)?.get('openssh-server')?.version;
  const m = v ? /^(?:\d+:)?(\d+)\.(\d+)/.exec(v) : null;
  return m ? Number(m[1]) + Number(m[2]) / 10 : undefined;
}

/** Compiled-in defaults of OpenSSH 9.2..10.0 for the keys the checks read (as `sshd -T` prints them). */
export function sshdDefault(key: string, version = 9.2): string | undefined {
  const v10 = version >= 10;
  const d: Record<string, string> = {
    permitrootlogin: 'without-password',
    passwordauthentication: 'yes',
    kbdinteractiveauthentication: 'yes',
    pubkeyauthentication: 'yes',
    permitemptypasswords: 'no',
    logingracetime: '120',
    maxauthtries: '6',
    x11forwarding: 'no',
    allowagentforwarding: 'yes',
    allowtcpforwarding: 'yes',
    disableforwarding: 'no',
    clientaliveinterval: '0',
    clientalivecountmax: '3',
    authenticationmethods: 'any',
    usepam: 'no',
    kexalgorithms: v10
      ? 'mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521'
      : 'sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256',
    ciphers: v10
      ? 'chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr'
      : 'chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com',
    macs: 'umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1',
    authorizedkeysfile: '.ssh/authorized_keys .ssh/authorized_keys2',
  };
  return d[key];
}

const LOWERCASE_KEYS = new Set([
  'permitrootlogin', 'passwordauthentication', 'kbdinteractiveauthentication', 'pubkeyauthentication', 'permitemptypasswords',
  'x11forwarding', 'allowagentforwarding', 'allowtcpforwarding', 'disableforwarding', 'usepam', 'gatewayports',
  'permittunnel', 'permittty', 'permituserrc', 'strictmodes', 'hostbasedauthentication', 'ignorerhosts', 'usedns',
  'gssapiauthentication', 'kerberosauthentication', 'compression', 'tcpkeepalive', 'printmotd', 'printlastlog',
  'x11uselocalhost', 'exposeauthinfo', 'permituserenvironment', 'loglevel', 'syslogfacility', 'addressfamily',
  'allowstreamlocalforwarding', 'ignoreuserknownhosts', 'streamlocalbindunlink', 'fingerprinthash',
]);
const TIME_KEYS = new Set(['logingracetime', 'clientaliveinterval']);

/** A value from the files normalized like `sshd -T` prints it. */
export function normalizeSshdValue(key: string, args: string[]): string {
  let v = args.join(' ');
  if (LOWERCASE_KEYS.has(key)) v = v.toLowerCase();
  if (key === 'permitrootlogin' && v === 'prohibit-password') v = 'without-password';
  if (TIME_KEYS.has(key)) {
    const s = sshdTime(v);
    if (s !== undefined) v = String(s);
  }
  return v;
}

/**
 * Resolves `+list` (append), `-list` (remove, wildcards allowed) and `^list` (prepend) against the
 * compiled-in default, as sshd does for Ciphers, MACs, KexAlgorithms and the key algorithm lists.
 */
export function expandAlgorithmList(value: string, defaults: string): string {
  const mod = value[0];
  if (mod !== '+' && mod !== '-' && mod !== '^') return value;
  const list = value.slice(1).split(',').filter(Boolean);
  const base = defaults.split(',');
  if (mod === '+') return [...base, ...list.filter((a) => !base.includes(a))].join(',');
  if (mod === '^') return [...list, ...base.filter((a) => !list.includes(a))].join(',');
  return base.filter((a) => !list.some((p) => globMatch(a, p))).join(',');
}

function fromDirectives(key: string, s: SshdSetting, version?: number): SshdValue {
  let values = ACCUMULATING.has(key) ? s.args : [normalizeSshdValue(key, s.args)];
  const defaults = ALGO_LIST_KEYS.has(key) ? sshdDefault(key, version) : undefined;
  if (defaults !== undefined) values = [expandAlgorithmList(values[0], defaults)];
  return { key, value: ACCUMULATING.has(key) ? s.args.join(' ') : values[0], values, isDefault: false, origin: 'file', evidence: s.directives.map(directiveEvidence) };
}

export function directiveEvidence(d: SshdDirective): Evidence {
  return { source: d.file, line: d.line, text: d.text };
}

/**
 * The effective value of a keyword for a connection (or globally). Match blocks of the files that
 * apply to the connection win; otherwise `sshd -T` when usable; otherwise the files (first value
 * wins); otherwise the compiled-in default.
 */
export function sshdValue(state: SshdState, key: string, conn?: SshdConnection): SshdValue | undefined {
  if (conn) {
    // real sshd's answer for this very connection, when the collection asked it
    const spec = state.connections ? collectedSpec(conn) : undefined;
    const e = spec !== undefined ? state.connections?.get(spec)?.get(key) : undefined;
    if (e) {
      const value = ACCUMULATING.has(key) ? e.values.join(' ') : e.values[0];
      const source = `${COMMANDS.sshdConnections.name} ${spec}`;
      return { key, value, values: e.values, isDefault: false, origin: 'sshd -T', evidence: e.lines.map((line, i) => ({ source, line, text: `${key} ${e.values[i]}`.trim() })) };
    }
  }
  if (conn && state.files) {
    const m = matchedSshdSettings(state.files, conn).get(key);
    const model = modelMatchValues(state, key, conn);
    if (model !== undefined) {
      // the model's sshd -T -C: a Match block applying to this connection changes the key, or none does
      if (model !== null) {
        const value = ACCUMULATING.has(key) ? model.join(' ') : model[0];
        const evidence = m ? m.directives.map(directiveEvidence) : [{ source: 'sshd model', text: `sshd -T -C ${connSpec(conn)}: ${key} ${value}` }];
        return { key, value, values: model, isDefault: false, origin: 'file', evidence };
      }
    } else if (m) return fromDirectives(key, m, state.version);
  }
  return globalSshdValue(state, key);
}

/** Global values per state and key: checks ask for them once per user and per cluster peer, and an accumulated key can hold thousands of lines. */
const globalValues = new WeakMap<SshdState, Map<string, SshdValue | undefined>>();

function globalSshdValue(state: SshdState, key: string): SshdValue | undefined {
  let perState = globalValues.get(state);
  if (!perState) globalValues.set(state, (perState = new Map()));
  if (!perState.has(key)) perState.set(key, computeGlobalSshdValue(state, key));
  return perState.get(key);
}

function computeGlobalSshdValue(state: SshdState, key: string): SshdValue | undefined {
  if (state.sshdT) {
    const e = state.sshdT.get(key);
    if (e) {
      const values = e.values;
      const value = ACCUMULATING.has(key) ? values.join(' ') : values[0];
      const fromFiles = state.files && !ACCUMULATING.has(key) ? effectiveSshdConfig(state.files).get(key) : undefined;
      const setBy = fromFiles && normalizeSshdValue(key, fromFiles.args).toLowerCase() === value.toLowerCase() ? directiveEvidence(fromFiles.directives[0]) : undefined;
      const evidence: Evidence[] = e.lines.map((line, i) => ({ source: 'sshd -T', line, text: `${key} ${values[i]}`.trim() }));
      return { key, value, values, isDefault: false, origin: 'sshd -T', evidence: setBy ? [...evidence, setBy] : evidence, setBy };
    }
  }
  if (state.files) {
    const s = effectiveSshdConfig(state.files).get(key);
    const m = ACCUMULATING.has(key) ? undefined : state.modelT?.get(key);
    if (m) {
      // the model's sshd -T: canonical value, defaults, +/-/^ and wildcard lists as sshd computes them
      const value = m.values[0];
      if (s) return { key, value, values: [value], isDefault: false, origin: 'file', evidence: s.directives.map(directiveEvidence) };
      return { key, value, values: [value], isDefault: true, origin: 'default', evidence: [{ source: SSHD_CONFIG, text: `${key} not set: OpenSSH default ${value}` }] };
    }
    if (s) return fromDirectives(key, s, state.version);
  }
  const d = sshdDefault(key, state.version);
  if (d === undefined) return undefined;
  return {
    key, value: d, values: [d], isDefault: true, origin: 'default',
    evidence: [{ source: state.files ? SSHD_CONFIG : 'sshd -T', text: `${key} not set: OpenSSH default ${d}` }],
  };
}

/** Per state: whether any file has a Match line, the files as the engine takes them, and its dumps per connection. */
interface ConnectionModel {
  hasMatch: boolean;
  files: Record<string, string>;
  dumps: Map<string, Map<string, string[]> | null>;
}
const connModels = new WeakMap<SshdState, ConnectionModel>();
const MATCH_LINE = /^[ \t\f\r\ufeff]*["']?match["']?(?:[ \t=]|$)/im;

/** The spec the collection script asked real sshd about for a connection like this one, if it asks about such. */
function collectedSpec(conn: SshdConnection): string | undefined {
  if (!conn.user || conn.laddr || conn.lport) return undefined;
  if (!conn.addr) return conn.host ? undefined : `user=${conn.user}`;
  return `user=${conn.user},host=${conn.host ?? conn.addr},addr=${conn.addr}`;
}

function connSpec(conn: SshdConnection): string {
  return [`user=${conn.user ?? ''}`, `host=${conn.host ?? conn.addr ?? ''}`, `addr=${conn.addr ?? ''}`, conn.laddr ? `laddr=${conn.laddr}` : '', conn.lport ? `lport=${conn.lport}` : '']
    .filter(Boolean).join(',');
}

/** The dump cache's key of connection objects already asked about (checks ask several keys per connection object). */
const dumpIds = new WeakMap<SshdConnection, string>();

/** By dump: connections that get the same dump from the engine share one map. */
const dumpMaps = new WeakMap<readonly (readonly [string, string])[], Map<string, string[]>>();

function dumpMap(lines: readonly (readonly [string, string])[]): Map<string, string[]> {
  let m = dumpMaps.get(lines);
  if (m) return m;
  m = new Map<string, string[]>();
  for (const [k, v] of lines) m.set(k, [...(m.get(k) ?? []), v]);
  dumpMaps.set(lines, m);
  return m;
}

/**
 * What a Match block applying to the connection makes of a key, per the sshd model (`sshd -T -C` on the
 * files): the values when they differ from the model's global ones, null when no Match block changes the
 * key for this connection, undefined when the model cannot judge (no files, refused files).
 */
function modelMatchValues(state: SshdState, key: string, conn: SshdConnection): string[] | null | undefined {
  if (!state.load || state.load.refused) return undefined;
  let model = connModels.get(state);
  if (!model) {
    const files: Record<string, string> = {};
    for (const f of state.load.tree) files[f.path] = f.content;
    // Without a Match line no connection sees other values than the global ones (and a cluster with
    // thousands of peers asks once per peer): a conservative look at the text, quotes and `=` forms included.
    const hasMatch = state.load.tree.some((f) => MATCH_LINE.test(f.content));
    connModels.set(state, (model = { hasMatch, files: Object.freeze(files), dumps: new Map() }));
  }
  if (!model.hasMatch) return null;
  const version: SshdVersion = state.version !== undefined && state.version >= 10 ? '10.0' : '9.2';
  const { files, dumps: cache } = model;
  const run = (id: string, spec?: ConnectionInfo): Map<string, string[]> | null => {
    if (!cache.has(id)) {
      const d = dumpConfig({ files, groups: (u) => (u === conn.user ? conn.groups ?? [] : undefined) }, version, spec);
      cache.set(id, d.rc === 0 ? dumpMap(d.lines) : null);
    }
    return cache.get(id)!;
  };
  const global = run('');
  let id = dumpIds.get(conn);
  if (id === undefined) dumpIds.set(conn, (id = `${connSpec(conn)} groups=${(conn.groups ?? []).join(',')}`));
  const mine = cache.has(id) ? cache.get(id)! : run(id, { test: true, user: conn.user, host: conn.host ?? conn.addr, address: conn.addr, laddress: conn.laddr, lport: conn.lport ?? -1 });
  if (!global || !mine) return undefined;
  const a = global.get(key);
  const b = mine.get(key);
  if (!b) return undefined;
  return (a ?? []).join('\n') === b.join('\n') ? null : b;
}

/** Like sshdValue but throws Unavailable when nothing (not even a default) is known. */
export function requireSshdValue(state: SshdState, key: string, conn?: SshdConnection): SshdValue {
  const v = sshdValue(state, key, conn);
  if (!v) throw new Unavailable(`${key} is not reported by sshd -T nor set in ${SSHD_CONFIG}`);
  return v;
}

/** Suffix for messages decided on the files only (no usable sshd -T). */
export function basisNote(state: SshdState): string {
  return state.source === 'files' ? ` (decided on the files: ${state.sshdTNote ?? 'sshd -T not collected'})` : '';
}

/** Another node of the cluster, with its corosync ring addresses. */
export interface Peer {
  name: string;
  addrs: string[];
  line: number;
}

/** Cluster peers of this node from corosync.conf (empty on a standalone node). */
export const peersFact = nodeFact<Peer[]>('cluster.peers', (ctx) => {
  const text = ctx.snapshot.text(FILES.corosyncConf) ?? ctx.cluster.representative.snapshot.text(FILES.corosyncConf);
  if (text === undefined) {
    if (ctx.cluster.clustered) throw new Unavailable(ctx.snapshot.whyMissing(FILES.corosyncConf));
    return [];
  }
  const conf = parseCorosyncConf(text).value;
  const own = ctx.nodeName();
  return conf.nodes.filter((n) => n.name !== own).map((n) => ({ name: n.name, addrs: n.rings, line: n.line }));
});

/** The connections root uses between cluster nodes (one per peer ring address). */
export function peerConnections(peers: Peer[]): { peer: Peer; conn: SshdConnection }[] {
  return peers.flatMap((peer) => peer.addrs.map((addr) => ({ peer, conn: { user: 'root', addr, host: addr, groups: ['root'] } })));
}

/** Global directives shadowed by an earlier one with a different value. */
export function conflictingOverrides(files: SshdConfig): OverriddenDirective[] {
  return overriddenDirectives(files).filter(
    (o) => normalizeSshdValue(o.directive.keyword, o.directive.args) !== normalizeSshdValue(o.by.keyword, o.by.args),
  );
}

/** A keyword whose effective value per the files differs from what sshd reports. */
export interface SshdDrift {
  key: string;
  files: string;
  sshd: string;
  evidence: Evidence[];
}

// Keywords whose printed form differs from the configured form in ways not worth modelling.
const DRIFT_IGNORED = new Set([
  'include', 'listenaddress', 'rekeylimit', 'ipqos', 'compression', 'maxstartups', 'persourcemaxstartups', 'permitopen',
  'permitlisten', 'channeltimeout', 'unusedconnectiontimeout', 'persourcepenalties', 'persourcenetblocksize', 'subsystem',
  'authorizedkeysfile', 'hostkeyagent', 'setenv', 'logverbose', 'match',
]);
const ALGO_LIST_KEYS = new Set([
  'ciphers', 'macs', 'kexalgorithms', 'hostkeyalgorithms', 'pubkeyacceptedalgorithms', 'hostbasedacceptedalgorithms',
  'casignaturealgorithms', 'gssapikexalgorithms',
]);

/** Keys `sshd -T` prints in an order that comes from getaddrinfo: compared as sets. */
const ORDER_FREE_KEYS = new Set(['listenaddress']);

/**
 * Compares what the sshd model says `sshd -T` prints for the collected files with what sshd printed,
 * key by key (canonical forms, defaults, +/-/^ lists and Match all included). The version is the one
 * whose keys the dump has (10.0 prints refuseconnection). Only keys the files set are compared. Undefined when the model cannot judge (no files,
 * or files it refuses).
 */
export function modelDrift(state: SshdState): SshdDrift[] | undefined {
  if (!state.files || !state.sshdT || !state.load || state.load.refused) return undefined;
  const version: SshdVersion = ['refuseconnection', 'persourcepenalties', 'sshdsessionpath'].some((k) => state.sshdT!.has(k)) ? '10.0' : '9.2';
  const tree: Record<string, string> = {};
  for (const f of state.load.tree) tree[f.path] = f.content;
  const dump = dumpConfig({ files: tree }, version);
  if (dump.rc !== 0) return undefined;
  const model = new Map<string, string[]>();
  for (const [k, v] of dump.lines) model.set(k, [...(model.get(k) ?? []), v]);
  const fromFiles = effectiveSshdConfig(state.files);
  const out: SshdDrift[] = [];
  for (const [key, t] of state.sshdT) {
    const mine = model.get(key);
    // only keys the files set: a compiled-in default may differ between package revisions
    if (!mine || !fromFiles.has(key)) continue;
    const same = ORDER_FREE_KEYS.has(key) ? [...mine].sort().join('\n') === [...t.values].sort().join('\n') : mine.join('\n') === t.values.join('\n');
    if (same) continue;
    const set = fromFiles.get(key);
    const ev = [...(set?.directives.map(directiveEvidence) ?? []), ...t.lines.map((line, i) => ({ source: 'sshd -T', line, text: `${key} ${t.values[i]}` }))];
    out.push({ key, files: mine.join(' '), sshd: t.values.join(' '), evidence: ev });
  }
  return out;
}

/** Compares the global configuration the files define with the `sshd -T` dump. */
export function sshdDrift(files: SshdConfig, sshdT: Map<string, SshdTEntry>): SshdDrift[] {
  const out: SshdDrift[] = [];
  for (const [key, s] of effectiveSshdConfig(files)) {
    if (DRIFT_IGNORED.has(key)) continue;
    const t = sshdT.get(key);
    if (!t) continue;
    const ev = [...s.directives.map(directiveEvidence), ...t.lines.map((line, i) => ({ source: 'sshd -T', line, text: `${key} ${t.values[i]}` }))];
    const reported = t.values.join(' ');
    if (ACCUMULATING.has(key)) {
      const want = [...s.args].sort().join(' ');
      const got = t.values.flatMap((v) => v.split(/\s+/)).sort().join(' ');
      if (want !== got) out.push({ key, files: s.args.join(' '), sshd: reported, evidence: ev });
      continue;
    }
    const value = normalizeSshdValue(key, s.args);
    if (ALGO_LIST_KEYS.has(key)) {
      if (!algoListConsistent(value, t.values[0] ?? '')) out.push({ key, files: value, sshd: reported, evidence: ev });
      continue;
    }
    if (value.replace(/\s+/g, ' ').toLowerCase() !== reported.replace(/\s+/g, ' ').toLowerCase()) {
      out.push({ key, files: value, sshd: reported, evidence: ev });
    }
  }
  return out;
}

/** `+list` appends, `-list` removes, `^list` prepends to the defaults; a plain list replaces them. */
function algoListConsistent(configured: string, reported: string): boolean {
  const got = reported.split(',');
  const mod = configured[0];
  const list = (mod === '+' || mod === '-' || mod === '^' ? configured.slice(1) : configured).split(',').filter(Boolean);
  const has = (a: string) => got.some((g) => globMatch(g, a));
  if (mod === '+') return list.every(has);
  if (mod === '-') return !list.some(has);
  if (mod === '^') return list.every((a, i) => got[i] !== undefined && globMatch(got[i], a));
  return list.length === got.length && list.every((a, i) => a === got[i]);
}

function globMatch(value: string, pattern: string): boolean {
  return new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$').test(value);
}
