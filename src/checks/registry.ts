import type { Check } from './types.js';
import { checks as acc } from './acc/index.js';
import { checks as ssh } from './ssh/index.js';
import { checks as fw } from './fw/index.js';
import { checks as bf } from './bf/index.js';
import { checks as upd } from './upd/index.js';
import { checks as krn } from './krn/index.js';
import { checks as aud } from './aud/index.js';
import { checks as pve } from './pve/index.js';
import { checks as tls } from './tls/index.js';
import { checks as bak } from './bak/index.js';

/** Every control of the baseline, in catalogue order. */
export const ALL_CHECKS: Check[] = [...acc, ...ssh, ...fw, ...bf, ...upd, ...krn, ...aud, ...pve, ...tls, ...bak];

export function findCheck(id: string): Check | undefined {
  return ALL_CHECKS.find((c) => c.meta.id === id.toUpperCase());
}

/** Matches ids against patterns like SSH-*, SSH-01, *-01 (case-insensitive); in ids.ts, which loads no check. */
export { idMatches } from './ids.js';
