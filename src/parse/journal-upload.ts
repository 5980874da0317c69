import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

export interface JournalUploadConf {
  /** [Upload] URL= : where systemd-journal-upload sends the journal. */
  url?: { value: string; line: number };
}

/** Parses journal-upload.conf(5) (systemd INI: `[Upload]`, `URL=`, comments # and ;, last assignment wins). */
export function parseJournalUploadConf(input: string | Buffer, file = '/etc/systemd/journal-upload.conf'): Parsed<JournalUploadConf> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  let section = '';
  const value: JournalUploadConf = {};
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) continue;
    const sec = /^\[([^\]]*)\]$/.exec(t);
    if (sec) { section = sec[1]; continue; }
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(t);
    if (!kv) {
      diagnostics.push({ file, line, message: 'not a "Key=value" line', severity: 'warning' });
      continue;
    }
    if (section === 'Upload' && kv[1] === 'URL') value.url = kv[2].trim() ? { value: kv[2].trim(), line } : undefined;
  }
  return { value, diagnostics };
}
