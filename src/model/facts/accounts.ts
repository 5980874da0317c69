import path from 'node:path';
import { FILES } from '../../collect/sources.js';
import { adminAccounts } from '../../config/admins.js';
import type { FileStat } from '../../collect/snapshot.js';
import type { Evidence } from '../../core/types.js';
import { parseAuthorizedKeys, type AuthorizedKey } from '../../parse/authorized-keys.js';
import type { Diagnostic } from '../../parse/diagnostics.js';
import { parseGroup, type GroupEntry } from '../../parse/group.js';
import { parsePasswd, shellKind, type ShellKind } from '../../parse/passwd.js';
import { parseShadow, type ShadowEntry } from '../../parse/shadow.js';
import { parseSudoers, sudoAllRule, type SudoRule, type Sudoers } from '../../parse/sudoers.js';
import { nodeFact, Unavailable, type FactContext } from '../fact.js';
import { sshdFact, sshdValue } from './ssh.js';

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  shellKind: ShellKind;
  /** Primary group name first, then supplementary groups from /etc/group. */
  groups: string[];
  line: number;
}

export interface HostAccounts {
  users: HostUser[];
  byName: Map<string, HostUser>;
  groups: GroupEntry[];
}

/** Login users of /etc/passwd with their groups from /etc/group. */
export const accountsFact = nodeFact<HostAccounts>('host.accounts', (ctx) => {
  const passwd = parsePasswd(ctx.requireFile(FILES.passwd), FILES.passwd).value;
  const groups = parseGroup(ctx.requireFile(FILES.group), FILES.group).value;
  const users = passwd.map((p): HostUser => {
    const primary = groups.find((g) => g.gid === p.gid)?.name;
    const supplementary = groups.filter((g) => g.members.includes(p.name)).map((g) => g.name);
    return {
      name: p.name, uid: p.uid, gid: p.gid, home: p.home, shell: p.shell, shellKind: shellKind(p.shell),
      groups: [...new Set([...(primary ? [primary] : []), ...supplementary])], line: p.line,
    };
  });
  return { users, byName: new Map(users.map((u) => [u.name, u])), groups };
});

/** /etc/sudoers with its includes, or Unavailable when it was not collected. */
export const sudoersFact = nodeFact<{ sudoers: Sudoers; diagnostics: Diagnostic[] }>('host.sudoers', (ctx) => {
  const text = ctx.requireFile(FILES.sudoers);
  const snap = ctx.snapshot;
  const parsed = parseSudoers(text, FILES.sudoers, {
    read: (p) => snap.file(p)?.content,
    list: (dir) => snap.listDir(dir).map((f) => ({ path: f.path, content: f.content })),
  });
  return { sudoers: parsed.value, diagnostics: parsed.diagnostics };
});

export interface Admin {
  user: HostUser;
  /** Why this user counts as an admin: group sudo line, sudoers rule, or the pvesec configuration. */
  evidence: Evidence[];
  sudoRule?: SudoRule;
  declared: boolean;
}

export interface AdminsResult {
  admins: Admin[];
  /** Why sudoers could not be read, when it could not (admins then come from group sudo only). */
  sudoersNote?: string;
}

/**
 * Admins: non-root host users in group sudo, or granted ALL as root by sudoers, plus the
 * operator's declared admin_users that exist as host users.
 */
export const adminsFact = nodeFact<AdminsResult>('host.admins', (ctx) => {
  const acc = ctx.get(accountsFact);
  let sudoers: Sudoers | undefined;
  let sudoersNote: string | undefined;
  try {
    sudoers = ctx.get(sudoersFact).sudoers;
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    sudoersNote = e.reason;
  }
  const sudoGroup = acc.groups.find((g) => g.name === 'sudo');
  const declared = new Set(adminAccounts(ctx.config).map((a) => a.name));
  const admins: Admin[] = [];
  for (const user of acc.users) {
    if (user.uid === 0) continue;
    const evidence: Evidence[] = [];
    if (sudoGroup && user.groups.includes('sudo')) {
      evidence.push({ source: FILES.group, line: sudoGroup.line, text: `sudo:x:${sudoGroup.gid}:${sudoGroup.members.join(',')}` });
    }
    const rule = sudoers ? sudoAllRule(sudoers.rules, user.name, user.groups) : undefined;
    if (rule) evidence.push({ source: rule.file, line: rule.line, text: rule.text });
    const isDeclared = declared.has(user.name);
    if (isDeclared) evidence.push({ source: 'pvesec config', text: `admin_users: ${user.name}` });
    if (evidence.length) admins.push({ user, evidence, sudoRule: rule, declared: isDeclared });
  }
  return { admins, sudoersNote };
});

