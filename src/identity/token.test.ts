import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermissionEngine } from '../engines/permissions/engine.js';
import { accessInputFromUserCfg } from '../engines/permissions/from-user-cfg.js';
import { parseUserCfg } from '../parse/user-cfg.js';
import { USER_CFG } from '../checks/pve/testing.js';
import { assertValidPveArgv } from '../../test/support/pve-argv.js';
import { planTokenCreate, tokenExpiry, TokenRefused } from './token.js';

const NOW = new Date('2026-12-07T05:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const model = (text = USER_CFG) => {
  const cfg = parseUserCfg(text).value;
  return { cfg, engine: new PermissionEngine(accessInputFromUserCfg(cfg)) };
};
const plan = (tokenId: string, role: string, path: string, expire = NOW_S + 86400, text = USER_CFG) => {
  const { cfg, engine } = model(text);
  return planTokenCreate({ tokenId, role, path, expire }, cfg, engine, NOW);
};
const refused = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e) => e instanceof TokenRefused && re.test(e.message));

describe('token create', () => {
  it('two calls in one transaction: the token with privsep 1 and an expiry (secret printed once), then its ACL; each undone by its inverse', () => {
    const ops = plan('carol@pve!deploy', 'PVEVMUser', '/pool/prod/');
    assert.deepEqual(ops.map((o) => o.argv.join(' ')), [
      `pveum user token add carol@pve deploy --privsep 1 --expire ${NOW_S + 86400} --output-format json`,
      'pveum acl modify /pool/prod --roles PVEVMUser --tokens carol@pve!deploy --propagate 1',
    ]);
    assert.deepEqual(ops.map((o) => o.inverse.map((a) => a.join(' '))), [
      ['pveum user token remove carol@pve deploy'],
      ['pveum acl delete /pool/prod --roles PVEVMUser --tokens carol@pve!deploy'],
    ]);
    assert.equal(ops[0].secretOutput, true);
    assert.equal(ops[1].secretOutput, undefined);
    assertValidPveArgv(ops[0].argv, 'POST /access/users/{userid}/token/{tokenid}');
    assertValidPveArgv(ops[0].inverse[0], 'DELETE /access/users/{userid}/token/{tokenid}');
    for (const a of [ops[1].argv, ...ops[1].inverse]) assertValidPveArgv(a, 'PUT /access/acl');
  });

  it('refuses what Proxmox would refuse or what would be useless, before anything runs', () => {
    refused(() => plan('carol@pve', 'PVEVMUser', '/'), /not a token id/);
    refused(() => plan('dave@pve!ci', 'PVEVMUser', '/'), /user dave@pve does not exist/);
    refused(() => plan('bob@pam!monitoring', 'PVEAuditor', '/'), /exists already/);
    refused(() => plan('carol@pve!ci', 'NoSuchRole', '/'), /role NoSuchRole is not defined/);
    refused(() => plan('carol@pve!ci', 'PVEVMUser', '/a b'), /not an ACL path/);
    refused(() => plan('carol@pve!ci', 'PVEVMUser', '/pool/prod', NOW_S - 1), /future/);
    refused(() => plan('carol@pve!ci', 'PVEVMUser', '/pool/prod', NOW_S + 86400, USER_CFG.replace('user:carol@pve:1:0:', 'user:carol@pve:0:0:')), /carol@pve is disabled/);
    refused(() => plan('carol@pve!ci', 'PVEVMUser', '/pool/prod', NOW_S + 10 * 86400, USER_CFG.replace('user:carol@pve:1:0:', `user:carol@pve:1:${NOW_S + 86400}:`)), /outlive its user/);
    // carol holds nothing on /storage: a privsep token would hold nothing either (computed with the engine)
    refused(() => plan('carol@pve!ci', 'PVEDatastoreUser', '/storage'), /would hold nothing on \/storage/);
  });

  it('--expire DATE is the end of that day (UTC); --expire-days N from now; default 90 days; bad input is one clear line', () => {
    assert.equal(tokenExpiry({ expire: '2027-01-31' }, NOW), Date.UTC(2027, 0, 31, 23, 59, 59) / 1000);
    assert.equal(tokenExpiry({ expireDays: '30' }, NOW), NOW_S + 30 * 86400);
    assert.equal(tokenExpiry({}, NOW), NOW_S + 90 * 86400);
    refused(() => tokenExpiry({ expire: '2027-02-30' }, NOW), /expected a date YYYY-MM-DD/);
    refused(() => tokenExpiry({ expire: '2026-12-01' }, NOW), /not in the future/);
    refused(() => tokenExpiry({ expireDays: '0' }, NOW), /whole days 1..3650/);
    refused(() => tokenExpiry({ expire: '2027-01-01', expireDays: '3' }, NOW), /not both/);
  });
});
