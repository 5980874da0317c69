import type { Check } from '../types.js';

export const checks: Check[] = [];
