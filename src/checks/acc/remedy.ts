/**
 * Remedies of ACC-01/02/03/07: the declared admins of pvesec.yaml become working admin accounts (created
 * with their shell, sudo installed and granted through group sudo, ~/.ssh 0700 and authorized_keys 0600
 * holding their keys next to the keys already there), and accounts with an empty password get a locked one.
 *
 * One analysis serves the four remedies: an operation shared by several controls (create alice) is the
 * same object, with the same id, in the answer of each, and names every control it helps fix. A control
 * the operations cannot fix completely throws ManualOnly with why; its operations are then not offered.
 */
import path from 'node:path';
import { adminAccounts, type AdminAccount } from '../../config/admins.js';
import type { PublicKeyLine } from '../../config/admin-keys.js';
import type { Finding } from '../../core/types.js';
import { ManualOnly, sharedAnalysis, type PlannedOp, type Remedy, type RemedyInput } from '../../harden/plan-types.js';
import { Unavailable, type FactContext } from '../../model/fact.js';
import { accountsFact, adminsFact, authorizedKeysPaths, shadowFact, sudoersFact, type HostUser } from '../../model/facts/accounts.js';
import { isInstalled, packagesFact } from '../../model/facts/system-base.js';
import { parseAuthorizedKeys } from '../../parse/authorized-keys.js';
import { shellKind } from '../../parse/passwd.js';
import { sudoAllRule, type SudoRule } from '../../parse/sudoers.js';
import { octal } from './common.js';

export const ACC_REMEDY_CONTROLS = ['ACC-01', 'ACC-02', 'ACC-03', 'ACC-07'] as const;
type AccControl = (typeof ACC_REMEDY_CONTROLS)[number];

/** Where useradd -m puts a new home (HOME=/home of /etc/default/useradd on Debian). */
const HOME_BASE = '/home';
const DEFAULT_SHELL = '/bin/bash';

/** FAIL or WARN findings of this node (waived ones are NOTICE and do not count). */
export function targetedControls(input: RemedyInput): Set<string> {
  const node = input.ctx.node.name;
  const hit = (f: Finding) => (f.status === 'FAIL' || f.status === 'WARN') && (f.node === undefined || f.node === node);
  return new Set(input.findings.filter(hit).map((f) => f.id));
}

type Outcome = { ids: string[] } | { manual: string };

interface Analysis {
  ops: Map<string, PlannedOp>;
  outcome: Map<AccControl, Outcome>;
}

/** The operations that set up one declared admin, by id, in the order they run. */
interface AdminSetup {
  name: string;
  /** Ids of the operations that create the account and give it its keys. */
  ids: string[];
  /** Why this admin cannot be set up here (then ids is empty). */
  problem?: string;
  /** The account as it will be after the plan (existing, or the one create-user makes). */
  user: Pick<HostUser, 'name' | 'uid' | 'home' | 'shell' | 'groups'>;
  created: boolean;
  /** Whether the account will be able to log in (uid >= 1000, a shell). */
  login: boolean;
  /** Whether it will have a key: declared in pvesec.yaml or already in its authorized_keys. */
  keyed: boolean;
}

class OpTable {
  readonly ops = new Map<string, PlannedOp>();
  add(op: PlannedOp): string {
    if (!this.ops.has(op.id)) this.ops.set(op.id, op);
    return op.id;
  }
}

function analyse(input: RemedyInput): Analysis {
  const { ctx } = input;
  const targeted = targetedControls(input);
  const table = new OpTable();
  const outcome = new Map<AccControl, Outcome>();
  const acc = ctx.get(accountsFact);
  const groupName = (gid: number) => acc.groups.find((g) => g.gid === gid)?.name ?? String(gid);
  const declared = adminAccounts(input.config);

  const setups = new Map<string, AdminSetup>();
  for (const d of declared) setups.set(d.name, setupAdmin(ctx, table, d, acc.byName.get(d.name), groupName));

  if (targeted.has('ACC-01')) outcome.set('ACC-01', planSudo(ctx, table, [...setups.values()], acc.groups.some((g) => g.name === 'sudo')));
  if (targeted.has('ACC-02')) outcome.set('ACC-02', planShells(ctx, table, declared));
  if (targeted.has('ACC-03')) outcome.set('ACC-03', planKeys(ctx, table, setups, groupName));
  if (targeted.has('ACC-07')) outcome.set('ACC-07', planLocks(ctx, table, new Set([...setups.keys()])));

  // every operation names the controls it fixes (only those fixed completely)
  const ops = new Map<string, PlannedOp>();
  for (const [id, op] of table.ops) {
    const controls = ACC_REMEDY_CONTROLS.filter((c) => {
      const o = outcome.get(c);
      return o && 'ids' in o && o.ids.includes(id);
    });
    if (controls.length) ops.set(id, { ...op, controls });
  }
  return { ops, outcome };
}

