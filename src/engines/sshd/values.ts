/**
 * Value parsers with the exact acceptance rules of OpenSSH's misc.c: strtonum/atoi_err, convtime,
 * a2port, scan_scaled, parse_ipqos, plus the multistate tables of servconf.c.
 */
import type { SshdVersion } from './keywords.js';

const INT_MAX = 2147483647;

/** strtoll(…, 10) over the whole string (leading whitespace and a sign allowed). */
function parseWholeInteger(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(s);
  return m ? Number(m[1]) : null;
}

/** strtonum: [value] or [undefined, "invalid" | "too small" | "too large"]. */
export function strtonum(s: string, min: number, max: number): { value?: number; error?: string } {
  const n = parseWholeInteger(s);
  if (n === null) return { error: 'invalid' };
  if (n < min) return { error: 'too small' };
  if (n > max) return { error: 'too large' };
  return { value: n };
}

/** atoi_err: null/empty -> "missing". */
export function atoiErr(s: string | null): { value?: number; error?: string } {
  if (s === null || s === '') return { error: 'missing' };
  return strtonum(s, 0, INT_MAX);
}

/** strtol prefix parse: [value, index after the number] or null when no digits. */
function strtolPrefix(s: string, from: number, base: 10 | 0 = 10): [number, number] | null {
  const re = base === 10 ? /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/y : /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/y;
  re.lastIndex = 0;
  const m = re.exec(s.slice(from));
  if (!m) return null;
  const digits = m[2];
  let v = base === 0 && /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : base === 0 && digits.length > 1 && digits[0] === '0' ? parseInt(digits, 8) : Number(digits);
  if (m[1] === '-') v = -v;
  return [v, from + m[0].length];
}

const TIME_MULTIPLIERS: Record<string, number> = { s: 1, S: 1, m: 60, M: 60, h: 3600, H: 3600, d: 86400, D: 86400, w: 604800, W: 604800 };

/** convtime: "1h30m", "0m30" (a bare trailing number is seconds). -1 when invalid. */
export function convtime(s: string | null): number {
  if (s === null || s === '') return -1;
  let total = 0;
  let p = 0;
  while (p < s.length) {
    const r = strtolPrefix(s, p);
    if (r === null) return -1;
    let [secs, end] = r;
    if (secs < 0 || secs > INT_MAX) return -1;
    let multiplier = 1;
    if (end < s.length) {
      const m = TIME_MULTIPLIERS[s[end]];
      if (m === undefined) return -1;
      multiplier = m;
      end++;
    }
    if (secs > Math.floor(INT_MAX / multiplier)) return -1;
    secs *= multiplier;
    if (total > INT_MAX - secs) return -1;
    total += secs;
    p = end;
  }
  return total;
}

const TCP_SERVICES: Record<string, number> = { ssh: 22, http: 80, https: 443, telnet: 23, ftp: 21, smtp: 25, domain: 53 };

/** a2port: 0..65535 or a TCP service name; -1 otherwise. */
export function a2port(s: string): number {
  const r = strtonum(s, 0, 65535);
  if (r.value !== undefined) return r.value;
  return TCP_SERVICES[s] ?? -1;
}

/** scan_scaled (RekeyLimit): number with an optional B/K/M/G/T/P/E factor (powers of 1024); anything
 * after the factor is ignored unless it starts with a letter or digit. null when invalid. */
export function scanScaled(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9.]*)(.?)(.?)/.exec(s);
  if (!m || (m[2].match(/\./g) ?? []).length > 1) return null;
  const [whole, frac = ''] = m[2].split('.');
  const sign = m[1] === '-' ? -1 : 1;
  const w = whole === '' ? 0 : Number(whole);
  if (m[3] === '') return sign * w;
  const unit = 'BKMGTPE'.indexOf(m[3].toUpperCase());
  if (unit === -1 || /[A-Za-z0-9]/.test(m[4])) return null;
  const factor = 1024 ** unit;
  return sign * (w * factor + (frac === '' ? 0 : Math.floor(Number(`0.${frac}`) * factor)));
}

