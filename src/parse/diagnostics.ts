/** A problem found while parsing a file, located by file and (1-based) line. */
export interface Diagnostic {
  file: string;
  line?: number;
  message: string;
  severity: 'warning' | 'error';
}

/** Thrown when a file cannot be parsed at all; the checks that need it report SKIP with this text. */
export class ParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
    this.name = 'ParseError';
  }
}

/** Result of a lenient parser: the value plus what was skipped or suspicious, as the real program would warn. */
export interface Parsed<T> {
  value: T;
  diagnostics: Diagnostic[];
}

export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

/**
 * Guards every text parser: rejects binary data and absurdly large files with a located error,
 * so that garbage never reaches format-specific code.
 */
export function asText(input: string | Buffer, file: string, maxBytes = MAX_CONFIG_BYTES): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes) throw new ParseError(file, undefined, `file too large (${size} bytes, limit ${maxBytes})`);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const line = text.slice(0, nul).split('\n').length;
    throw new ParseError(file, line, 'binary data (NUL byte) in a text file');
  }
  return text;
}

/** Splits text into lines, numbering from 1, without the trailing newline characters. */
export function numberedLines(text: string): { line: number; text: string }[] {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((t, i) => ({ line: i + 1, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
}
