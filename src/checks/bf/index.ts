import type { Check } from '../types.js';
import { bf01 } from './bf-01.js';
import { bf02 } from './bf-02.js';
import { bf03 } from './bf-03.js';

export const checks: Check[] = [bf01, bf02, bf03];
