/**
 * Remedies of SSH-01..14 and SSH-16: one pvesec-owned drop-in, read before every other drop-in and the
 * rest of sshd_config (sshd keeps the first value of a keyword). That it wins is not assumed from its
 * name: the drop-in is added to the node's collected /etc/ssh tree and
 * - the SSH checks run again on that tree (through the sshd model, src/engines/sshd): a control that
 *   would not PASS is left for a human with the check's own explanation (an earlier drop-in, a line
 *   before the Include, a Match block), and its lines are left out of the drop-in;
 * - the model's `sshd -T -C` for every connection that matters (each declared admin from the admin
 *   sources, root from each corosync peer, root and others from elsewhere) must let the admins and the
 *   peers in with a key.
 * On the node, validators gate the reload: `sshd -t`, and `sshd -T -C` per connection with the values
 * that must come out (ValidateOp.expectOutput), so a node whose sshd disagrees with the model reverts.
 */
import { isIP } from 'node:net';
import { COMMANDS, FILES } from '../../collect/sources.js';
import { Snapshot } from '../../collect/snapshot.js';
import type { Finding } from '../../core/types.js';
import { runChecks } from '../../audit/run.js';
import { checks as sshChecks } from './index.js';
import { ALGORITHMS } from '../../engines/sshd/algorithms.js';
import { dumpConfig, testConfig, type ConnectionInfo, type SshdVersion } from '../../engines/sshd/index.js';
import { ManualOnly, sharedAnalysis, type PlannedOp, type Remedy, type RemedyInput } from '../../harden/plan-types.js';
import { ClusterModel, type FactContext } from '../../model/fact.js';
import { accountsFact, adminsFact } from '../../model/facts/accounts.js';
import { adminSourcesFact } from '../../model/facts/network.js';
import { packagesFact } from '../../model/facts/system-base.js';
import { nodeAddressFact } from '../../model/facts/node-address.js';
import { peersFact, snapshotIncludeResolver, sshdFact, sshdValue, type SshdValue } from '../../model/facts/ssh.js';
import { formatIp, parseIpRange } from '../../parse/ip-address.js';
import { parseSshdConfig } from '../../parse/sshd-config.js';
import { parseSshQuery } from '../../parse/ssh-q.js';
import { adminPaths, targetedControls } from '../acc/remedy.js';
import { sshdAdmits } from './ssh-06.js';

/** The drop-in pvesec owns: `00-` sorts it before the drop-ins of packages and cloud images. */
export const SSH_DROPIN = '/etc/ssh/sshd_config.d/00-pvesec.conf';

export const SSH_REMEDY_CONTROLS = [
  'SSH-01', 'SSH-02', 'SSH-03', 'SSH-04', 'SSH-05', 'SSH-06', 'SSH-07', 'SSH-08', 'SSH-09', 'SSH-10', 'SSH-11', 'SSH-12', 'SSH-13', 'SSH-14', 'SSH-16',
] as const;
type SshControl = (typeof SSH_REMEDY_CONTROLS)[number];

