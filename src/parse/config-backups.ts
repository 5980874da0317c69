import { asText, numberedLines, ParseError, type Diagnostic, type Parsed } from './diagnostics.js';

export interface ConfigBackup {
  mtime: number;
  size: number;
  path: string;
  /** Archive member paths as `tar -tzf` prints them, with the output line of each. */
  members: { path: string; line: number }[];
}

/**
 * Output of the `config-backups` command: empty when no backup matched; else a first line
 * `<mtime-epoch> <size-bytes> <path>` for the newest archive, then its member paths one per line.
 */
export function parseConfigBackups(input: string | Buffer, file = 'config-backups'): Parsed<ConfigBackup | undefined> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const lines = numberedLines(text).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) return { value: undefined, diagnostics };
  const head = /^(\d+)\s+(\d+)\s+(\S.*)$/.exec(lines[0].text.trim());
  if (!head) throw new ParseError(file, lines[0].line, 'first line is not "<mtime> <size> <path>"');
  const members = lines.slice(1).map((l) => ({ path: l.text.trim(), line: l.line }));
  return { value: { mtime: Number(head[1]), size: Number(head[2]), path: head[3], members }, diagnostics };
}

/** Whether an archive holds a directory (given as `etc/pve`), however tar spelled the member paths. */
export function archiveContains(backup: ConfigBackup, dir: string): boolean {
  const want = dir.replace(/^\/+|\/+$/g, '');
  return backup.members.some((m) => {
    const p = m.path.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
    return p === want || p.startsWith(want + '/');
  });
}
