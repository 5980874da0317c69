import { isIP } from 'node:net';
import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

export type AuthService = 'ssh' | 'web';

/** One failed login. The raw line is never kept: a user may type a password as the user name. */
export interface AuthFailure {
  service: AuthService;
  source: string;
  /** Only kept when it looks like a user name (never a mistyped password). */
  user?: string;
  kind: 'failed' | 'invalid-user' | 'closed-preauth' | 'pam';
  time?: string;
  line: number;
}

export interface AuthFailures {
  failures: AuthFailure[];
  /** Lines that were not recognised as an authentication failure (count only). */
  ignored: number;
  first?: string;
  last?: string;
}

// Traditional syslog / journalctl -o short ("Nov 25 10:00:01 host prog[pid]: msg"), or RFC 3339
// ("2026-11-25T10:00:01.123456+00:00 host prog[pid]: msg").
const HEADER = /^(?:([A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2})|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?))\s+(\S+)\s+([^\s[:]+)(?:\[(\d+)\])?:\s*(.*)$/;

const SAFE_USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?(@[A-Za-z0-9_.-]{1,64})?$/;

function safeUser(u: string | undefined): string | undefined {
  return u !== undefined && SAFE_USER.test(u) ? u : undefined;
}

function normalizeAddress(a: string): string | undefined {
  const s = a.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return isIP(s) ? s : undefined;
}

interface Raw extends AuthFailure {
  key: string;
  primary: boolean;
}

/**
 * Parses the `auth-failures` command output (auth.log or `journalctl -o short` lines) into failed
 * logins: sshd "Failed <method> for [invalid user] X from IP", "Invalid user X from IP",
 * "Connection closed by authenticating user X IP ... [preauth]", pam_unix "authentication failure;
 * ... rhost=IP", and pvedaemon/pveproxy "authentication failure; rhost=IP user=U msg=...".
 * A connection's secondary lines (Invalid user, pam, preauth close) only count when that sshd
 * process logged no "Failed ..." line, so one attempt is not counted twice.
 */
export function parseAuthLog(input: string | Buffer, file = 'auth-failures'): Parsed<AuthFailures> {
  const text = asText(input, file, 64 * 1024 * 1024);
  const diagnostics: Diagnostic[] = [];
  const raw: Raw[] = [];
  let ignored = 0;
  for (const { line, text: l } of numberedLines(text)) {
    if (!l.trim() || l.startsWith('-- ')) continue;
    const h = HEADER.exec(l);
    if (!h) { ignored++; continue; }
    const [, tradTime, isoTime, , prog, pid, msg] = h;
    const time = tradTime ?? isoTime;
    const key = pid ? `${prog}[${pid}]` : `line:${line}`;
    const push = (service: AuthService, kind: AuthFailure['kind'], addr: string, user: string | undefined, primary: boolean) => {
      const source = normalizeAddress(addr);
      if (!source) { ignored++; return; }
      raw.push({ service, kind, source, user: safeUser(user), time, line, key, primary });
    };
    if (/^sshd(-session)?$/.test(prog)) {
      let m = /^Failed (?:password|publickey|keyboard-interactive\/pam|none|hostbased|gssapi-with-mic) for (invalid user )?(.*?) from (\S+) port \d+/.exec(msg);
      if (m) { push('ssh', 'failed', m[3], m[2], true); continue; }
      m = /^Invalid user (.*?) from (\S+)(?: port \d+)?\s*$/.exec(msg);
      if (m) { push('ssh', 'invalid-user', m[2], m[1], false); continue; }
      m = /^(?:Connection closed by|Disconnected from) (?:authenticating|invalid) user (.*?) (\S+) port \d+ \[preauth\]/.exec(msg);
      if (m) { push('ssh', 'closed-preauth', m[2], m[1], false); continue; }
      m = /^error: maximum authentication attempts exceeded for (?:invalid user )?(.*?) from (\S+) port \d+/.exec(msg);
      if (m) { push('ssh', 'closed-preauth', m[2], m[1], false); continue; }
      m = /^pam_unix\(sshd:auth\): authentication failure;.*\brhost=(\S+)(?:\s+user=(\S+))?/.exec(msg);
      if (m) { push('ssh', 'pam', m[1], m[2], false); continue; }
      ignored++;
      continue;
    }
    if (prog === 'pvedaemon' || prog === 'pveproxy') {
      const m = /authentication (?:verification )?failure; rhost=(\S+) user=(\S+)/.exec(msg);
      // a web-UI user name always carries its realm; anything else may be a password typed as a name
      if (m) { push('web', 'failed', m[1], m[2].includes('@') ? m[2] : undefined, true); continue; }
    }
    ignored++;
  }
  // a process with "Failed ..." lines counts those; otherwise its first secondary line counts once
  const primaries = new Set(raw.filter((r) => r.primary).map((r) => r.key));
  const counted = new Set<string>();
  const failures = raw.filter((r) => {
    if (r.primary) return true;
    if (primaries.has(r.key) || counted.has(r.key)) return false;
    counted.add(r.key);
    return true;
  }).map(({ key: _k, primary: _p, ...f }) => f);
  const times = failures.map((f) => f.time).filter((t): t is string => t !== undefined);
  return { value: { failures, ignored, first: times[0], last: times[times.length - 1] }, diagnostics };
}

export interface SourceCount {
  source: string;
  total: number;
  byService: Record<AuthService, number>;
}

/** Failure counts per source address, most active first. */
export function countBySource(failures: AuthFailure[]): SourceCount[] {
  const map = new Map<string, SourceCount>();
  for (const f of failures) {
    const c = map.get(f.source) ?? { source: f.source, total: 0, byService: { ssh: 0, web: 0 } };
    c.total++;
    c.byService[f.service]++;
    map.set(f.source, c);
  }
  return [...map.values()].sort((a, b) => b.total - a.total || (a.source < b.source ? -1 : 1));
}
