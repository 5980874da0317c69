import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

/** One `key = value` as written, with where it was written. */
export interface IniValue {
  value: string;
  file: string;
  line: number;
  /** The value this one overrode (for `%(known/key)s`). */
  known?: IniValue;
}

/** Sections of one or more INI files: section name -> option (lowercased) -> value. */
export type IniSections = Map<string, Map<string, IniValue>>;

/**
 * Parses one fail2ban .conf/.local file the way Python's configparser (as fail2ban configures it)
 * reads it: `[section]`, `key = value` or `key: value`, keys case-insensitive, continuation lines
 * indented, `#`/`;` comment lines, inline comments only after ` ;`.
 */
export function parseFail2banIni(input: string | Buffer, file = '/etc/fail2ban/jail.conf'): Parsed<IniSections> {
  const text = asText(input, file);
  const sections: IniSections = new Map();
  const diagnostics: Diagnostic[] = [];
  let current: Map<string, IniValue> | undefined;
  let last: IniValue | undefined;
  for (const { line, text: raw } of numberedLines(text)) {
    const trimmed = raw.trim();
    if (trimmed === '') {
      last = undefined;
      continue;
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (/^[ \t]/.test(raw) && last) {
      last.value = last.value === '' ? stripInline(trimmed) : `${last.value}\n${stripInline(trimmed)}`;
      continue;
    }
    const sec = /^\[([^\]]+)\]/.exec(trimmed);
    if (sec) {
      const name = sec[1];
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      last = undefined;
      continue;
    }
    const kv = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!kv) {
      diagnostics.push({ file, line, message: 'not a "key = value" line', severity: 'warning' });
      last = undefined;
      continue;
    }
    if (!current) {
      diagnostics.push({ file, line, message: 'option before any [section] header', severity: 'warning' });
      last = undefined;
      continue;
    }
    last = { value: stripInline(kv[2]), file, line };
    current.set(kv[1].trim().toLowerCase(), last);
  }
  return { value: sections, diagnostics };
}

function stripInline(v: string): string {
  const m = /\s;/.exec(v);
  return (m ? v.slice(0, m.index) : v).trim();
}

/** Reading order of fail2ban for `jail`: jail.conf, jail.d/*.conf, jail.local, jail.d/*.local. */
export function fail2banReadOrder(paths: string[], base = '/etc/fail2ban/jail'): string[] {
  const dir = base + '.d/';
  const inDir = (ext: string) => paths.filter((p) => p.startsWith(dir) && !p.slice(dir.length).includes('/') && p.endsWith(ext)).sort(byteOrder);
  return [
    ...paths.filter((p) => p === base + '.conf'),
    ...inDir('.conf'),
    ...paths.filter((p) => p === base + '.local'),
    ...inDir('.local'),
  ];
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Overlays files in order: later files override single options; sections merge. */
export function mergeIni(layers: IniSections[]): IniSections {
  const out: IniSections = new Map();
  for (const layer of layers) {
    for (const [name, opts] of layer) {
      const target = out.get(name) ?? new Map();
      out.set(name, target);
      for (const [k, v] of opts) {
        // keep what it overrode so that %(known/k)s can refer to it
        const prev = target.get(k);
        target.set(k, prev ? { ...v, known: prev } : v);
      }
    }
  }
  return out;
}

/** Values in a section as fail2ban sees them: section options over [DEFAULT]. */
export function lookup(sections: IniSections, section: string, key: string): IniValue | undefined {
  return sections.get(section)?.get(key) ?? sections.get('DEFAULT')?.get(key);
}

const MAX_DEPTH = 10;

/**
 * Expands `%(name)s` as fail2ban's BasicInterpolationWithName does: `name` from the section, then
 * [DEFAULT]; `known/name` is the value before the last override; `__name__` is the section name;
 * `%%` is a literal %. Fails (returns undefined with a reason) on a missing name or a loop.
 */
export function interpolate(sections: IniSections, section: string, raw: IniValue, depth = 0): { value?: string; error?: string } {
  if (depth > MAX_DEPTH) return { error: `interpolation deeper than ${MAX_DEPTH} levels (loop?)` };
  let error: string | undefined;
  const value = raw.value.replace(/%%|%\(([^)]*)\)s/g, (whole, name: string | undefined) => {
    if (whole === '%%') return '%';
    if (error || name === undefined) return '';
    const key = name.toLowerCase();
    if (key === '__name__') return section;
    let ref: IniValue | undefined;
    if (key.startsWith('known/')) {
      const k = key.slice(6);
      const cur = sections.get(section)?.get(k);
      ref = cur?.known ?? (section !== 'DEFAULT' ? sections.get('DEFAULT')?.get(k) : undefined);
    } else if (key.startsWith('default/')) {
      ref = sections.get('DEFAULT')?.get(key.slice(8));
    } else {
      ref = lookup(sections, section, key);
    }
    if (!ref) {
      error = `%(${name})s is not defined`;
      return '';
    }
    if (ref === raw) {
      error = `%(${name})s refers to itself`;
      return '';
    }
    const inner = interpolate(sections, section, ref, depth + 1);
    if (inner.error) error = inner.error;
    return inner.value ?? '';
  });
  return error ? { error } : { value };
}

/**
 * fail2ban time values (MyTime.str2seconds): plain seconds, or a sum of `<n><unit>` with units
 * s/m/h/d/w/mo/y (and their long forms); -1 means permanent. Undefined when unparseable.
 */
