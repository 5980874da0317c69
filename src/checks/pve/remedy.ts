/**
 * Remedies of PVE-11/12/13/15 (issue 11): with an access matrix declared (access_matrix in pvesec.yaml),
 * the `pveum acl modify|delete` calls that make the effective grants equal to it (src/identity/acl.ts,
 * proven with the permission engine before planning; after apply the re-audit's PVE-15 proves it again on
 * the re-collected user.cfg). An operation names each of these controls the converged ACL resolves; a
 * control it does not resolve stays manual with why. Without a matrix nothing is guessed: manual.
 *
 * PVE-09/10 (tokens without privilege separation or expiry) are never changed automatically (automation
 * depends on them): the plan lists the replacement commands as a manual item.
 */
import { AccessMatrixError, loadAccessMatrix } from '../../config/access-matrix.js';
import { adminNames } from '../../config/admins.js';
import { isTokenId, tokenOwner, type PermissionEngine } from '../../engines/permissions/engine.js';
import { ManualOnly, sharedAnalysis, type PlannedOp, type Remedy, type RemedyInput } from '../../harden/plan-types.js';
import { AclRefused, applyCalls, currentGrants, planAclConvergence, operatorIdentities, type AclGrantState } from '../../identity/acl.js';
import { accessFact } from '../../model/facts/permissions.js';
import { isExpired } from '../../model/facts/pve.js';
import type { UserConfig } from '../../parse/user-cfg.js';
import { broadAdminGrants } from './pve-11.js';
import { replacementCommands } from '../../identity/token.js';
import { webauthnRemedy } from './remedy-webauthn.js';

export const ACL_REMEDY_CONTROLS = ['PVE-11', 'PVE-12', 'PVE-13', 'PVE-15'] as const;
type AclControl = (typeof ACL_REMEDY_CONTROLS)[number];

interface AclAnalysis {
  ops: PlannedOp[];
  /** Why a control is not resolved by the ops (absent: resolved). */
  unresolved: Map<AclControl, string>;
}

function analyse(input: RemedyInput): AclAnalysis {
  const file = input.config.access_matrix;
  if (file === undefined) {
    throw new ManualOnly('no access matrix declared (access_matrix: FILE in pvesec.yaml): pvesec changes ACLs only to make them equal to a written matrix, it does not guess which grants are wanted');
  }
  let matrix;
  try {
    matrix = loadAccessMatrix(file);
  } catch (e) {
    if (e instanceof AccessMatrixError) throw new ManualOnly(`access matrix not usable: ${e.message.split('\n').join('; ')}`);
    throw e;
  }
  const { cfg, engine, diagnostics } = input.ctx.get(accessFact);
  let plan;
  try {
    plan = planAclConvergence({ cfg, engine, matrix, operators: operatorIdentities(adminNames(input.config)) });
  } catch (e) {
    if (e instanceof AclRefused) throw new ManualOnly(`ACL convergence to ${file} refused: ${e.reasons.join('; ')}`);
    throw e;
  }
  const after = applyCalls(currentGrants(cfg), plan.calls);
  const unresolved = new Map<AclControl, string>();
  const broad = overBroad(plan.after, new Set(adminNames(input.config)));
  if (broad.length) unresolved.set('PVE-11', `the matrix itself grants administration roles on /, /vms or /storage to identities not declared in admin_users: ${broad.join(', ')}`);
  const pve12 = pve12Leftovers(cfg, diagnostics.map((d) => d.message));
  if (pve12.length) unresolved.set('PVE-12', `ACL calls cannot fix: ${pve12.join('; ')}`);
  const departed = departedHolders(cfg, after, input.ctx.now);
  if (departed.length) unresolved.set('PVE-13', `the matrix grants disabled or expired users: ${departed.join(', ')}`);

  // the controls failing here (waived ones are NOTICE) that the converged ACL resolves
  const failing = new Set(input.findings.filter((f) => f.status === 'FAIL' || f.status === 'WARN').map((f) => f.id));
  const resolved = ACL_REMEDY_CONTROLS.filter((c) => failing.has(c) && !unresolved.has(c));
  const ops: PlannedOp[] = plan.calls.map((c, i) => ({
    kind: 'pve-call', id: `acl:${i + 1}:${c.action}:${c.keys[0].path}:${c.keys[0].member}`, phase: 'activate', controls: [...resolved],
    cutsAccess: false, summary: c.summary, argv: c.argv, inverse: c.inverse,
  }));
  return { ops, unresolved };
}

/** Identities that would still fail PVE-11: undeclared holders of administration roles on /, /vms or /storage. */
function overBroad(engine: PermissionEngine, declared: Set<string>): string[] {
  const isDeclared = (id: string) => declared.has(id) || (isTokenId(id) && declared.has(tokenOwner(id)));
  return engine.identities().filter((id) => id !== 'root@pam' && !isDeclared(id) && !(isTokenId(id) && tokenOwner(id) === 'root@pam') && broadAdminGrants(engine, id) !== undefined);
}

/** What of PVE-12 stays after Proxmox rewrote user.cfg: role lines extending built-ins, privileges the release lacks. */
function pve12Leftovers(cfg: UserConfig, diagnostics: string[]): string[] {
  const out: string[] = [];
  for (const r of cfg.roles.values()) if (r.builtin && r.line !== undefined) out.push(`line ${r.line}: role:${r.name} changes a built-in role (remove the line, or define a role of its own name)`);
  for (const d of diagnostics) {
    const priv = /ignore invalid privilege '([^']*)'/.exec(d)?.[1];
    if (priv !== undefined) out.push(`privilege ${priv} does not exist in this release (remove it from the role)`);
  }
  return out;
}

/** Users (or their tokens) that are disabled or expired and still hold a grant after convergence. */
function departedHolders(cfg: UserConfig, grants: Map<string, AclGrantState>, now: Date): string[] {
  const out = new Set<string>();
  for (const g of grants.values()) {
    if (g.kind === 'group') continue;
    const user = cfg.users.get(g.kind === 'token' ? tokenOwner(g.member) : g.member);
    if (user && (!user.enable || isExpired(user.expire, now))) out.add(user.id);
  }
  return [...out];
}

const analysisOf = sharedAnalysis('user.cfg is not fully known', analyse);

function aclRemedy(control: AclControl): Remedy {
  return {
    controls: [control],
    plan(input) {
      const { ops, unresolved } = analysisOf(input);
      const why = unresolved.get(control);
      if (why) throw new ManualOnly(why);
      if (!ops.length) throw new ManualOnly('the ACL already equals the access matrix: the matrix itself is what to change');
      return ops;
    },
  };
}

/** PVE-09/10: never automatic; the replacement commands per token, as the manual item's reason. */
export const tokenRemedy: Remedy = {
  controls: ['PVE-09', 'PVE-10'],
  plan(input) {
    const { cfg } = input.ctx.get(accessFact);
    const commands = replacementCommands(cfg, input.ctx.now);
    throw new ManualOnly(`automation uses these tokens: pvesec does not replace them by itself. Replace each, switch the automation to the new secret, then remove the old one: ${commands.join(' ; ')}`);
  },
};

/** PVE-08's WebAuthn setting; one remedy per control (PVE-11, PVE-12, PVE-13, PVE-15) sharing one convergence; the token remedy. */
export const pveRemedies: Remedy[] = [webauthnRemedy, ...ACL_REMEDY_CONTROLS.map(aclRemedy), tokenRemedy];
