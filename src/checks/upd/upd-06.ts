import { FILES } from '../../collect/sources.js';
import { aptSourcesFact, hideUserinfo } from '../../model/facts/system.js';
import type { AptSource } from '../../parse/apt-sources.js';
import { fail, pass, warn, type Check } from '../types.js';
import { UPD_REFERENCES } from './common.js';

/** The Proxmox VE repository an entry is (enterprise, no-subscription, test), or undefined. */
export function pveRepository(s: AptSource): string | undefined {
  if (!/^https?:\/\/(enterprise|download)\.proxmox\.com\/debian\/pve\/?$/.test(s.uri)) return undefined;
  return s.components.find((c) => ['pve-enterprise', 'pve-no-subscription', 'pve-test', 'pvetest'].includes(c)) ?? s.components.join(' ');
}

export function isDebianSecurity(s: AptSource): boolean {
  return /-security$/.test(s.suite) && /(security\.debian\.org|debian\.org\/debian-security|debian-security)/.test(s.uri);
}

const where = (s: AptSource) => ({ source: s.file, line: s.line, text: `${s.type} ${hideUserinfo(s.uri)} ${s.suite} ${s.components.join(' ')}`.trim() });

export const upd06: Check = {
  meta: {
    id: 'UPD-06',
    section: 'UPD',
    title: 'Package sources: one Proxmox repository and the Debian security repository',
    severity: 'medium',
    scope: 'node',
    rationale: 'Without the security repository Debian fixes never arrive; two Proxmox repositories (or the test one) mix package builds, and an enterprise repository without a subscription makes every `apt update` fail.',
    fix: 'Keep exactly one of /etc/apt/sources.list.d/pve-enterprise.sources (with a subscription) or a pve-no-subscription entry, set "Enabled: no" on the other, and keep the trixie-security stanza in debian.sources; then `apt update`.',
    reads: [FILES.aptSourcesList, FILES.aptSourcesDir + '/*.list', FILES.aptSourcesDir + '/*.sources'],
    references: UPD_REFERENCES,
  },
  evaluate(ctx) {
    const sources = ctx.get(aptSourcesFact).filter((s) => s.enabled && s.type === 'deb');
    const pve = sources.filter((s) => pveRepository(s) !== undefined);
    const security = sources.filter(isDebianSecurity);
    const kinds = [...new Set(pve.map((s) => pveRepository(s)!))];
    const problems: string[] = [];
    let severe = false;
    if (!security.length) { problems.push('the Debian security repository is not enabled'); severe = true; }
    if (!kinds.length) { problems.push('no Proxmox VE repository is enabled'); severe = true; }
    else if (kinds.length > 1) problems.push(`${kinds.length} Proxmox VE repositories are enabled (${kinds.join(', ')})`);
    else if (kinds[0] === 'pve-test' || kinds[0] === 'pvetest') problems.push('the Proxmox VE test repository is enabled');
    const evidence = [...pve, ...security].map(where);
    if (!problems.length) return pass(`one Proxmox VE repository (${kinds[0]}) and the Debian security repository (${security[0].suite}) are enabled`, evidence);
    return (severe ? fail : warn)(problems.join('; '), evidence);
  },
};
