import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

/**
 * What the password field allows, never the hash itself: empty (no password needed), locked (`!`
 * prefix), nologin (`*` or other non-hash marker: no password login possible), set (a hash; the
 * collector writes `x` in its place).
 */
export type PasswordState = 'empty' | 'locked' | 'nologin' | 'set';

export interface ShadowEntry {
  name: string;
  state: PasswordState;
  line: number;
}

export function passwordState(field: string): PasswordState {
  if (field === '') return 'empty';
  if (field.startsWith('!')) return 'locked';
  if (field === 'x' || field.startsWith('$') || /^[./0-9A-Za-z]{13}$/.test(field)) return 'set';
  return 'nologin';
}

/** Parses /etc/shadow keeping only the state of each password; diagnostics never quote a line. */
export function parseShadow(input: string | Buffer, file = '/etc/shadow'): Parsed<ShadowEntry[]> {
  const text = asText(input, file);
  const entries: ShadowEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (!t.trim() || t.startsWith('#')) continue;
    const f = t.split(':');
    if (f.length < 2 || !f[0]) {
      diagnostics.push({ file, line, message: 'malformed shadow entry (fewer than 2 fields)', severity: 'warning' });
      continue;
    }
    if (f.length !== 9) diagnostics.push({ file, line, message: `expected 9 fields, found ${f.length}`, severity: 'warning' });
    entries.push({ name: f[0], state: passwordState(f[1]), line });
  }
  return { value: entries, diagnostics };
}
