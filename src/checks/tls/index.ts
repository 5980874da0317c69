import type { Check } from '../types.js';
import { tls01 } from './tls-01.js';
import { tls02 } from './tls-02.js';
import { tls03 } from './tls-03.js';
import { tls04 } from './tls-04.js';
import { tls05 } from './tls-05.js';

export const checks: Check[] = [tls01, tls02, tls03, tls04, tls05];
