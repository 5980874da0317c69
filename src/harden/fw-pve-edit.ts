/**
 * Edits of Proxmox firewall files (cluster.fw, host.fw) as text: every line the edit is not about
 * (comments, blank lines, other sections, rule order) stays byte for byte. Sections are found the way
 * pve-firewall finds them (src/parse/pve-fw.ts): a line, blanks trimmed, that is exactly `[OPTIONS]`,
 * `[ALIASES]`, `[RULES]` (any case) or starts `[IPSET name]` / `[group name]`; host.fw knows only
 * `[OPTIONS]` and `[RULES]`. Files with CRLF line endings are not edited (Proxmox misreads them: FW-08).
 */

export type FwFileKind = 'cluster' | 'host';

/** Marks the rule lines pvesec adds, so the next plan replaces them instead of adding them again. */
export const PVESEC_RULE_TAG = '# pvesec:';

interface Section {
  kind: string;
  /** ipset / group name, lowercased. */
  name?: string;
  /** Index of the header line. */
  header: number;
  /** Index one past the section's last line (the next header, or the end). */
  end: number;
}

const trimBlanks = (s: string) => s.replace(/^[ \t]+|[ \t]+$/g, '');

function headerOf(line: string, kind: FwFileKind): { kind: string; name?: string } | undefined {
  const t = trimBlanks(line);
  if (!t.startsWith('[')) return undefined;
  const lower = t.toLowerCase();
  for (const k of kind === 'host' ? ['options', 'rules'] : ['options', 'aliases', 'rules']) if (lower === `[${k}]`) return { kind: k };
  if (kind === 'host') return undefined;
  const m = /^\[(group|ipset)\s+(\S+)\]/i.exec(t);
  if (!m) return undefined;
  const rest = t.slice(m[0].length).trimStart();
  if (rest !== '' && !rest.startsWith('#')) return undefined;
  return { kind: m[1].toLowerCase(), name: m[2].toLowerCase() };
}

/** A file as lines (the final newline, when there is one, is kept apart so it survives). */
class FwText {
  lines: string[];
  private readonly finalNewline: boolean;

  constructor(text: string, readonly kind: FwFileKind, readonly file: string) {
    if (text.includes('\r')) throw new FwEditError(`${file} has CRLF line endings, which Proxmox misreads (FW-08): convert it to LF first`);
    this.finalNewline = text === '' || text.endsWith('\n');
    this.lines = text === '' ? [] : (this.finalNewline ? text.slice(0, -1) : text).split('\n');
  }

  sections(): Section[] {
    const out: Section[] = [];
    this.lines.forEach((l, i) => {
      if (l.startsWith('#')) return;
      const h = headerOf(l, this.kind);
      if (!h) return;
      if (out.length) out[out.length - 1].end = i;
      out.push({ ...h, header: i, end: this.lines.length });
    });
    return out;
  }

  find(kind: string, name?: string): Section | undefined {
    return this.sections().find((s) => s.kind === kind && (name === undefined || s.name === name));
  }

  /** Index of the last non-blank line of a section (the header when it has none). */
  lastContent(s: Section): number {
    for (let i = s.end - 1; i > s.header; i--) if (trimBlanks(this.lines[i]) !== '') return i;
    return s.header;
  }

  /** Inserts a new section (header, blank, body, blank) before line `at`. */
  insertSection(at: number, header: string, body: string[]): void {
    const block = [header, '', ...body, ''];
    // keep one blank line between the previous content and the new section
    if (at > 0 && trimBlanks(this.lines[at - 1]) !== '') block.unshift('');
    this.lines.splice(at, 0, ...block);
  }

  text(): string {
    const body = this.lines.join('\n');
    return this.finalNewline || this.lines.length === 0 ? `${body}\n` : body;
  }
}

export class FwEditError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FwEditError';
  }
}

/**
 * Sets `key: value` in [OPTIONS]: every line setting the key (Proxmox keeps the last one) is rewritten,
 * else the line is added after the section's last line; a file without [OPTIONS] gets one at its top.
 */
export function setOption(text: string, kind: FwFileKind, key: string, value: string, file = kind === 'cluster' ? 'cluster.fw' : 'host.fw'): string {
  const f = new FwText(text, kind, file);
  const line = `${key}: ${value}`;
  const s = f.find('options');
  if (!s) {
    f.insertSection(0, '[OPTIONS]', [line]);
    return f.text();
  }
  const re = new RegExp(`^${key}\\s*:`, 'i');
  let found = false;
  for (let i = s.header + 1; i < s.end; i++) {
    if (re.test(trimBlanks(f.lines[i]))) {
      found = true;
      if (trimBlanks(f.lines[i]) !== line) f.lines[i] = line;
    }
  }
  if (!found) f.lines.splice(f.lastContent(s) + 1, 0, line);
  return f.text();
}

