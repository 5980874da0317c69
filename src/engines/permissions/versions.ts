/**
 * Privileges and built-in roles per Proxmox VE release (PVE::AccessControl::create_roles).
 * PVE 9 (tables of libpve-access-control 9.1.1): 47 privileges; VM.Monitor was removed and split
 * into VM.GuestAgent.* and VM.Replicate was added. PVE 8: 42 privileges, with VM.Monitor.
 * No imports from the parser: src/parse/user-cfg.ts builds its role table from here.
 */
export type PveRelease = 'pve8' | 'pve9';

export const PVE_RELEASES: readonly PveRelease[] = ['pve8', 'pve9'];
export const DEFAULT_RELEASE: PveRelease = 'pve9';

const COMMON_PRIVILEGES = (
  'Datastore.Allocate Datastore.AllocateSpace Datastore.AllocateTemplate Datastore.Audit Group.Allocate ' +
  'Mapping.Audit Mapping.Modify Mapping.Use Permissions.Modify Pool.Allocate Pool.Audit Realm.Allocate ' +
  'Realm.AllocateUser SDN.Allocate SDN.Audit SDN.Use Sys.AccessNetwork Sys.Audit Sys.Console Sys.Incoming ' +
  'Sys.Modify Sys.PowerMgmt Sys.Syslog User.Modify VM.Allocate VM.Audit VM.Backup VM.Clone VM.Config.CDROM ' +
  'VM.Config.CPU VM.Config.Cloudinit VM.Config.Disk VM.Config.HWType VM.Config.Memory VM.Config.Network ' +
  'VM.Config.Options VM.Console VM.Migrate VM.PowerMgmt VM.Snapshot VM.Snapshot.Rollback'
).split(' ');

const GUEST_AGENT_USER = 'VM.GuestAgent.Audit VM.GuestAgent.FileRead VM.GuestAgent.FileSystemMgmt VM.GuestAgent.FileWrite'.split(' ');
const PVE9_ONLY = [...GUEST_AGENT_USER, 'VM.GuestAgent.Unrestricted', 'VM.Replicate'];
const PVE8_ONLY = ['VM.Monitor'];

const sortedUnique = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

const PRIVILEGES: Record<PveRelease, readonly string[]> = {
  pve8: sortedUnique([...COMMON_PRIVILEGES, ...PVE8_ONLY]),
  pve9: sortedUnique([...COMMON_PRIVILEGES, ...PVE9_ONLY]),
};

/** Privileges only the root-level roles (Administrator) hold; PVEAdmin has all the others. */
const PVE_ADMIN_EXCLUDED = new Set(['Permissions.Modify', 'Realm.Allocate', 'Sys.PowerMgmt', 'Sys.Modify', 'Sys.Incoming', 'Sys.AccessNetwork', 'Mapping.Modify']);

function builtinRoles(release: PveRelease): Record<string, readonly string[]> {
  const all = PRIVILEGES[release];
  const vm = all.filter((p) => p.startsWith('VM.'));
  const vmUser = ['VM.Audit', 'VM.Backup', 'VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Console', 'VM.PowerMgmt',
    ...(release === 'pve9' ? GUEST_AGENT_USER : [])];
  const auditor = ['Datastore.Audit', 'Mapping.Audit', 'Pool.Audit', 'SDN.Audit', 'Sys.Audit', 'VM.Audit',
    ...(release === 'pve9' ? ['VM.GuestAgent.Audit'] : [])];
  return {
    Administrator: all,
    NoAccess: [],
    PVEAdmin: all.filter((p) => !PVE_ADMIN_EXCLUDED.has(p)),
    PVEAuditor: sortedUnique(auditor),
    PVEDatastoreAdmin: ['Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit'],
    PVEDatastoreUser: ['Datastore.AllocateSpace', 'Datastore.Audit'],
    PVEMappingAdmin: ['Mapping.Audit', 'Mapping.Modify', 'Mapping.Use'],
    PVEMappingUser: ['Mapping.Audit', 'Mapping.Use'],
    PVEPoolAdmin: ['Pool.Allocate', 'Pool.Audit'],
    PVEPoolUser: ['Pool.Audit'],
    PVESDNAdmin: ['SDN.Allocate', 'SDN.Audit', 'SDN.Use'],
    PVESDNUser: ['SDN.Audit', 'SDN.Use'],
    PVESysAdmin: ['Sys.Audit', 'Sys.Console', 'Sys.Syslog'],
    PVETemplateUser: ['VM.Audit', 'VM.Clone'],
    PVEUserAdmin: ['Group.Allocate', 'Realm.AllocateUser', 'User.Modify'],
    PVEVMAdmin: vm,
    PVEVMUser: sortedUnique(vmUser),
  };
}

const ROLES: Record<PveRelease, Readonly<Record<string, readonly string[]>>> = {
  pve8: builtinRoles('pve8'),
  pve9: builtinRoles('pve9'),
};

export function releasePrivileges(release: PveRelease = DEFAULT_RELEASE): readonly string[] {
  return PRIVILEGES[release];
}

export function releaseBuiltinRoles(release: PveRelease = DEFAULT_RELEASE): Readonly<Record<string, readonly string[]>> {
  return ROLES[release];
}

/** The release whose tables apply to a node, from the major version of `pveversion -v` (undefined if unknown). */
export function releaseOfMajor(major: number | undefined): PveRelease | undefined {
  if (major === undefined || !Number.isFinite(major)) return undefined;
  return major >= 9 ? 'pve9' : 'pve8';
}

/** --pve-version 8 | 9 | 9.1 | 8.4 ... ; undefined when the text names no known release. */
export function parseReleaseFlag(text: string): PveRelease | undefined {
  const m = /^\s*(?:pve)?(\d+)(?:\.\d+)*\s*$/i.exec(text);
  if (!m) return undefined;
  const major = Number(m[1]);
  return major === 8 || major === 9 ? releaseOfMajor(major) : undefined;
}
