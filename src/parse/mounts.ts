import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

export interface Mount {
  target: string;
  source: string;
  fstype: string;
  options: string[];
  line: number;
}

/** findmnt -l escapes blanks and other unsafe bytes as \xHH. */
function unescape(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Parses `findmnt -l -n -o TARGET,SOURCE,FSTYPE,OPTIONS` (one mount per line, columns separated by blanks). */
export function parseFindmnt(input: string | Buffer, file = 'findmnt -l -n -o TARGET,SOURCE,FSTYPE,OPTIONS'): Parsed<Mount[]> {
  const text = asText(input, file);
  const out: Mount[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    if (!raw.trim()) continue;
    const cols = raw.trim().split(/\s+/);
    if (cols.length !== 4 || !cols[0].startsWith('/')) {
      diagnostics.push({ file, line, message: 'expected "TARGET SOURCE FSTYPE OPTIONS"', severity: 'warning' });
      continue;
    }
    out.push({ target: unescape(cols[0]), source: unescape(cols[1]), fstype: cols[2], options: cols[3].split(','), line });
  }
  return { value: out, diagnostics };
}

/** The mount visible at a path: the last one listed for that target (mounts stack). */
export function mountAt(mounts: Mount[], target: string): Mount | undefined {
  let found: Mount | undefined;
  for (const m of mounts) if (m.target === target) found = m;
  return found;
}
