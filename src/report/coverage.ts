import { COMMANDS, FILES } from '../collect/sources.js';
import type { Snapshot } from '../collect/snapshot.js';

/** How much of what pvesec reads a partial backup holds. */
export interface SourceCoverage {
  /** Sources (files, directories, command outputs) in the bundle. */
  present: number;
  /** Every source pvesec reads from a node (src/collect/sources.ts: FILES and COMMANDS). */
  expected: number;
  /** Those not in the bundle, in the order of that list. */
  missing: string[];
}

/** Every file, directory and command pvesec reads from a node, in the order of src/collect/sources.ts. */
export const EXPECTED_SOURCES: readonly string[] = [...Object.values(FILES), ...Object.values(COMMANDS).map((c) => c.name)];

/**
 * What a plain backup (a bundle without pvesec/meta.json) lacks. Undefined for a collection by pvesec
 * (live, or a bundle it wrote): there a file that is absent does not exist on the node, and what could
 * not be read is listed in pvesec/errors, so nothing is missing from the data, only from the node.
 * In a plain backup an absent file may exist on the node: the controls reading it SKIP, and the report
 * says once how much of the expected data the backup holds.
 */
export function sourceCoverage(snapshot: Snapshot): SourceCoverage | undefined {
  if (snapshot.origin.kind !== 'bundle' || snapshot.meta.privilege !== 'unknown') return undefined;
  const missing = EXPECTED_SOURCES.filter((s) => !(s.startsWith('/') ? snapshot.file(s) || snapshot.sawDir(s) : snapshot.command(s)) && !snapshot.errors.has(s));
  if (missing.length === 0) return undefined;
  return { present: EXPECTED_SOURCES.length - missing.length, expected: EXPECTED_SOURCES.length, missing };
}
