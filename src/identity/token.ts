/**
 * API tokens (issue 11): `pvesec token create USER!NAME --role ROLE --path PATH` as Proxmox calls run in one
 * transaction (the token with privilege separation always, and its one ACL), and the replacement commands
 * the plan shows for tokens without privilege separation or expiry (PVE-09/10), which pvesec never
 * replaces by itself.
 */
import { isTokenId, PermissionEngine } from '../engines/permissions/engine.js';
import type { PveCallOp } from '../harden/ops.js';
import { isExpired } from '../model/facts/pve.js';
import { findToken, normalizeAclPath, splitTokenId, type UserConfig } from '../parse/user-cfg.js';
import { currentGrants, engineWithGrants } from './acl.js';

const TOKEN_NAME = /^[A-Za-z][A-Za-z0-9.\-_]+$/;
const DAY = 86_400;
/** The expiry the replacement commands propose for a token without one. */
export const DEFAULT_TOKEN_DAYS = 90;

export interface TokenRequest {
  /** user@realm!name */
  tokenId: string;
  role: string;
  path: string;
  /** Epoch seconds; never 0 (every token pvesec creates expires). */
  expire: number;
  comment?: string;
}

/** A token request pvesec refuses before anything runs; the message is one line naming what is wrong. */
export class TokenRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRefused';
  }
}

/** --expire DATE (YYYY-MM-DD, end of that day UTC) or --expire-days N, as epoch seconds after now. */
export function tokenExpiry(opts: { expire?: string; expireDays?: string }, now: Date): number {
  if (opts.expire !== undefined && opts.expireDays !== undefined) throw new TokenRefused('give --expire DATE or --expire-days N, not both');
  const nowSec = Math.floor(now.getTime() / 1000);
  if (opts.expire !== undefined) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(opts.expire);
    const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59) / 1000 : NaN;
    if (!m || Number.isNaN(t) || new Date(t * 1000).toISOString().slice(0, 10) !== opts.expire) throw new TokenRefused(`--expire ${opts.expire}: expected a date YYYY-MM-DD`);
    if (t <= nowSec) throw new TokenRefused(`--expire ${opts.expire} is not in the future`);
    return t;
  }
  const days = opts.expireDays ?? String(DEFAULT_TOKEN_DAYS);
  if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 3650) throw new TokenRefused(`--expire-days ${days}: expected whole days 1..3650`);
  return nowSec + Number(days) * DAY;
}

/**
 * The two calls of `token create`, each with its inverse: the token (privsep 1, the expiry; its secret is
 * printed once by the node and never stored), then its ACL. Refused when the owner does not exist or is
 * disabled/expired, the token exists, the role or path is unknown, or when the token would end up with no
 * privilege at all (a privsep token holds at most its owner's rights: proven with the permission engine).
 */
