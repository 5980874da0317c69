import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDomainsCfg } from '../parse/domains-cfg.js';
import { parseTfaCfg } from '../parse/tfa-cfg.js';
import { parseUserCfg } from '../parse/user-cfg.js';
import { DOMAINS_CFG, TFA_CFG, USER_CFG } from '../checks/pve/testing.js';
import { assertValidPveArgv } from '../../test/support/pve-argv.js';
import { planRealmTfa, RealmRefused } from './realm.js';

// The small cluster of src/checks/pve/testing.ts: root@pam (TOTP + 2 recovery keys) and bob@pam (no factor)
// in pam; alice@pve (WebAuthn) and carol@pve (TOTP) in pve.
const NOW = new Date('2026-12-07T05:00:00Z');
const plan = (realm: string, files: { user?: string; tfa?: string; domains?: string } = {}) => planRealmTfa({
  realm, now: NOW,
  cfg: parseUserCfg(files.user ?? USER_CFG).value,
  tfa: parseTfaCfg(files.tfa ?? TFA_CFG).value,
  realms: parseDomainsCfg(files.domains ?? DOMAINS_CFG).value,
});
const refused = (fn: () => unknown, ...parts: string[]) =>
  assert.throws(fn, (e) => e instanceof RealmRefused && parts.every((p) => e.reasons.some((r) => r.includes(p))), parts.join(' | '));

describe('realm TFA enforcement', () => {
  it('is planned when every enabled user of the realm has a usable factor; the inverse removes it', () => {
    const [op] = plan('pve');
    assert.deepEqual(op.argv, ['pveum', 'realm', 'modify', 'pve', '--tfa', 'type=oath']);
    assert.deepEqual(op.inverse, [['pveum', 'realm', 'modify', 'pve', '--delete', 'tfa']]);
    assertValidPveArgv(op.argv, 'PUT /access/domains/{realm}');
    assertValidPveArgv(op.inverse[0], 'PUT /access/domains/{realm}');
  });

  it('is refused, listing them, while an enabled user lacks a factor (disabled accounts do not count)', () => {
    refused(() => plan('pam'), '1 enabled user(s) have no usable second factor and could no longer log in: bob@pam');
    const bobDisabled = USER_CFG.replace('user:bob@pam:1:0:', 'user:bob@pam:0:0:');
    assert.equal(plan('pam', { user: bobDisabled }).length, 1);
    // carol's only TOTP entry disabled and her recovery keys used: she would be locked out of realm pve
    const tfa = JSON.parse(TFA_CFG);
    tfa.users['carol@pve'].totp[0].enable = false;
    tfa.users['carol@pve'].recovery.entries = [null];
    refused(() => plan('pve', { tfa: JSON.stringify(tfa) }), 'could no longer log in: carol@pve');
  });

  it('root@pam keeps a working path: enforcing pam needs its unused recovery keys', () => {
    const bobDisabled = USER_CFG.replace('user:bob@pam:1:0:', 'user:bob@pam:0:0:');
    const tfa = JSON.parse(TFA_CFG);
    tfa.users['root@pam'].recovery.entries = [null, null];
    refused(() => plan('pam', { user: bobDisabled, tfa: JSON.stringify(tfa) }), 'root@pam has no unused recovery keys');
  });

  it('nothing to do when the realm enforces TOTP already; other cases are refused with why', () => {
    assert.deepEqual(plan('pve', { domains: DOMAINS_CFG.replace('\tdefault 1\n', '\tdefault 1\n\ttfa type=oath\n') }), []);
    refused(() => plan('pve', { domains: DOMAINS_CFG.replace('\tdefault 1\n', '\tdefault 1\n\ttfa type=yubico,id=1,key=k,url=https://y.example\n') }), 'enforces yubico already');
    refused(() => plan('corp'), 'domains.cfg defines no realm corp');
  });
});
