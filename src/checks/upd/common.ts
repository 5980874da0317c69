import type { Evidence, Reference } from '../../core/types.js';
import type { AptConfValue } from '../../parse/apt-conf.js';

export const UPD_REFERENCES: Reference[] = [
  { title: 'Debian wiki: UnattendedUpgrades', url: 'https://wiki.debian.org/UnattendedUpgrades' },
  { title: 'Proxmox VE Package Repositories', url: 'https://pve.proxmox.com/wiki/Package_Repositories' },
];

export function confEvidence(key: string, v: AptConfValue | undefined): Evidence[] {
  return v ? [{ source: v.file, line: v.line, text: `${key} "${v.value}";` }] : [];
}