export interface IpsetEntry {
  /** An address, CIDR or alias as pve-firewall takes it (`!` for nomatch). */
  cidr: string;
  comment?: string;
}

/** The first section a new [ALIASES]/[IPSET] must precede: rules reference only what is defined above them. */
function firstUser(f: FwText): number {
  const s = f.sections().find((x) => x.kind === 'rules' || x.kind === 'group');
  return s ? s.header : f.lines.length;
}

/**
 * Makes `[IPSET name]` hold exactly `entries`: entry lines already there for a wanted address keep their
 * bytes (and comments); other entries are removed; comment and blank lines of the section stay; new
 * entries go after the last kept entry. A missing section is added before the first [RULES]/[group].
 */
export function setIpset(text: string, name: string, entries: IpsetEntry[], file = 'cluster.fw'): string {
  const f = new FwText(text, 'cluster', file);
  const key = name.toLowerCase();
  const render = (e: IpsetEntry) => (e.comment ? `${e.cidr} # ${e.comment}` : e.cidr);
  const s = f.find('ipset', key);
  if (!s) {
    f.insertSection(firstUser(f), `[IPSET ${key}]`, entries.map(render));
    return f.text();
  }
  const wanted = new Map(entries.map((e) => [e.cidr.toLowerCase(), e]));
  const kept = new Set<string>();
  const body: string[] = [];
  let insertAt = 0;
  for (let i = s.header + 1; i < s.end; i++) {
    const raw = f.lines[i];
    const t = trimBlanks(raw);
    if (t === '' || t.startsWith('#')) {
      body.push(raw);
      continue;
    }
    const addr = t.split(/\s+/)[0].toLowerCase();
    if (wanted.has(addr) && !kept.has(addr)) {
      kept.add(addr);
      body.push(raw);
      insertAt = body.length;
    }
  }
  const added = entries.filter((e) => !kept.has(e.cidr.toLowerCase())).map(render);
  if (insertAt === 0) {
    // no entry kept: new ones go after the leading blank/comment lines that follow the header
    let lead = 0;
    while (lead < body.length && trimBlanks(body[lead]) === '' ) lead++;
    insertAt = lead;
  }
  body.splice(insertAt, 0, ...added);
  f.lines.splice(s.header + 1, s.end - s.header - 1, ...body);
  return f.text();
}

/** Sets alias `name` (case-insensitive) in [ALIASES]; a missing section is added before the first [IPSET]/[RULES]/[group]. */
export function setAlias(text: string, name: string, value: string, comment?: string, file = 'cluster.fw'): string {
  const f = new FwText(text, 'cluster', file);
  const line = `${name} ${value}${comment ? ` # ${comment}` : ''}`;
  const s = f.find('aliases');
  if (!s) {
    const next = f.sections().find((x) => x.kind === 'ipset' || x.kind === 'rules' || x.kind === 'group');
    f.insertSection(next ? next.header : f.lines.length, '[ALIASES]', [line]);
    return f.text();
  }
  let found = false;
  for (let i = s.header + 1; i < s.end; i++) {
    const t = trimBlanks(f.lines[i]);
    if (t.startsWith('#')) continue;
    const [n, v] = t.split(/\s+/);
    if (n?.toLowerCase() !== name.toLowerCase()) continue;
    found = true;
    if (v !== value) f.lines[i] = line;
  }
  if (!found) f.lines.splice(f.lastContent(s) + 1, 0, line);
  return f.text();
}

/**
 * Puts `rules` (each without the tag; it is added) at the top of [RULES], in order, replacing every line
 * of that section a previous plan added (tagged `# pvesec:`). A missing [RULES] section is appended.
 * Rules at the top run before every other rule of the file (host.fw rules run before cluster.fw's).
 */
export function setPvesecRules(text: string, kind: FwFileKind, rules: { rule: string; why: string }[], file = kind === 'cluster' ? 'cluster.fw' : 'host.fw'): string {
  const f = new FwText(text, kind, file);
  const tagged = rules.map((r) => `${r.rule} ${PVESEC_RULE_TAG} ${r.why}`);
  let s = f.find('rules');
  if (!s) {
    if (!tagged.length) return f.text();
    f.insertSection(f.lines.length, '[RULES]', tagged);
    return f.text();
  }
  const ours = (l: string) => !l.startsWith('#') && trimBlanks(l).includes(` ${PVESEC_RULE_TAG} `);
  for (let i = s.end - 1; i > s.header; i--) if (ours(f.lines[i])) f.lines.splice(i, 1);
  s = f.find('rules')!;
  // after the blank lines that follow the header, before the first rule or comment
  let at = s.header + 1;
  while (at < s.end && trimBlanks(f.lines[at]) === '') at++;
  if (at === s.end && at > s.header + 1) at = s.header + 2; // only blanks: right after the first blank
  f.lines.splice(at, 0, ...tagged);
  return f.text();
}
