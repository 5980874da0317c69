import type { Check } from '../types.js';
import { acc01 } from './acc-01.js';
import { acc02 } from './acc-02.js';
import { acc03 } from './acc-03.js';
import { acc04 } from './acc-04.js';
import { acc05 } from './acc-05.js';
import { acc06 } from './acc-06.js';
import { acc07 } from './acc-07.js';

export const checks: Check[] = [acc01, acc02, acc03, acc04, acc05, acc06, acc07];
