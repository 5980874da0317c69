import type { Check } from '../types.js';
import { bak01 } from './bak-01.js';
import { bak02 } from './bak-02.js';

export const checks: Check[] = [bak01, bak02];