export const shadowFact = nodeFact<ShadowEntry[]>('host.shadow', (ctx) => parseShadow(ctx.requireFile(FILES.shadow), FILES.shadow).value);

/** A collected authorized_keys file of a user. */
export interface KeyFile {
  path: string;
  stat?: FileStat;
  keys: AuthorizedKey[];
  diagnostics: Diagnostic[];
}

export interface UserSshState {
  user: HostUser;
  home?: FileStat;
  /** Whether the home directory (or anything in it) was collected at all. */
  homeSeen: boolean;
  sshDir?: FileStat;
  sshDirSeen: boolean;
  keyFiles: KeyFile[];
  /** Paths where sshd looks for keys (AuthorizedKeysFile, expanded). */
  keyPaths: string[];
  /** Why ~/.ssh or a key file could not be read (permission denied ...), as `path: reason`. */
  unreadable: string[];
}

/** Where sshd looks for a user's keys: AuthorizedKeysFile (%h, %u, %%; relative to home). */
export function authorizedKeysPaths(ctx: FactContext, user: HostUser): string[] {
  const state = ctx.tryGet(sshdFact);
  const spec = (state && sshdValue(state, 'authorizedkeysfile', { user: user.name, groups: user.groups })?.value) || '.ssh/authorized_keys .ssh/authorized_keys2';
  return spec.split(/\s+/).filter((p) => p && p !== 'none').map((p) => {
    const expanded = p.replace(/%(.)/g, (_, c: string) => (c === 'h' ? user.home : c === 'u' ? user.name : c === 'U' ? String(user.uid) : c === '%' ? '%' : ''));
    return expanded.startsWith('/') ? path.posix.normalize(expanded) : path.posix.join(user.home, expanded);
  });
}

function isCollectedKeyPath(p: string, home: string): boolean {
  return path.posix.dirname(p) === path.posix.join(home, '.ssh');
}

export function userSshState(ctx: FactContext, user: HostUser): UserSshState {
  const snap = ctx.snapshot;
  const sshDirPath = path.posix.join(user.home, '.ssh');
  const keyPaths = authorizedKeysPaths(ctx, user);
  const keyFiles: KeyFile[] = [];
  for (const p of keyPaths) {
    let f = snap.file(p);
    // On Proxmox VE /root/.ssh/authorized_keys is a symlink to /etc/pve/priv/authorized_keys.
    if (f?.stat?.type === 'symlink' && f.content.length === 0 && f.stat.linkTarget) {
      f = snap.file(path.posix.resolve(path.posix.dirname(p), f.stat.linkTarget)) ?? f;
    }
    if (!f && user.uid === 0 && p === path.posix.join(user.home, '.ssh/authorized_keys') && !snap.sawDir(path.posix.join(user.home, '.ssh'))) {
      f = snap.file(FILES.pveAuthorizedKeys);
    }
    if (!f) continue;
    let keys: AuthorizedKey[] = [];
    let diagnostics: Diagnostic[] = [];
    try {
      const parsed = parseAuthorizedKeys(f.content, f.path);
      keys = parsed.value;
      diagnostics = parsed.diagnostics;
    } catch (e) {
      diagnostics = [{ file: f.path, message: (e as Error).message, severity: 'error' }];
    }
    keyFiles.push({ path: f.path, stat: f.stat, keys, diagnostics });
  }
  return {
    user,
    home: snap.dirs.get(user.home),
    homeSeen: snap.sawDir(user.home),
    sshDir: snap.dirs.get(sshDirPath),
    sshDirSeen: snap.sawDir(sshDirPath),
    keyFiles,
    keyPaths,
    unreadable: [
      ...[sshDirPath, ...keyPaths].filter((p) => snap.errors.has(p)).map((p) => `${p}: ${snap.errors.get(p)}`),
      // The collector gathers ~/.ssh only; an AuthorizedKeysFile elsewhere (/etc/ssh/keys/%u) was not looked at.
      ...keyPaths.filter((p) => !snap.file(p) && !isCollectedKeyPath(p, user.home)).map((p) => `${p}: outside ${sshDirPath}, not collected`),
    ],
  };
}
