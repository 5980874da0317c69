import { asText, type Diagnostic, type Parsed } from './diagnostics.js';
import { lineLocator } from './line-index.js';

/** A network destination driver inside a syslog-ng destination. */
export interface SyslogNgNetworkDestination {
  /** Destination name (or "<inline>" for a destination written inside a log path). */
  name: string;
  driver: string;
  target: string;
  file: string;
  line: number;
}

export interface SyslogNgConf {
  destinations: SyslogNgNetworkDestination[];
  /** Destination names referenced by log paths (`log { ... destination(d_net); };`). */
  usedDestinations: { name: string; line: number }[];
  /** Inline network destinations inside log paths (always in use). */
  inlineDestinations: SyslogNgNetworkDestination[];
  includes: { glob: string; line: number }[];
}

const NETWORK_DRIVERS = ['network', 'syslog', 'tcp', 'udp', 'tcp6', 'udp6'];

/** Blanks out `#` comments (outside quotes) so offsets and line numbers stay valid. */
function blankComments(text: string): string {
  const out = text.split('');
  let quote: string | undefined;
  for (let i = 0; i < out.length; i++) {
    const c = out[i];
    if (quote) {
      if (c === '\\') { i++; continue; }
      if (c === quote || c === '\n') quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; continue; }
    if (c === '#') while (i < out.length && out[i] !== '\n') out[i++] = ' ';
  }
  return out.join('');
}

/**
 * Offset of the brace matching each `{`, from one pass over the text (quoted strings skipped): a
 * lookup per block instead of a scan per block (nested blocks were re-scanned once per level).
 */
function braceMap(text: string): Map<number, number> {
  const pairs = new Map<number, number>();
  const open: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{') open.push(i);
    else if (c === '}' && open.length) pairs.set(open.pop()!, i);
  }
  return pairs;
}

/** Where things are in the text being parsed: line of an offset, matching brace of a `{`. */
interface Located {
  lineOf: (offset: number) => number;
  /** Offset of the brace matching the one at `open`, or -1 (unclosed, or inside a quoted string). */
  matchBrace: (open: number) => number;
}

function networkDrivers(body: string, bodyOffset: number, at: Located, name: string, file: string): SyslogNgNetworkDestination[] {
  const out: SyslogNgNetworkDestination[] = [];
  const re = new RegExp(`\\b(${NETWORK_DRIVERS.join('|')})\\s*\\(\\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_.:-]+)(?=[\\s)]))`, 'g');
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const target = m[2] ?? m[3] ?? m[4];
    if (!target) continue;
    out.push({ name, driver: m[1], target, file, line: at.lineOf(bodyOffset + m.index) });
  }
  return out;
}

/**
 * Parses a syslog-ng configuration file: named destinations with a network driver
 * (`network("host" ...)`, `syslog("host")`, `tcp()`, `udp()`), the destinations used by log paths,
 * network destinations written inline in a log path, and `@include` directives.
 */
export function parseSyslogNgConf(input: string | Buffer, file = '/etc/syslog-ng/syslog-ng.conf'): Parsed<SyslogNgConf> {
  const text = blankComments(asText(input, file));
  const diagnostics: Diagnostic[] = [];
  const value: SyslogNgConf = { destinations: [], usedDestinations: [], inlineDestinations: [], includes: [] };
  const pairs = braceMap(text);
  const at: Located = { lineOf: lineLocator(text), matchBrace: (open) => pairs.get(open) ?? -1 };
  const incRe = /^\s*@include\s+"([^"]+)"/gm;
  let m: RegExpExecArray | null;
  while ((m = incRe.exec(text))) value.includes.push({ glob: m[1], line: at.lineOf(m.index + m[0].indexOf('@')) });

  // top-level objects only: a `log` block may nest further log blocks, handled by scanning its body
  const objRe = /\b(destination|log)\b\s*([A-Za-z0-9_-]+)?\s*\{/g;
  while ((m = objRe.exec(text))) {
    const open = m.index + m[0].length - 1;
    const close = at.matchBrace(open);
    if (close === -1) {
      diagnostics.push({ file, line: at.lineOf(m.index), message: `unclosed ${m[1]} block`, severity: 'warning' });
      break;
    }
    const body = text.slice(open + 1, close);
    if (m[1] === 'destination' && m[2]) {
      value.destinations.push(...networkDrivers(body, open + 1, at, m[2], file));
    } else if (m[1] === 'log') {
      const refRe = /\bdestination\s*\(\s*([A-Za-z0-9_-]+)\s*\)/g;
      let r: RegExpExecArray | null;
      while ((r = refRe.exec(body))) value.usedDestinations.push({ name: r[1], line: at.lineOf(open + 1 + r.index) });
      const inlineRe = /\bdestination\s*\{/g;
      while ((r = inlineRe.exec(body))) {
        const o = open + 1 + r.index + r[0].length - 1;
        const c = at.matchBrace(o);
        if (c === -1) continue;
        value.inlineDestinations.push(...networkDrivers(text.slice(o + 1, c), o + 1, at, '<inline>', file));
        inlineRe.lastIndex = c - open; // a destination block nested in this one was scanned with it
      }
    } else continue;
    objRe.lastIndex = close + 1;
  }
  return { value, diagnostics };
}