/** The crypto profile of the hardening guides, strongest first; limited to what the node's sshd supports. */
export const KEX_PROFILE = [
  'mlkem768x25519-sha256', 'sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com', 'curve25519-sha256', 'curve25519-sha256@libssh.org',
  'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'diffie-hellman-group-exchange-sha256',
];
export const CIPHER_PROFILE = [
  'chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr', 'aes192-ctr', 'aes128-ctr',
];
export const MAC_PROFILE = ['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'umac-128-etm@openssh.com'];

/** The sshd -T keywords each control's lines set (what the validators read back). */
const KEYS: Record<SshControl, string[]> = {
  'SSH-01': ['permitrootlogin'], 'SSH-02': ['passwordauthentication'], 'SSH-03': ['kbdinteractiveauthentication'],
  'SSH-04': ['pubkeyauthentication'], 'SSH-05': ['permitemptypasswords'], 'SSH-06': ['allowusers'], 'SSH-07': ['kexalgorithms'],
  'SSH-08': ['ciphers'], 'SSH-09': ['macs'], 'SSH-10': ['logingracetime'], 'SSH-11': ['maxauthtries'], 'SSH-12': ['x11forwarding'],
  'SSH-13': ['allowagentforwarding'], 'SSH-14': ['allowtcpforwarding'], 'SSH-16': ['clientaliveinterval', 'clientalivecountmax'],
};

/** Addresses no admin source or peer uses (RFC 5737), standing for "anyone from elsewhere". */
const ELSEWHERE = '198.51.100.23';
const PROBE_USER = 'pvesec-probe';

interface Profile {
  rootLogin: RemedyInput['config']['root_login'];
  /** IP ring addresses of the cluster peers (empty on a standalone node). */
  peers: string[];
  allowUsers: string[];
  kex: string[];
  ciphers: string[];
  macs: string[];
  /** How the algorithm lists were limited: "what the node's `ssh -Q` lists (OpenSSH 9.2)". */
  algoBasis: string;
}

/** The drop-in for a set of controls. */
export function dropinText(controls: ReadonlySet<string>, p: Profile): string {
  const lines = [
    '# Managed by pvesec (pvesec plan / apply); rewritten by the next apply. Put local settings in another file.',
    '# Read before the other drop-ins and the rest of sshd_config: sshd keeps the first value of each keyword.',
  ];
  const on = (c: SshControl) => controls.has(c);
  if (on('SSH-01')) lines.push(`PermitRootLogin ${p.rootLogin === 'prohibit-password' ? 'prohibit-password' : 'no'}`);
  if (on('SSH-02')) lines.push('PasswordAuthentication no');
  if (on('SSH-03')) lines.push('KbdInteractiveAuthentication no');
  if (on('SSH-04')) lines.push('PubkeyAuthentication yes');
  if (on('SSH-05')) lines.push('PermitEmptyPasswords no');
  if (on('SSH-06')) lines.push(`AllowUsers ${p.allowUsers.join(' ')}`);
  if (on('SSH-07')) lines.push(`KexAlgorithms ${p.kex.join(',')}`);
  if (on('SSH-08')) lines.push(`Ciphers ${p.ciphers.join(',')}`);
  if (on('SSH-09')) lines.push(`MACs ${p.macs.join(',')}`);
  if (on('SSH-10')) lines.push('LoginGraceTime 30');
  if (on('SSH-11')) lines.push('MaxAuthTries 3');
  if (on('SSH-12')) lines.push('X11Forwarding no');
  if (on('SSH-13')) lines.push('AllowAgentForwarding no');
  if (on('SSH-14')) lines.push('AllowTcpForwarding no');
  if (on('SSH-16')) lines.push('ClientAliveInterval 300', 'ClientAliveCountMax 3');
  const peerRoot = on('SSH-01') && p.rootLogin === 'peers-only';
  // root between cluster nodes keeps key logins (peers-only) and its migration tunnels (SSH-14)
  if (p.peers.length && (peerRoot || on('SSH-14'))) {
    lines.push('', '# root from the other cluster nodes (corosync ring addresses)', `Match User root Address ${p.peers.join(',')}`);
    if (peerRoot) lines.push('    PermitRootLogin prohibit-password');
    if (on('SSH-14')) lines.push('    AllowTcpForwarding yes');
  }
  return lines.join('\n') + '\n';
}

/** A connection the proof and the validators ask about. */
interface Probe {
  label: string;
  ci: ConnectionInfo;
  spec: string;
  user: string;
  groups: string[];
  /** Must get in with a key (an admin, root from a peer). */
  mustEnter: boolean;
}

interface Analysis {
  ops: PlannedOp[];
  fixed: Set<string>;
  manual: Map<string, string>;
}

function analyse(input: RemedyInput): Analysis {
  const { ctx, config } = input;
  const targeted = new Set(SSH_REMEDY_CONTROLS.filter((c) => targetedControls(input).has(c)));
  const manual = new Map<string, string>();
  const refuseAll = (reason: string): Analysis => ({ ops: [], fixed: new Set(), manual: new Map([...targeted].map((c) => [c, reason])) });

  const state = ctx.get(sshdFact);
  if (!state.load || !state.files) return refuseAll(`/etc/ssh/sshd_config was not collected: pvesec cannot prove that its drop-in would win (${ctx.snapshot.whyMissing('/etc/ssh/sshd_config')})`);
  const present = ctx.snapshot.file(SSH_DROPIN);
  if (present?.stat?.type === 'symlink' || ctx.snapshot.errors.has(SSH_DROPIN)) return refuseAll(`${SSH_DROPIN} exists but is not a plain collected file (${ctx.snapshot.whyMissing(SSH_DROPIN)}): pvesec does not replace it`);

  const { admins, excluded } = adminPaths(ctx, config);
  if (!admins.length) {
    return refuseAll(`no declared admin who can log in with a key (${excluded.join('; ') || 'admin_users is empty'}): pvesec proves an admin gets in with a key before it restricts sshd; declare one in pvesec.yaml, e.g. admin_users: [{name: alice, authorized_keys: ["ssh-ed25519 AAAA… alice@laptop"]}]`);
  }

  // never loosen: a node refusing root everywhere keeps refusing it (only its peers get keys back)
  const rootNow = sshdValue(state, 'permitrootlogin')?.value;
  const rootLogin = config.root_login === 'prohibit-password' && rootNow === 'no' ? 'peers-only' : config.root_login;
  const peerAddrs = ctx.get(peersFact).flatMap((p) => p.addrs);
  const peers = [...new Set(peerAddrs.filter((a) => isIP(a)))];
  const clustered = peerAddrs.length > 0;
  if (targeted.has('SSH-01')) {
    if (rootLogin === 'no' && clustered) {
      manual.set('SSH-01', 'root_login: no would refuse root key logins between the cluster nodes (migration, replication and the web UI shell need them): use root_login: peers-only');
    } else if (rootLogin === 'peers-only' && peers.length < new Set(peerAddrs).size) {
      manual.set('SSH-01', `root_login: peers-only needs IP addresses, but corosync.conf names peers by host name (${peerAddrs.filter((a) => !isIP(a)).join(', ')}): Match Address takes addresses`);
    }
  }

  const versions: SshdVersion[] = state.load.versions;
  // what the node's own OpenSSH build lists (a distro may leave algorithms out), within what the sshd
  // model of its version accepts (the model checks the drop-in before the node's sshd -t does)
  const onNode = { kex: nodeAlgorithms(ctx, 'kex'), cipher: nodeAlgorithms(ctx, 'cipher'), mac: nodeAlgorithms(ctx, 'mac') };
  const supported = (kind: 'kex' | 'cipher' | 'mac', list: string[]) => list.filter((a) => versions.every((v) => ALGORITHMS[v].supported[kind].includes(a))
    && (typeof onNode[kind] === 'string' || (onNode[kind] as Set<string>).has(a)));
  const missing = Object.entries(onNode).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}: ${v}`);
  const declaredAdmins = new Set([...(ctx.tryGet(adminsFact)?.admins.map((a) => a.user.name) ?? []), ...admins.map((a) => a.name)]);
  const profile: Profile = {
    rootLogin,
    peers,
    allowUsers: ['root', ...[...declaredAdmins].sort()],
    kex: supported('kex', KEX_PROFILE),
    ciphers: supported('cipher', CIPHER_PROFILE),
    macs: supported('mac', MAC_PROFILE),
    algoBasis: missing.length
      ? `OpenSSH ${versions.join(' and ')} (pvesec's tables of \`ssh -Q\`; the node's own list unknown: ${missing.join('; ')})`
      : `what the node's \`ssh -Q\` lists (OpenSSH ${versions.join(' and ')})`,
  };
  const ALGO_CONTROLS: [SshControl, keyof typeof onNode, string[], string][] = [
    ['SSH-07', 'kex', profile.kex, 'key exchanges'], ['SSH-08', 'cipher', profile.ciphers, 'ciphers'], ['SSH-09', 'mac', profile.macs, 'MACs'],
  ];
  for (const [c, kind, list, what] of ALGO_CONTROLS) {
    if (!list.length && targeted.has(c)) {
      manual.set(c, `the node's sshd supports none of the ${what} of pvesec's profile (${(kind === 'kex' ? KEX_PROFILE : kind === 'cipher' ? CIPHER_PROFILE : MAC_PROFILE).join(', ')}) according to ${profile.algoBasis}: choose its ${what} by hand`);
    }
  }

  // the pvesec drop-in already there keeps what it sets
  const kept = present ? controlsSetBy(present.content.toString('utf8')) : new Set<SshControl>();
  let controls = new Set<SshControl>([...targeted, ...kept].filter((c) => !manual.has(c)));
  if (!controls.size) return { ops: [], fixed: new Set(), manual };

  const tree: Record<string, string> = {};
  for (const f of state.load.tree) tree[f.path] = f.content;
  const groupDb = groupsOf(ctx, admins);
  const port = dumpMap(tree, versions[0], groupDb, { test: true, lport: 0 })?.get('port')?.[0] ?? '22';
  const probes = probesFor(ctx, config, admins, peers, clustered, Number(port));

  // an admin shut out already is not the drop-in's doing, but pvesec will not restrict sshd over it;
  // root refused from peers today is what SSH-01 fixes, so only new refusals count for those
  const adminProbes = probes.filter((p) => p.user !== 'root');
  const before = accessProblems(tree, versions, groupDb, adminProbes);
  if (before.length) return refuseAll(`even today ${before.join('; ')}: fix that before pvesec restricts sshd`);
  const guarded = probes.filter((p) => p.user !== 'root' || !accessProblems(tree, versions, groupDb, [p]).length);

  let text = '';
  for (let round = 0; round < SSH_REMEDY_CONTROLS.length && controls.size; round++) {
    text = dropinText(controls, profile);
    const next = { ...tree, [SSH_DROPIN]: text };
    if (!includesDropin(next)) return refuseAll(`/etc/ssh/sshd_config does not Include ${SSH_DROPIN} (add "Include /etc/ssh/sshd_config.d/*.conf" at its top, as Debian ships it)`);
    const refused = versions.map((v) => testConfig({ files: next, groups: groupDb }, v)).find((r) => r.rc !== 0);
    if (refused) return refuseAll(`sshd would refuse the configuration with pvesec's drop-in: ${refused.fatal ?? refused.messages[0]?.text}`);
    const lockout = accessProblems(next, versions, groupDb, guarded);
    if (lockout.length) {
      // the lines that can refuse a login: find the one that does
      const culprit = (['SSH-06', 'SSH-01', 'SSH-04'] as SshControl[]).find((c) => controls.has(c)
        && !accessProblems({ ...tree, [SSH_DROPIN]: dropinText(without(controls, c), profile) }, versions, groupDb, guarded).length);
      if (!culprit) return refuseAll(`with pvesec's drop-in ${lockout.join('; ')}`);
      manual.set(culprit, `${displayLines(culprit)} would lock out: ${lockout.join('; ')}`);
      controls = without(controls, culprit);
      continue;
    }
    const after = simulatedFindings(ctx, text, next, versions.length === 1 ? versions[0] : '9.2', groupDb, controls);
    const failing = [...controls].filter((c) => targeted.has(c) && after.some((f) => f.id === c && f.status !== 'PASS'));
    if (!failing.length) break;
    for (const c of failing) {
      const msgs = after.filter((f) => f.id === c && f.status !== 'PASS').map((f) => `${f.status} ${f.message}`);
      manual.set(c, `pvesec's drop-in ${SSH_DROPIN} would not settle it (sshd keeps the first value of a keyword, and Match blocks override it for their connections); with the drop-in: ${msgs.join('; ')}`);
      controls = without(controls, c);
    }
  }
  const fixed = new Set([...controls].filter((c) => targeted.has(c)));
  if (!fixed.size) return { ops: [], fixed, manual };
  text = dropinText(controls, profile);
  return { ops: operations(text, controls, fixed, profile, { ...tree, [SSH_DROPIN]: text }, versions, groupDb, probes), fixed, manual };
}

