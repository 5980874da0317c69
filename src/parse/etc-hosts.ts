import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';
import { parseIp } from './ip-address.js';

/** One line of /etc/hosts: an address and its names (canonical name first, then aliases). */
export interface HostsEntry {
  address: string;
  family: 4 | 6;
  names: string[];
  line: number;
}

/**
 * Parses /etc/hosts as glibc's files backend reads it: `#` starts a comment anywhere, fields are
 * separated by blanks, the first is an address, the rest are names. A line with a bad address or no
 * name is ignored by the resolver, and reported here.
 */
export function parseEtcHosts(input: string | Buffer, file = '/etc/hosts'): Parsed<HostsEntry[]> {
  const text = asText(input, file);
  const value: HostsEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const hash = raw.indexOf('#');
    const fields = (hash === -1 ? raw : raw.slice(0, hash)).trim().split(/\s+/).filter(Boolean);
    if (!fields.length) continue;
    const [address, ...names] = fields;
    const ip = parseIp(address);
    // glibc accepts no zone suffix here (inet_pton), unlike parseIp.
    if (!ip || address.includes('%')) {
      diagnostics.push({ file, line, message: `invalid address "${address}": line ignored by the resolver`, severity: 'warning' });
      continue;
    }
    if (!names.length) {
      diagnostics.push({ file, line, message: `no host name after ${address}`, severity: 'warning' });
      continue;
    }
    value.push({ address, family: ip.family, names, line });
  }
  return { value, diagnostics };
}

/** The entries that name a host, in file order (glibc compares names case-insensitively). */
export function hostsEntriesFor(entries: HostsEntry[], name: string): HostsEntry[] {
  const wanted = name.toLowerCase();
  return entries.filter((e) => e.names.some((n) => n.toLowerCase() === wanted));
}