/** create-user (when absent), ~/.ssh and authorized_keys for a declared admin with keys. */
function setupAdmin(ctx: FactContext, table: OpTable, d: AdminAccount, existing: HostUser | undefined, groupName: (gid: number) => string): AdminSetup {
  if (existing) {
    const login = existing.uid >= 1000 && existing.uid !== 65534 && existing.shellKind !== 'nologin';
    const setup: AdminSetup = { name: d.name, ids: [], user: existing, created: false, login, keyed: d.keys.length > 0 || hasKeys(ctx, existing) };
    if (existing.uid === 0) return { ...setup, login: false, problem: `${d.name} has uid 0: it is root, not a personal account` };
    if (!d.keys.length) return setup;
    const keys = keyOps(ctx, table, existing, groupName(existing.gid), d.keys);
    if ('manual' in keys) return { ...setup, problem: keys.manual };
    return { ...setup, ids: keys.ids };
  }
  const home = path.posix.join(HOME_BASE, d.name);
  const user = { name: d.name, uid: 1000, home, shell: d.shell ?? DEFAULT_SHELL, groups: [d.name] };
  const base: AdminSetup = { name: d.name, ids: [], user, created: true, login: true, keyed: d.keys.length > 0 };
  if (!d.keys.length) {
    return { ...base, login: false, problem: `${d.name} is not an account on this node and pvesec.yaml declares no authorized_keys for it (declare it as {name: ${d.name}, authorized_keys: ["ssh-ed25519 AAAA… ${d.name}@laptop"]})` };
  }
  if (ctx.snapshot.sawDir(home) || ctx.snapshot.file(home)) {
    return { ...base, login: false, problem: `${home} exists but ${d.name} is not in /etc/passwd: pvesec does not create an account over a left-over home` };
  }
  const create = table.add({
    id: `create-user:${d.name}`, kind: 'create-user', phase: 'admin', controls: [], cutsAccess: false,
    user: d.name, shell: user.shell,
    summary: `create ${d.name} (${user.shell}, home ${home}; no password: set one with \`passwd ${d.name}\` for sudo)`,
  });
  const keys = keyOps(ctx, table, { ...user, uid: -1 }, d.name, d.keys);
  if ('manual' in keys) return { ...base, login: false, problem: keys.manual, ids: [] };
  return { ...base, ids: [create, ...keys.ids] };
}

const KEYS_HINT = (name: string) => `declare its keys in pvesec.yaml: admin_users: [{name: ${name}, authorized_keys: ["ssh-ed25519 AAAA… ${name}@laptop"]}]`;

/**
 * ~/.ssh 0700 and the first AuthorizedKeysFile 0600, owned by the user, with the declared keys added
 * to the keys already there. uid -1: an account the plan creates (nothing of it exists yet).
 */
