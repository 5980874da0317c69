import type { z as Z } from 'zod';
import { lazyValue, zodLib } from '../core/lazy-require.js';
import { isIP } from 'node:net';
import { parsePublicKeyLine } from './admin-keys.js';
import { shellKind } from '../parse/passwd.js';

const CIDR_WORDS = 'must be an IP address or CIDR (10.0.0.0/24, fd00::/64)';
const PORT_WORDS = 'an expected port needs a port number from 1 to 65535';
const BACKUP_GLOB_WORDS = 'must be a path pattern such as /root/pve-config-*.tar.gz';
const WEBAUTHN_ORIGIN_WORDS = 'must be the https:// origin admins type in their browser (https://pve.example.com:8006), without a path';
const WEBAUTHN_ID_WORDS = 'must be a domain name (the relying-party id, e.g. example.com)';
const WEBAUTHN_RP_WORDS = 'must be a short name without commas or = (the relying-party name)';
const AGE_WORDS = 'must be a whole number of days, at least 1';
const ADMIN_ENTRY_WORDS = 'must be a user name (alice, alice@pve) or {name, authorized_keys, shell}';
/** A Linux account name as useradd accepts it by default (NAME_REGEX of adduser.conf). */
const HOST_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

export const ROOT_LOGIN = ['prohibit-password', 'peers-only', 'no'] as const;

