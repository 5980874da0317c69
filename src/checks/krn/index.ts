import type { Check } from '../types.js';
import { krn01 } from './krn-01.js';
import { krn02 } from './krn-02.js';
import { krn03 } from './krn-03.js';

export const checks: Check[] = [krn01, krn02, krn03];
