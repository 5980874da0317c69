import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

export interface SysctlValue {
  key: string;
  value: string;
  file: string;
  line: number;
}

/**
 * Canonical key as `sysctl -a` prints it: dots separate levels. As in systemd-sysctl, when the first
 * separator of a key is "/", slashes are the separators and dots are literal (swapped here).
 */
export function normalizeSysctlKey(key: string): string {
  const k = key.trim();
  const firstSep = k.search(/[./]/);
  if (firstSep !== -1 && k[firstSep] === '/') return k.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
  return k;
}

/** Values are compared with runs of whitespace collapsed (tcp_rmem prints tab-separated numbers). */
export function normalizeSysctlValue(v: string): string {
  return v.trim().replace(/\s+/g, ' ');
}

/** Parses `sysctl -a` output (`key = value`, one per line). */
export function parseSysctlA(input: string | Buffer, file = 'sysctl -a'): Parsed<Map<string, SysctlValue>> {
  const text = asText(input, file, 64 * 1024 * 1024);
  const out = new Map<string, SysctlValue>();
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    if (!raw.trim()) continue;
    const eq = raw.indexOf(' = ');
    const m = eq > 0 ? [raw.slice(0, eq), raw.slice(eq + 3)] : /^([^=\s]+)\s*=\s*(.*)$/.exec(raw)?.slice(1);
    if (!m) {
      diagnostics.push({ file, line, message: 'not a "key = value" line', severity: 'warning' });
      continue;
    }
    const key = m[0].trim();
    out.set(key, { key, value: normalizeSysctlValue(m[1]), file, line });
  }
  return { value: out, diagnostics };
}

export interface SysctlSetting extends SysctlValue {
  /** `-key = v`: errors setting it are ignored. */
  ignoreErrors: boolean;
  /** The key contains a glob (*, ?, [) and applies to every matching key. */
  glob: boolean;
}

/** Parses a sysctl.d(5) file: `key = value`, comments `#` and `;`, `-` prefix, slash-separated keys. */
export function parseSysctlConf(input: string | Buffer, file = '/etc/sysctl.d/99-sysctl.conf'): Parsed<SysctlSetting[]> {
  const text = asText(input, file);
  const out: SysctlSetting[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) continue;
    const eq = t.indexOf('=');
    if (eq === -1) {
      // systemd-sysctl: a key without "=" is an error for that line only
      diagnostics.push({ file, line, message: 'line without "=", ignored', severity: 'warning' });
      continue;
    }
    let key = t.slice(0, eq).trim();
    const ignoreErrors = key.startsWith('-');
    if (ignoreErrors) key = key.slice(1).trim();
    if (!key) {
      diagnostics.push({ file, line, message: 'empty key, ignored', severity: 'warning' });
      continue;
    }
    key = normalizeSysctlKey(key);
    out.push({ key, value: normalizeSysctlValue(t.slice(eq + 1)), file, line, ignoreErrors, glob: /[*?[]/.test(key) });
  }
  return { value: out, diagnostics };
}

/**
 * The value systemd-sysctl would apply for a key, from files already in precedence order (later
 * wins). An explicit setting of the key beats any glob that also matches it, whatever the order.
 */
export function persistedValue(settings: SysctlSetting[], key: string): SysctlSetting | undefined {
  let explicit: SysctlSetting | undefined;
  let glob: SysctlSetting | undefined;
  for (const s of settings) {
    if (!s.glob && s.key === key) explicit = s;
    else if (s.glob && globMatch(s.key, key)) glob = s;
  }
  return explicit ?? glob;
}

function globMatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^.]*';
    else if (c === '?') re += '[^.]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    return new RegExp(re + '$').test(s);
  } catch {
    return false;
  }
}
