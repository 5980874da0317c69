import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';
import { firstWord, parsePropertyString, type LocatedValue } from './section-config.js';

export interface DatacenterCfg {
  /** key -> value as written (`key: value`). */
  values: Map<string, LocatedValue>;
  /** The `webauthn` property string (rp, origin, id, allow-subdomains) when set. */
  webauthn?: { rp?: string; origin?: string; id?: string; line: number };
}

/** /etc/pve/datacenter.cfg: `key: value` lines, `#` comments. */
export function parseDatacenterCfg(input: string | Buffer, file = '/etc/pve/datacenter.cfg'): Parsed<DatacenterCfg> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const values = new Map<string, LocatedValue>();
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^([a-z][a-z0-9_-]*)\s*:\s*(.*)$/i.exec(t);
    if (!m) {
      diagnostics.push({ file, line, message: `unable to parse line starting with '${firstWord(t)}'`, severity: 'warning' });
      continue;
    }
    if (values.has(m[1])) {
      diagnostics.push({ file, line, message: `duplicate key '${m[1]}'`, severity: 'warning' });
      continue;
    }
    values.set(m[1], { value: m[2].trim(), line });
  }
  const cfg: DatacenterCfg = { values };
  const w = values.get('webauthn');
  if (w) {
    const p = parsePropertyString(w.value);
    cfg.webauthn = { rp: p.get('rp'), origin: p.get('origin'), id: p.get('id'), line: w.line };
  }
  return { value: cfg, diagnostics };
}
