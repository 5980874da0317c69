import { numberedLines, type Diagnostic } from './diagnostics.js';

/**
 * The records of a colon-separated account database (/etc/passwd, /etc/group): comments and blank
 * lines skipped, NIS compat entries (`+`/`-`) and lines with the wrong number of fields skipped with a
 * diagnostic, as getpwent/getgrent do.
 */
export function colonRecords(text: string, file: string, fieldCount: number, diagnostics: Diagnostic[]): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (!t.trim() || t.startsWith('#')) continue;
    if (t.startsWith('+') || t.startsWith('-')) {
      diagnostics.push({ file, line, message: 'NIS compat entry ignored', severity: 'warning' });
      continue;
    }
    const fields = t.split(':');
    if (fields.length !== fieldCount) {
      diagnostics.push({ file, line, message: `expected ${fieldCount} fields, found ${fields.length}`, severity: 'warning' });
      continue;
    }
    records.push({ line, fields });
  }
  return records;
}