/** The node's `ssh -Q KIND` as a set, or why it cannot be used (not collected, failed, not a list). */
function nodeAlgorithms(ctx: FactContext, kind: 'kex' | 'cipher' | 'mac'): Set<string> | string {
  const name = { kex: COMMANDS.sshQueryKex, cipher: COMMANDS.sshQueryCipher, mac: COMMANDS.sshQueryMac }[kind].name;
  const c = ctx.snapshot.command(name);
  if (!c) return ctx.snapshot.whyMissing(name);
  if (c.exitCode !== undefined && c.exitCode !== 0) return `${name} exited with ${c.exitCode}`;
  try {
    return new Set(parseSshQuery(c.output, name).value);
  } catch (e) {
    return (e as Error).message;
  }
}

function without<T>(set: Set<T>, x: T): Set<T> {
  const out = new Set(set);
  out.delete(x);
  return out;
}

function displayLines(c: SshControl): string {
  return c === 'SSH-06' ? 'AllowUsers' : c === 'SSH-01' ? 'PermitRootLogin' : 'PubkeyAuthentication';
}

/** The controls whose keywords a drop-in sets (the pvesec drop-in already on the node). */
function controlsSetBy(text: string): Set<SshControl> {
  const out = new Set<SshControl>();
  const words = new Set(text.split('\n').map((l) => l.trim().split(/[\s=]+/)[0]?.toLowerCase()).filter(Boolean));
  for (const c of SSH_REMEDY_CONTROLS) if (KEYS[c].some((k) => words.has(k))) out.add(c);
  return out;
}

