// `pvesec tfa list`: every user's second factors, what each realm enforces, who a realm that started
// enforcing TFA would lock out, and the administrators still without WebAuthn. Built from the parsed
// user.cfg, domains.cfg, priv/tfa.cfg and datacenter.cfg: tfa.cfg's secrets never reach this module
// (the parser drops them), so nothing here can print one.
import type { UserConfig } from '../parse/user-cfg.js';
import type { Realm } from '../parse/domains-cfg.js';
import { hasUsableFactor, type TfaConfig, type UserTfa } from '../parse/tfa-cfg.js';
import type { AdministrativeHolding } from '../model/facts/permissions.js';
import { clean } from '../report/text.js';

export interface FactorCounts {
  /** Enabled entries per type (disabled ones in `disabled`). */
  totp: number;
  webauthn: number;
  yubico: number;
  u2f: number;
  disabled: number;
  /** Unused recovery keys of the issued set, if one was issued. */
  recovery?: { unused: number; total: number };
}

export interface TfaUserRow {
  user: string;
  realm: string;
  /** Enabled and not expired: can log in at all. */
  active: boolean;
  factors: FactorCounts;
  totpLocked: boolean;
  /** ISO time until which every factor is locked (100 failures), when in the future. */
  lockedUntil?: string;
  /** Can complete a second-factor login now. */
  usable: boolean;
  /** The realm's enforced TFA type, if it enforces one. */
  realmEnforces?: 'oath' | 'yubico';
  /** Administrative privileges it holds (first path), if any. */
  admin?: string;
}

export interface RealmRow {
  realm: string;
  type: string;
  enforces?: 'oath' | 'yubico';
  /** Active users without a usable factor: locked out now (enforcing realm) or once it enforces TFA. */
  lockedOut: string[];
}

export interface WebauthnAdvice {
  user: string;
  steps: string;
}

export interface TfaListing {
  users: TfaUserRow[];
  realms: RealmRow[];
  /** Active administrators without an enabled WebAuthn factor, and how to add one. */
  adminsWithoutWebauthn: WebauthnAdvice[];
  /** Whether datacenter.cfg has webauthn settings (rp/origin/id). */
  webauthnConfigured: boolean;
}

export interface TfaListInput {
  cfg: UserConfig;
  realms: Realm[];
  tfa: TfaConfig;
  admins: ReadonlyMap<string, AdministrativeHolding>;
  webauthn?: { rp?: string; origin?: string; id?: string };
  now: Date;
}

function counts(u: UserTfa | undefined): FactorCounts {
  const c: FactorCounts = { totp: 0, webauthn: 0, yubico: 0, u2f: 0, disabled: 0 };
  if (!u) return c;
  for (const k of ['totp', 'webauthn', 'yubico', 'u2f'] as const) {
    c[k] = u[k].filter((e) => e.enabled).length;
    c.disabled += u[k].length - c[k];
  }
  if (u.recovery) c.recovery = { unused: u.recovery.unused, total: u.recovery.total };
  return c;
}

const isActive = (enable: boolean, expire: number, now: Date) => enable && (expire === 0 || expire * 1000 > now.getTime());

