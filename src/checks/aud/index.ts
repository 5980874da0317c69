import type { Check } from '../types.js';
import { aud01 } from './aud-01.js';
import { aud02 } from './aud-02.js';
import { aud03 } from './aud-03.js';
import { aud04 } from './aud-04.js';
import { aud05 } from './aud-05.js';

export const checks: Check[] = [aud01, aud02, aud03, aud04, aud05];
