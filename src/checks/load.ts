import { CONTROL_IDS, idMatches } from './ids.js';
import type { Check } from './types.js';

type Section = () => Promise<{ checks: Check[] }>;

/** Each section of the catalogue as a module of its own, loaded when one of its controls is selected. */
const SECTIONS: Record<string, Section> = {
  ACC: () => import('./acc/index.js'),
  SSH: () => import('./ssh/index.js'),
  FW: () => import('./fw/index.js'),
  BF: () => import('./bf/index.js'),
  UPD: () => import('./upd/index.js'),
  KRN: () => import('./krn/index.js'),
  AUD: () => import('./aud/index.js'),
  PVE: () => import('./pve/index.js'),
  TLS: () => import('./tls/index.js'),
  BAK: () => import('./bak/index.js'),
};

const sectionOf = (id: string): string => id.slice(0, id.indexOf('-'));

/**
 * The checks of the controls the patterns select (every control without patterns), in catalogue order.
 * Only the sections holding a selected control are loaded: `--control 'SSH-*'` compiles the SSH checks and
 * what they need, not the firewall's (registry.ts, which the whole catalogue needs, loads every section).
 */
export async function loadChecks(patterns?: string[]): Promise<Check[]> {
  const ids = patterns && patterns.length > 0 ? CONTROL_IDS.filter((id) => idMatches(id, patterns)) : CONTROL_IDS;
  const sections = [...new Set(ids.map(sectionOf))];
  const loaded = await Promise.all(sections.map((s) => SECTIONS[s]()));
  const byId = new Map(loaded.flatMap((m) => m.checks).map((c) => [c.meta.id, c]));
  return ids.map((id) => {
    const check = byId.get(id);
    if (!check) throw new Error(`control ${id} is in CONTROL_IDS but section ${sectionOf(id)} has no check for it`);
    return check;
  });
}
