import type { Check } from '../types.js';
import { pve01 } from './pve-01.js';
import { pve02 } from './pve-02.js';
import { pve03 } from './pve-03.js';
import { pve04 } from './pve-04.js';
import { pve05 } from './pve-05.js';
import { pve06 } from './pve-06.js';
import { pve07 } from './pve-07.js';
import { pve08 } from './pve-08.js';
import { pve09 } from './pve-09.js';
import { pve10 } from './pve-10.js';
import { pve11 } from './pve-11.js';
import { pve12 } from './pve-12.js';
import { pve13 } from './pve-13.js';
import { pve14 } from './pve-14.js';
import { pve15 } from './pve-15.js';

export const checks: Check[] = [pve01, pve02, pve03, pve04, pve05, pve06, pve07, pve08, pve09, pve10, pve11, pve12, pve13, pve14, pve15];
