import type { Check } from '../types.js';
import { ssh01 } from './ssh-01.js';
import { ssh02 } from './ssh-02.js';
import { ssh03 } from './ssh-03.js';
import { ssh04 } from './ssh-04.js';
import { ssh05 } from './ssh-05.js';
import { ssh06 } from './ssh-06.js';
import { ssh07 } from './ssh-07.js';
import { ssh08 } from './ssh-08.js';
import { ssh09 } from './ssh-09.js';
import { ssh10 } from './ssh-10.js';
import { ssh11 } from './ssh-11.js';
import { ssh12 } from './ssh-12.js';
import { ssh13 } from './ssh-13.js';
import { ssh14 } from './ssh-14.js';
import { ssh15 } from './ssh-15.js';
import { ssh16 } from './ssh-16.js';

export const checks: Check[] = [ssh01, ssh02, ssh03, ssh04, ssh05, ssh06, ssh07, ssh08, ssh09, ssh10, ssh11, ssh12, ssh13, ssh14, ssh15, ssh16];
