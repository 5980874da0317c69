import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

/** One line of `apt list --upgradable`. */
export interface UpgradablePackage {
  name: string;
  /** Suites (archives) offering the new version, e.g. ["bookworm-security", "bookworm"]. */
  suites: string[];
  version: string;
  arch: string;
  /** Installed version, from "[upgradable from: ...]". */
  from?: string;
  /** Offered by a security suite (a suite name containing "-security"). */
  security: boolean;
  line: number;
}

/**
 * Parses `apt list --upgradable`: a "Listing..." header, optional WARNING lines (apt's CLI warning
 * when stdout is not a terminal), then `pkg/suite[,suite2] version arch [upgradable from: old]`.
 */
export function parseAptUpgradable(input: string | Buffer, file = 'apt list --upgradable'): Parsed<UpgradablePackage[]> {
  const text = asText(input, file);
  const out: UpgradablePackage[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || /^Listing\.\.\./.test(t) || /^(WARNING|N|W|E):/.test(t)) continue;
    const m = /^([^\s/]+)\/(\S+)\s+(\S+)\s+(\S+)(?:\s+\[upgradable from:\s*([^\]]+)\])?/.exec(t);
    if (!m) {
      diagnostics.push({ file, line, message: 'not a "package/suite version arch" line', severity: 'warning' });
      continue;
    }
    const suites = m[2].split(',').filter(Boolean);
    out.push({
      name: m[1], suites, version: m[3], arch: m[4], from: m[5]?.trim(),
      security: suites.some((s) => s.includes('-security')), line,
    });
  }
  return { value: out, diagnostics };
}
