import type { Explanation, RoleGrant, TraceStep } from './engine.js';
import type { AclEntry } from './model.js';

/** "@ops" for a group entry, the id otherwise. */
export function memberLabel(e: AclEntry): string {
  return e.kind === 'group' ? `@${e.ugid}` : e.ugid;
}

/** "line 14: @admins Administrator on / (propagating)" */
export function describeEntry(e: AclEntry): string {
  return `${e.line !== undefined ? `line ${e.line}: ` : ''}${memberLabel(e)} ${e.role} on ${e.path}${e.propagate ? '' : ' (not propagating)'}`;
}

/** The ACL entries behind the roles of an explanation (pool entries included), deduplicated. */
export function grantEntries(ex: Explanation): AclEntry[] {
  const seen = new Set<AclEntry>();
  for (const g of ex.roles.values()) for (const e of g.entries) seen.add(e);
  for (const g of ex.poolRoles?.values() ?? []) for (const e of g.entries) seen.add(e);
  return [...seen].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function roleSource(role: string, g: RoleGrant, ex: Explanation): string {
  const pool = ex.poolRoles?.get(role);
  const entries = (pool ?? g).entries.map(describeEntry).join('; ');
  return pool ? `${role} via pool ${pool.pool} (${entries})` : `${role} (${entries || 'implicit'})`;
}

/** One line saying why id holds what it holds on path. */
export function reasonOf(ex: Explanation): string {
  if (ex.root) return 'root@pam holds every privilege';
  if (ex.missingToken) return 'no such API token';
  const parts: string[] = [];
  if (ex.tokenWithoutPrivsep) parts.push(`token without privilege separation: acts as ${ex.id.slice(0, ex.id.indexOf('!'))}, its own ACLs are ignored`);
  if (ex.roles.size === 0) parts.push('no ACL entry applies on this path or above');
  else if (ex.roles.has('NoAccess')) parts.push(`NoAccess wins: ${roleSource('NoAccess', ex.roles.get('NoAccess')!, ex)}`);
  else parts.push([...ex.roles].map(([role, g]) => roleSource(role, g, ex)).join(', '));
  if (ex.ownerPrivileges) parts.push(`limited to what the owner holds here (${ex.ownerPrivileges.size} privilege(s))`);
  return parts.join('; ');
}

/** The per-level walk in words (for `perms of ID --path P`): what applied, replaced, shadowed. */
export function describeTrace(trace: readonly TraceStep[]): string[] {
  const out: string[] = [];
  for (const s of trace) {
    const bits: string[] = [];
    if (s.applied.length) bits.push(`${s.decidedBy} entries apply: ${s.applied.map((g) => `${g.role} (${g.entries.map((e) => (e.line !== undefined ? `line ${e.line}` : memberLabel(e))).join(', ')})`).join(', ')}`);
    if (s.applied.length && s.replaced.length) bits.push(`replacing ${s.replaced.map((g) => g.role).join(', ')} from above`);
    if (s.shadowed.length) bits.push(`shadowed at this level: ${s.shadowed.flatMap((g) => g.entries.map(describeEntry)).join('; ')}`);
    if (s.notPropagated.length) bits.push(`not propagated below: ${s.notPropagated.flatMap((g) => g.entries.map(describeEntry)).join('; ')}`);
    if (!bits.length) bits.push('nothing for this identity');
    out.push(`${s.path}: ${bits.join('; ')}`);
  }
  return out;
}
