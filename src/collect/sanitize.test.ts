import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memorySnapshot } from './memory.js';
import { isSecretPath, redactShadow, redactTfaCfg, sanitizeSnapshot, SECRET_NOT_LOADED } from './sanitize.js';
import type { Snapshot } from './snapshot.js';

// Every secret below contains CANARY: after sanitizing, that word must be gone from the whole snapshot.
const SHADOW = `root:$y$j9T$CANARYsalt0123$CANARYhash4567890abcdefghijklmnopqrstuvwxyzABCD:20050:0:99999:7:::
daemon:*:20050:0:99999:7:::
alice:$6$CANARYsalt$CANARYsha512hash.CANARY/abc:20051:0:99999:7:::
bob:!$y$j9T$CANARYlocked$CANARYlockedhash:20052:0:99999:7:::
nopass::20053:0:99999:7:::
sshd:!*:20050::::::
CANARY-line-without-colon
`;

const TFA_JSON = JSON.stringify({
  users: {
    'alice@pve': {
      totp: [
        {
          id: 'totp-0f4c6a1e-7d8b-4c2a-9e11-3b5d7f9a2c40',
          description: 'phone',
          created: 1731999000,
          entry: 'otpauth://totp/alice%40pve?secret=CANARYTOTPBASE32SECRETAAAAAAAAAA&digits=6&algorithm=SHA1&issuer=Proxmox%20VE&period=30',
        },
      ],
      recovery: {
        secret: 'CANARYrecoverysecret0123456789abcdef0123456789abcdef',
        entries: ['CANARY01a2b3c4d5e6f7', null, 'CANARY9f8e7d6c5b4a3', null],
        created: 1731999100,
      },
      'totp-locked': true,
    },
    'bob@pam': {
      webauthn: [
        {
          id: 'webauthn-5e1d7a3c-2b9f-4e6a-8c1d-0a2b3c4d5e6f',
          description: 'yubikey 5',
          created: 1731999200,
          enable: false,
          entry: { cred: { cred_id: 'CANARYcredid', cred: { type_: 'ES256', key: 'CANARYcose' }, counter: 3 } },
        },
      ],
      yubico: [{ id: 'yubico-1', created: 1731999300, entry: 'cccccCANARY' }],
      u2f: [{ id: 'u2f-1', created: 1731999400, entry: { keyHandle: 'CANARYkh', publicKey: 'CANARYpk' } }],
      'tfa-locked-until': 1732003600,
    },
    'carol@pve': {
      totp: [{ id: 'totp-2', created: 1731999500, entry: { totp: 'otpauth://totp/carol?secret=CANARYSECOND&period=30', 'last-count': 57733333 } }],
    },
  },
});

// Perl's JSON->pretty indents by 3 and writes `"key" : value`.
const TFA_PRETTY = `{
   "users" : {
      "dave@pve" : {
         "totp" : [
            {
               "created" : 1731999600,
               "entry" : "otpauth://totp/dave?secret=CANARYPRETTY&digits=6",
               "id" : "totp-3"
            }
         ]
      }
   }
}
`;

const TFA_V1 = `alice@pve:oath:CANARYv1oathkeys
bob@pam:u2f:eyJDQU5BUlkiOiJ1MmYifQ==
`;