function includesDropin(tree: Record<string, string>): boolean {
  const snap = new Snapshot({ kind: 'bundle', target: 'sshd-tree' });
  for (const [path, content] of Object.entries(tree)) snap.addFile({ path, content: Buffer.from(content) });
  const main = tree['/etc/ssh/sshd_config'];
  return main !== undefined && parseSshdConfig(main, '/etc/ssh/sshd_config', snapshotIncludeResolver(snap)).value.files.includes(SSH_DROPIN);
}

/** user -> groups for the model's Match Group: the node's accounts plus the admins the plan creates. */
function groupsOf(ctx: FactContext, admins: { name: string; groups: string[] }[]): (u: string) => readonly string[] | undefined {
  const acc = ctx.tryGet(accountsFact);
  const planned = new Map(admins.map((a) => [a.name, a.groups]));
  return (u) => planned.get(u) ?? acc?.byName.get(u)?.groups ?? (u === 'root' ? ['root'] : undefined);
}

/** One address standing for each admin source: the address itself, or the first host of a network. */
function sourceAddresses(ctx: FactContext, config: RemedyInput['config']): string[] {
  const ranges = config.admin_sources.length
    ? config.admin_sources.map((s) => parseIpRange(s)).filter((r) => typeof r !== 'string')
    : ctx.tryGet(adminSourcesFact)?.ranges ?? [];
  const out = ranges.map((r) => formatIp(r.family, r.to > r.from + 1n ? r.from + 1n : r.from));
  return [...new Set(out)].slice(0, 8);
}

