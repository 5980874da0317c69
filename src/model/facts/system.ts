import path from 'node:path';
import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Snapshot } from '../../collect/snapshot.js';
import { nodeFact, Unavailable, type FactContext } from '../fact.js';
import { packagesFact } from './system-base.js';
import {
  byteOrder, fail2banReadOrder, parseFail2banIni, resolveFail2ban, resolveFilterRegexes, splitFilterSpec, type Fail2banJail,
} from '../../parse/fail2ban.js';
import { parseAptSourceFile, type AptSource } from '../../parse/apt-sources.js';
import { AptConfig, aptReadsPart, parseAptConf } from '../../parse/apt-conf.js';
import { parseAptUpgradable } from '../../parse/apt-upgradable.js';
import { parseSysctlA, parseSysctlConf, type SysctlSetting } from '../../parse/sysctl.js';
import { parseFindmnt } from '../../parse/mounts.js';
import { parseAuditRules, type AuditRules } from '../../parse/audit-rules.js';
import { parseRsyslogConf, type LogForward } from '../../parse/rsyslog.js';
import { parseJournalUploadConf } from '../../parse/journal-upload.js';
import { parseSyslogNgConf, type SyslogNgNetworkDestination } from '../../parse/syslog-ng.js';
import { parseAuthLog } from '../../parse/auth-log.js';
import type { Diagnostic } from '../../parse/diagnostics.js';

const F2B = '/etc/fail2ban';

/**
 * Debian's paths-common.conf and paths-debian.conf (the values jail.conf interpolates), used when the
 * node's own copies were not collected: they are package files, identical on every Debian node.
 */
const PATHS_COMMON = `[INCLUDES]
after = paths-overrides.local
[DEFAULT]
default_backend = auto
sshd_log = %(syslog_authpriv)s
sshd_backend = %(default_backend)s
dropbear_log = %(syslog_authpriv)s
dropbear_backend = %(default_backend)s
syslog_daemon =
syslog_ftp =
syslog_local0 =
syslog_mail_warn =
syslog_user =
syslog_backend = %(default_backend)s
apache_error_log = /var/log/apache2/*error.log
nginx_error_log = /var/log/nginx/*error.log
auditd_log = /var/log/audit/audit.log
`;
const PATHS_DEBIAN = `[INCLUDES]
before = paths-common.conf
after = paths-overrides.local
[DEFAULT]
syslog_mail = /var/log/mail.log
syslog_mail_warn = %(syslog_mail)s
syslog_authpriv = /var/log/auth.log
syslog_user = /var/log/user.log
syslog_ftp = /var/log/syslog
syslog_daemon = /var/log/daemon.log
syslog_local0 = /var/log/messages
`;

interface SourceFile { path: string; content: string }

/** A file and the files its [INCLUDES] before/after pull in, in fail2ban's order. */
function withIncludes(snapshot: Snapshot, file: SourceFile, dir: string, seen: Set<string>, fallback: Record<string, string>): SourceFile[] {
  if (seen.has(file.path)) return [];
  seen.add(file.path);
  let includes: { before: string[]; after: string[] } = { before: [], after: [] };
  try {
    const inc = parseFail2banIni(file.content, file.path).value.get('INCLUDES');
    const split = (v?: string) => (v ?? '').split(/\s+/).filter(Boolean);
    includes = { before: split(inc?.get('before')?.value), after: split(inc?.get('after')?.value) };
  } catch {
    // unreadable file: resolveFail2ban reports it
  }
  const load = (name: string): SourceFile[] => {
    const p = path.posix.resolve(dir, name);
    const text = snapshot.text(p) ?? fallback[p];
    return text === undefined ? [] : withIncludes(snapshot, { path: p, content: text }, dir, seen, fallback);
  };
  return [...includes.before.flatMap(load), file, ...includes.after.flatMap(load)];
}

export interface Fail2banModel {
  jails: Fail2banJail[];
  diagnostics: Diagnostic[];
  /** failregex lines of a filter (filter.d/<name>.conf + .local), with jail-supplied options. */
  failregex(filter: string): string[];
}