/** The schemas of pvesec.yaml, built with zod on first use: an audit without pvesec.yaml never loads zod. */
function buildSchemas(z: typeof Z) {
  const cidr = z.string({ error: CIDR_WORDS }).refine((s) => {
    const [addr, bits, ...rest] = s.split('/');
    if (rest.length || !addr) return false;
    const fam = isIP(addr);
    if (!fam) return false;
    if (bits === undefined) return true;
    if (!/^\d+$/.test(bits)) return false;
    return Number(bits) <= (fam === 4 ? 32 : 128);
  }, { message: CIDR_WORDS });

  const isoDate = z.string({ error: 'must be a date YYYY-MM-DD' }).regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
    .refine((s) => !Number.isNaN(Date.parse(s + 'T00:00:00Z')), { message: 'is not a valid date' });

  const waiverSchema = z.strictObject({
    id: z.string({ error: 'a waiver needs a control id like SSH-06 (or a section: SSH-*)' })
      .regex(/^[A-Z]{2,3}-\d{2}$|^[A-Z]{2,3}-\*$/, { message: 'must be a control id like SSH-06 (or SSH-*)' }),
    node: z.string({ error: 'must be a node name' }).min(1, { message: 'must be a node name' }).optional(),
    reason: z.string({ error: 'a waiver needs a reason' }).min(1, { message: 'a waiver needs a reason' }),
    expires: isoDate.optional(),
  }, { error: 'a waiver is {id, node, reason, expires}' });

  const portSchema = z.strictObject({
    port: z.number({ error: PORT_WORDS }).int({ message: PORT_WORDS }).min(1, { message: PORT_WORDS }).max(65535, { message: PORT_WORDS }),
    proto: z.enum(['tcp', 'udp'], { error: 'must be tcp or udp' }).default('tcp'),
    process: z.string({ error: 'must be the name of the process that owns the socket' }).optional(),
    reason: z.string({ error: 'must be text saying why the port is open' }).optional(),
  }, { error: 'must be {port, proto, process, reason}' });


  /** An admin pvesec can create and give keys to: `{name: alice, authorized_keys: [...], shell: /bin/bash}`. */
  const adminAccountSchema = z.strictObject({
    name: z.string({ error: 'an admin account needs a name (a Linux user name)' }).regex(HOST_USER, { message: 'must be a Linux user name (lowercase letters, digits, _ and -; at most 32)' })
      .refine((n) => n !== 'root', { message: 'root is not a personal admin account' }),
    authorized_keys: z.array(z.string({ error: 'must be a public key line "TYPE BASE64 [COMMENT]"' }), { error: 'must be a list of public key lines' }).default([]),
    shell: z.string({ error: 'must be the absolute path of a login shell (/bin/bash)' }).optional(),
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

  /**
   * A name or an account object, chosen by the entry's type so that a wrong field of an object is reported
   * as itself (admin_users.0.shell: ...), not as "neither a name nor an object" as a union would.
   */
  const adminEntry = z.unknown().transform((v, ctx): string | Z.infer<typeof adminAccountSchema> => {
    const schema = typeof v === 'string' ? z.string().min(1, { message: ADMIN_ENTRY_WORDS })
      : typeof v === 'object' && v !== null && !Array.isArray(v) ? adminAccountSchema : undefined;
    const r = schema?.safeParse(v);
    if (r?.success) return r.data;
    if (!r) ctx.addIssue({ code: 'custom', message: ADMIN_ENTRY_WORDS });
    else for (const issue of r.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  });


  /**
   * The WebAuthn settings the PVE-08 remedy writes to datacenter.cfg: origin is what admins type in their
   * browser (https://NAME[:PORT]), id defaults to its host name, rp to the id. Formats only here; whether the
   * id fits the origin and a trusted certificate serves it is the remedy's validation (PVE-08's own logic).
   */
  const webauthnSchema = z.strictObject({
    origin: z.string({ error: WEBAUTHN_ORIGIN_WORDS }).refine((s) => {
      if (!/^https:\/\/[^/\s,?#@]+\/?$/i.test(s)) return false;
      try {
        return new URL(s).protocol === 'https:';
      } catch {
        return false;
      }
    }, { message: WEBAUTHN_ORIGIN_WORDS }),
    id: z.string({ error: WEBAUTHN_ID_WORDS }).regex(/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i, { message: WEBAUTHN_ID_WORDS }).optional(),
    rp: z.string({ error: WEBAUTHN_RP_WORDS }).regex(/^[^,=\n]{1,128}$/, { message: WEBAUTHN_RP_WORDS }).optional(),
  }, { error: 'must be {origin, id, rp}' });

  const configSchema = z.strictObject({
    /**
     * Host users (and Proxmox users like alice@pve) who are administrators. An entry may be an object
     * `{name, authorized_keys, shell}`: the host account pvesec harden creates and gives these keys.
     */
    admin_users: z.array(adminEntry, { error: 'must be a list of user names (alice, alice@pve) or {name, authorized_keys, shell}' }).default([]).superRefine((list, ctx) => {
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
    admin_sources: z.array(cidr, { error: 'must be a list of IP addresses or CIDRs' }).default([]),
    /** Networks that must NOT reach management services (used by FW checks). */
    non_admin_networks: z.array(cidr, { error: 'must be a list of IP addresses or CIDRs' }).default([]),
    /** Listening ports the operator expects besides sshd, pveproxy, spiceproxy and corosync. */
    expected_ports: z.array(portSchema, { error: 'must be a list of {port, proto, process, reason}' }).default([]),
    waivers: z.array(waiverSchema, { error: 'must be a list of waivers {id, node, reason, expires}' }).default([]),
    /** Glob of configuration backups on the node (BAK-01). */
    config_backup_glob: z.string({ error: BACKUP_GLOB_WORDS }).min(1, { message: BACKUP_GLOB_WORDS }).default('/root/pve-config-*.tar.gz'),
    /** Minimum age in days before BAK-01 fails. */
    config_backup_max_age_days: z.number({ error: AGE_WORDS }).int({ message: AGE_WORDS }).positive({ message: AGE_WORDS }).default(7),
    /**
     * Which firewall the FW remedy writes (issue 10): pve (cluster.fw/host.fw of the Proxmox firewall),
     * iptables (generated /etc/iptables/rules.v4/v6, netfilter-persistent), or auto: pve where pve-firewall
     * is installed on the node, else iptables.
     */
    firewall: z.enum(['auto', 'pve', 'iptables'], { error: 'must be auto, pve or iptables' }).default('auto'),
    /** The desired access matrix (PVE-15), see src/config/access-matrix.ts; relative to the configuration file (load.ts resolves it). */
    access_matrix: z.string({ error: 'must be the path of an access matrix file (access-matrix.yaml)' }).min(1, { message: 'must be the path of an access matrix file (access-matrix.yaml)' }).optional(),
    /** The WebAuthn settings (datacenter.cfg webauthn) the PVE-08 remedy plans; docs/identity.md. */
    webauthn: webauthnSchema.optional(),
  });
  return { waiverSchema, portSchema, adminAccountSchema, webauthnSchema, configSchema };
}

const schemas = lazyValue(() => buildSchemas(zodLib().z));
type Schemas = ReturnType<typeof buildSchemas>;
export const configSchema = (): Schemas['configSchema'] => schemas().configSchema;
export const waiverSchema = (): Schemas['waiverSchema'] => schemas().waiverSchema;
export const portSchema = (): Schemas['portSchema'] => schemas().portSchema;
export const adminAccountSchema = (): Schemas['adminAccountSchema'] => schemas().adminAccountSchema;
export const webauthnSchema = (): Schemas['webauthnSchema'] => schemas().webauthnSchema;

export type PvesecConfig = Z.infer<Schemas['configSchema']>;
export type AdminAccountEntry = Z.infer<Schemas['adminAccountSchema']>;
export type RootLogin = (typeof ROOT_LOGIN)[number];
export type Waiver = Z.infer<Schemas['waiverSchema']>;
export type WebauthnConfig = Z.infer<Schemas['webauthnSchema']>;

/** pvesec.yaml's defaults (what configSchema().parse({}) gives: a test keeps them equal), without loading zod. */
export const DEFAULT_CONFIG: PvesecConfig = {
  admin_users: [],
  root_login: 'prohibit-password',
  admin_sources: [],
  non_admin_networks: [],
  expected_ports: [],
  waivers: [],
  config_backup_glob: '/root/pve-config-*.tar.gz',
  config_backup_max_age_days: 7,
  firewall: 'auto',
};
