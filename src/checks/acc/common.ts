import type { Evidence, Reference } from '../../core/types.js';
import type { HostUser } from '../../model/facts/accounts.js';

export const ACC_REFERENCES: Reference[] = [
  { title: 'Proxmox VE Administration Guide: User Management', url: 'https://pve.proxmox.com/pve-docs/pve-admin-guide.html#user_mgmt' },
  { title: 'Debian Administrator\'s Handbook: sudo', url: 'https://debian-handbook.info/browse/stable/sect.user-group-databases.html' },
];

export function passwdEvidence(u: HostUser): Evidence {
  return { source: '/etc/passwd', line: u.line, text: `${u.name}:x:${u.uid}:${u.gid}:...:${u.home}:${u.shell}` };
}

export function octal(mode: number): string {
  return '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}
