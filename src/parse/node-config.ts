import { asText, type Diagnostic, type Parsed } from './diagnostics.js';
import { keyValueLines, parsePropertyString } from './section-config.js';

export interface AcmeDomain {
  domain: string;
  plugin?: string;
  /** The key (`acme` or `acmedomain0`..) and line that configure it. */
  key: string;
  line: number;
}

export interface NodeConfig {
  /** ACME account named by `acme: account=...` (default "default" when only domains are given). */
  acmeAccount?: string;
  acmeDomains: AcmeDomain[];
  values: Map<string, { value: string; line: number }>;
}

/** /etc/pve/nodes/<node>/config: `acme:` and `acmedomainN:` property strings, `#` description lines. */
export function parseNodeConfig(input: string | Buffer, file = '/etc/pve/nodes/<node>/config'): Parsed<NodeConfig> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const cfg: NodeConfig = { acmeDomains: [], values: new Map() };
  for (const { line, key, value } of keyValueLines(text, file, diagnostics)) {
    cfg.values.set(key, { value: value.trim(), line });
    if (key === 'acme') {
      const p = parsePropertyString(value, 'domains');
      cfg.acmeAccount = p.get('account') ?? 'default';
      for (const d of (p.get('domains') ?? '').split(';').map((s) => s.trim()).filter(Boolean)) cfg.acmeDomains.push({ domain: d, key, line });
    } else if (/^acmedomain\d+$/.test(key)) {
      const p = parsePropertyString(value, 'domain');
      const domain = p.get('domain');
      if (domain) cfg.acmeDomains.push({ domain, plugin: p.get('plugin'), key, line });
      else diagnostics.push({ file, line, message: `${key} without domain`, severity: 'warning' });
    }
  }
  return { value: cfg, diagnostics };
}