function keyOps(
  ctx: FactContext, table: OpTable, user: Pick<HostUser, 'name' | 'uid' | 'home' | 'shell' | 'groups'>, group: string,
  declared: PublicKeyLine[],
): { ids: string[] } | { manual: string } {
  const snap = ctx.snapshot;
  const fresh = user.uid === -1;
  const sshDir = path.posix.join(user.home, '.ssh');
  const target = authorizedKeysPaths(ctx, { ...user, uid: Math.max(user.uid, 0), gid: 0, shellKind: shellKind(user.shell), line: 0 })[0];
  if (!target || path.posix.dirname(target) !== sshDir) {
    return { manual: `sshd reads ${user.name}'s keys from ${target ?? 'nowhere (AuthorizedKeysFile none)'}, not from ${sshDir}: pvesec only writes ~/.ssh/authorized_keys` };
  }
  const ids: string[] = [];
  if (!fresh) {
    const link = linkOf(ctx, sshDir) ?? linkOf(ctx, target);
    if (link) return { manual: `${link.path} is a symbolic link to ${link.target}: pvesec never writes through or replaces a link; add the keys there by hand` };
    for (const p of [sshDir, target]) {
      const err = snap.errors.get(p);
      if (err) return { manual: `${p}: ${err}: the keys already there were not seen, so pvesec will not rewrite the file` };
    }
    if (!snap.sawDir(user.home)) return { manual: `${user.home} was not collected (${snap.whyMissing(user.home)}): the keys already there are unknown` };
  }
  const dirStat = fresh ? undefined : snap.dirs.get(sshDir);
  const existing = fresh ? undefined : snap.file(target);
  const dirOk = dirStat && (dirStat.mode & 0o077) === 0 && dirStat.uid === user.uid;
  const cutsAccess = !fresh;
  if (!dirOk) {
    ids.push(table.add({
      id: `make-dir:${sshDir}`, kind: 'make-dir', phase: 'admin', controls: [], cutsAccess,
      path: sshDir, mode: 0o700, owner: user.name, group,
      summary: dirStat ? `${sshDir}: ${octal(dirStat.mode)} uid ${dirStat.uid} -> 0700 ${user.name}` : `create ${sshDir} 0700 ${user.name}`,
    }));
  }
  const text = existing ? existing.content.toString('utf8') : '';
  const have = new Set(existing ? parseAuthorizedKeys(text, target).value.map((k) => k.fingerprint) : []);
  const missing = declared.filter((k) => !have.has(k.fingerprint));
  const fileOk = existing?.stat && (existing.stat.mode & 0o177) === 0 && existing.stat.uid === user.uid;
  if (missing.length || (existing && !fileOk)) {
    const lines = missing.map((k) => `${k.type} ${k.blob}${k.comment ? ` ${k.comment}` : ''}\n`).join('');
    const content = text && !text.endsWith('\n') ? `${text}\n${lines}` : text + lines;
    const kept = existing ? parseAuthorizedKeys(text, target).value.length : 0;
    ids.push(table.add({
      id: `write:${target}`, kind: 'write-file', phase: 'admin', controls: [], cutsAccess,
      path: target, content, mode: 0o600, owner: user.name, group,
      summary: `${target}: ${missing.length ? `add ${missing.map((k) => k.comment || k.fingerprint).join(', ')}` : 'no new key'}${kept ? `, keep ${kept} key(s) already there` : ''}; 0600 ${user.name}`,
    }));
  }
  return { ids };
}

