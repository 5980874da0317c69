import type { ControlMeta } from '../core/types.js';
import { ALL_CHECKS } from '../checks/registry.js';
import { VERSION } from '../version.js';
import { parseFormat } from './options.js';

export const CONTROLS_SCHEMA_ID = 'pvesec.controls/v1';

/** `pvesec controls [--format text|json]`: the catalogue in order. */
export function renderControls(format: string | undefined, metas: ControlMeta[] = ALL_CHECKS.map((c) => c.meta)): string {
  if (parseFormat(format, ['text', 'json']) === 'json') {
    return JSON.stringify({ schema: CONTROLS_SCHEMA_ID, tool: { name: 'pvesec', version: VERSION }, controls: metas }, null, 2) + '\n';
  }
  const header = ['ID', 'SEVERITY', 'SCOPE', 'TITLE'];
  const rows = metas.map((m) => [m.id, m.severity, m.scope, m.title]);
  const width = (i: number) => Math.max(header[i].length, ...rows.map((r) => r[i].length));
  const line = (r: string[]) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(width(i)) : cell)).join('  ');
  return [line(header), ...rows.map(line), '', `${metas.length} controls; pvesec explain ID shows one in full.`].join('\n') + '\n';
}