/** The effective fail2ban jails (jail.conf, jail.d/*.conf, jail.local, jail.d/*.local, with includes). */
export const fail2banFact = nodeFact<Fail2banModel>('fail2ban.jails', (ctx) => {
  const s = ctx.snapshot;
  if (!s.file(FILES.fail2banJailConf) && !s.file(FILES.fail2banJailLocal) && !s.sawDir(FILES.fail2banJailDir)) {
    throw new Unavailable(s.whyMissing(FILES.fail2banJailConf));
  }
  const candidates = [...s.files.keys()].filter((p) => p.startsWith(F2B + '/jail'));
  const fallback: Record<string, string> = {
    [`${F2B}/paths-debian.conf`]: PATHS_DEBIAN,
    [`${F2B}/paths-common.conf`]: PATHS_COMMON,
  };
  const seen = new Set<string>();
  const files = fail2banReadOrder(candidates, `${F2B}/jail`)
    .flatMap((p) => withIncludes(s, { path: p, content: s.text(p)! }, F2B, seen, fallback));
  const { value, diagnostics } = resolveFail2ban(files);
  const filterDir = FILES.fail2banFilterDir;
  return {
    jails: value.jails,
    diagnostics,
    failregex(spec: string) {
      const { name, options } = splitFilterSpec(spec);
      const fseen = new Set<string>();
      const ffiles = [`${filterDir}/${name}.conf`, `${filterDir}/${name}.local`]
        .filter((p) => s.file(p))
        .flatMap((p) => withIncludes(s, { path: p, content: s.text(p)! }, filterDir, fseen, {}));
      try {
        return resolveFilterRegexes(ffiles, options).value;
      } catch {
        return [];
      }
    },
  };
});

/** Every repository entry from /etc/apt/sources.list and sources.list.d/*.list|*.sources. */
export const aptSourcesFact = nodeFact<AptSource[]>('apt.sources', (ctx) => {
  const s = ctx.snapshot;
  const main = s.file(FILES.aptSourcesList);
  if (!main && !s.sawDir(FILES.aptSourcesDir)) throw new Unavailable(s.whyMissing(FILES.aptSourcesDir));
  const out: AptSource[] = [];
  if (main) out.push(...parseAptSourceFile(main.content, FILES.aptSourcesList).value);
  for (const f of s.listDir(FILES.aptSourcesDir, (n) => /^[A-Za-z0-9_.-]+\.(list|sources)$/.test(n))) {
    out.push(...parseAptSourceFile(f.content, f.path).value);
  }
  return out;
});

/** The APT configuration from /etc/apt/apt.conf.d (files APT reads, in lexical order), then /etc/apt/apt.conf. */
export const aptConfigFact = nodeFact<AptConfig>('apt.config', (ctx) => {
  const s = ctx.snapshot;
  if (!s.sawDir(FILES.aptConfDir)) throw new Unavailable(s.whyMissing(FILES.aptConfDir));
  const cfg = new AptConfig();
  for (const f of s.listDir(FILES.aptConfDir, aptReadsPart)) cfg.apply(parseAptConf(f.content, f.path).value);
  const main = s.file('/etc/apt/apt.conf');
  if (main) cfg.apply(parseAptConf(main.content, main.path).value);
  return cfg;
});

export const aptUpgradableFact = nodeFact('apt.upgradable', (ctx) => {
  const c = ctx.requireCommand(COMMANDS.aptUpgradable.name);
  if (c.exitCode !== undefined && c.exitCode !== 0) {
    throw new Unavailable(`${COMMANDS.aptUpgradable.name} failed (exit code ${c.exitCode})`);
  }
  return parseAptUpgradable(c.output, COMMANDS.aptUpgradable.name).value;
});

/** Live kernel parameters (`sysctl -a`). */
export const sysctlLiveFact = nodeFact('sysctl.live', (ctx) =>
  parseSysctlA(ctx.requireCommand(COMMANDS.sysctl.name).output, COMMANDS.sysctl.name).value);

/**
 * Persisted kernel parameters in systemd-sysctl order: /etc/sysctl.d/*.conf sorted by file name,
 * /etc/sysctl.conf read as 99-sysctl.conf (unless /etc/sysctl.d/99-sysctl.conf, its usual symlink,
 * was collected). Later settings win.
 */