export const IPQOS: readonly (readonly [string, number])[] = [
  ['none', INT_MAX], ['af11', 0x28], ['af12', 0x30], ['af13', 0x38], ['af21', 0x48], ['af22', 0x50], ['af23', 0x58],
  ['af31', 0x68], ['af32', 0x70], ['af33', 0x78], ['af41', 0x88], ['af42', 0x90], ['af43', 0x98], ['cs0', 0x00],
  ['cs1', 0x20], ['cs2', 0x40], ['cs3', 0x60], ['cs4', 0x80], ['cs5', 0xa0], ['cs6', 0xc0], ['cs7', 0xe0], ['ef', 0xb8],
  ['le', 0x04], ['lowdelay', 0x10], ['throughput', 0x08], ['reliability', 0x04],
];
const DEPRECATED_IPQOS = new Set(['lowdelay', 'throughput', 'reliability']);
export const IPQOS_DEPRECATED = -2147483648;

/** parse_ipqos: -1 invalid; in 10.0 the old ToS names give IPQOS_DEPRECATED. */
export function parseIpqos(v: SshdVersion, s: string | null): number {
  if (s === null) return -1;
  for (const [name, value] of IPQOS) {
    if (name === s.toLowerCase()) return v === '10.0' && DEPRECATED_IPQOS.has(name) ? IPQOS_DEPRECATED : value;
  }
  if (v === '10.0') return strtonum(s, 0, 255).value ?? -1;
  if (s === '') return -1;
  const r = strtolPrefix(s, 0, 0);
  if (r === null || r[1] !== s.length || r[0] < 0 || r[0] > 255) return -1;
  return r[0];
}

export function iptos2str(v: number): string {
  for (const [name, value] of IPQOS) if (value === v) return name;
  return `0x${v.toString(16).padStart(2, '0')}`;
}

export type Multistate = readonly (readonly [string, number])[];
export const FLAG: Multistate = [['yes', 1], ['no', 0]];
export const IGNORE_RHOSTS: Multistate = [['yes', 1], ['no', 0], ['shosts-only', 2]];
export const ADDRESS_FAMILY: Multistate = [['inet', 2], ['inet6', 10], ['any', 0]];
export const PERMIT_ROOT_LOGIN: Multistate = [['without-password', 2], ['prohibit-password', 2], ['forced-commands-only', 1], ['yes', 3], ['no', 0]];
export const COMPRESSION: Multistate = [['yes', 2], ['delayed', 2], ['no', 0]];
export const GATEWAY_PORTS: Multistate = [['clientspecified', 2], ['yes', 1], ['no', 0]];
export const TCP_FORWARDING: Multistate = [['yes', 3], ['all', 3], ['no', 0], ['remote', 2], ['local', 1]];

export const lookupMultistate = (table: Multistate, arg: string): number | undefined =>
  table.find(([key]) => key.toLowerCase() === arg.toLowerCase())?.[1];

export const formatMultistate = (table: Multistate, value: number): string => table.find(([, v]) => v === value)?.[0] ?? 'UNKNOWN';

export const TUNNEL_MODES: readonly (readonly [string, number])[] = [['no', 0], ['point-to-point', 1], ['ethernet', 2], ['yes', 3]];

export const LOG_LEVELS: readonly (readonly [string, number])[] = [
  ['SILENT', 0], ['QUIET', 0], ['FATAL', 1], ['ERROR', 2], ['INFO', 3], ['VERBOSE', 4], ['DEBUG', 5], ['DEBUG1', 5], ['DEBUG2', 6], ['DEBUG3', 7],
];
export const LOG_FACILITIES: readonly (readonly [string, number])[] = [
  ['DAEMON', 0], ['USER', 1], ['AUTH', 2], ['AUTHPRIV', 3], ['LOCAL0', 4], ['LOCAL1', 5], ['LOCAL2', 6], ['LOCAL3', 7],
  ['LOCAL4', 8], ['LOCAL5', 9], ['LOCAL6', 10], ['LOCAL7', 11],
];
