import type { Check } from '../types.js';
import { krn01 } from './krn-01.js';
import { krn02 } from './krn-02.js';

// KRN-03 (listening sockets) lives in krn-03.ts, written separately; the lead wires it in here.
export const checks: Check[] = [krn01, krn02];
