import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasEnabledFactor, hasUsableFactor, parseTfaCfg } from './tfa-cfg.js';
import { ParseError } from './diagnostics.js';

// Shaped like a PVE 9 priv/tfa.cfg (secrets are fake but in the real places).
const TFA = JSON.stringify({
  users: {
    'root@pam': {
      totp: [{ id: 'a1b2', description: 'phone', created: 1761000000, entry: { totp: 'otpauth://totp/Proxmox:root@pam?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30', 'last-count': 58700000 } }],
      recovery: { secret: 'deadbeefcafebabe0011223344556677', entries: ['aa11', null, 'bb22', null], created: 1761000001 },
    },
    'alice@pve': {
      webauthn: [{ id: 'w1', description: 'yubikey', created: 1761000100, entry: { cred: { id: 'abc' } } }],
    },
    'bob@corp': {
      totp: [{ id: 't1', created: 1761000200, enable: false, entry: 'otpauth://totp/x?secret=ABCDEFGHIJKLMNOP' }],
    },
    'carol@pve': {
      totp: [{ id: 't2', created: 1761000300, entry: 'otpauth://totp/x?secret=QRSTUVWXYZ234567' }],
      'totp-locked': true,
      'tfa-locked-until': 1764100000,
    },
  },
  webauthn: { rp: 'pve.example.com', origin: 'https://pve.example.com:8006', id: 'pve.example.com' },
}, null, 2);

test('tfa.cfg JSON: factors, recovery counts, locks; no secret retained', () => {
  const { value, diagnostics } = parseTfaCfg(TFA);
  assert.deepEqual(diagnostics, []);
  const root = value.get('root@pam')!;
  assert.deepEqual(root.totp, [{ enabled: true, created: 1761000000 }]);
  assert.deepEqual(root.recovery, { total: 4, unused: 2, created: 1761000001 });
  assert.equal(root.line, 3);
  assert.equal(value.get('alice@pve')!.webauthn.length, 1);
  const bob = value.get('bob@corp')!;
  assert.equal(bob.totp[0].enabled, false, '"enable": false disables an entry');
  assert.equal(hasEnabledFactor(bob), false);
  const carol = value.get('carol@pve')!;
  assert.equal(carol.totpLocked, true);
  assert.equal(carol.tfaLockedUntil, 1764100000);
  assert.equal(hasUsableFactor(carol, 1764000000), false);
  assert.equal(hasUsableFactor(root, 1764000000), true);
  assert.equal(hasUsableFactor(undefined, 0), false);
  const dump = JSON.stringify([...value.values()]);
  for (const secret of ['JBSWY3DP', 'deadbeef', 'aa11', 'ABCDEFGH', 'QRSTUV']) assert.ok(!dump.includes(secret), secret);
});

test('tfa.cfg v1 line format and broken JSON', () => {
  const { value } = parseTfaCfg('alice@pve:oath:eyJrZXlzIjoiSkJTV1kzRFBFSFBLM1BYUCJ9\nbob@pve:u2f:eyJrZXlIYW5kbGUiOiJ4In0=\n');
  assert.equal(value.get('alice@pve')!.totp.length, 1);
  assert.equal(value.get('bob@pve')!.u2f.length, 1);
  assert.throws(() => parseTfaCfg('{"users": {\n "a@pve": [\n'), (e) => e instanceof ParseError && !/JBSW/.test(e.message));
  assert.deepEqual([...parseTfaCfg('{}').value], []);
  assert.throws(() => parseTfaCfg('{"users": 3}'), ParseError);
});

test('tfa.cfg JSON: each user located on the line of its key, not where its name first appears as a value', () => {
  const text = '{\n  "users": {\n    "alice@pve": {\n      "totp": [{"description": "bob@pve", "enable": true}]\n    },\n    "bob@pve": {\n      "totp": []\n    }\n  }\n}\n';
  const { value } = parseTfaCfg(text);
  assert.deepEqual([...value.values()].map((u) => [u.user, u.line]), [['alice@pve', 3], ['bob@pve', 6]]);
});
