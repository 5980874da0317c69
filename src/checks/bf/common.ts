import type { Evidence, Reference } from '../../core/types.js';
import type { FactContext } from '../../model/fact.js';
import { isInstalled, packagesFact } from '../../model/facts/system-base.js';
import type { Fail2banJail } from '../../parse/fail2ban.js';

export const F2B_REFERENCES: Reference[] = [
  { title: 'jail.conf(5)', url: 'https://manpages.debian.org/trixie/fail2ban/jail.conf.5.en.html' },
  { title: 'Proxmox VE wiki: Fail2ban', url: 'https://pve.proxmox.com/wiki/Fail2ban' },
];

export const F2B_READS = ['/etc/fail2ban/jail.conf', '/etc/fail2ban/jail.d/*.conf', '/etc/fail2ban/jail.local', '/etc/fail2ban/jail.d/*.local'];

/** Multi-line option values (continuation lines) shown on one line. */
export function oneLine(v: string): string {
  return v.replace(/\s*\n\s*/g, ' ').trim();
}

/** Evidence for one effective jail option: the file and line where the winning value was written. */
export function optionEvidence(jail: Fail2banJail, key: string): Evidence[] {
  const o = jail.options.get(key);
  return o ? [{ source: o.file, line: o.line, text: `[${jail.name}] ${key} = ${oneLine(o.value)}` }] : [];
}

export type LogSource = { ok: true; how: string; evidence: Evidence[] } | { ok: false; certain: boolean; why: string; evidence: Evidence[] };

/**
 * Whether a jail can read its log: the systemd backend reads the journal; any other backend needs
 * the log files, which exist only when a syslog daemon writes them (PVE 8/9 log to the journal only).
 */
export function jailLogSource(ctx: FactContext, jail: Fail2banJail): LogSource {
  const backend = (jail.options.get('backend')?.value ?? 'auto').trim().split(/[\s[]/)[0];
  const ev = [...optionEvidence(jail, 'backend')];
  if (backend === 'systemd') return { ok: true, how: 'backend systemd (journal)', evidence: ev };
  const logpaths = (jail.options.get('logpath')?.value ?? '').split(/\s+/).filter(Boolean);
  ev.push(...optionEvidence(jail, 'logpath'));
  if (!logpaths.length) return { ok: false, certain: true, why: `backend ${backend} without a logpath`, evidence: ev };
  const pkgs = ctx.tryGet(packagesFact);
  if (!pkgs) return { ok: false, certain: false, why: `backend ${backend} reads ${logpaths.join(' ')}, and whether a syslog daemon writes it is unknown (dpkg status not collected)`, evidence: ev };
  const daemon = ['rsyslog', 'syslog-ng', 'syslog-ng-core', 'inetutils-syslogd', 'busybox-syslogd'].find((p) => isInstalled(pkgs, p));
  if (daemon) return { ok: true, how: `backend ${backend} on ${logpaths.join(' ')} (written by ${daemon})`, evidence: ev };
  return { ok: false, certain: true, why: `backend ${backend} reads ${logpaths.join(' ')}, which no syslog daemon writes (no rsyslog installed; PVE logs to the journal): set backend = systemd`, evidence: ev };
}
