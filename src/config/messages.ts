import type { Document, LineCounter, YAMLError } from 'yaml';
import { yamlLib } from '../core/lazy-require.js';

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

/** Where a YAML document's keys and values start, for `file:line:` in validation errors. */
export interface YamlLocator {
  /** The line of the value at this key path, else of its deepest existing parent. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
  /** The line of `key` inside the mapping at mapPath. */
  keyLine(mapPath: readonly PropertyKey[], key: string): number | undefined;
}

export function yamlLocator(doc: Document, lineCounter: LineCounter): YamlLocator {
  const lineOfNode = (node: unknown): number | undefined => {
    const start = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    return start === undefined ? undefined : lineCounter.linePos(start).line;
  };
  const nodeAt = (path: readonly PropertyKey[]): unknown => (path.length ? doc.getIn(path.map(String).map((p) => (/^\d+$/.test(p) ? Number(p) : p)), true) : doc.contents);
  return {
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const line = lineOfNode(nodeAt(path.slice(0, n)));
        if (line !== undefined) return line;
      }
      return undefined;
    },
    keyLine(mapPath, key) {
      const map = nodeAt(mapPath);
      return yamlLib().isMap(map) ? lineOfNode(map.items.find((it) => String((it.key as { value?: unknown })?.value) === key)?.key) : undefined;
    },
  };
}

/** A validation issue as zod reports it (the fields pvesec reads). */
export interface SchemaIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: readonly PropertyKey[];
}

/**
 * One line per issue, `file:line: key.path: what is wrong`: unknown keys named (or counted), the line of
 * the key or value concerned, the schema's own message. keyMessage words an invalid map key (its path).
 */
export function issueLines(file: string, issues: readonly SchemaIssue[], at: YamlLocator, keyMessage?: (path: string[]) => string | undefined): string[] {
  return issues.map((i) => {
    const path = i.path.map(String);
    let line: number | undefined;
    let what = i.message;
    if (i.code === 'unrecognized_keys' && i.keys?.length) {
      what = unknownKeys(i.keys);
      line = at.keyLine(path, String(i.keys[0]));
    } else if (i.code === 'invalid_key') {
      what = keyMessage?.(path) ?? what;
      line = at.keyLine(path.slice(0, -1), path[path.length - 1]);
    }
    line ??= at.lineOf(path);
    return `${file}${line ? `:${line}` : ''}: ${path.length ? path.join('.') : '(top level)'}: ${what}`;
  });
}
