/**
 * Realm TFA enforcement (issue 11): `pveum realm modify REALM --tfa type=oath` is planned only when nobody
 * would be locked out by it: every enabled, unexpired user of the realm already has a usable second factor
 * (the same test as PVE-03, which judges enforcing realms), and for the pam realm root@pam keeps a working
 * path besides its factor: unused recovery keys. Otherwise it is refused with the list of users.
 *
 * Its inverse (`--delete tfa`) puts the realm back to no enforcement.
 */
import type { PveCallOp } from '../harden/ops.js';
import { isExpired } from '../model/facts/pve.js';
import type { Realm } from '../parse/domains-cfg.js';
import { hasUsableFactor, type TfaConfig } from '../parse/tfa-cfg.js';
import type { UserConfig } from '../parse/user-cfg.js';

export class RealmRefused extends Error {
  constructor(readonly realm: string, readonly reasons: string[]) {
    super(`TFA enforcement on realm ${realm} refused: ${reasons.join('; ')}`);
    this.name = 'RealmRefused';
  }
}

export interface RealmTfaInput {
  realm: string;
  realms: Realm[];
  cfg: UserConfig;
  tfa: TfaConfig;
  now: Date;
}

/** The users of a realm enforcement would lock out: enabled, unexpired, without a usable factor. */
export function usersWithoutFactor(input: Omit<RealmTfaInput, 'realms'>): string[] {
  const nowSec = Math.floor(input.now.getTime() / 1000);
  return [...input.cfg.users.values()]
    .filter((u) => u.realm === input.realm && u.enable && !isExpired(u.expire, input.now) && !hasUsableFactor(input.tfa.get(u.id), nowSec))
    .map((u) => u.id)
    .sort();
}

/** The call enforcing TOTP on the realm (none when it enforces it already), or RealmRefused with every reason. */
export function planRealmTfa(input: RealmTfaInput): PveCallOp[] {
  const realm = input.realms.find((r) => r.name === input.realm);
  if (!realm) throw new RealmRefused(input.realm, [`domains.cfg defines no realm ${input.realm}`]);
  if (realm.type === 'openid') throw new RealmRefused(input.realm, ['an OpenID realm has no TFA setting (the identity provider enforces it)']);
  if (realm.tfa?.type === 'oath') return [];
  if (realm.tfa) throw new RealmRefused(input.realm, [`the realm enforces ${realm.tfa.type} already (domains.cfg line ${realm.tfa.line}): changing the kind of factor is not automatic`]);

  const reasons: string[] = [];
  const lacking = usersWithoutFactor(input);
  if (lacking.length) reasons.push(`${lacking.length} enabled user(s) have no usable second factor and could no longer log in: ${lacking.join(', ')} (enrol a factor for each with pvesec tfa add, or disable the account)`);
  if (realm.name === 'pam') {
    const root = input.tfa.get('root@pam');
    if ((root?.recovery?.unused ?? 0) === 0) reasons.push('root@pam has no unused recovery keys: add them first (pvesec tfa add root@pam --type recovery) so that losing its factor does not lock root@pam out of the GUI and API');
  }
  if (reasons.length) throw new RealmRefused(input.realm, reasons);

  return [{
    kind: 'pve-call', id: `realm-tfa:${realm.name}`, controls: ['PVE-02'], cutsAccess: false,
    summary: `enforce TOTP on realm ${realm.name} (every enabled user has a factor)`,
    argv: ['pveum', 'realm', 'modify', realm.name, '--tfa', 'type=oath'],
    inverse: [['pveum', 'realm', 'modify', realm.name, '--delete', 'tfa']],
  }];
}
