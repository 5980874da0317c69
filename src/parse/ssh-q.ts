import { asText, numberedLines, ParseError, type Parsed } from './diagnostics.js';

/** The algorithm kinds pvesec collects with `ssh -Q <kind>`. */
export const SSH_QUERIES = ['kex', 'cipher', 'mac', 'key'] as const;
export type SshQuery = (typeof SSH_QUERIES)[number];

const ALGORITHM_NAME = /^[A-Za-z0-9][A-Za-z0-9@._+-]*$/;

/**
 * Output of `ssh -Q kex|cipher|mac|key`: one algorithm name per line, as this OpenSSH build supports
 * them. Anything else (ssh's "Unsupported query", an unknown option) is not such a list: ParseError
 * naming the line, so nobody mistakes an error message for an empty or partial list.
 */
export function parseSshQuery(input: string | Buffer, file: string): Parsed<string[]> {
  const text = asText(input, file);
  const names: string[] = [];
  for (const l of numberedLines(text)) {
    const name = l.text.trim();
    if (name === '') continue;
    if (!ALGORITHM_NAME.test(name)) throw new ParseError(file, l.line, `not an algorithm name: ${JSON.stringify(name.slice(0, 80))}`);
    names.push(name);
  }
  if (names.length === 0) throw new ParseError(file, undefined, 'no algorithm listed');
  return { value: names, diagnostics: [] };
}
