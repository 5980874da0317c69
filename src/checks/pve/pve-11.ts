import type { Check } from '../types.js';
import { fail, pass, warn } from '../types.js';
import { accessFact, administratorsFact, type AdministrativeHolding } from '../../model/facts/permissions.js';
import { memberLabel } from '../../engines/permissions/describe.js';
import { isTokenId, tokenOwner, type PermissionEngine } from '../../engines/permissions/engine.js';
import type { AclEntry } from '../../engines/permissions/model.js';
import { FILES } from '../../collect/sources.js';
import { adminNames } from '../../config/admins.js';
import { ADMIN_GUIDE, listNames, userCfgLinesEvidence } from './common.js';

/** Identities the message lists, evidence lines it gives. */
const LISTED = 5;
const EVIDENCE = 8;

/** Paths whose propagating grants reach every guest, datastore or the whole cluster. */
const BROAD_PATHS = ['/', '/vms', '/storage'];

/** Privileges that make a role a VM, datastore, system or access administration role. */
const ADMIN_PRIVILEGES = new Set([
  'VM.Allocate', 'VM.Config.Disk', 'VM.Config.HWType', 'VM.Migrate',
  'Datastore.Allocate', 'Datastore.AllocateTemplate',
  'Sys.Modify', 'Sys.PowerMgmt', 'Sys.Console', 'Sys.Incoming', 'Sys.AccessNetwork',
  'Permissions.Modify', 'Realm.Allocate', 'Realm.AllocateUser', 'User.Modify', 'Group.Allocate',
  'Pool.Allocate', 'SDN.Allocate', 'Mapping.Modify',
]);

export const pve11: Check = {
  meta: {
    id: 'PVE-11', section: 'PVE', title: 'No over-broad grants', severity: 'high', scope: 'cluster',
    rationale: 'VM, datastore or system administration roles propagating from /, /vms or /storage to people who are not declared administrators give them the whole cluster; holders of Permissions.Modify can grant themselves anything.',
    fix: 'Grant on pools or single guests instead: pveum acl delete / --users USER --roles ROLE && pveum acl modify /pool/POOL --users USER --roles PVEVMUser; declare real administrators in admin_users (pvesec.yaml)',
    reads: [FILES.userCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const { engine } = ctx.get(accessFact);
    const declared = new Set(adminNames(ctx.config));
    const isDeclared = (id: string) => declared.has(id) || (isTokenId(id) && declared.has(tokenOwner(id)));
    const broad = new Map<string, BroadGrants>();
    // privsep-0 tokens of root@pam or of declared admins: not an over-broad grant, but a credential that holds the
    // owner's administration roles, so it is named
    const acting: string[] = [];
    for (const id of engine.identities()) {
      if (id === 'root@pam') continue;
      const privsepOff = isTokenId(id) && engine.input.tokens.get(id)?.privsep === false;
      if (privsepOff) {
        const owner = tokenOwner(id);
        const asOwner = `privilege separation off: acts as ${owner}`;
        if (owner === 'root@pam') acting.push(`${id} (${asOwner}, every privilege)`);
        else {
          const b = broadAdminGrants(engine, id); // the owner's roles: explain() evaluates a privsep-0 token as its owner
          if (!b) continue;
          if (isDeclared(owner) || declared.has(id)) acting.push(`${id} (${asOwner}, ${b.texts.join(', ')})`);
          else broad.set(id, { texts: [`${asOwner}, ${b.texts[0]}`, ...b.texts.slice(1)], lines: b.lines });
        }
        continue;
      }
      if (isDeclared(id)) continue;
      const b = broadAdminGrants(engine, id);
      if (b) broad.set(id, b);
    }
    const holders = permissionsModifyHolders(ctx.get(administratorsFact), 10);
    const holdersText = `Permissions.Modify held by: ${listNames(holders, 10)}`;
    const actingText = acting.length ? `; tokens holding an administrator's roles: ${listNames(acting, 5)}` : '';
    if (broad.size === 0) return pass(`no administration role propagates from /, /vms or /storage to an undeclared user, group or token${actingText}; ${holdersText}`);
    const list = [...broad].map(([id, b], i) => (i < LISTED ? `${id}: ${b.texts.join(', ')}` : id)); // listNames counts the rest
    // Without a declaration there is nothing to hold the grants against: list them for review, do not fail.
    const verdict = declared.size === 0 ? warn : fail;
    const hint = declared.size === 0 ? ' (no admin_users declared in pvesec.yaml: confirm them there)' : '';
    return verdict(`${broad.size} identit${broad.size === 1 ? 'y holds' : 'ies hold'} administration roles on /, /vms or /storage without being declared admins${hint}: ${listNames(list, LISTED)}${actingText}; ${holdersText}`,
      userCfgLinesEvidence(ctx, [...broad.values()].flatMap((b) => b.lines).sort((a, b) => a - b), EVIDENCE));
  },
};

interface BroadGrants { texts: string[]; lines: number[] }

/** The administration roles id holds propagating from /, /vms or /storage ("Administrator on / via @admins (line 14)"), if any. */
export function broadAdminGrants(engine: PermissionEngine, id: string): BroadGrants | undefined {
  // the roles explain() would walk to, from the compiled engine: most identities hold no administration role there
  if (!BROAD_PATHS.some((path) => engine.roleNames(id, path).some((role) => adminPrivilegesOf(engine, role).length > 0))) return undefined;
  const seen = new Set<AclEntry>();
  const out: BroadGrants = { texts: [], lines: [] };
  for (const path of BROAD_PATHS) {
    const ex = engine.explain(id, path);
    const held = engine.privileges(id, path); // ex.privileges, from the compiled engine (no set united per call)
    for (const [role, g] of ex.roles) {
      if (!g.propagate || ex.poolRoles?.has(role)) continue;
      if (!adminPrivilegesOf(engine, role).some((p) => held.includes(p))) continue;
      for (const e of g.entries) {
        if (seen.has(e)) continue;
        seen.add(e);
        out.texts.push(`${role} on ${e.path}${e.kind === 'group' ? ` via ${memberLabel(e)}` : ''}${e.line !== undefined ? ` (line ${e.line})` : ''}`);
        if (e.line !== undefined) out.lines.push(e.line);
      }
    }
  }
  return out.texts.length ? out : undefined;
}

/** The administration privileges of a role, computed once per engine and role (not for every identity and path). */
function adminPrivilegesOf(engine: PermissionEngine, role: string): string[] {
  let byRole = adminPrivilegesByEngine.get(engine);
  if (!byRole) adminPrivilegesByEngine.set(engine, (byRole = new Map()));
  let privs = byRole.get(role);
  if (!privs) byRole.set(role, (privs = [...(engine.input.roles.get(role) ?? [])].filter((p) => ADMIN_PRIVILEGES.has(p))));
  return privs;
}

const adminPrivilegesByEngine = new WeakMap<PermissionEngine, Map<string, string[]>>();

/** "alice@pve (/ and 2 more)" for everyone holding Permissions.Modify somewhere. */
function permissionsModifyHolders(admins: Map<string, AdministrativeHolding>, listed: number): string[] {
  const out: string[] = ['root@pam (everywhere)'];
  for (const [id, h] of admins) {
    const pm = h.permissionsModify;
    if (id === 'root@pam' || !pm) continue;
    // listNames shows `listed` names and counts the rest: only those are spelled out
    out.push(out.length < listed ? `${id} (${pm.first}${pm.paths > 1 ? ` and ${pm.paths - 1} more` : ''})` : id);
  }
  return out;
}
