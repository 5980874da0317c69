import { FILES } from '../../collect/sources.js';
import type { AptConfig } from '../../parse/apt-conf.js';
import { isInstalled, packagesFact, Unavailable } from '../../model/facts/system-base.js';
import { aptConfigFact } from '../../model/facts/system.js';
import { fail, pass, skip, warn, type Check, type Verdict } from '../types.js';
import { hasUnattendedUpgradesConfig, UPD_REFERENCES } from './common.js';

/** An Origins-Pattern ("origin=Debian,codename=...-security,label=Debian-Security") or Allowed-Origins ("Debian:bookworm-security") entry for the security archive. */
export function isSecurityOrigin(o: string): boolean {
  return /-security\b/i.test(o) || /label=Debian-Security/i.test(o);
}

export function isProxmoxOrigin(o: string): boolean {
  return /(^|[,:\s])(o|origin)=Proxmox\b/i.test(o) || /^Proxmox:/i.test(o);
}

export const upd02: Check = {
  meta: {
    id: 'UPD-02',
    section: 'UPD',
    title: 'Unattended upgrades include the Debian security archive and Proxmox',
    severity: 'high',
    scope: 'node',
    rationale: 'unattended-upgrades installs only what its origins allow: without the security archive it silently installs nothing that matters; without the Proxmox origin pve-* and the kernel stay behind.',
    fix: 'In /etc/apt/apt.conf.d/50unattended-upgrades keep\nUnattended-Upgrade::Origins-Pattern {\n  "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";\n  "origin=Proxmox";\n};',
    reads: [FILES.dpkgStatus, '/etc/apt/apt.conf.d/*'],
    references: UPD_REFERENCES,
  },
  evaluate(ctx) {
    // A plain backup of /etc (no /var/lib/dpkg/status) still holds the configuration: judge it, and say
    // that whether the package is installed is unknown.
    let packageNote = '';
    try {
      if (!isInstalled(ctx.get(packagesFact), 'unattended-upgrades')) return skip('unattended-upgrades is not installed (see UPD-01)');
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      if (!hasUnattendedUpgradesConfig(ctx)) return skip(`no unattended-upgrades configuration in /etc/apt/apt.conf.d, and the package state was not collected (${e.reason})`);
      packageNote = ` (package state not collected: ${e.reason}; decided from the configuration alone)`;
    }
    const v = decide(ctx.get(aptConfigFact));
    return { ...v, message: v.message + packageNote };
  },
};

function decide(cfg: AptConfig): Verdict {
  const origins = [...cfg.list('Unattended-Upgrade::Origins-Pattern'), ...cfg.list('Unattended-Upgrade::Allowed-Origins')];
  const evidence = origins.map((o) => ({ source: o.file, line: o.line, text: `"${o.value}";` }));
  const security = origins.find((o) => isSecurityOrigin(o.value));
  const proxmox = origins.find((o) => isProxmoxOrigin(o.value));
  if (!security) return fail(origins.length ? `no Debian security origin among ${origins.length} configured origins` : 'no origins configured (Origins-Pattern and Allowed-Origins are empty)', evidence);
  if (!proxmox) return warn('the Debian security archive is included but not the Proxmox repository (add "origin=Proxmox")', evidence);
  return pass(`origins include the Debian security archive ("${security.value}") and Proxmox ("${proxmox.value}")`,
    evidence.filter((e) => e.line === security.line && e.source === security.file || e.line === proxmox.line && e.source === proxmox.file));
}
