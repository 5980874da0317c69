import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

export interface PveVersion {
  /** package -> version ("not correctly installed" kept as text). */
  packages: Map<string, { version: string; line: number }>;
  /** pve-manager version, e.g. "9.0.3". */
  manager?: string;
  /** Running kernel from the proxmox-ve line. */
  runningKernel?: string;
  /** Major Proxmox VE release (8, 9, ...). */
  major?: number;
}

/** `pveversion -v`: `package: version [(extra)]` per line. */
export function parsePveversion(input: string | Buffer, file = 'pveversion -v'): Parsed<PveVersion> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const v: PveVersion = { packages: new Map() };
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t) continue;
    const m = /^([a-z0-9][a-z0-9.+-]*):\s*(.*?)\s*$/.exec(t);
    if (!m) {
      diagnostics.push({ file, line, message: `unexpected line: ${t.slice(0, 120)}`, severity: 'warning' });
      continue;
    }
    const [, pkg, rest] = m;
    const version = rest.replace(/\s*\(.*\)$/, '');
    v.packages.set(pkg, { version, line });
    const kernel = /running kernel:\s*([^)\s]+)/.exec(rest);
    if (pkg === 'proxmox-ve' && kernel) v.runningKernel = kernel[1];
    if (pkg === 'pve-manager') {
      v.manager = /^\d[\w.~+-]*$/.test(version) ? version : undefined;
      const running = /running version:\s*([\d.]+)/.exec(rest);
      const major = Number.parseInt(running?.[1] ?? version, 10);
      if (Number.isFinite(major)) v.major = major;
    }
  }
  return { value: v, diagnostics };
}