export function tfaListing(i: TfaListInput): TfaListing {
  const nowSec = Math.floor(i.now.getTime() / 1000);
  const realmByName = new Map(i.realms.map((r) => [r.name, r]));
  const users: TfaUserRow[] = [...i.cfg.users.values()].sort((a, b) => a.id.localeCompare(b.id)).map((u) => {
    const t = i.tfa.get(u.id);
    const h = i.admins.get(u.id);
    return {
      user: u.id,
      realm: u.realm,
      active: isActive(u.enable, u.expire, i.now),
      factors: counts(t),
      totpLocked: t?.totpLocked ?? false,
      ...(t?.tfaLockedUntil !== undefined && t.tfaLockedUntil > nowSec ? { lockedUntil: new Date(t.tfaLockedUntil * 1000).toISOString() } : {}),
      usable: hasUsableFactor(t, nowSec),
      ...(realmByName.get(u.realm)?.tfa ? { realmEnforces: realmByName.get(u.realm)!.tfa!.type } : {}),
      ...(h ? { admin: `${h.first.privileges.join(', ')} on ${h.first.path}` } : {}),
    };
  });
  const realms: RealmRow[] = [...i.realms].sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({
    realm: r.name,
    type: r.type,
    ...(r.tfa ? { enforces: r.tfa.type } : {}),
    lockedOut: users.filter((u) => u.realm === r.name && u.active && !u.usable).map((u) => u.user),
  }));
  const webauthnConfigured = !!(i.webauthn?.rp || i.webauthn?.origin || i.webauthn?.id);
  const settings = webauthnConfigured ? '' : 'first set Datacenter > Options > WebAuthn Settings (rp, origin, id: the name the browser uses for the cluster), then ';
  const adminsWithoutWebauthn = users.filter((u) => u.admin && u.active && u.factors.webauthn === 0).map((u) => ({
    user: u.user,
    steps: `${settings}log in to the web UI as ${u.user} over https://<that name>:8006, Datacenter > Permissions > Two Factor > Add > WebAuthn, touch the key`,
  }));
  return { users, realms, adminsWithoutWebauthn, webauthnConfigured };
}

function factorText(f: FactorCounts): string {
  const parts: string[] = [];
  for (const k of ['totp', 'webauthn', 'yubico', 'u2f'] as const) if (f[k]) parts.push(`${k} ${f[k]}`);
  if (f.recovery) parts.push(`recovery ${f.recovery.unused}/${f.recovery.total} unused`);
  if (f.disabled) parts.push(`${f.disabled} disabled`);
  return parts.join(', ') || 'none';
}

export function renderTfaListing(l: TfaListing): string {
  const rows = l.users.map((u) => {
    const notes = [
      u.active ? '' : 'disabled or expired',
      u.active && !u.usable ? 'NO USABLE FACTOR' : '',
      u.totpLocked ? 'TOTP locked (8 failures)' : '',
      u.lockedUntil ? `all factors locked until ${u.lockedUntil}` : '',
      u.realmEnforces ? `realm enforces ${u.realmEnforces}` : '',
      u.admin ? `admin: ${u.admin}` : '',
    ].filter(Boolean);
    return [u.user, factorText(u.factors), notes.join('; ')];
  });
  const width = (col: number) => Math.max(...rows.map((r) => r[col].length), col === 0 ? 4 : 7);
  const w0 = width(0);
  const w1 = width(1);
  const out = [`${'USER'.padEnd(w0)}  ${'FACTORS'.padEnd(w1)}  NOTES`, ...rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd())];
  out.push('', 'Realms:');
  for (const r of l.realms) {
    const who = r.lockedOut.length ? r.lockedOut.join(', ') : 'nobody';
    out.push(r.enforces
      ? `  ${r.realm} (${r.type}) enforces TFA (${r.enforces}); locked out now: ${who}`
      : `  ${r.realm} (${r.type}) does not enforce TFA; enforcing it would lock out: ${who}`);
  }
  out.push('');
  if (l.adminsWithoutWebauthn.length === 0) out.push('Every active administrator has WebAuthn.');
  else {
    out.push(`Administrators without WebAuthn: ${l.adminsWithoutWebauthn.map((a) => a.user).join(', ')}`);
    out.push('  WebAuthn needs a browser and the key, so pvesec cannot enrol it:');
    if (!l.webauthnConfigured) out.push('  first, Datacenter > Options > WebAuthn Settings: rp, origin and id for the name browsers use for the cluster (datacenter.cfg has none; or declare webauthn.origin in pvesec.yaml and pvesec apply sets them, PVE-08);');
    out.push('  then each of them logs in to the web UI over https://<that name>:8006 and adds it: Datacenter > Permissions > Two Factor > Add > WebAuthn.');
  }
  return out.map(clean).join('\n') + '\n';
}
