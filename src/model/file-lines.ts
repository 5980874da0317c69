import type { Snapshot, SnapshotFile } from '../collect/snapshot.js';

/** A decoded file and where each of its lines starts: line k (1-based) is text[starts[k-1], starts[k] - 1). */
interface LineIndex {
  text: string;
  /** Start offset of every line, then one past the end (text.length + 1) as the last line's bound. */
  starts: Int32Array;
}

/**
 * Lines of each collected file, decoded and indexed once per snapshot file: evidence lookups ask for
 * one line at a time, and a file with one finding per line must not be re-split for each of them (nor
 * split into a million strings when a thousand lines are shown: only their offsets are kept).
 */
const indexOf = new WeakMap<SnapshotFile, LineIndex>();

function indexLines(text: string): LineIndex {
  let n = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) n++;
  const starts = new Int32Array(n + 1);
  let k = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts[k++] = at + 1;
  starts[n] = text.length + 1;
  return { text, starts };
}

/** Line `line` (1-based, as parsers number them: split on "\n") of a collected file, or undefined. */
export function fileLine(snapshot: Snapshot, path: string, line: number): string | undefined {
  const file = snapshot.file(path);
  if (!file || !Number.isInteger(line) || line < 1) return undefined;
  let index = indexOf.get(file);
  if (!index) {
    index = indexLines(file.content.toString('utf8'));
    indexOf.set(file, index);
  }
  if (line >= index.starts.length) return undefined;
  return index.text.slice(index.starts[line - 1], index.starts[line] - 1);
}
