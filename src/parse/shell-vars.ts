import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';
import { firstWord } from './section-config.js';

export interface ShellVar {
  value: string;
  line: number;
}

/**
 * Variable assignments of a shell-sourced defaults file (/etc/default/pveproxy): `NAME=value`,
 * `NAME="..."`, `NAME='...'`, optional `export`, `#` comments. The last assignment wins, as when
 * the shell sources it. Lines that are not plain assignments are reported and skipped.
 */
export function parseShellVars(input: string | Buffer, file = '/etc/default/pveproxy'): Parsed<Map<string, ShellVar>> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const vars = new Map<string, ShellVar>();
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t);
    if (!m) {
      diagnostics.push({ file, line, message: `not a variable assignment: line starting with '${firstWord(t)}'`, severity: 'warning' });
      continue;
    }
    const value = shellWord(m[2]);
    if (value === undefined) {
      diagnostics.push({ file, line, message: `unterminated quote in ${m[1]}`, severity: 'warning' });
      continue;
    }
    vars.set(m[1], { value, line });
  }
  return { value: vars, diagnostics };
}

/** The value of one shell word (quotes removed, backslash escapes resolved, trailing comment dropped). */
function shellWord(s: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1])) j++;
        out += s[j];
      }
      if (j >= s.length) return undefined;
      i = j + 1;
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (/\s/.test(c)) {
      break; // end of the word (a comment or a command after it)
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
