import type { Snapshot, SnapshotFile } from '../collect/snapshot.js';

/**
 * Lines of each collected file, decoded and split once per snapshot file: evidence lookups ask for
 * one line at a time, and a file with one finding per line must not be re-split for each of them.
 */
const linesOf = new WeakMap<SnapshotFile, string[]>();

/** Line `line` (1-based, as parsers number them: split on "\n") of a collected file, or undefined. */
export function fileLine(snapshot: Snapshot, path: string, line: number): string | undefined {
  const file = snapshot.file(path);
  if (!file || !Number.isInteger(line) || line < 1) return undefined;
  let lines = linesOf.get(file);
  if (!lines) {
    lines = file.content.toString('utf8').split('\n');
    linesOf.set(file, lines);
  }
  return lines[line - 1];
}