function probesFor(ctx: FactContext, config: RemedyInput['config'], admins: { name: string; groups: string[] }[], peers: string[], clustered: boolean, port: number): Probe[] {
  const laddr = ctx.tryGet(nodeAddressFact)?.ip;
  const local = laddr ? { laddress: laddr, lport: port } : { lport: -1 };
  const localSpec = laddr ? `,laddr=${laddr},lport=${port}` : '';
  const probe = (user: string, groups: string[], addr: string | undefined, label: string, mustEnter: boolean): Probe => ({
    label, user, groups, mustEnter,
    ci: { test: true, user, ...(addr ? { host: addr, address: addr } : {}), ...local },
    spec: `user=${user}${addr ? `,host=${addr},addr=${addr}` : ''}${addr ? localSpec : ''}`,
  });
  const sources = sourceAddresses(ctx, config);
  const out: Probe[] = [];
  for (const a of admins) {
    if (!sources.length) out.push(probe(a.name, a.groups, undefined, a.name, true));
    for (const s of sources) out.push(probe(a.name, a.groups, s, `${a.name} from ${s}`, true));
  }
  for (const p of peers) out.push(probe('root', ['root'], p, `root from peer ${p}`, true));
  if (clustered && !peers.length) out.push(probe('root', ['root'], undefined, 'root', false));
  out.push(probe('root', ['root'], ELSEWHERE, `root from elsewhere (${ELSEWHERE})`, false));
  out.push(probe(PROBE_USER, [], ELSEWHERE, `another user from elsewhere (${ELSEWHERE})`, false));
  return out;
}

