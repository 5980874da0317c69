import { accRemedies } from '../checks/acc/remedy.js';
import { sshRemedies } from '../checks/ssh/remedy.js';
import { audRemedy, journalRemedy } from '../checks/aud/remedy.js';
import { bakRemedy } from '../checks/bak/remedy.js';
import { pveRemedies } from '../checks/pve/remedy.js';
import { bfRemedy } from '../checks/bf/remedy.js';
import { fwRemedy } from '../checks/fw/remedy.js';
import { krnRemedy } from '../checks/krn/remedy.js';
import { updRemedy } from '../checks/upd/remedy.js';
import type { Remedy } from './plan-types.js';

/**
 * Every automatic remedy, in the order their operations are listed within a phase. A control appears in
 * at most one remedy (a test checks it). Controls without a remedy stay manual, with their fix text.
 */
export const REMEDIES: Remedy[] = [
  ...accRemedies,
  ...sshRemedies,
  bfRemedy,
  fwRemedy,
  updRemedy,
  krnRemedy,
  audRemedy,
  journalRemedy,
  bakRemedy,
  ...pveRemedies,
];

export function remedyFor(id: string, remedies: Remedy[] = REMEDIES): Remedy | undefined {
  return remedies.find((r) => r.controls.includes(id));
}
