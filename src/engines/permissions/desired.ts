import type { AccessMatrix } from '../../config/access-matrix.js';
import { PermissionEngine } from './engine.js';
import type { AclEntry } from './model.js';
import { added, diffEngines } from './diff.js';
import { describeEntry, grantEntries } from './describe.js';

/** A grant the configuration gives but the matrix does not (extra), or the other way round (missing). */
export interface MatrixDifference {
  kind: 'extra' | 'missing' | 'privsep' | 'unknown-role' | 'unknown-identity';
  id: string;
  role?: string;
  paths: string[];
  /** Where it comes from: user.cfg ACL lines (extra, privsep) or matrix entries (missing). */
  sources: string[];
  lines: number[];
}

/** The engine the matrix asks for: the same users, groups, tokens, pools and roles, with the matrix's ACL. */
export function desiredEngine(actual: PermissionEngine, matrix: AccessMatrix): { engine: PermissionEngine; labels: Map<AclEntry, string> } {
  const labels = new Map<AclEntry, string>();
  const acl: AclEntry[] = [];
  const add = (kind: AclEntry['kind'], section: string, ugid: string, grants: AccessMatrix['users'][string]['grants']) => {
    grants.forEach((g, i) => {
      for (const role of g.roles) {
        const e: AclEntry = { path: g.path, propagate: g.propagate, kind, ugid, role };
        labels.set(e, `access matrix ${section}.${ugid} grant ${i + 1}: ${role} on ${g.path}${g.propagate ? '' : ' (not propagating)'}`);
        acl.push(e);
      }
    });
  };
  for (const [id, v] of Object.entries(matrix.users)) add('user', 'users', id, v.grants);
  for (const [g, v] of Object.entries(matrix.groups)) add('group', 'groups', g, v.grants);
  for (const [t, v] of Object.entries(matrix.tokens)) add('token', 'tokens', t, v.grants);
  return { engine: new PermissionEngine({ ...actual.input, acl }), labels };
}

/** Every difference between the effective grants of the configuration and the desired matrix. */
export function compareWithMatrix(actual: PermissionEngine, matrix: AccessMatrix): MatrixDifference[] {
  const out: MatrixDifference[] = [];
  const { engine: desired, labels } = desiredEngine(actual, matrix);
  const knownRoles = actual.input.roles;
  const named = new Set<string>();
  for (const section of [matrix.users, matrix.groups, matrix.tokens]) {
    for (const v of Object.values(section)) for (const g of v.grants) for (const r of g.roles) if (!knownRoles.has(r) && !named.has(r)) {
      named.add(r);
      out.push({ kind: 'unknown-role', id: '', role: r, paths: [g.path], sources: [], lines: [] });
    }
  }
  const defined = new Set(actual.identities().filter((id) => actual.isDefinedUser(id) || actual.input.tokens.has(id)));
  for (const id of [...Object.keys(matrix.users), ...Object.keys(matrix.tokens)]) {
    if (!defined.has(id)) out.push({ kind: 'unknown-identity', id, paths: [], sources: [], lines: [] });
  }
  for (const [id, tok] of actual.input.tokens) {
    if (!tok.privsep && !matrix.tokens[id]?.allow_privsep_0) out.push({ kind: 'privsep', id, paths: [], sources: [], lines: [] });
  }

  const groups = new Map<string, MatrixDifference>();
  for (const d of diffEngines(actual, desired)) {
    for (const [kind, roles] of [['extra', added(d.rolesAfter, d.rolesBefore)], ['missing', added(d.rolesBefore, d.rolesAfter)]] as const) {
      for (const role of roles) {
        const key = `${kind}\t${d.id}\t${role}`;
        let g = groups.get(key);
        if (!g) {
          const ex = (kind === 'extra' ? actual : desired).explain(d.id, d.path);
          const entries = grantEntries(ex).filter((e) => e.role === role);
          g = {
            kind, id: d.id, role, paths: [],
            sources: entries.map((e) => (kind === 'extra' ? `user.cfg ${describeEntry(e)}` : labels.get(e) ?? describeEntry(e))),
            lines: kind === 'extra' ? entries.flatMap((e) => (e.line !== undefined ? [e.line] : [])) : [],
          };
          groups.set(key, g);
        }
        g.paths.push(d.path);
      }
    }
  }
  out.push(...[...groups.values()].sort((a, b) => a.id.localeCompare(b.id) || a.kind.localeCompare(b.kind) || (a.role ?? '').localeCompare(b.role ?? '')));
  return out;
}

/** The difference in words an auditor can act on. */
export function describeDifference(d: MatrixDifference): string {
  const where = d.paths.length ? `${d.paths[0]}${d.paths.length > 1 ? ` and ${d.paths.length - 1} more path(s)` : ''}` : '';
  const from = d.sources.length ? ` (${d.sources.join('; ')})` : '';
  switch (d.kind) {
    case 'extra': return `${d.id} holds ${d.role} on ${where}, which the matrix does not grant${from}`;
    case 'missing': return `${d.id} lacks ${d.role} on ${where}, which the matrix grants${from}`;
    case 'privsep': return `token ${d.id} has privilege separation off (acts with all its owner's rights); the matrix does not allow privsep 0`;
    case 'unknown-role': return `the matrix names role ${d.role} (on ${where}), which user.cfg does not define`;
    case 'unknown-identity': return `the matrix lists ${d.id}, which user.cfg does not define`;
  }
}
