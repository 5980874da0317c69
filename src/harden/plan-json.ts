import { fsErrorText } from '../core/fs-errors.js';
import { readFileSync } from 'node:fs';
import type { z as Z } from 'zod';
import { lazyValue, zodLib } from '../core/lazy-require.js';
import { PHASES } from './ops.js';
import { PLAN_SCHEMA, type Plan } from './plan-types.js';

/** The plan file (`pvesec plan --out plan.json`, schema pvesec.plan/v1; docs/plan-format.md). */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2) + '\n';
}

/**
 * The schema of a plan file, built with zod on first use: `plan` only renders JSON (renderPlanJson) and
 * never loads zod; `apply` validates the file it reads.
 */
function buildPlanSchema(z: typeof Z) {
  const controlId = z.string().regex(/^[A-Z]{2,3}-\d{2}$/, { message: 'must be a control id like SSH-02' });
  const absPath = z.string().regex(/^\/[^\0\n]*$/, { message: 'must be an absolute path' }).refine((p) => !p.split('/').includes('..'), { message: 'must not contain ..' });
  const name = z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, { message: 'must be a user or group name' });
  const unit = z.string().regex(/^[A-Za-z0-9@_.:\\-]+$/, { message: 'must be a systemd unit name' });
  const argv = z.array(z.string()).min(1);

  const base = {
    id: z.string().regex(/^[^\s\x00-\x1f\x7f]{1,300}$/, { message: 'must be 1-300 characters without whitespace' }),
    controls: z.array(controlId),
    cutsAccess: z.boolean(),
    summary: z.string(),
    phase: z.enum(PHASES),
  };
  const mode = z.number().int().min(0).max(0o7777);

  const opSchema = z.discriminatedUnion('kind', [
    z.strictObject({ ...base, kind: z.literal('write-file'), path: absPath, content: z.string(), mode, owner: name, group: name, pmxcfs: z.boolean().optional() }),
    z.strictObject({ ...base, kind: z.literal('make-dir'), path: absPath, mode, owner: name, group: name }),
    z.strictObject({ ...base, kind: z.literal('install-packages'), packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, { message: 'must be a Debian package name' })).min(1) }),
    z.strictObject({ ...base, kind: z.literal('create-user'), user: name, shell: absPath }),
    z.strictObject({ ...base, kind: z.literal('add-to-group'), user: name, group: name }),
    z.strictObject({ ...base, kind: z.literal('lock-password'), user: name }),
    z.strictObject({ ...base, kind: z.literal('change-shell'), user: name, shell: absPath }),
    z.strictObject({ ...base, kind: z.literal('service'), unit, action: z.enum(['enable-now', 'reload', 'restart', 'reload-or-restart']) }),
    z.strictObject({ ...base, kind: z.literal('validate'), argv, why: z.string(), expectOutput: z.array(z.string().min(1)).optional() }),
    z.strictObject({ ...base, kind: z.literal('run'), argv }),
    z.strictObject({ ...base, kind: z.literal('pve-call'), argv, inverse: z.array(argv), secretOutput: z.boolean().optional() }),
    z.strictObject({ ...base, kind: z.literal('load-ruleset'), family: z.union([z.literal(4), z.literal(6)]), path: absPath, exposure: z.array(z.string()).optional() }),
  ]);

  const sha = z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be a sha256 in hex' });

  return z.strictObject({
    schema: z.literal(PLAN_SCHEMA, { message: `must be "${PLAN_SCHEMA}"` }),
    createdAt: z.string().datetime(),
    pvesecVersion: z.string().min(1),
    configDigest: sha,
    localFiles: z.record(absPath, sha.nullable()).optional(),
    nodes: z.array(z.strictObject({
      node: z.string().min(1),
      target: z.string().min(1),
      ops: z.array(opSchema),
      fileDigests: z.record(absPath, sha.nullable()),
      fixes: z.array(controlId),
      manual: z.array(z.strictObject({ id: controlId, status: z.string(), reason: z.string(), fix: z.string() })),
    })),
  });
}

export const planSchema = lazyValue(() => buildPlanSchema(zodLib().z));

/** A plan file that is not a valid pvesec.plan/v1: one line naming the file and the first problem. */
export class PlanFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFileError';
  }
}

/** Parses and validates a plan (the text of a plan file); errors name `file` and the JSON path. */
export function parsePlan(text: string, file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PlanFileError(`${file}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof raw === 'object' && raw !== null && 'schema' in raw && (raw as { schema: unknown }).schema !== PLAN_SCHEMA) {
    throw new PlanFileError(`${file}: schema ${JSON.stringify((raw as { schema: unknown }).schema).slice(0, 60)} is not ${PLAN_SCHEMA}`);
  }
  const r = planSchema().safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
    throw new PlanFileError(`${file}: ${where}: ${issue.message}${more}`);
  }
  for (const [i, n] of r.data.nodes.entries()) {
    const ids = new Set<string>();
    for (const op of n.ops) {
      if (ids.has(op.id)) throw new PlanFileError(`${file}: nodes[${i}].ops: operation id ${op.id} appears twice`);
      ids.add(op.id);
    }
  }
  return r.data as Plan;
}

/** Reads a plan file (what `apply plan.json` starts from). */
export function loadPlanFile(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PlanFileError(`${file}: cannot read: ${fsErrorText(e)}`);
  }
  return parsePlan(text, file);
}