export function parseFail2banTime(v: string): number | undefined {
  const t = v.trim().toLowerCase();
  if (/^[+-]?\d+(\.\d+)?$/.test(t)) return Number(t);
  const units: [RegExp, number][] = [
    [/^(y|yea|years?)$/, 365 * 86400], [/^(mo|mon|months?)$/, 30 * 86400], [/^(w|wee|weeks?)$/, 7 * 86400],
    [/^(d|dd|days?)$/, 86400], [/^(h|hh|hours?)$/, 3600], [/^(m|mm|mi|mins?|minutes?)$/, 60], [/^(s|ss|secs?|seconds?)$/, 1],
  ];
  let total = 0;
  let rest = t;
  let any = false;
  while (rest.length) {
    const m = /^\s*([+-]?\d+(?:\.\d+)?)\s*([a-z]*)\s*/.exec(rest);
    if (!m || m[0] === '') return undefined;
    const unit = m[2] === '' ? 1 : units.find(([re]) => re.test(m[2]))?.[1];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
    any = true;
  }
  return any ? total : undefined;
}

/** A jail with its effective (interpolated) options. */
export interface Fail2banJail {
  name: string;
  enabled: boolean;
  /** Effective option values (interpolated); keys lowercased. */
  options: Map<string, ResolvedValue>;
}

export interface ResolvedValue {
  value: string;
  /** Where the winning raw value was written. */
  file: string;
  line: number;
}

export interface Fail2banConfig {
  jails: Fail2banJail[];
}

const NON_JAILS = new Set(['DEFAULT', 'INCLUDES', 'Definition', 'Init']);

/**
 * Resolves the jails of a fail2ban configuration from the files as read in fail2ban's order
 * (see fail2banReadOrder), plus optional `before` layers (paths-*.conf) read first.
 */
export function resolveFail2ban(files: { path: string; content: string | Buffer }[], before: { path: string; content: string | Buffer }[] = []): Parsed<Fail2banConfig> {
  const diagnostics: Diagnostic[] = [];
  const layers: IniSections[] = [];
  for (const f of [...before, ...files]) {
    const p = parseFail2banIni(f.content, f.path);
    diagnostics.push(...p.diagnostics);
    p.value.delete('INCLUDES');
    layers.push(p.value);
  }
  const merged = mergeIni(layers);
  const jails: Fail2banJail[] = [];
  for (const name of merged.keys()) {
    if (NON_JAILS.has(name)) continue;
    const keys = new Set([...(merged.get('DEFAULT')?.keys() ?? []), ...(merged.get(name)?.keys() ?? [])]);
    const options = new Map<string, ResolvedValue>();
    for (const key of keys) {
      const raw = lookup(merged, name, key)!;
      const r = interpolate(merged, name, raw);
      if (r.error !== undefined) {
        if (merged.get(name)?.has(key)) diagnostics.push({ file: raw.file, line: raw.line, message: `[${name}] ${key}: ${r.error}`, severity: 'warning' });
        continue;
      }
      options.set(key, { value: r.value!, file: raw.file, line: raw.line });
    }
    const enabled = /^(true|yes|1|on)$/i.test(options.get('enabled')?.value.trim() ?? 'false');
    jails.push({ name, enabled, options });
  }
  return { value: { jails }, diagnostics };
}

/** Splits a `filter = name[opt=v, ...]` value into the filter name and its options. */
export function splitFilterSpec(spec: string): { name: string; options: Record<string, string> } {
  const m = /^\s*([^[\s]+)\s*(?:\[(.*)\])?\s*$/s.exec(spec);
  if (!m) return { name: spec.trim(), options: {} };
  const options: Record<string, string> = {};
  for (const part of (m[2] ?? '').split(',')) {
    const kv = /^\s*([\w.-]+)\s*=\s*["']?(.*?)["']?\s*$/.exec(part);
    if (kv) options[kv[1].toLowerCase()] = kv[2];
  }
  return { name: m[1], options };
}

/** Resolved failregex lines of a filter ([Definition] failregex), with DEFAULT/Init interpolation. */
export function resolveFilterRegexes(files: { path: string; content: string | Buffer }[], jailOptions: Record<string, string> = {}): Parsed<string[]> {
  const diagnostics: Diagnostic[] = [];
  const layers: IniSections[] = [];
  for (const f of files) {
    const p = parseFail2banIni(f.content, f.path);
    diagnostics.push(...p.diagnostics);
    p.value.delete('INCLUDES');
    layers.push(p.value);
  }
  const merged = mergeIni(layers);
  const def = merged.get('Definition') ?? new Map<string, IniValue>();
  // [Init] values and jail-supplied filter options act as defaults of the definition section
  const defaults = new Map<string, IniValue>([...(merged.get('DEFAULT') ?? []), ...(merged.get('Init') ?? [])]);
  for (const [k, v] of Object.entries(jailOptions)) defaults.set(k, { value: v, file: '<jail>', line: 0 });
  const view: IniSections = new Map([['DEFAULT', defaults], ['Definition', def]]);
  const raw = def.get('failregex');
  if (!raw) return { value: [], diagnostics };
  const r = interpolate(view, 'Definition', raw);
  if (r.error !== undefined) {
    diagnostics.push({ file: raw.file, line: raw.line, message: `failregex: ${r.error}`, severity: 'warning' });
    return { value: [], diagnostics };
  }
  return { value: r.value!.split('\n').map((s) => s.trim()).filter(Boolean), diagnostics };
}
