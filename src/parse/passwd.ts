import { asText, type Diagnostic, type Parsed } from './diagnostics.js';
import { colonRecords } from './colon-records.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  line: number;
}

/** Shells that give no interactive login. */
const NO_LOGIN_SHELLS = new Set(['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false', '/bin/sync']);
/** Shells that work but are not a full interactive shell (no history, no job control, no completion). */
const MINIMAL_SHELLS = new Set(['/bin/sh', '/usr/bin/sh', '/bin/dash', '/usr/bin/dash']);

export type ShellKind = 'full' | 'minimal' | 'nologin';

export function shellKind(shell: string): ShellKind {
  if (shell === '') return 'minimal'; // login(1) and sshd run /bin/sh for an empty shell field
  if (NO_LOGIN_SHELLS.has(shell) || /\/(nologin|false)$/.test(shell)) return 'nologin';
  if (MINIMAL_SHELLS.has(shell)) return 'minimal';
  return 'full';
}

/**
 * Parses /etc/passwd (`name:password:uid:gid:gecos:home:shell`). The password field is never kept.
 * Malformed lines and NIS compat entries (`+`/`-`) are skipped with a diagnostic, as getpwent does.
 */
export function parsePasswd(input: string | Buffer, file = '/etc/passwd'): Parsed<PasswdEntry[]> {
  const text = asText(input, file);
  const entries: PasswdEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, fields: f } of colonRecords(text, file, 7, diagnostics)) {
    const uid = /^\d+$/.test(f[2]) ? Number(f[2]) : NaN;
    const gid = /^\d+$/.test(f[3]) ? Number(f[3]) : NaN;
    if (!f[0] || !Number.isSafeInteger(uid) || !Number.isSafeInteger(gid)) {
      diagnostics.push({ file, line, message: 'empty name or non-numeric uid/gid', severity: 'warning' });
      continue;
    }
    entries.push({ name: f[0], uid, gid, gecos: f[4], home: f[5], shell: f[6], line });
  }
  return { value: entries, diagnostics };
}
