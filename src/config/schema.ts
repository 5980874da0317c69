import { z } from 'zod';
import { isIP } from 'node:net';

const cidr = z.string().refine((s) => {
  const [addr, bits, ...rest] = s.split('/');
  if (rest.length || !addr) return false;
  const fam = isIP(addr);
  if (!fam) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (fam === 4 ? 32 : 128);
}, { message: 'must be an IP address or CIDR (10.0.0.0/24, fd00::/64)' });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  .refine((s) => !Number.isNaN(Date.parse(s + 'T00:00:00Z')), { message: 'is not a valid date' });

export const waiverSchema = z.strictObject({
  id: z.string().regex(/^[A-Z]{2,3}-\d{2}$|^[A-Z]{2,3}-\*$/, { message: 'must be a control id like SSH-06 (or SSH-*)' }),
  node: z.string().min(1).optional(),
  reason: z.string().min(1, { message: 'a waiver needs a reason' }),
  expires: isoDate.optional(),
});

export const portSchema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  proto: z.enum(['tcp', 'udp']).default('tcp'),
  process: z.string().optional(),
  reason: z.string().optional(),
});

export const configSchema = z.strictObject({
  /** Host users (and Proxmox users like alice@pve) who are administrators. */
  admin_users: z.array(z.string().min(1)).default([]),
  /** Management networks, bastions and workstations (CIDRs or addresses). */
  admin_sources: z.array(cidr).default([]),
  /** Networks that must NOT reach management services (used by FW checks). */
  non_admin_networks: z.array(cidr).default([]),
  /** Listening ports the operator expects besides sshd, pveproxy, spiceproxy and corosync. */
  expected_ports: z.array(portSchema).default([]),
  waivers: z.array(waiverSchema).default([]),
  /** Glob of configuration backups on the node (BAK-01). */
  config_backup_glob: z.string().default('/root/pve-config-*.tar.gz'),
  /** Minimum age in days before BAK-01 fails. */
  config_backup_max_age_days: z.number().int().positive().default(7),
  /** The desired access matrix (PVE-15), see src/config/access-matrix.ts; relative to the working directory. */
  access_matrix: z.string().min(1).optional(),
});

export type PvesecConfig = z.infer<typeof configSchema>;
export type Waiver = z.infer<typeof waiverSchema>;

export const DEFAULT_CONFIG: PvesecConfig = configSchema.parse({});
