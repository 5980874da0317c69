import { asText, ParseError, type Diagnostic, type Parsed } from './diagnostics.js';

/** One statement of an APT configuration file, with its fully qualified key (original case). */
export type AptConfStatement =
  | { kind: 'set'; key: string; value: string; file: string; line: number }
  | { kind: 'append'; key: string; value: string; file: string; line: number }
  | { kind: 'clear'; key: string; file: string; line: number }
  | { kind: 'include'; path: string; file: string; line: number };

interface Token {
  type: 'word' | 'string' | '{' | '}' | ';' | 'clear' | 'include';
  text: string;
  line: number;
}

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; } // any blank (\f, \v, U+00A0 ...): the word scanner stops on them too
    if (c === '/' && text[i + 1] === '/') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const start = line;
      i += 2;
      while (i < n && !(text[i] === '*' && text[i + 1] === '/')) { if (text[i] === '\n') line++; i++; }
      if (i >= n) throw new ParseError(file, start, 'unterminated /* comment');
      i += 2;
      continue;
    }
    if (c === '#') {
      const m = /^#(clear|include)\b/.exec(text.slice(i, i + 9));
      if (m) { tokens.push({ type: m[1] as 'clear' | 'include', text: m[0], line }); i += m[0].length; continue; }
      while (i < n && text[i] !== '\n') i++; // a comment line
      continue;
    }
    if (c === '"') {
      const start = line;
      let j = i + 1;
      while (j < n && text[j] !== '"') { if (text[j] === '\n') line++; j++; }
      if (j >= n) throw new ParseError(file, start, 'unterminated quoted string');
      tokens.push({ type: 'string', text: text.slice(i + 1, j), line: start });
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '}' || c === ';') { tokens.push({ type: c, text: c, line }); i++; continue; }
    let j = i;
    while (j < n && !/[\s{};"]/.test(text[j]) && !(text[j] === '/' && (text[j + 1] === '/' || text[j + 1] === '*'))) j++;
    tokens.push({ type: 'word', text: text.slice(i, j), line });
    i = j;
  }
  return tokens;
}

/**
 * Parses one file of APT configuration syntax (apt.conf(5)): `A::B "v";`, nested `A { B "v"; };`,
 * list items `"v";` inside a block or `A::B:: "v";`, `#clear A::B;`, `#include`, `//` and `/* *\/`
 * comments. A syntax error makes APT reject the whole file, so it is a ParseError here too.
 */
export function parseAptConf(input: string | Buffer, file = '/etc/apt/apt.conf.d/50unattended-upgrades'): Parsed<AptConfStatement[]> {
  const text = asText(input, file);
  const tokens = tokenize(text, file);
  const out: AptConfStatement[] = [];
  const diagnostics: Diagnostic[] = [];
  const stack: { prefix: string; line: number }[] = [];
  const prefix = () => stack.map((s) => s.prefix).join('::');
  const join = (tag: string) => (stack.length ? `${prefix()}::${tag}` : tag);
  let i = 0;
  const expectSemicolon = (after: Token) => {
    const got = tokens[i];
    if (got?.type !== ';') throw new ParseError(file, got?.line ?? after.line, `expected ";" after "${after.text.slice(0, 60)}"`);
    i++;
  };
  while (i < tokens.length) {
    const t = tokens[i++];
    if (t.type === ';') continue;
    if (t.type === '}') {
      if (!stack.length) throw new ParseError(file, t.line, 'unbalanced "}"');
      stack.pop();
      if (tokens[i]?.type === ';') i++;
      continue;
    }
    if (t.type === 'clear' || t.type === 'include') {
      const arg = tokens[i];
      if (!arg || (arg.type !== 'word' && arg.type !== 'string')) throw new ParseError(file, t.line, `${t.text} needs an argument`);
      i++;
      expectSemicolon(arg);
      if (t.type === 'clear') out.push({ kind: 'clear', key: arg.text.replace(/::$/, ''), file, line: t.line });
      else out.push({ kind: 'include', path: arg.text, file, line: t.line });
      continue;
    }
    if (t.type === '{') throw new ParseError(file, t.line, 'block without a name');
    // t is a word or a string
    const next = tokens[i];
    if (t.type === 'string' && next?.type === ';') {
      if (!stack.length) throw new ParseError(file, t.line, 'list value outside a block');
      out.push({ kind: 'append', key: prefix(), value: t.text, file, line: t.line });
      i++;
      continue;
    }
    if (next?.type === '{') {
      stack.push({ prefix: t.text.replace(/::$/, ''), line: t.line });
      i++;
      continue;
    }
    if (next && (next.type === 'string' || next.type === 'word')) {
      i++;
      expectSemicolon(next);
      if (t.text.endsWith('::')) out.push({ kind: 'append', key: join(t.text.slice(0, -2)), value: next.text, file, line: t.line });
      else out.push({ kind: 'set', key: join(t.text), value: next.text, file, line: t.line });
      continue;
    }
    if (next?.type === ';') {
      // `Tag;` sets an empty value
      i++;
      out.push({ kind: 'set', key: join(t.text), value: '', file, line: t.line });
      continue;
    }
    throw new ParseError(file, t.line, `syntax error near "${t.text.slice(0, 60)}"`);
  }
  if (stack.length) throw new ParseError(file, stack[stack.length - 1].line, `block "${stack[stack.length - 1].prefix}" is not closed`);
  return { value: out, diagnostics };
}

export interface AptConfValue {
  value: string;
  file: string;
  line: number;
}

/** The merged APT configuration tree (keys compared case-insensitively, as APT does). */
export class AptConfig {
  private readonly scalars = new Map<string, AptConfValue>();
  private readonly lists = new Map<string, AptConfValue[]>();

  /** Applies statements in order: later scalars override, list items accumulate, #clear removes a subtree. */
  apply(statements: AptConfStatement[]): this {
    for (const s of statements) {
      if (s.kind === 'include') continue;
      const key = s.key.toLowerCase();
      if (s.kind === 'set') this.scalars.set(key, { value: s.value, file: s.file, line: s.line });
      else if (s.kind === 'append') {
        const l = this.lists.get(key) ?? [];
        l.push({ value: s.value, file: s.file, line: s.line });
        this.lists.set(key, l);
      } else {
        for (const m of [this.scalars, this.lists] as Map<string, unknown>[]) {
          for (const k of [...m.keys()]) if (k === key || k.startsWith(key + '::')) m.delete(k);
        }
      }
    }
    return this;
  }

  get(key: string): AptConfValue | undefined {
    return this.scalars.get(key.toLowerCase());
  }

  list(key: string): AptConfValue[] {
    return this.lists.get(key.toLowerCase()) ?? [];
  }
}

/** Whether APT reads a file of a parts directory: only [A-Za-z0-9_.-] names, no extension or ".conf". */
export function aptReadsPart(name: string): boolean {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return false;
  const dot = name.lastIndexOf('.');
  return dot === -1 || name.slice(dot) === '.conf';
}

/** APT's boolean reading of a value ("1", "true", "yes", "on", "enable"). */
export function aptTrue(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on', 'enable', 'with'].includes(t)) return true;
  if (['0', 'false', 'no', 'off', 'disable', 'without', ''].includes(t)) return false;
  return /^\d+$/.test(t) ? Number(t) !== 0 : undefined;
}
