import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

/** A value of a section property with the line it came from. */
export interface LocatedValue {
  value: string;
  line: number;
}

export interface Section {
  type: string;
  id: string;
  line: number;
  props: Map<string, LocatedValue>;
}

/**
 * Proxmox section config (PVE::SectionConfig): `TYPE: ID` header, then indented `key value` lines
 * until an empty line; `#` comment lines anywhere. Like Proxmox: sections of unknown types and
 * malformed lines are skipped with a warning, the first value of a repeated key is kept.
 */
export function parseSectionConfig(input: string | Buffer, file: string, knownTypes?: readonly string[]): Parsed<Section[]> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const warn = (line: number, message: string) => diagnostics.push({ file, line, message, severity: 'warning' });
  const sections: Section[] = [];
  let current: Section | undefined;
  let skipping = false;
  for (const { line, text: raw } of numberedLines(text)) {
    if (/^\s*#/.test(raw)) continue;
    if (raw === '') {
      current = undefined;
      skipping = false;
      continue;
    }
    if (current || skipping) {
      if (skipping) continue;
      const m = /^\s+(\S+)(?:\s+(.*\S))?\s*$/.exec(raw);
      if (!m) {
        warn(line, `(section '${current!.id}') - ignore config line starting with '${firstWord(raw)}'`);
        continue;
      }
      if (current!.props.has(m[1])) {
        warn(line, `(section '${current!.id}') - duplicate attribute '${m[1]}'`);
        continue;
      }
      current!.props.set(m[1], { value: m[2] ?? '', line });
      continue;
    }
    const h = /^(\S+):\s*(\S+)\s*$/.exec(raw);
    if (!h) {
      warn(line, `ignore config line starting with '${firstWord(raw)}'`);
      continue;
    }
    if (knownTypes && !knownTypes.includes(h[1])) {
      warn(line, `(skip section '${h[2]}'): unsupported type '${h[1]}'`);
      skipping = true;
      continue;
    }
    current = { type: h[1], id: h[2], line, props: new Map() };
    sections.push(current);
  }
  return { value: sections, diagnostics };
}

/**
 * The first word of a skipped line: enough to find it, without echoing a value that may be a
 * secret (a bind password written without its indentation, say).
 */
export function firstWord(line: string): string {
  return (line.trim().split(/[\s:=]/)[0] ?? '').slice(0, 40);
}

/**
 * The `key: value` lines of a flat Proxmox config (datacenter.cfg, nodes/<node>/config); blank and `#`
 * lines skipped, anything else reported by its first word only.
 */
export function keyValueLines(text: string, file: string, diagnostics: Diagnostic[]): { line: number; key: string; value: string }[] {
  const out: { line: number; key: string; value: string }[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^([a-z][a-z0-9_-]*)\s*:\s*(.*)$/i.exec(t);
    if (!m) {
      diagnostics.push({ file, line, message: `unable to parse line starting with '${firstWord(t)}'`, severity: 'warning' });
      continue;
    }
    out.push({ line, key: m[1], value: m[2] });
  }
  return out;
}

/**
 * A Proxmox property string (`type=oath,digits=6` or `rp=x,origin=y`); a bare first item is the
 * value of defaultKey. Unparseable items are ignored.
 */
export function parsePropertyString(text: string, defaultKey?: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of text.split(',')) {
    const t = item.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq > 0) out.set(t.slice(0, eq).trim(), t.slice(eq + 1).trim());
    else if (defaultKey && !out.has(defaultKey)) out.set(defaultKey, t);
  }
  return out;
}