/** A collected symbolic link at p (file or directory entry), with where it points. */
function linkOf(ctx: FactContext, p: string): { path: string; target: string } | undefined {
  const f = ctx.snapshot.file(p);
  const stat = f?.stat ?? ctx.snapshot.dirs.get(p);
  if (stat?.type === 'symlink') return { path: p, target: stat.linkTarget ?? '(unknown)' };
  const err = ctx.snapshot.errors.get(p);
  const m = err ? /^symbolic link to (.*?) \(/.exec(err) : null;
  return m ? { path: p, target: m[1] } : undefined;
}

/** ACC-01: sudo installed, and every usable declared admin able to run ALL through group sudo. */
function planSudo(ctx: FactContext, table: OpTable, setups: AdminSetup[], sudoGroup: boolean): Outcome {
  const installed = isInstalled(ctx.get(packagesFact), 'sudo');
  let rules: SudoRule[] | undefined;
  if (installed) {
    try {
      rules = ctx.get(sudoersFact).sudoers.rules;
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      return { manual: `sudoers could not be read (${e.reason}): pvesec cannot tell whether group sudo grants ALL` };
    }
  }
  // Debian's sudo package installs /etc/sudoers with "%sudo ALL=(ALL:ALL) ALL"
  const grants = (name: string, groups: string[]) => (rules ? sudoAllRule(rules, name, groups) !== undefined : groups.includes('sudo'));
  const usable = setups.filter((s) => !s.problem && s.login && s.keyed);
  if (!usable.length) {
    const why = setups.map((s) => s.problem ?? (s.login ? `${s.name} has no authorized key and pvesec.yaml declares none (${KEYS_HINT(s.name)})` : `${s.name} cannot log in (uid ${s.user.uid}, shell ${s.user.shell})`));
    if (!why.length) return { manual: 'no admin is declared in pvesec.yaml: declare one with its keys, e.g. admin_users: [{name: alice, authorized_keys: ["ssh-ed25519 AAAA… alice@laptop"]}]' };
    return { manual: `no declared admin to make a sudo admin: ${why.join('; ')}` };
  }
  const ids: string[] = [];
  if (!installed) {
    ids.push(table.add({ id: 'install:sudo', kind: 'install-packages', phase: 'packages', controls: [], cutsAccess: false, packages: ['sudo'], summary: 'install sudo' }));
  }
  for (const s of usable) {
    ids.push(...s.ids.filter((id) => id.startsWith('create-user:')));
    if (grants(s.name, s.user.groups)) continue;
    if (!grants(s.name, [...s.user.groups, 'sudo'])) {
      return { manual: `sudoers grants group sudo no ALL rule: ${s.name} would not become an admin by joining it; add a rule with visudo` };
    }
    if (!sudoGroup) return { manual: 'there is no group sudo in /etc/group' };
    ids.push(table.add({
      id: `add-to-group:${s.name}:sudo`, kind: 'add-to-group', phase: 'admin', controls: [], cutsAccess: false,
      user: s.name, group: 'sudo', summary: `add ${s.name} to group sudo`,
    }));
  }
  // the accounts created here come with their keys: an admin who cannot log in is no admin
  for (const s of usable) ids.push(...s.ids);
  return { ids: [...new Set(ids)] };
}

/**
 * ACC-02: a declared admin with a minimal or no-login shell gets the shell pvesec.yaml gives it (default
 * /bin/bash) with usermod -s; the node refuses a shell its /etc/shells does not list. Admins that are
 * only found on the node (group sudo, sudoers) are not pvesec's to change: manual.
 */
function planShells(ctx: FactContext, table: OpTable, declared: AdminAccount[]): Outcome {
  const bad = ctx.get(adminsFact).admins.filter((a) => a.user.shellKind !== 'full');
  const ids: string[] = [];
  const manual: string[] = [];
  for (const a of bad) {
    const u = a.user;
    const now = u.shell || 'empty';
    const d = declared.find((x) => x.name === u.name);
    if (!d) {
      manual.push(`${u.name} is an admin on this node but not declared in pvesec.yaml admin_users, so pvesec leaves its shell alone: chsh -s /bin/bash ${u.name} (now ${now})`);
      continue;
    }
    const shell = d.shell ?? DEFAULT_SHELL;
    if (shellKind(shell) !== 'full') {
      manual.push(`pvesec.yaml declares ${shell} as the shell of ${u.name}, which is not a full login shell: declare e.g. shell: /bin/bash`);
      continue;
    }
    ids.push(table.add({
      id: `change-shell:${u.name}`, kind: 'change-shell', phase: 'admin', controls: [],
      // an admin who logs in with /bin/sh today could be cut off by a shell that does not work; nologin cannot
      cutsAccess: u.shellKind === 'minimal',
      user: u.name, shell, summary: `login shell of ${u.name}: ${now} -> ${shell} (usermod -s; must be listed in /etc/shells)`,
    }));
  }
  if (manual.length) return { manual: manual.join('; ') };
  return { ids };
}

/** ACC-03: every admin (found on the node, or created by this plan) ends up with a key and strict modes. */
function planKeys(ctx: FactContext, table: OpTable, setups: Map<string, AdminSetup>, groupName: (gid: number) => string): Outcome {
  const ids: string[] = [];
  const manual: string[] = [];
  for (const a of ctx.get(adminsFact).admins) {
    const u = a.user;
    const setup = setups.get(u.name);
    if (setup?.problem) {
      manual.push(setup.problem);
      continue;
    }
    const home = ctx.snapshot.dirs.get(u.home);
    if (!ctx.snapshot.sawDir(u.home)) {
      manual.push(`${u.name}: ${ctx.snapshot.whyMissing(u.home)}`);
      continue;
    }
    if (home && home.mode & 0o022) {
      if (home.uid !== u.uid || home.type === 'symlink') {
        manual.push(`${u.home} is group/world-writable (${octal(home.mode)}) and not owned by ${u.name}: chmod go-w ${u.home}`);
        continue;
      }
      ids.push(table.add({
        id: `make-dir:${u.home}`, kind: 'make-dir', phase: 'admin', controls: [], cutsAccess: false,
        path: u.home, mode: home.mode & 0o7755, owner: u.name, group: groupName(u.gid),
        summary: `${u.home}: ${octal(home.mode)} -> ${octal(home.mode & 0o7755)} (not group/world-writable)`,
      }));
    }
    // keys the admin has already (any file sshd reads), or the declared ones
    const declaredKeys = setup ? adminAccounts(ctx.config).find((d) => d.name === u.name)?.keys ?? [] : [];
    const target = keyOps(ctx, table, u, groupName(u.gid), declaredKeys);
    if ('manual' in target) {
      manual.push(target.manual);
      continue;
    }
    ids.push(...target.ids);
    const others = extraKeyFiles(ctx, table, u, groupName(u.gid));
    if ('manual' in others) {
      manual.push(others.manual);
      continue;
    }
    ids.push(...others.ids);
    if (!declaredKeys.length && !hasKeys(ctx, u)) {
      manual.push(`${u.name} has no authorized key and pvesec.yaml declares none: ${KEYS_HINT(u.name)}`);
    }
  }
  for (const s of setups.values()) if (s.created && !s.problem) ids.push(...s.ids);
  if (manual.length) return { manual: manual.join('; ') };
  return { ids: [...new Set(ids)] };
}

/** Key files sshd reads besides the first (authorized_keys2) with loose modes: same content, 0600. */
function extraKeyFiles(ctx: FactContext, table: OpTable, u: HostUser, group: string): { ids: string[] } | { manual: string } {
  const ids: string[] = [];
  for (const p of authorizedKeysPaths(ctx, u).slice(1)) {
    const f = ctx.snapshot.file(p);
    if (!f?.stat) continue;
    if (f.stat.type === 'symlink') return { manual: `${p} is a symbolic link to ${f.stat.linkTarget ?? '(unknown)'}: pvesec never writes through or replaces a link` };
    if ((f.stat.mode & 0o177) === 0 && f.stat.uid === u.uid) continue;
    ids.push(table.add({
      id: `write:${p}`, kind: 'write-file', phase: 'admin', controls: [], cutsAccess: true,
      path: p, content: f.content.toString('utf8'), mode: 0o600, owner: u.name, group,
      summary: `${p}: ${octal(f.stat.mode)} uid ${f.stat.uid} -> 0600 ${u.name} (content unchanged)`,
    }));
  }
  return { ids };
}

function hasKeys(ctx: FactContext, u: HostUser): boolean {
  return authorizedKeysPaths(ctx, u).some((p) => {
    const f = ctx.snapshot.file(p);
    return f !== undefined && f.stat?.type !== 'symlink' && parseAuthorizedKeys(f.content, p).value.length > 0;
  });
}

/** ACC-07: passwd -l for every account with an empty password field; root is left to a human. */
function planLocks(ctx: FactContext, table: OpTable, declared: Set<string>): Outcome {
  const empty = ctx.get(shadowFact).filter((e) => e.state === 'empty');
  if (empty.some((e) => e.name === 'root')) {
    return { manual: 'root has an empty password: set one with `passwd root` (locking it would also lock root@pam out of the Proxmox web UI)' };
  }
  const admins = new Set([...declared, ...(ctx.tryGet(adminsFact)?.admins.map((a) => a.user.name) ?? [])]);
  return {
    ids: empty.map((e) => table.add({
      id: `lock-password:${e.name}`, kind: 'lock-password', phase: 'admin', controls: [], cutsAccess: admins.has(e.name),
      user: e.name, summary: `lock the empty password of ${e.name} (passwd -l ${e.name})`,
    })),
  };
}

/** A declared admin who can log in with a key once the ACC remedies ran: the admin path of the SSH remedy. */
export interface AdminPath {
  name: string;
  /** Its groups after the plan (a created admin: its own group and sudo). */
  groups: string[];
  created: boolean;
}

/** The declared admins that exist (or will be created) with a key, with why the others do not count. */
export function adminPaths(ctx: FactContext, config: RemedyInput['config']): { admins: AdminPath[]; excluded: string[] } {
  const acc = ctx.get(accountsFact);
  const table = new OpTable();
  const groupName = (gid: number) => acc.groups.find((g) => g.gid === gid)?.name ?? String(gid);
  const admins: AdminPath[] = [];
  const excluded: string[] = [];
  for (const d of adminAccounts(config)) {
    const s = setupAdmin(ctx, table, d, acc.byName.get(d.name), groupName);
    if (s.problem) excluded.push(s.problem);
    else if (!s.login) excluded.push(`${s.name} cannot log in (uid ${s.user.uid}, shell ${s.user.shell})`);
    else if (!s.keyed) excluded.push(`${s.name} has no authorized key and pvesec.yaml declares none`);
    else admins.push({ name: s.name, groups: s.created ? [s.name, 'sudo'] : s.user.groups, created: s.created });
  }
  return { admins, excluded };
}

const analysisOf = sharedAnalysis('the accounts of this node are not fully known', analyse);

function remedyFor(control: AccControl): Remedy {
  return {
    controls: [control],
    plan(input) {
      const { ops, outcome } = analysisOf(input);
      const o = outcome.get(control);
      if (!o) return [];
      if ('manual' in o) throw new ManualOnly(o.manual);
      const mine = [...ops.values()].filter((op) => op.controls.includes(control));
      if (!mine.length) throw new ManualOnly('pvesec found nothing it knows how to change for this control on this node');
      return mine;
    },
  };
}

/** One remedy per control (ACC-01, ACC-02, ACC-03, ACC-07); operations shared between them have the same id. */
export const accRemedies: Remedy[] = ACC_REMEDY_CONTROLS.map(remedyFor);
