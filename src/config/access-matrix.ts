import fs from 'node:fs';
import type { z as Z } from 'zod';
import { lazyValue, yamlLib, zodLib } from '../core/lazy-require.js';
import { normalizeAclPath, splitTokenId, userRealm } from '../parse/user-cfg.js';
import { issueLines, yamlErrorLine, yamlLocator } from './messages.js';
import { fsErrorText } from '../core/fs-errors.js';

/**
 * The desired access matrix (access-matrix.yaml) PVE-15 compares the effective grants with:
 *
 *   users:
 *     alice@pve:
 *       grants:
 *         - { path: /pool/prod, roles: [PVEVMUser] }
 *   groups:
 *     admins:
 *       grants:
 *         - { path: /, roles: [Administrator] }
 *   tokens:
 *     backup@pve!vzdump:
 *       allow_privsep_0: false        # default: the token must have privilege separation
 *       grants:
 *         - { path: /storage/pbs, roles: [PVEDatastoreUser], propagate: false }
 *
 * A grant is an ACL entry (propagate defaults to true, as with pveum acl modify); identities not
 * listed may hold nothing.
 */

const NAME_RE = /^[A-Za-z0-9.\-_]+$/;

/** The schema of access-matrix.yaml, built with zod on first use (zod is not loaded by audits without one). */
function buildSchemas(z: typeof Z) {
  const aclPath = z.string().transform((p, ctx) => {
    const n = normalizeAclPath(p);
    if (n === undefined) ctx.addIssue({ code: 'custom', message: `"${p}" is not an ACL path (e.g. /, /vms/100, /pool/prod)` });
    return n ?? p;
  });

  const grant = z.strictObject({
    path: aclPath,
    roles: z.array(z.string().regex(NAME_RE, { message: 'a role name has only letters, digits and . - _' })).min(1, { message: 'list at least one role' }),
    propagate: z.boolean({ error: 'must be true or false' }).default(true),
  });

  const identity = z.strictObject({ grants: z.array(grant).default([]) });
  const token = z.strictObject({ grants: z.array(grant).default([]), allow_privsep_0: z.boolean({ error: 'must be true or false' }).default(false) });

  const accessMatrixSchema = z.strictObject({
    users: z.record(z.string().refine((u) => userRealm(u) !== undefined, { message: 'must be a user id like alice@pve' }), identity).default({}),
    groups: z.record(z.string().regex(NAME_RE, { message: 'must be a group name (without @)' }), identity).default({}),
    tokens: z.record(z.string().refine((t) => splitTokenId(t) !== undefined, { message: 'must be a token id like alice@pve!ci' }), token).default({}),
  });
  return { grant, accessMatrixSchema };
}

export const accessMatrixSchema = lazyValue(() => buildSchemas(zodLib().z).accessMatrixSchema);

const KEY_MESSAGES: Record<string, string> = {
  users: 'is not a user id like alice@pve',
  groups: 'is not a group name (letters, digits, . - _; without @)',
  tokens: 'is not a token id like alice@pve!ci',
};

type Schemas = ReturnType<typeof buildSchemas>;
export type AccessMatrix = Z.infer<Schemas['accessMatrixSchema']>;
export type DesiredGrant = Z.infer<Schemas['grant']>;

export class AccessMatrixError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessMatrixError';
  }
}

/** Parses and validates access-matrix.yaml; every problem is one line `file:line: key.path: what is wrong`. */
export function parseAccessMatrix(text: string, file: string): AccessMatrix {
  const { LineCounter, parseDocument } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length) {
    throw new AccessMatrixError(doc.errors.map((e) => yamlErrorLine(file, e)).join('\n'));
  }
  const raw: unknown = doc.toJS() ?? {};
  // Not a mapping of users/groups/tokens: another file named by mistake. Say so without quoting it.
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AccessMatrixError(`${file}: not an access matrix (expected a YAML mapping with users, groups and tokens)`);
  }
  const result = accessMatrixSchema().safeParse(raw);
  if (result.success) return result.data;
  const lines = issueLines(file, result.error.issues, yamlLocator(doc, lineCounter), (path) => KEY_MESSAGES[path[0]]);
  throw new AccessMatrixError(lines.join('\n'));
}

export function loadAccessMatrix(file: string): AccessMatrix {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AccessMatrixError(`${file}: cannot read: ${fsErrorText(e)}`);
  }
  return parseAccessMatrix(text, file);
}
