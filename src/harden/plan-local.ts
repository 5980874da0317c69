/**
 * The local files a plan was made from (pvesec.yaml and the access matrix it names), pinned in the plan
 * (Plan.localFiles) like the node's files: `apply plan.json` refuses when one changed since, because apply
 * verifies with them (a matrix edited meanwhile would only be caught after the change, by a revert).
 */
import { readFileSync } from 'node:fs';
import { sha256 } from '../core/digest.js';
import type { PvesecConfig } from '../config/schema.js';
import type { Plan } from './plan-types.js';

/** sha256 of a local file; null when it does not exist (or cannot be read: then it cannot have been used). */
function localDigest(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch {
    return null;
  }
}

/** Absolute path -> sha256 of pvesec.yaml (when one was used) and of the access matrix it declares. */
export function localInputDigests(configFile: string | undefined, config: PvesecConfig): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (configFile !== undefined) out[configFile] = localDigest(configFile);
  if (config.access_matrix !== undefined) out[config.access_matrix] = localDigest(config.access_matrix);
  return out;
}

/**
 * Why a plan file no longer fits the local inputs `apply` runs with: a pinned file changed, or the
 * pvesec.yaml apply loaded is not the one the plan was made with. Empty: it fits. Plans without
 * localFiles (made by an older pvesec, or by the identity commands) are not checked.
 */
export function staleLocalInputs(plan: Plan, loadedConfigDigest: string): string[] {
  if (plan.localFiles === undefined) return [];
  const out: string[] = [];
  for (const [path, digest] of Object.entries(plan.localFiles)) {
    const now = localDigest(path);
    if (now !== digest) out.push(`${path} ${now === null ? 'is gone' : digest === null ? 'appeared' : 'changed'} since the plan was made`);
  }
  if (out.length === 0 && loadedConfigDigest !== plan.configDigest) out.push('the pvesec.yaml given to apply is not the one the plan was made with (give the same --config)');
  return out;
}