function secretSnapshot(): Snapshot {
  return memorySnapshot({
    files: {
      '/etc/shadow': { content: SHADOW, mode: 0o640, group: 'shadow' },
      '/etc/gshadow': 'sudo:CANARYgrouphash::alice\n',
      '/etc/pve/priv/tfa.cfg': TFA_JSON,
      '/etc/pve/priv/token.cfg': 'root@pam!ci 5f0e8e3a-CANARY-4c7e-9d55-2a1b3c4d5e6f\n',
      '/etc/pve/priv/shadow.cfg': 'alice:$5$CANARY$abc:\n',
      '/etc/pve/priv/realm/corp-ad.pw': 'CANARYbindpassword\n',
      '/etc/pve/priv/storage/nas.pw': 'CANARYstoragepw\n',
      '/etc/pve/priv/authkey.key': '-----BEGIN RSA PRIVATE KEY-----\nCANARY\n-----END RSA PRIVATE KEY-----\n',
      '/etc/pve/priv/acme/default': '{"key":"-----BEGIN PRIVATE KEY-----\\nCANARYacme\\n-----END PRIVATE KEY-----\\n"}',
      '/etc/ssh/ssh_host_ed25519_key': '-----BEGIN OPENSSH PRIVATE KEY-----\nCANARY\n-----END OPENSSH PRIVATE KEY-----\n',
      '/etc/ssh/sshd_config.d/leak.conf': '# oops\n-----BEGIN OPENSSH PRIVATE KEY-----\nCANARYinconf\n',
      '/etc/pve/user.cfg': 'user:root@pam:1:0:::root@example.com:::\nuser:legacy@pve:1:0:::::CANARYOATHKEY:\nuser:alice@pve:1:0:Alice::::x!oath:\n',
      '/etc/ssh/sshd_config': 'PermitRootLogin prohibit-password\n',
      '/etc/ssh/ssh_host_ed25519_key.pub': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUBLICKEYisfine root@pve1\n',
    },
    commands: { 'sshd -T': 'permitrootlogin prohibit-password\n' },
  });
}

function everything(s: Snapshot): string {
  return [...s.files.values()].map((f) => f.path + '\n' + f.content.toString('utf8')).join('\n') + [...s.commands.values()].map((c) => c.output).join('\n');
}

test('no canary secret survives sanitizing', () => {
  const s = sanitizeSnapshot(secretSnapshot());
  assert.doesNotMatch(everything(s), /CANARY/);
});

test('secret files are dropped with an error entry; ordinary files stay', () => {
  const s = sanitizeSnapshot(secretSnapshot());
  for (const p of [
    '/etc/pve/priv/token.cfg',
    '/etc/pve/priv/shadow.cfg',
    '/etc/pve/priv/realm/corp-ad.pw',
    '/etc/pve/priv/storage/nas.pw',
    '/etc/pve/priv/authkey.key',
    '/etc/pve/priv/acme/default',
    '/etc/ssh/ssh_host_ed25519_key',
    '/etc/ssh/sshd_config.d/leak.conf',
  ]) {
    assert.equal(s.file(p), undefined, p);
    assert.equal(s.errors.get(p), SECRET_NOT_LOADED, p);
  }
  assert.equal(s.text('/etc/ssh/sshd_config'), 'PermitRootLogin prohibit-password\n');
  assert.ok(s.file('/etc/ssh/ssh_host_ed25519_key.pub'));
  assert.equal(s.errors.has('/etc/ssh/sshd_config'), false);
});

test('shadow keeps the kind of password, the other fields, the stat and line numbers', () => {
  const s = sanitizeSnapshot(secretSnapshot());
  assert.deepEqual(s.text('/etc/shadow')!.split('\n'), [
    'root:x:20050:0:99999:7:::',
    'daemon:*:20050:0:99999:7:::',
    'alice:x:20051:0:99999:7:::',
    'bob:!:20052:0:99999:7:::',
    'nopass::20053:0:99999:7:::',
    'sshd:!:20050::::::',
    '',
    '',
  ]);
  assert.equal(s.file('/etc/shadow')!.stat!.mode, 0o640);
  assert.equal(s.text('/etc/gshadow'), 'sudo:x::alice\n');
  assert.equal(s.errors.has('/etc/shadow'), false);
});

