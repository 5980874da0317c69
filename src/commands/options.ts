import { STATUSES, type Status } from '../core/types.js';
import { FAIL_ON_VALUES, type FailOn } from '../report/model.js';

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
export type Format = (typeof FORMATS)[number];

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  const v = value.trim().toLowerCase();
  const hit = allowed.find((a) => a.toLowerCase() === v);
  if (!hit) throw new UsageError(`${option}: "${value}" is not one of ${allowed.join(', ')}`);
  return hit;
}

export function parseFormat(value: string | undefined, allowed: readonly Format[] = FORMATS): Format {
  return value === undefined ? 'text' : oneOf('--format', value, allowed);
}

export function parseFailOn(value: string | undefined): FailOn {
  return value === undefined ? 'high' : oneOf('--fail-on', value, FAIL_ON_VALUES);
}

/** --only FAIL,WARN (case-insensitive). */
export function parseOnly(value: string | undefined): Status[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`--only: give statuses such as FAIL,WARN (one of ${STATUSES.join(', ')})`);
  return items.map((s) => oneOf('--only', s, STATUSES));
}

/** --control 'SSH-*,FW-01': each pattern must match at least one known control. */
export function parseControls(value: string | undefined, knownIds: string[], matches: (id: string, p: string[]) => boolean): string[] | undefined {
  if (value === undefined) return undefined;
  const patterns = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (patterns.length === 0) throw new UsageError(`--control: give control ids or patterns such as 'SSH-*,FW-01'`);
  for (const p of patterns) {
    if (!/^[A-Za-z0-9*-]+$/.test(p)) throw new UsageError(`--control: "${p}" is not a control id or pattern (e.g. SSH-02, SSH-*)`);
    if (!knownIds.some((id) => matches(id, [p]))) throw new UsageError(`--control: "${p}" matches no control (pvesec controls lists them)`);
  }
  return patterns;
}

export function parsePositiveInt(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new UsageError(`${option}: "${value}" is not a positive whole number`);
  return Number(value);
}

/** --timeout in seconds (decimals allowed) -> milliseconds. */
export function parseTimeoutSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0)) throw new UsageError(`--timeout: "${value}" is not a positive number of seconds`);
  return Math.round(n * 1000);
}
