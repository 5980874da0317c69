import type { Evidence, Reference } from '../../core/types.js';
import { FILES } from '../../collect/sources.js';
import type { FactContext } from '../../model/fact.js';
import { aptConfigFact } from '../../model/facts/system.js';
import { aptReadsPart, parseAptConf, type AptConfValue } from '../../parse/apt-conf.js';

export const UPD_REFERENCES: Reference[] = [
  { title: 'Debian wiki: UnattendedUpgrades', url: 'https://wiki.debian.org/UnattendedUpgrades' },
  { title: 'Proxmox VE Package Repositories', url: 'https://pve.proxmox.com/wiki/Package_Repositories' },
];

export function confEvidence(key: string, v: AptConfValue | undefined): Evidence[] {
  return v ? [{ source: v.file, line: v.line, text: `${key} "${v.value}";` }] : [];
}

/**
 * Whether any file APT reads sets an Unattended-Upgrade:: option (50unattended-upgrades ships with the
 * package, so its presence is the configuration to judge even when the package state was not collected).
 * Unavailable when /etc/apt/apt.conf.d was not collected.
 */
export function hasUnattendedUpgradesConfig(ctx: FactContext): boolean {
  ctx.get(aptConfigFact);
  const files = [...ctx.snapshot.listDir(FILES.aptConfDir, aptReadsPart), ctx.snapshot.file('/etc/apt/apt.conf')];
  return files.some((f) => f !== undefined && parseAptConf(f.content, f.path).value
    .some((s) => s.kind !== 'include' && /^Unattended-Upgrade::/i.test(s.key)));
}
