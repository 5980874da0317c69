import { asText, type Diagnostic, type Parsed } from './diagnostics.js';

export interface DpkgPackage {
  name: string;
  version?: string;
  /** The Status field, e.g. "install ok installed". */
  status: string;
  installed: boolean;
  source?: string;
  line: number;
}

/** Parses /var/lib/dpkg/status (RFC822-style stanzas separated by blank lines). */
export function parseDpkgStatus(input: string | Buffer, file = '/var/lib/dpkg/status'): Parsed<Map<string, DpkgPackage>> {
  const text = asText(input, file, 256 * 1024 * 1024);
  const packages = new Map<string, DpkgPackage>();
  const diagnostics: Diagnostic[] = [];
  let cur: Record<string, string> = {};
  let start = 1;
  let lastKey: string | undefined;
  const flush = () => {
    if (Object.keys(cur).length) {
      const name = cur.package;
      if (!name) diagnostics.push({ file, line: start, message: 'stanza without Package field', severity: 'warning' });
      else {
        const status = cur.status ?? '';
        const arch = cur.architecture;
        const key = packages.has(name) && arch ? `${name}:${arch}` : name;
        packages.set(key, {
          name, version: cur.version, status, installed: /\binstalled$/.test(status.trim()) && !/not-installed/.test(status),
          source: cur.source, line: start,
        });
      }
    }
    cur = {};
    lastKey = undefined;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].replace(/\r$/, '');
    if (l.trim() === '') {
      flush();
      start = i + 2;
      continue;
    }
    if (/^[ \t]/.test(l)) {
      if (!lastKey) diagnostics.push({ file, line: i + 1, message: 'continuation line outside a field', severity: 'warning' });
      continue; // continuation of a multi-line field (Description, Conffiles): not needed
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s?(.*)$/.exec(l);
    if (!m) {
      diagnostics.push({ file, line: i + 1, message: `not a "Field: value" line`, severity: 'warning' });
      continue;
    }
    if (Object.keys(cur).length === 0) start = i + 1;
    lastKey = m[1].toLowerCase();
    cur[lastKey] = m[2];
  }
  flush();
  return { value: packages, diagnostics };
}
