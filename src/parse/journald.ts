import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

/** One `Key=value` of the `[Journal]` section, in file order. */
export interface JournaldAssignment {
  key: string;
  value: string;
  /** The line the assignment starts on (1-based; a continued value starts here). */
  line: number;
}

export interface JournaldConf {
  assignments: JournaldAssignment[];
  /**
   * The line of a malformed section header: systemd stops reading the file there and reads no further
   * file (config_parse() fails with EBADMSG), keeping what was assigned before it.
   */
  stoppedAt?: number;
}

/** journald.conf(5) values of `Storage=`; anything else is ignored by journald (with a warning). */
export const STORAGE_VALUES = ['volatile', 'persistent', 'auto', 'none'] as const;
export type JournaldStorage = (typeof STORAGE_VALUES)[number];

export function isStorageValue(v: string): v is JournaldStorage {
  return (STORAGE_VALUES as readonly string[]).includes(v);
}

/**
 * Parses journald.conf or one of its drop-ins with systemd's INI rules (systemd.syntax(7)): `#` and `;`
 * start a comment line, a line ending in a backslash continues on the next one (the backslash becomes a
 * space; comment lines inside are skipped), `[Section]` headers, `Key=value` split at the first `=` with
 * surrounding blanks removed, key names case-sensitive. Only `[Journal]` is journald's; assignments
 * outside any section or without `=` are ignored by journald, and reported here as warnings; a malformed
 * section header ends the parse (stoppedAt).
 */
export function parseJournaldConf(input: string | Buffer, file = '/etc/systemd/journald.conf'): Parsed<JournaldConf> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const assignments: JournaldAssignment[] = [];
  let section: string | undefined;
  let pending: { text: string; line: number } | undefined;
  let stoppedAt: number | undefined;
  const take = (raw: string, line: number): void => {
    const t = raw.trim();
    if (!t) return;
    if (t.startsWith('[')) {
      if (!t.endsWith(']') || t.length < 3) {
        diagnostics.push({ file, line, message: `invalid section header "${t}": journald stops reading its configuration here`, severity: 'error' });
        stoppedAt = line;
        return;
      }
      section = t.slice(1, -1);
      return;
    }
    const eq = t.indexOf('=');
    if (eq < 0) {
      diagnostics.push({ file, line, message: 'missing "=", line ignored', severity: 'warning' });
      return;
    }
    if (section === undefined) {
      diagnostics.push({ file, line, message: 'assignment outside of a section, ignored', severity: 'warning' });
      return;
    }
    if (section !== 'Journal') return;
    assignments.push({ key: t.slice(0, eq).trim(), value: t.slice(eq + 1).trim(), line });
  };
  for (const { line, text: raw } of numberedLines(text)) {
    if (stoppedAt !== undefined) break;
    const t = raw.trim();
    if (t.startsWith('#') || t.startsWith(';')) continue;
    const continued = raw.replace(/\s+$/, '').endsWith('\\');
    const body = continued ? raw.replace(/\s+$/, '').slice(0, -1) + ' ' : raw;
    if (pending) pending.text += body;
    else if (continued) pending = { text: body, line };
    if (continued) continue;
    if (pending) {
      take(pending.text, pending.line);
      pending = undefined;
    } else {
      take(raw, line);
    }
  }
  if (pending && stoppedAt === undefined) take(pending.text, pending.line);
  return { value: stoppedAt === undefined ? { assignments } : { assignments, stoppedAt }, diagnostics };
}
