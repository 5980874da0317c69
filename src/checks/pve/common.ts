import type { Reference } from '../../core/types.js';
import type { FactContext } from '../../model/fact.js';
import { userCfgEvidence } from '../../model/facts/pve.js';

export const ADMIN_GUIDE: Reference = { title: 'Proxmox VE Administration Guide: User Management', url: 'https://pve.proxmox.com/pve-docs/chapter-pveum.html' };
export const TFA_DOC: Reference = { title: 'Proxmox VE: Two-Factor Authentication', url: 'https://pve.proxmox.com/pve-docs/chapter-pveum.html#pveum_tfa_auth' };

/** "a, b, c" with at most `max` names and a count of the rest. */
export function listNames(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Evidence without repeated lines, at most `max` items. */
export function uniqueEvidence<T extends { source: string; line?: number }>(items: T[], max = 8): T[] {
  const seen = new Set<string>();
  return items.filter((e) => {
    const k = `${e.source}:${e.line ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).slice(0, max);
}

/**
 * uniqueEvidence(lines.map((l) => userCfgEvidence(ctx, l)), max), reading only the lines it keeps: a
 * user.cfg with 20,000 findings must not look up and mask 20,000 lines to show 8.
 */
export function userCfgLinesEvidence(ctx: FactContext, lines: Iterable<number>, max = 8): ReturnType<typeof userCfgEvidence>[] {
  const kept = new Set<number>();
  for (const l of lines) {
    if (kept.size === max) break;
    kept.add(l);
  }
  return [...kept].map((l) => userCfgEvidence(ctx, l));
}
