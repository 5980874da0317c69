import type { Check } from '../types.js';
import { upd01 } from './upd-01.js';
import { upd02 } from './upd-02.js';
import { upd03 } from './upd-03.js';
import { upd04 } from './upd-04.js';
import { upd05 } from './upd-05.js';
import { upd06 } from './upd-06.js';

export const checks: Check[] = [upd01, upd02, upd03, upd04, upd05, upd06];
