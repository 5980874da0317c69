import type { Reference } from '../../core/types.js';

export const CERT_DOC: Reference = { title: 'Proxmox VE Administration Guide: Certificate Management', url: 'https://pve.proxmox.com/pve-docs/chapter-sysadmin.html#sysadmin_certificate_management' };
export const SERVED_CERT_READS = ['/etc/pve/nodes/<node>/pveproxy-ssl.pem', '/etc/pve/nodes/<node>/pve-ssl.pem'];
