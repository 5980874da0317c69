import type { YAMLError } from 'yaml';

/**
 * Error texts about configuration files that never quote the file's content: a path given by
 * mistake (access_matrix: /etc/shadow) must not end up printed in a report or a terminal.
 */

const PLAIN_KEY = /^[A-Za-z0-9_.@!-]{1,64}$/;

/** `unknown key(s) "a", "b"` when every key is a plain name, else how many (a line of another file is not a key to show). */
export function unknownKeys(keys: readonly PropertyKey[]): string {
  const names = keys.map(String);
  if (names.every((k) => PLAIN_KEY.test(k))) return `unknown key(s) ${names.map((k) => `"${k}"`).join(', ')}`;
  return `${names.length} unknown key(s), not shown (this does not look like the expected file)`;
}

/** `file:line: invalid YAML (unexpected token)`: the parser's own message quotes the text, so only its code is kept. */
export function yamlErrorLine(file: string, e: YAMLError): string {
  const line = e.linePos?.[0]?.line;
  return `${file}${line ? `:${line}` : ''}: invalid YAML (${e.code.toLowerCase().replace(/_/g, ' ')})`;
}
