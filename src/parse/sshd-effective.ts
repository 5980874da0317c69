import { asText, numberedLines, ParseError, type Diagnostic, type Parsed } from './diagnostics.js';

/** One key of `sshd -T`: every line it appears on (keys repeat for multi-valued settings). */
export interface SshdTEntry {
  key: string;
  /** Value of each occurrence, in output order. */
  values: string[];
  /** 1-based output line of each occurrence. */
  lines: number[];
}

/**
 * Parses `sshd -T` output: lowercase `key value` lines. Throws ParseError when the output is not
 * a configuration dump (e.g. sshd printed only errors because the configuration is invalid).
 */
export function parseSshdT(input: string | Buffer, file = 'sshd -T'): Parsed<Map<string, SshdTEntry>> {
  const text = asText(input, file);
  const out = new Map<string, SshdTEntry>();
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (!t.trim()) continue;
    const m = /^([a-z0-9]+)(?:\s+(.*))?$/.exec(t.trim());
    if (!m) {
      diagnostics.push({ file, line, message: `not a "key value" line: ${t.slice(0, 100)}`, severity: 'warning' });
      continue;
    }
    const key = m[1];
    const value = (m[2] ?? '').trim();
    const cur = out.get(key);
    if (cur) {
      cur.values.push(value);
      cur.lines.push(line);
    } else out.set(key, { key, values: [value], lines: [line] });
  }
  if (!out.has('port') && !out.has('permitrootlogin') && !out.has('passwordauthentication')) {
    const first = numberedLines(text).find((l) => l.text.trim());
    throw new ParseError(file, first?.line, first ? `not sshd -T output: ${first.text.slice(0, 120)}` : 'empty output');
  }
  return { value: out, diagnostics };
}

/** An error sshd reported about its configuration, located when it names file and line. */
export interface SshdTestError {
  file?: string;
  line?: number;
  message: string;
  /** Line of the command output. */
  outputLine: number;
}

export interface SshdTestResult {
  ok: boolean;
  exitCode?: number;
  errors: SshdTestError[];
}

/**
 * Interprets `sshd -t`: exit code 0 and no output means valid. Error lines look like
 * `/etc/ssh/sshd_config: line 2: Bad configuration option: Bogus` or
 * `/etc/ssh/sshd_config line 5: Directive 'X' is not allowed within a Match block`.
 */
export function parseSshdTest(output: string | Buffer, exitCode: number | undefined, file = 'sshd -t'): Parsed<SshdTestResult> {
  const text = asText(output, file);
  const errors: SshdTestError[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    const s = t.trim();
    if (!s) continue;
    const m = /^(\/\S*?):?\s+line\s+(\d+):\s*(.*)$/.exec(s);
    if (m) errors.push({ file: m[1], line: Number(m[2]), message: m[3], outputLine: line });
    else errors.push({ message: s, outputLine: line });
  }
  // Deprecation notices do not make sshd -t fail; only the exit code decides when known.
  const ok = exitCode !== undefined ? exitCode === 0 : errors.length === 0;
  return { value: { ok, exitCode, errors }, diagnostics: [] };
}

/** One connection of `sshd -T -C` as collected: its spec, exit code and, when it succeeded, the dump. */
export interface SshdConnectionDump {
  spec: string;
  exitCode?: number;
  /** Keys of the dump; line numbers are lines of the whole command output. */
  dump?: Map<string, SshdTEntry>;
}

/**
 * Parses the collection's `sshd -T -C` output: per connection a `### SPEC` line, sshd's output and
 * `### exit N`. A block whose sshd failed or printed no dump has no `dump`.
 */
export function parseSshdConnections(input: string | Buffer, file = 'sshd -T -C'): Parsed<SshdConnectionDump[]> {
  const lines = numberedLines(asText(input, file));
  const out: SshdConnectionDump[] = [];
  let i = 0;
  while (i < lines.length) {
    const head = /^### (user=\S*)$/.exec(lines[i].text.trim());
    i++;
    if (!head) continue;
    const body: { line: number; text: string }[] = [];
    let exitCode: number | undefined;
    while (i < lines.length) {
      const t = lines[i].text.trim();
      const end = /^### exit (\d+)$/.exec(t);
      if (end) {
        exitCode = Number(end[1]);
        i++;
        break;
      }
      if (/^### user=/.test(t)) break;
      body.push(lines[i]);
      i++;
    }
    const entry: SshdConnectionDump = { spec: head[1], exitCode };
    if (exitCode === 0 && body.length) {
      try {
        const dump = parseSshdT(body.map((l) => l.text).join('\n'), file).value;
        const first = body[0].line;
        for (const e of dump.values()) e.lines = e.lines.map((l) => l + first - 1);
        entry.dump = dump;
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
      }
    }
    out.push(entry);
  }
  return { value: out, diagnostics: [] };
}
