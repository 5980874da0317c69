import type { Snapshot } from '../collect/snapshot.js';

const PVE_MANAGER_INSTALLED = /^Package: pve-manager\n(?:[^\n]+\n)*?Status: install ok installed$/m;

/**
 * Whether a live collection (local, ssh://) came from a Proxmox VE node: /etc/pve was seen, or
 * `pveversion -v` names pve-manager, or dpkg has pve-manager installed (the last two work without root).
 */
export function looksLikeProxmoxNode(s: Snapshot): boolean {
  if (s.sawDir('/etc/pve')) return true;
  if (/^pve-manager: /m.test(s.command('pveversion -v')?.output ?? '')) return true;
  return PVE_MANAGER_INSTALLED.test(s.text('/var/lib/dpkg/status') ?? '');
}

/**
 * The one line `audit` prints first when a live target is not a Proxmox VE node (pvesec run on a
 * workstation with `local`, or an ssh:// target that is a plain Debian host); undefined otherwise.
 * Bundles are left alone: a partial backup is judged by what it holds.
 */
export function notProxmoxNotice(target: string, s: Snapshot): string | undefined {
  if (s.origin.kind === 'bundle' || looksLikeProxmoxNode(s)) return undefined;
  const what = s.origin.kind === 'local' ? 'this machine is' : `${s.label} is`;
  return `pvesec: ${target}: ${what} not a Proxmox VE node (no /etc/pve, no pve-manager package): the Proxmox-specific findings do not apply to it`;
}
