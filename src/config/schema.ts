import { z } from 'zod';
import { isIP } from 'node:net';
import { parsePublicKeyLine } from './admin-keys.js';
import { shellKind } from '../parse/passwd.js';

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

/** A Linux account name as useradd accepts it by default (NAME_REGEX of adduser.conf). */
const HOST_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** An admin pvesec can create and give keys to: `{name: alice, authorized_keys: [...], shell: /bin/bash}`. */
export const adminAccountSchema = z.strictObject({
  name: z.string().regex(HOST_USER, { message: 'must be a Linux user name (lowercase letters, digits, _ and -; at most 32)' })
    .refine((n) => n !== 'root', { message: 'root is not a personal admin account' }),
  authorized_keys: z.array(z.string()).default([]),
  shell: z.string().optional(),
}).superRefine((a, ctx) => {
  a.authorized_keys.forEach((k, i) => {
    const parsed = parsePublicKeyLine(k);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', path: ['authorized_keys', i], message: `${a.name}'s key ${parsed}` });
  });
  const seen = new Set<string>();
  a.authorized_keys.forEach((k, i) => {
    const blob = k.trim().split(/\s+/)[1];
    if (blob && seen.has(blob)) ctx.addIssue({ code: 'custom', path: ['authorized_keys', i], message: `${a.name}'s key is listed twice` });
    if (blob) seen.add(blob);
  });
  if (a.shell !== undefined && (!a.shell.startsWith('/') || shellKind(a.shell) !== 'full')) {
    ctx.addIssue({ code: 'custom', path: ['shell'], message: `${a.name}'s shell must be the absolute path of a full login shell (/bin/bash), not nologin, false or /bin/sh` });
  }
});

const adminEntry = z.union([z.string().min(1), adminAccountSchema], {
  error: 'must be a user name (alice, alice@pve) or {name, authorized_keys, shell}',
});

export const ROOT_LOGIN = ['prohibit-password', 'peers-only', 'no'] as const;

export const configSchema = z.strictObject({
  /**
   * Host users (and Proxmox users like alice@pve) who are administrators. An entry may be an object
   * `{name, authorized_keys, shell}`: the host account pvesec harden creates and gives these keys.
   */
  admin_users: z.array(adminEntry).default([]).superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((e, i) => {
      const name = typeof e === 'string' ? e : e.name;
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i], message: `${name} is declared twice` });
      seen.add(name);
    });
  }),
  /**
   * How root may log in over SSH once hardened (SSH-01 remedy): prohibit-password (keys only, from
   * anywhere), peers-only (keys only, from the cluster's corosync addresses), no (refused on cluster nodes).
   */
  root_login: z.enum(ROOT_LOGIN, { error: 'must be prohibit-password, peers-only or no' }).default('prohibit-password'),
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
  /** The desired access matrix (PVE-15), see src/config/access-matrix.ts; relative to the configuration file (load.ts resolves it). */
  access_matrix: z.string().min(1).optional(),
});

export type PvesecConfig = z.infer<typeof configSchema>;
export type AdminAccountEntry = z.infer<typeof adminAccountSchema>;
export type RootLogin = (typeof ROOT_LOGIN)[number];
export type Waiver = z.infer<typeof waiverSchema>;

export const DEFAULT_CONFIG: PvesecConfig = configSchema.parse({});
