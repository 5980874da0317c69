import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One case of Proxmox's own test data, packed by scripts/import-oracle.py. */
export interface OracleCase {
  /** 'upstream' | 'generated' | 'examples' */
  source: string;
  /** Directory relative to the oracle root, e.g. generated/cases/0001 */
  case: string;
  files: Record<string, string>;
  jsonl: Record<string, any[]>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

export function loadOracle(engine: 'pve-access-control' | 'pve-firewall'): OracleCase[] {
  const file = path.join(here, '..', 'fixtures', 'oracle', `${engine}.jsonl.gz`);
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
}