export function planTokenCreate(req: TokenRequest, cfg: UserConfig, engine: PermissionEngine, now: Date): PveCallOp[] {
  const parts = splitTokenId(req.tokenId);
  if (!parts || !isTokenId(req.tokenId)) throw new TokenRefused(`${req.tokenId} is not a token id like alice@pve!ci`);
  const [userid, name] = parts;
  if (!TOKEN_NAME.test(name)) throw new TokenRefused(`token name ${name}: letters, digits and . - _, starting with a letter, at least 2 characters`);
  const user = cfg.users.get(userid);
  if (!user) throw new TokenRefused(`user ${userid} does not exist in user.cfg`);
  if (!user.enable || isExpired(user.expire, now)) throw new TokenRefused(`user ${userid} is ${user.enable ? 'expired' : 'disabled'}: its token would be a dead credential`);
  if (findToken(cfg, req.tokenId)) throw new TokenRefused(`token ${req.tokenId} exists already (pvesec does not replace a token: remove it first, or choose another name)`);
  if (!cfg.roles.has(req.role)) throw new TokenRefused(`role ${req.role} is not defined (pveum role list)`);
  const path = normalizeAclPath(req.path);
  if (path === undefined) throw new TokenRefused(`${req.path} is not an ACL path (e.g. /, /vms/100, /pool/prod)`);
  if (!Number.isInteger(req.expire) || req.expire <= Math.floor(now.getTime() / 1000)) throw new TokenRefused('the expiry must be in the future');
  if (user.expire !== 0 && req.expire > user.expire) throw new TokenRefused(`the token would outlive its user (${userid} expires ${new Date(user.expire * 1000).toISOString().slice(0, 10)})`);

  const grants = currentGrants(cfg);
  grants.set(`${path}\0token\0${req.tokenId}\0${req.role}`, { path, kind: 'token', member: req.tokenId, role: req.role, propagate: true });
  const tokens = new Map(engine.input.tokens);
  tokens.set(req.tokenId, { privsep: true });
  const withToken = engineWithGrants(new PermissionEngine({ ...engine.input, tokens }), grants);
  if (withToken.privileges(req.tokenId, path).length === 0) {
    throw new TokenRefused(`${req.tokenId} would hold nothing on ${path}: a token with privilege separation gets at most what ${userid} holds there, and ${userid} holds none of ${req.role}'s privileges on ${path}`);
  }

  const add = ['pveum', 'user', 'token', 'add', userid, name, '--privsep', '1', '--expire', String(req.expire), ...(req.comment ? ['--comment', req.comment] : []), '--output-format', 'json'];
  const remove = ['pveum', 'user', 'token', 'remove', userid, name];
  const acl = ['pveum', 'acl', 'modify', path, '--roles', req.role, '--tokens', req.tokenId, '--propagate', '1'];
  const expires = new Date(req.expire * 1000).toISOString().slice(0, 10);
  return [
    {
      kind: 'pve-call', id: `token:${req.tokenId}`, controls: ['PVE-09', 'PVE-10'], cutsAccess: false, secretOutput: true,
      summary: `create API token ${req.tokenId} with privilege separation, expiring ${expires}`, argv: add, inverse: [remove],
    },
    {
      kind: 'pve-call', id: `acl:${req.tokenId}:${path}`, controls: ['PVE-15'], cutsAccess: false,
      summary: `grant ${req.role} on ${path} to ${req.tokenId}`, argv: acl, inverse: [['pveum', 'acl', 'delete', path, '--roles', req.role, '--tokens', req.tokenId]],
    },
  ];
}

/**
 * For each token PVE-09/10 names, the commands that replace or fix it (never run by pvesec): a token
 * without privilege separation gets a privsep twin `<name>-v2` with an expiry and its owner's grants as a
 * starting point (its owner's rights are what it has now; narrow them), then the old one is removed once
 * the automation uses the new secret; a token without expiry gets one; a dead token is removed.
 */
export function replacementCommands(cfg: UserConfig, now: Date, days = DEFAULT_TOKEN_DAYS): string[] {
  const expire = Math.floor(now.getTime() / 1000) + days * DAY;
  const out: string[] = [];
  const grants = [...currentGrants(cfg).values()];
  for (const user of cfg.users.values()) {
    for (const t of user.tokens.values()) {
      const dead = isExpired(t.expire, now) || !user.enable || isExpired(user.expire, now);
      if (dead) {
        out.push(`pveum user token remove ${user.id} ${t.name}`);
        continue;
      }
      if (!t.privsep) {
        const twin = `${t.name}-v2`.slice(0, 64);
        out.push(`pveum user token add ${user.id} ${twin} --privsep 1 --expire ${expire}`);
        const owned = grants.filter((g) => (g.kind === 'user' && g.member === user.id) || (g.kind === 'group' && cfg.groups.get(g.member)?.members.has(user.id)));
        if (user.id === 'root@pam' || owned.length === 0) out.push(`pveum acl modify PATH --tokens ${user.id}!${twin} --roles ROLE`);
        const seen = new Set<string>();
        for (const g of owned) {
          const k = `${g.path} ${g.role} ${g.propagate}`;
          if (seen.has(k)) continue;
          seen.add(k);
          out.push(`pveum acl modify ${g.path} --tokens ${user.id}!${twin} --roles ${g.role} --propagate ${g.propagate ? 1 : 0}`);
        }
        out.push(`pveum user token remove ${user.id} ${t.name}`);
      } else if (t.expire === 0) {
        out.push(`pveum user token modify ${user.id} ${t.name} --expire ${expire}`);
      }
    }
  }
  return out;
}