function dumpMap(tree: Record<string, string>, v: SshdVersion, groups: (u: string) => readonly string[] | undefined, ci: ConnectionInfo): Map<string, string[]> | undefined {
  const d = dumpConfig({ files: tree, groups }, v, ci);
  if (d.rc !== 0) return undefined;
  const m = new Map<string, string[]>();
  for (const [k, val] of d.lines) m.set(k, [...(m.get(k) ?? []), val]);
  return m;
}

const listValue = (key: string, values: string[] | undefined): SshdValue | undefined =>
  values?.length ? { key, value: values.join(' '), values, isDefault: false, origin: 'file', evidence: [] } : undefined;

/** Why a connection that must get in with a key would not, per the model's sshd -T -C. */
function accessProblems(tree: Record<string, string>, versions: SshdVersion[], groups: (u: string) => readonly string[] | undefined, probes: Probe[]): string[] {
  const out: string[] = [];
  for (const p of probes.filter((x) => x.mustEnter)) {
    for (const v of versions) {
      const d = dumpMap(tree, v, groups, p.ci);
      if (!d) {
        out.push(`sshd refuses the configuration for ${p.label}`);
        break;
      }
      const lists = { allowUsers: listValue('allowusers', d.get('allowusers')), allowGroups: listValue('allowgroups', d.get('allowgroups')), denyUsers: listValue('denyusers', d.get('denyusers')), denyGroups: listValue('denygroups', d.get('denygroups')) };
      const why: string[] = [];
      if (!sshdAdmits(lists, p.user, p.groups, p.ci.address)) why.push('AllowUsers/AllowGroups/DenyUsers/DenyGroups refuse it');
      if (d.get('pubkeyauthentication')?.[0] !== 'yes') why.push(`pubkeyauthentication ${d.get('pubkeyauthentication')?.[0]}`);
      const methods = d.get('authenticationmethods')?.[0] ?? 'any';
      if (methods !== 'any' && !methods.split(/\s+/).some((m) => m === 'publickey')) why.push(`authenticationmethods ${methods} needs more than a key`);
      const root = d.get('permitrootlogin')?.[0];
      if (p.user === 'root' && (root === 'no' || root === 'forced-commands-only')) why.push(`permitrootlogin ${root}`);
      if (why.length) {
        out.push(`${p.label} could not log in with a key (${why.join(', ')}${versions.length > 1 ? `, OpenSSH ${v}` : ''})`);
        break;
      }
    }
  }
  return out;
}

