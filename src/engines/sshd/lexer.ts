/**
 * sshd's line lexer, identical in OpenSSH 9.2 and 10.0 (misc.c): the keyword is cut with strdelim
 * (splits on whitespace, a double quote or ONE '='), the rest of the line with argv_split (splits on
 * blanks only, single and double quotes, backslash escapes, '#' at the start of a word ends the line).
 * All functions are linear in the line length.
 */

const WHITESPACE = ' \t\r\n';
const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/** servconf.c strips trailing whitespace and form feeds, but never the first character. */
export function trimLineEnd(line: string): string {
  let len = line.length;
  if (len === 0) return line;
  for (len--; len > 0; len--) {
    const c = line[len];
    if (!(WHITESPACE.includes(c) || c === '\f')) break;
  }
  return line.slice(0, len + 1);
}

/** load_server_config drops leading spaces, tabs and carriage returns of every line. */
export function stripLineStart(line: string): string {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t' || line[i] === '\r')) i++;
  return i === 0 ? line : line.slice(i);
}

export interface Delimited {
  /** The token, or null where strdelim returns NULL (unterminated quote, or nothing left). */
  token: string | null;
  /** What remains of the line, or null where strdelim sets its cursor to NULL. */
  rest: string | null;
}

/** strdelim (split_equals = 1): one token off the front of `s`. */
export function strdelim(s: string | null): Delimited {
  if (s === null) return { token: null, rest: null };
  let i = 0;
  while (i < s.length && !(isWhitespace(s[i]) || s[i] === '"' || s[i] === '=')) i++;
  if (i === s.length) return { token: s, rest: null };
  if (s[i] === '"') {
    const close = s.indexOf('"', i + 1);
    if (close === -1) return { token: null, rest: null };
    const token = s.slice(0, i) + s.slice(i + 1, close);
    let j = close + 1;
    while (j < s.length && isWhitespace(s[j])) j++;
    return { token, rest: s.slice(j) };
  }
  const sawEquals = s[i] === '=';
  const token = s.slice(0, i);
  let j = i + 1;
  while (j < s.length && isWhitespace(s[j])) j++;
  if (!sawEquals && s[j] === '=') {
    j++;
    while (j < s.length && isWhitespace(s[j])) j++;
  }
  return { token, rest: s.slice(j) };
}

const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const BACKSLASH = 0x5c;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** argv_split(s, terminate_on_comment = 1). Returns null for an unterminated quote ("invalid quotes"). */
export function argvSplit(s: string): string[] | null {
  const argv: string[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i++;
      continue;
    }
    if (c === HASH) break;
    let quote = 0;
    let arg = '';
    let runStart = i;
    for (; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch === BACKSLASH) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : -1;
        if (next === SQUOTE || next === DQUOTE || next === BACKSLASH || (quote === 0 && next === SPACE)) {
          arg += s.slice(runStart, i);
          i++;
          runStart = i;
        }
      } else if (quote === 0) {
        if (ch === SPACE || ch === TAB) break;
        if (ch === DQUOTE || ch === SQUOTE) {
          arg += s.slice(runStart, i);
          quote = ch;
          runStart = i + 1;
        }
      } else if (ch === quote) {
        arg += s.slice(runStart, i);
        quote = 0;
        runStart = i + 1;
      }
    }
    arg += s.slice(runStart, i);
    argv.push(arg);
    if (i >= n) {
      if (quote !== 0) return null;
      break;
    }
  }
  return argv;
}
