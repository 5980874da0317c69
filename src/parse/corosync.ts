import { asText, ParseError, type Parsed, type Diagnostic } from './diagnostics.js';
import { rememberLast } from './remember-last.js';

/** A section of corosync.conf: `name { key: value ... sub { } }`. Keys may repeat (e.g. node blocks). */
export interface CorosyncSection {
  name: string;
  line: number;
  values: Record<string, string>;
  sections: CorosyncSection[];
}

export interface CorosyncNode {
  name: string;
  nodeid?: number;
  /** ring0_addr, ring1_addr, ... (or linkN_addr) addresses in link order, as written (IPs or host names) */
  rings: string[];
  /** The same with their keys (ring numbers may have gaps: ring0_addr, ring2_addr). */
  links: { key: string; addr: string }[];
  line: number;
}

export interface CorosyncConf {
  clusterName?: string;
  transport?: string;
  /** totem ip_version: the order in which a ring host name's addresses are tried (ipv4, ipv6, ipv4-6, ipv6-4). */
  ipVersion?: string;
  nodes: CorosyncNode[];
  root: CorosyncSection;
}

/** Sections that may repeat (PVE::Corosync's $conf_array_sections); any other repeated section is an error. */
const ARRAY_SECTIONS = new Set(['node', 'interface']);
/** Keys holding a link address (PVE::Corosync's $link_addr_re). */
const LINK_KEY = /^(ring|link)(\d+)_addr$/;

/** The tokens of a file, as two parallel lists (no object per token: a 2 MB file of `{` lines is a million tokens). */
interface Tokens {
  texts: string[];
  lines: number[];
}

/** A run of what Perl's \s does not match. */
const TOKEN = /[^ \t\r\n\f\v]+/g;

/**
 * Splits corosync.conf into tokens as PVE::Corosync::parse_conf does: `#` starts a comment anywhere on
 * a line (an inline comment after a value too), then the text is split on blanks and line ends.
 * Perl's \s on the raw bytes: space, tab, CR, LF, FF, VT; not Unicode spaces.
 */
function tokenize(text: string): Tokens {
  const texts: string[] = [];
  const lines: number[] = [];
  let start = 0;
  let hash = -1; // the next `#` at or after start, found once (not searched again from every line)
  for (let line = 1; start < text.length; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    if (hash !== -2 && hash < start) {
      const next = text.indexOf('#', start);
      hash = next === -1 ? -2 : next; // -2: no `#` in the rest of the file
    }
    const body = text.slice(start, hash >= 0 && hash < end ? hash : end);
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(body); m; m = TOKEN.exec(body)) {
      texts.push(m[0]);
      lines.push(line);
    }
    start = end + 1;
  }
  return { texts, lines };
}

/**
 * Parses corosync.conf the way Proxmox reads it (PVE::Corosync::parse_conf, what pve-firewall and
 * pvecm use): tokens, not lines, so `totem { version: 2 }` on one line and nested one-liners parse;
 * `name {` opens a section (the brace must be its own token), `key: value` takes the one next token
 * as the value (the colon must end the key's token), `}` closes. Sections left open at the end of the
 * file are accepted, as Proxmox accepts them.
 */
export function parseCorosyncConf(input: string | Buffer, file = '/etc/pve/corosync.conf'): Parsed<CorosyncConf> {
  return parseText(asText(input, file), file);
}

// Several facts read the same corosync.conf (cluster grouping, peers, addresses, the firewall): parsed once.
const parseText = rememberLast((text: string, file: string): Parsed<CorosyncConf> => {
  const diagnostics: Diagnostic[] = [];
  const root: CorosyncSection = { name: '', line: 0, values: {}, sections: [] };
  const stack: CorosyncSection[] = [root];
  const { texts, lines } = tokenize(text);
  for (let i = 0; i < texts.length; i++) {
    const token = texts[i];
    const line = lines[i];
    const next: string | undefined = texts[i + 1];
    const current = stack[stack.length - 1];
    if (next === '{') {
      i++;
      if (!ARRAY_SECTIONS.has(token) && (current.sections.some((s) => s.name === token) || Object.hasOwn(current.values, token))) {
        throw new ParseError(file, line, `section "${token}" already exists and may not repeat`);
      }
      const s: CorosyncSection = { name: token, line, values: {}, sections: [] };
      current.sections.push(s);
      stack.push(s);
      continue;
    }
    if (token === '}') {
      if (stack.length === 1) throw new ParseError(file, line, 'unbalanced "}"');
      stack.pop();
      continue;
    }
    if (!token.endsWith(':')) throw new ParseError(file, line, `missing ':' after key "${token.slice(0, 80)}"`);
    const key = token.slice(0, -1);
    if (!next) throw new ParseError(file, line, `no value for "${key.slice(0, 80)}"`);
    // a later value replaces an earlier one (a Perl hash); defineProperty keeps "__proto__" an ordinary key
    if (key === '__proto__') Object.defineProperty(current.values, key, { value: next, enumerable: true, writable: true, configurable: true });
    else current.values[key] = next;
    i++;
  }
  for (const open of stack.slice(1)) {
    diagnostics.push({ file, line: open.line, message: `section "${open.name}" is not closed at the end of the file (Proxmox reads it as if it were)`, severity: 'warning' });
  }

  const totem = root.sections.find((s) => s.name === 'totem');
  const nodelist = root.sections.find((s) => s.name === 'nodelist');
  // by name, in order; Map keeps a re-inserted key at the end like Proxmox's later block
  const byName = new Map<string, CorosyncNode>();
  for (const n of nodelist?.sections.filter((s) => s.name === 'node') ?? []) {
    const links = Object.keys(n.values)
      .filter((k) => LINK_KEY.test(k))
      .sort((a, b) => Number(LINK_KEY.exec(a)![2]) - Number(LINK_KEY.exec(b)![2]))
      .map((key) => ({ key, addr: n.values[key] }));
    const name = n.values.name ?? n.values.ring0_addr;
    if (!name) {
      diagnostics.push({ file, line: n.line, message: 'node without name', severity: 'warning' });
      continue;
    }
    const nodeid = n.values.nodeid !== undefined ? Number(n.values.nodeid) : undefined;
    const earlier = byName.get(name);
    if (earlier) {
      // Proxmox keys the node list by name: the later block replaces the earlier one
      diagnostics.push({ file, line: n.line, message: `node ${name} is listed twice (line ${earlier.line}): this block replaces the earlier one`, severity: 'warning' });
      byName.delete(name);
    }
    byName.set(name, { name, nodeid: Number.isFinite(nodeid) ? nodeid : undefined, rings: links.map((l) => l.addr), links, line: n.line });
  }
  const nodes = [...byName.values()];
  return {
    value: { clusterName: totem?.values.cluster_name, transport: totem?.values.transport, ipVersion: totem?.values.ip_version, nodes, root },
    diagnostics,
  };
});