/** The checks of `controls` on this node with the drop-in added (the sshd model decides; stale sshd answers dropped). */
function simulatedFindings(ctx: FactContext, text: string, tree: Record<string, string>, version: SshdVersion, groups: (u: string) => readonly string[] | undefined, controls: ReadonlySet<string>): Finding[] {
  const old = ctx.snapshot;
  const snap = new Snapshot(old.origin);
  snap.meta = { ...old.meta };
  // the reduced status only when it says what the whole file said (parsed, with openssh-server in it)
  const sshd = ctx.tryGet(packagesFact)?.get('openssh-server') ? sshdPackageOnly(old.file(FILES.dpkgStatus)?.content ?? Buffer.alloc(0)) : undefined;
  for (const f of old.files.values()) snap.addFile(sshd && f.path === FILES.dpkgStatus ? { ...f, content: sshd } : f);
  for (const [d, st] of old.dirs) snap.addDir(d, st);
  for (const [k, v] of old.errors) if (k !== SSH_DROPIN) snap.errors.set(k, v);
  const stale = new Set<string>([COMMANDS.sshdEffective.name, COMMANDS.sshdTest.name, COMMANDS.sshdConnections.name]);
  for (const [k, c] of old.commands) if (!stale.has(k)) snap.commands.set(k, c);
  snap.addFile({ path: SSH_DROPIN, content: Buffer.from(text), stat: { mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root', type: 'file' } });
  // what the next collection will find: sshd -T and sshd -t of the new files (the model's, held to sshd)
  if (old.command(COMMANDS.sshdEffective.name)) {
    const dump = dumpConfig({ files: tree, groups }, version);
    snap.commands.set(COMMANDS.sshdEffective.name, { name: COMMANDS.sshdEffective.name, output: dump.lines.map(([k, v]) => `${k} ${v}`).join('\n') + '\n', exitCode: dump.rc });
  }
  const handle = { ...ctx.node, snapshot: snap };
  const nodes = ctx.cluster.nodes.map((n) => (n === ctx.node ? handle : n));
  const rep = ctx.cluster.representative === ctx.node ? handle : ctx.cluster.representative;
  const cluster = new ClusterModel(ctx.cluster.name, nodes, rep, ctx.cluster.clustered);
  const results = runChecks([cluster], sshChecks.filter((c) => controls.has(c.meta.id)), ctx.config, ctx.now)[0];
  return results.nodeFindings[nodes.indexOf(handle)].findings;
}

/**
 * dpkg's status reduced to the openssh-server entries: the only package the SSH checks read (its version
 * picks the sshd defaults), so the simulated audit does not parse the whole file again (a Proxmox node's
 * is a few MB). Found without decoding the file; undefined when none is spelt as dpkg writes it.
 */
export function sshdPackageOnly(status: Buffer): Buffer | undefined {
  const key = Buffer.from('Package: openssh-server\n');
  const parts: Buffer[] = [];
  for (let at = status.indexOf(key); at !== -1; at = status.indexOf(key, at + key.length)) {
    if (at > 0 && status[at - 1] !== 0x0a) continue;
    const before = status.lastIndexOf('\n\n', at);
    const stop = status.indexOf('\n\n', at);
    parts.push(status.subarray(before === -1 ? 0 : before + 2, stop === -1 ? status.length : stop + 1), Buffer.from('\n'));
  }
  return parts.length ? Buffer.concat(parts) : undefined;
}

function operations(
  text: string, controls: Set<SshControl>, fixed: Set<SshControl>, profile: Profile,
  tree: Record<string, string>, versions: SshdVersion[], groups: (u: string) => readonly string[] | undefined, probes: Probe[],
): PlannedOp[] {
  const ids = [...fixed];
  const settings = [...controls].flatMap((c) => KEYS[c]);
  const crypto = controls.has('SSH-07') || controls.has('SSH-08') || controls.has('SSH-09') ? `; algorithms limited to ${profile.algoBasis}` : '';
  const ops: PlannedOp[] = [{
    id: `write:${SSH_DROPIN}`, kind: 'write-file', phase: 'restrict', controls: ids, cutsAccess: true,
    path: SSH_DROPIN, content: text, mode: 0o644, owner: 'root', group: 'root',
    summary: `sshd drop-in: ${describe(controls, profile)}${crypto}`,
  }, {
    id: 'validate:sshd-t', kind: 'validate', phase: 'restrict', controls: ids, cutsAccess: false,
    argv: ['/usr/sbin/sshd', '-t'], why: 'sshd must load the new configuration, or the next restart leaves no sshd running',
    summary: 'sshd -t',
  }];
  // the values each connection gets, as the model prints them: the node's sshd must print the same
  // (when the version is unknown, the lines both versions print)
  for (const p of probes) {
    const dumps = versions.map((v) => dumpMap(tree, v, groups, p.ci));
    if (dumps.some((d) => !d)) continue;
    const keys = p.user === 'root' ? [...new Set([...settings, 'permitrootlogin', 'pubkeyauthentication'])] : settings;
    const linesOf = (d: Map<string, string[]>) => keys.flatMap((k) => (d.get(k) ?? []).map((val) => `${k} ${val}`));
    const expectOutput = linesOf(dumps[0]!).filter((l) => dumps.every((d) => linesOf(d!).includes(l)));
    ops.push({
      id: `validate:sshd-T-C:${p.spec}`, kind: 'validate', phase: 'restrict', controls: ids, cutsAccess: false,
      argv: ['/usr/sbin/sshd', '-T', '-C', p.spec], expectOutput,
      why: p.mustEnter ? `${p.label} must still log in with a key, with the hardened settings` : `${p.label} gets the hardened settings`,
      summary: `sshd -T -C ${p.spec}`,
    });
  }
  ops.push({
    id: 'service:ssh:reload-or-restart', kind: 'service', phase: 'restrict', controls: ids, cutsAccess: true,
    unit: 'ssh', action: 'reload-or-restart', summary: 'reload sshd (ssh.service)',
  });
  return ops;
}

function describe(controls: Set<SshControl>, p: Profile): string {
  const parts: string[] = [];
  if (controls.has('SSH-01')) parts.push(p.rootLogin === 'peers-only' ? `root login with keys from ${p.peers.length} peer address(es) only` : p.rootLogin === 'no' ? 'no root login' : 'root login with keys only');
  if (controls.has('SSH-02')) parts.push('password auth off');
  if (controls.has('SSH-03')) parts.push('keyboard-interactive off');
  if (controls.has('SSH-04')) parts.push('public keys on');
  if (controls.has('SSH-05')) parts.push('no empty passwords');
  if (controls.has('SSH-06')) parts.push(`AllowUsers ${p.allowUsers.join(' ')}`);
  if (controls.has('SSH-07') || controls.has('SSH-08') || controls.has('SSH-09')) parts.push('modern KEX/ciphers/MACs');
  if (controls.has('SSH-10')) parts.push('LoginGraceTime 30');
  if (controls.has('SSH-11')) parts.push('MaxAuthTries 3');
  if (controls.has('SSH-12') || controls.has('SSH-13') || controls.has('SSH-14')) parts.push('forwarding off');
  if (controls.has('SSH-16')) parts.push('idle sessions end');
  return parts.join(', ');
}

const analysisOf = sharedAnalysis('the sshd configuration of this node is not fully known', analyse);

function remedyFor(control: SshControl): Remedy {
  return {
    controls: [control],
    plan(input) {
      const a = analysisOf(input);
      const why = a.manual.get(control);
      if (why) throw new ManualOnly(why);
      return a.fixed.has(control) ? a.ops : [];
    },
  };
}

/** One remedy per SSH control; all return the same operations (one drop-in, its validators, one reload). */
export const sshRemedies: Remedy[] = SSH_REMEDY_CONTROLS.map(remedyFor);