export const sysctlPersistedFact = nodeFact<SysctlSetting[]>('sysctl.persisted', (ctx) => {
  const s = ctx.snapshot;
  const main = s.file(FILES.sysctlConf);
  if (!main && !s.sawDir(FILES.sysctlDir)) {
    // a pvesec collection records unreadable paths as errors, so absence means nothing is persisted;
    // a plain tarball of unknown origin proves nothing
    const err = [FILES.sysctlDir, FILES.sysctlConf].find((p) => s.errors.has(p));
    if (err) throw new Unavailable(s.whyMissing(err));
    if (s.meta.privilege === 'unknown') throw new Unavailable(`neither ${FILES.sysctlConf} nor ${FILES.sysctlDir} was collected`);
    return [];
  }
  const files = s.listDir(FILES.sysctlDir, (n) => n.endsWith('.conf')).map((f) => ({ name: path.posix.basename(f.path), file: f }));
  if (main && !files.some((f) => f.name === '99-sysctl.conf')) files.push({ name: '99-sysctl.conf', file: main });
  files.sort((a, b) => byteOrder(a.name, b.name));
  return files.flatMap((f) => parseSysctlConf(f.file.content, f.file.path).value);
});

export const mountsFact = nodeFact('mounts', (ctx) =>
  parseFindmnt(ctx.requireCommand(COMMANDS.mounts.name).output, COMMANDS.mounts.name).value);

/** Audit rules loaded in the kernel (`auditctl -l`). */
export const auditRulesLiveFact = nodeFact<AuditRules>('audit.rules.live', (ctx) => {
  const c = ctx.requireCommand(COMMANDS.auditRules.name);
  if (c.exitCode !== undefined && c.exitCode !== 0) {
    throw new Unavailable(`${COMMANDS.auditRules.name} failed (exit code ${c.exitCode}): ${c.output.split('\n')[0].slice(0, 120)}`);
  }
  return parseAuditRules(c.output, COMMANDS.auditRules.name).value;
});

/** Audit rules loaded at boot: /etc/audit/rules.d/*.rules in order, as augenrules merges them (else audit.rules). */
export const auditRulesPersistedFact = nodeFact<AuditRules>('audit.rules.persisted', (ctx) => {
  const s = ctx.snapshot;
  const parts = s.listDir(FILES.auditRulesDir, (n) => n.endsWith('.rules'));
  const files = parts.length ? parts : [s.file(FILES.auditRules)].filter((f) => f !== undefined);
  if (!files.length) throw new Unavailable(s.whyMissing(FILES.auditRulesDir));
  let acc: AuditRules = { rules: [], immutable: false, empty: false };
  for (const f of files) {
    // augenrules hoists -D to the top of the merged file: a "-D" in a later part deletes nothing
    const text = f.content.toString('utf8').replace(/^[ \t]*-D[ \t]*$/gm, '');
    const r = parseAuditRules(text, f.path, acc.rules).value;
    acc = { rules: r.rules, immutable: acc.immutable || r.immutable, empty: false };
  }
  return acc;
});

/** Minimal shell-style glob match of a full path (only `*` and `?`, not crossing "/"). */
export function globMatches(glob: string, p: string): boolean {
  const re = '^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$';
  return new RegExp(re).test(p);
}

function expandGlob(snapshot: Snapshot, glob: string): SourceFile[] {
  if (!/[*?]/.test(glob)) {
    const t = snapshot.text(glob);
    return t === undefined ? [] : [{ path: glob, content: t }];
  }
  return snapshot.listDir(path.posix.dirname(glob), (n) => globMatches(path.posix.basename(glob), n))
    .map((f) => ({ path: f.path, content: f.content.toString('utf8') }));
}

export interface LogForwarding {
  rsyslog: { configured: boolean; forwards: LogForward[] };
  journalUpload: { configured: boolean; url?: { value: string; file: string; line: number } };
  syslogNg: { configured: boolean; destinations: SyslogNgNetworkDestination[] };
}

