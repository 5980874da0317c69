/**
 * Input of the permission engine: what PVE::AccessControl keeps after parsing user.cfg.
 * Built from the parsed user.cfg (see ./from-user-cfg.ts); the engine itself does no I/O.
 */
export interface AclEntry {
  /** ACL path as stored after Proxmox's normalisation. */
  path: string;
  propagate: boolean;
  kind: 'user' | 'group' | 'token';
  /** user@realm, group name (without @), or user@realm!token */
  ugid: string;
  role: string;
  /** Line in user.cfg, for explanations. */
  line?: number;
}

export interface AccessInput {
  /** Role name -> privileges (built-in roles, extended or added by `role:` lines). */
  roles: ReadonlyMap<string, ReadonlySet<string>>;
  /** Group name -> member ids (as listed in `group:` lines; members need not exist). */
  groups: ReadonlyMap<string, ReadonlySet<string>>;
  /** Existing tokens (user@realm!name) and their privilege separation. */
  tokens: ReadonlyMap<string, { privsep: boolean }>;
  /** VM id -> the one pool it belongs to (Proxmox's cfg->{vms}). */
  vmPool: ReadonlyMap<string, string>;
  /** Storage id -> the pools listing it (a storage may be in several pools). */
  storagePools: ReadonlyMap<string, readonly string[]>;
  /** All privileges of the Proxmox version (root@pam holds every one). */
  privileges: readonly string[];
  acl: readonly AclEntry[];
  /** Defined users (for listing identities; the semantics never check existence). */
  users?: readonly string[];
}
