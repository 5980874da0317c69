import { asText, type Diagnostic, type Parsed } from './diagnostics.js';
import { keyValueLines, parsePropertyString, type LocatedValue } from './section-config.js';

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
  for (const { line, key, value } of keyValueLines(text, file, diagnostics)) {
    if (values.has(key)) {
      diagnostics.push({ file, line, message: `duplicate key '${key}'`, severity: 'warning' });
      continue;
    }
    values.set(key, { value: value.trim(), line });
  }
  const cfg: DatacenterCfg = { values };
  const w = values.get('webauthn');
  if (w) {
    const p = parsePropertyString(w.value);
    cfg.webauthn = { rp: p.get('rp'), origin: p.get('origin'), id: p.get('id'), line: w.line };
  }
  return { value: cfg, diagnostics };
}