/** Every way this node sends logs elsewhere, per daemon (configuration only; service states are separate). */
export const logForwardingFact = nodeFact<LogForwarding>('logs.forwarding', (ctx) => {
  const s = ctx.snapshot;
  const result: LogForwarding = {
    rsyslog: { configured: false, forwards: [] },
    journalUpload: { configured: false },
    syslogNg: { configured: false, destinations: [] },
  };
  const rsyslogMain = s.text(FILES.rsyslogConf);
  if (rsyslogMain !== undefined) {
    result.rsyslog.configured = true;
    const queue: SourceFile[] = [{ path: FILES.rsyslogConf, content: rsyslogMain }];
    const seen = new Set<string>();
    while (queue.length) {
      const f = queue.shift()!;
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      const parsed = parseRsyslogConf(f.content, f.path).value;
      result.rsyslog.forwards.push(...parsed.forwards);
      for (const inc of parsed.includes) queue.push(...expandGlob(s, inc.glob));
    }
  }
  const upload = s.text(FILES.journalUploadConf);
  if (upload !== undefined) {
    result.journalUpload.configured = true;
    const url = parseJournalUploadConf(upload, FILES.journalUploadConf).value.url;
    if (url) result.journalUpload.url = { ...url, file: FILES.journalUploadConf };
  }
  const ngMain = s.text(FILES.syslogNgConf);
  if (ngMain !== undefined) {
    result.syslogNg.configured = true;
    const named: SyslogNgNetworkDestination[] = [];
    const used = new Set<string>();
    const queue: SourceFile[] = [{ path: FILES.syslogNgConf, content: ngMain }];
    const seen = new Set<string>();
    while (queue.length) {
      const f = queue.shift()!;
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      const parsed = parseSyslogNgConf(f.content, f.path).value;
      named.push(...parsed.destinations);
      for (const u of parsed.usedDestinations) used.add(u.name);
      result.syslogNg.destinations.push(...parsed.inlineDestinations);
      for (const inc of parsed.includes) {
        const glob = inc.glob.startsWith('/') ? inc.glob : `/etc/syslog-ng/${inc.glob}`;
        queue.push(...expandGlob(s, glob));
      }
    }
    result.syslogNg.destinations.push(...named.filter((d) => used.has(d.name)));
  }
  return result;
});

export const authFailuresFact = nodeFact('auth.failures', (ctx) =>
  parseAuthLog(ctx.requireCommand(COMMANDS.authFailures.name).output, COMMANDS.authFailures.name).value);

/** An installed kernel image package and the release (`uname -r`) it provides. */
export interface InstalledKernel {
  package: string;
  release: string;
  line: number;
}

// releases: 6.17.2-1-pve, 6.1.0-13-amd64 (Debian 12), 6.12.48+deb13-amd64 (Debian 13)
const RELEASE = '\\d+\\.\\d+(?:\\.\\d+)?(?:-\\d+(?:\\.\\d+)?|\\+[a-z0-9.]+)-([a-z0-9]+(?:-[a-z0-9]+)*?)';
const KERNEL_PKG = new RegExp(`^(?:proxmox-kernel|pve-kernel|linux-image)-(${RELEASE})(?:-(?:signed|unsigned))?$`);

/** Kernel image packages installed according to dpkg (proxmox-kernel-*, pve-kernel-*, linux-image-*). */
export const installedKernelsFact = nodeFact<InstalledKernel[]>('kernels.installed', (ctx) => {
  const out: InstalledKernel[] = [];
  for (const p of ctx.get(packagesFact).values()) {
    const m = KERNEL_PKG.exec(p.name);
    if (m && p.installed && !/-dbg$/.test(m[1])) out.push({ package: p.name, release: m[1], line: p.line });
  }
  return out;
});

/** Compares kernel releases (6.14.11-4-pve vs 6.8.12-9-pve) by their numeric parts. */
export function compareKernelReleases(a: string, b: string): number {
  const na = a.match(/\d+/g)?.map(Number) ?? [];
  const nb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

/** The flavour of a release: "pve", "amd64", "cloud-amd64" (what follows the ABI number). */
export function kernelFlavour(release: string): string {
  return new RegExp(`^${RELEASE}$`).exec(release)?.[1] ?? '';
}

/** A URL with any user:password@ part masked, for messages and evidence. */
export function hideUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

export type { FactContext };
