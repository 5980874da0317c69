import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

/** One repository as APT sees it (a deb822 stanza expands to one entry per type x URI x suite). */
export interface AptSource {
  type: 'deb' | 'deb-src';
  uri: string;
  suite: string;
  components: string[];
  /** Options such as signed-by, arch (lowercased keys). */
  options: Record<string, string>;
  enabled: boolean;
  file: string;
  line: number;
  format: 'one-line' | 'deb822';
}

/** Parses a one-line-style sources.list file; `# deb ...` lines are kept as disabled entries. */
export function parseSourcesList(input: string | Buffer, file = '/etc/apt/sources.list'): Parsed<AptSource[]> {
  const text = asText(input, file);
  const out: AptSource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    let t = raw.trim();
    if (!t) continue;
    let enabled = true;
    if (t.startsWith('#')) {
      t = t.replace(/^#+\s*/, '');
      if (!/^deb(-src)?\s/.test(t)) continue; // an ordinary comment
      enabled = false;
    }
    t = t.replace(/\s+#.*$/, '');
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(t);
    if (!m) {
      if (enabled) diagnostics.push({ file, line, message: 'malformed entry (expected "deb [options] uri suite [components]")', severity: 'warning' });
      continue;
    }
    const options: Record<string, string> = {};
    for (const o of (m[2] ?? '').trim().split(/\s+/).filter(Boolean)) {
      const kv = /^([^=]+?)([+-]?=)(.*)$/.exec(o);
      if (kv) options[kv[1].toLowerCase()] = kv[3];
    }
    out.push({
      type: m[1] as 'deb' | 'deb-src', uri: m[3], suite: m[4], components: m[5].split(/\s+/).filter(Boolean),
      options, enabled, file, line, format: 'one-line',
    });
  }
  return { value: out, diagnostics };
}

/** Parses a deb822 `.sources` file (stanzas of `Field: value`, `Enabled: no`, continuation lines). */
export function parseDeb822Sources(input: string | Buffer, file = '/etc/apt/sources.list.d/debian.sources'): Parsed<AptSource[]> {
  const text = asText(input, file);
  const out: AptSource[] = [];
  const diagnostics: Diagnostic[] = [];
  let fields: Record<string, string> = {};
  let start = 0;
  let lastKey: string | undefined;
  const flush = () => {
    if (start === 0) return;
    const types = (fields.types ?? '').split(/\s+/).filter(Boolean);
    const uris = (fields.uris ?? '').split(/\s+/).filter(Boolean);
    const suites = (fields.suites ?? '').split(/\s+/).filter(Boolean);
    if (!types.length || !uris.length || !suites.length) {
      diagnostics.push({ file, line: start, message: 'stanza lacks Types, URIs or Suites', severity: 'warning' });
    } else {
      const enabled = !/^(no|false|0)$/i.test((fields.enabled ?? 'yes').trim());
      const components = (fields.components ?? '').split(/\s+/).filter(Boolean);
      const options: Record<string, string> = {};
      for (const [k, v] of Object.entries(fields)) {
        if (!['types', 'uris', 'suites', 'components', 'enabled'].includes(k)) options[k] = v.trim();
      }
      for (const type of types) {
        if (type !== 'deb' && type !== 'deb-src') {
          diagnostics.push({ file, line: start, message: `unknown type "${type}"`, severity: 'warning' });
          continue;
        }
        for (const uri of uris) for (const suite of suites) {
          out.push({ type, uri, suite, components, options, enabled, file, line: start, format: 'deb822' });
        }
      }
    }
    fields = {};
    start = 0;
    lastKey = undefined;
  };
  for (const { line, text: raw } of numberedLines(text)) {
    if (raw.startsWith('#')) continue;
    if (raw.trim() === '') {
      flush();
      continue;
    }
    if (/^[ \t]/.test(raw)) {
      if (lastKey) fields[lastKey] += '\n' + raw.trim();
      else diagnostics.push({ file, line, message: 'continuation line outside a field', severity: 'warning' });
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$/.exec(raw);
    if (!m) {
      diagnostics.push({ file, line, message: 'not a "Field: value" line', severity: 'warning' });
      continue;
    }
    if (start === 0) start = line;
    lastKey = m[1].toLowerCase();
    fields[lastKey] = m[2];
  }
  flush();
  return { value: out, diagnostics };
}

/** Dispatches on the file name as APT does: `*.list` one-line, `*.sources` deb822; other names are ignored. */
export function parseAptSourceFile(input: string | Buffer, file: string): Parsed<AptSource[]> {
  if (file.endsWith('.sources')) return parseDeb822Sources(input, file);
  if (file.endsWith('.list')) return parseSourcesList(input, file);
  return { value: [], diagnostics: [{ file, message: 'ignored: not a .list or .sources file', severity: 'warning' }] };
}
