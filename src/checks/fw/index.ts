import type { Check } from '../types.js';
import { fw01 } from './fw-01.js';
import { fw02 } from './fw-02.js';
import { fw03 } from './fw-03.js';
import { fw04 } from './fw-04.js';
import { fw05 } from './fw-05.js';
import { fw06 } from './fw-06.js';
import { fw07 } from './fw-07.js';
import { fw08 } from './fw-08.js';
import { fw09 } from './fw-09.js';
import { fw10 } from './fw-10.js';
import { fw11 } from './fw-11.js';
import { fw12 } from './fw-12.js';
import { fw13 } from './fw-13.js';

export const checks: Check[] = [fw01, fw02, fw03, fw04, fw05, fw06, fw07, fw08, fw09, fw10, fw11, fw12, fw13];