test('tfa.cfg JSON keeps ids, created, enable, lock state and used recovery keys', () => {
  const s = sanitizeSnapshot(secretSnapshot());
  const doc = JSON.parse(s.text('/etc/pve/priv/tfa.cfg')!);
  const alice = doc.users['alice@pve'];
  assert.equal(alice.totp[0].id, 'totp-0f4c6a1e-7d8b-4c2a-9e11-3b5d7f9a2c40');
  assert.equal(alice.totp[0].created, 1731999000);
  assert.equal(alice.totp[0].entry, 'otpauth://totp/alice%40pve?secret=redacted&digits=6&algorithm=SHA1&issuer=Proxmox%20VE&period=30');
  assert.deepEqual(alice.recovery, { secret: 'redacted', entries: ['redacted', null, 'redacted', null], created: 1731999100 });
  assert.equal(alice['totp-locked'], true);
  const bob = doc.users['bob@pam'];
  assert.equal(bob.webauthn[0].enable, false);
  assert.equal(bob.webauthn[0].description, 'yubikey 5');
  assert.equal(bob.webauthn[0].entry, 'redacted');
  assert.equal(bob.yubico[0].id, 'yubico-1');
  assert.equal(bob.u2f[0].entry, 'redacted');
  assert.equal(bob['tfa-locked-until'], 1732003600);
  const carol = doc.users['carol@pve'].totp[0].entry;
  assert.deepEqual(carol, { totp: 'otpauth://totp/carol?secret=redacted&period=30', 'last-count': 57733333 });
});

test('pretty-printed tfa.cfg keeps its line structure; v1 format keeps user and type', () => {
  const pretty = redactTfaCfg(TFA_PRETTY)!;
  assert.equal(pretty.split('\n').length, TFA_PRETTY.split('\n').length);
  assert.match(pretty, /secret=redacted&digits=6/);
  assert.doesNotMatch(pretty, /CANARY/);
  assert.equal(redactTfaCfg(TFA_V1), 'alice@pve:oath:redacted\nbob@pam:u2f:redacted\n');
  assert.equal(redactTfaCfg('{"users": {"x@pve": CANARY'), undefined);
});

test('a tfa.cfg that cannot be parsed is dropped rather than passed on', () => {
  const s = sanitizeSnapshot(memorySnapshot({ files: { '/etc/pve/priv/tfa.cfg': '{"users":{"a@pve":{"totp":[{"entry":"otpauth://totp/a?secret=CANARY"' } }));
  assert.equal(s.file('/etc/pve/priv/tfa.cfg'), undefined);
  assert.match(s.errors.get('/etc/pve/priv/tfa.cfg')!, /secret file not loaded/);
});

test('legacy keys in user.cfg are redacted, x and x!oath kept', () => {
  const s = sanitizeSnapshot(secretSnapshot());
  const lines = s.text('/etc/pve/user.cfg')!.split('\n');
  assert.equal(lines[0], 'user:root@pam:1:0:::root@example.com:::');
  assert.equal(lines[1], 'user:legacy@pve:1:0:::::redacted:');
  assert.equal(lines[2], 'user:alice@pve:1:0:Alice::::x!oath:');
});

test('sanitizing twice changes nothing', () => {
  const once = sanitizeSnapshot(secretSnapshot());
  const before = everything(once);
  assert.equal(everything(sanitizeSnapshot(once)), before);
  assert.equal(redactShadow(redactShadow(SHADOW)), redactShadow(SHADOW));
});

test('secret paths', () => {
  for (const p of ['/etc/pve/priv/token.cfg', '/etc/pve/priv/realm/ldap.pw', '/etc/pve/nodes/pve1/pveproxy-ssl.key', '/etc/ssh/ssh_host_rsa_key', '/etc/pve/priv/ceph/client.keyring']) {
    assert.equal(isSecretPath(p), true, p);
  }
  for (const p of ['/etc/pve/priv/tfa.cfg', '/etc/pve/priv/authorized_keys', '/etc/ssh/ssh_host_rsa_key.pub', '/etc/pve/nodes/pve1/pveproxy-ssl.pem']) {
    assert.equal(isSecretPath(p), false, p);
  }
});
