import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memorySnapshot } from './memory.js';
import { BINARY_NOT_LOADED, isSecretPath, redactShadow, redactTfaCfg, sanitizeSnapshot, SECRET_NOT_LOADED } from './sanitize.js';
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
  ]) {
    assert.equal(s.file(p), undefined, p);
    assert.equal(s.errors.get(p), SECRET_NOT_LOADED, p);
  }
  assert.equal(s.text('/etc/ssh/sshd_config'), 'PermitRootLogin prohibit-password\n');
  assert.ok(s.file('/etc/ssh/ssh_host_ed25519_key.pub'));
  // a key pasted into a file parsers read: the block goes, the file and its line count stay
  assert.equal(s.text('/etc/ssh/sshd_config.d/leak.conf'), '# oops\n<redacted>\n<redacted>\n');
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
  assert.equal(alice.totp[0].entry, 'otpauth://totp/alice%40pve?secret=<redacted>&digits=6&algorithm=SHA1&issuer=Proxmox%20VE&period=30');
  assert.deepEqual(alice.recovery, { secret: '<redacted>', entries: ['<redacted>', null, '<redacted>', null], created: 1731999100 });
  assert.equal(alice['totp-locked'], true);
  const bob = doc.users['bob@pam'];
  assert.equal(bob.webauthn[0].enable, false);
  assert.equal(bob.webauthn[0].description, 'yubikey 5');
  assert.equal(bob.webauthn[0].entry, '<redacted>');
  assert.equal(bob.yubico[0].id, 'yubico-1');
  assert.equal(bob.u2f[0].entry, '<redacted>');
  assert.equal(bob['tfa-locked-until'], 1732003600);
  const carol = doc.users['carol@pve'].totp[0].entry;
  assert.deepEqual(carol, { totp: 'otpauth://totp/carol?secret=<redacted>&period=30', 'last-count': 57733333 });
});

test('pretty-printed tfa.cfg keeps its line structure; v1 format keeps user and type', () => {
  const pretty = redactTfaCfg(TFA_PRETTY)!;
  assert.equal(pretty.split('\n').length, TFA_PRETTY.split('\n').length);
  assert.match(pretty, /secret=<redacted>&digits=6/);
  assert.doesNotMatch(pretty, /CANARY/);
  assert.equal(redactTfaCfg(TFA_V1), 'alice@pve:oath:<redacted>\nbob@pam:u2f:<redacted>\n');
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
  assert.equal(lines[1], 'user:legacy@pve:1:0:::::<redacted>:');
  assert.equal(lines[2], 'user:alice@pve:1:0:Alice::::x!oath:');
});

test('sanitizing twice changes nothing', () => {
  const once = sanitizeSnapshot(secretSnapshot());
  const before = everything(once);
  assert.equal(everything(sanitizeSnapshot(once)), before);
  assert.equal(redactShadow(redactShadow(SHADOW)), redactShadow(SHADOW));
});

test('a second pass over a sanitized snapshot redacts nothing again (each file is read by the rules once)', () => {
  const snap = secretSnapshot();
  snap.addFile({ path: '/etc/hosts', content: Buffer.from('10.0.0.1 pve1 # key: see wiki\n') });
  const once = sanitizeSnapshot(snap);
  const before = everything(once);
  const reads = new Map<string, number>();
  for (const f of once.files.values()) {
    const content = f.content;
    const toString = content.toString.bind(content);
    reads.set(f.path, 0);
    content.toString = ((...args: Parameters<Buffer['toString']>) => {
      reads.set(f.path, reads.get(f.path)! + 1);
      return toString(...args);
    }) as Buffer['toString'];
  }
  const contents = new Map([...once.files.values()].map((f) => [f.path, f.content]));
  sanitizeSnapshot(once);
  assert.ok(reads.has('/etc/hosts') && reads.has('/etc/pve/user.cfg'));
  for (const f of once.files.values()) {
    assert.equal(f.content, contents.get(f.path), `${f.path} was replaced by the second pass`);
    assert.equal(reads.get(f.path), 0, `${f.path} was decoded again by the second pass`);
  }
  assert.equal(everything(once), before);
});

test('secret paths', () => {
  for (const p of [
    '/etc/pve/priv/token.cfg', '/etc/pve/priv/realm/ldap.pw', '/etc/pve/nodes/pve1/pveproxy-ssl.key', '/etc/ssh/ssh_host_rsa_key',
    '/etc/pve/priv/ceph/client.keyring', '/etc/pve/priv/notifications.cfg', '/etc/pve/priv/ceph/cephfs.secret', '/etc/pve/priv/acme/plugins.cfg',
    '/etc/pve/priv/storage/pbs1.enc', '/etc/pve/priv/known_hosts', '/etc/pve/priv/some-future-file.cfg', '/var/backups/shadow.bak',
    '/var/backups/gshadow.bak', '/etc/corosync/authkey', '/etc/wireguard/wg0.conf', '/root/.ssh/id_ed25519', '/home/alice/.ssh/id_rsa',
    '/root/.gnupg/private-keys-v1.d/0A1B.key', '/etc/apt/auth.conf.d/pve.conf', '/var/lib/pve-cluster/config.db', '/etc/ssl/private/ssl-cert-snakeoil.key',
    '/root/.bash_history', '/etc/ppp/chap-secrets', '/etc/ldap.secret', '/etc/sysctl.d/token.cfg',
  ]) {
    assert.equal(isSecretPath(p), true, p);
  }
  for (const p of [
    '/etc/pve/priv/tfa.cfg', '/etc/pve/priv/authorized_keys', '/etc/shadow', '/etc/ssh/ssh_host_rsa_key.pub', '/etc/pve/nodes/pve1/pveproxy-ssl.pem',
    '/root/.ssh/id_ed25519.pub', '/root/.ssh/authorized_keys', '/etc/pve/authkey.pub', '/etc/pve/datacenter.cfg', '/etc/fstab',
  ]) {
    assert.equal(isSecretPath(p), false, p);
  }
});

test('everything under /etc/pve/priv is dropped but tfa.cfg (redacted) and authorized_keys (public keys)', () => {
  const s = sanitizeSnapshot(
    memorySnapshot({
      files: {
        '/etc/pve/priv/notifications.cfg': 'smtp: mail\n\tpassword CANARYsmtp\n',
        '/etc/pve/priv/ceph/cephfs.secret': 'CANARYceph==\n',
        '/etc/pve/priv/acme/plugins.cfg': 'dns: cf\n\tapi cf\n\tdata CANARYcfdata\n',
        '/etc/pve/priv/storage/pbs1.enc': '{"kdf":null,"data":"CANARYenc"}\n',
        '/etc/pve/priv/a-file-of-pve-10.cfg': 'CANARYfuture\n',
        '/etc/pve/priv/tfa.cfg': '{"users":{"a@pve":{"totp":[{"id":"t1","entry":"otpauth://totp/a?secret=CANARY"}]}}}\n',
        '/etc/pve/priv/authorized_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl root@pve1\n',
      },
    }),
  );
  assert.doesNotMatch(everything(s), /CANARY/);
  assert.deepEqual([...s.files.keys()].sort(), ['/etc/pve/priv/authorized_keys', '/etc/pve/priv/tfa.cfg']);
  assert.match(s.text('/etc/pve/priv/authorized_keys')!, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl root@pve1$/m);
  assert.equal(s.errors.get('/etc/pve/priv/a-file-of-pve-10.cfg'), SECRET_NOT_LOADED);
});

test('credentials in files read by name are redacted in place, line by line', () => {
  const fstab = '# <file system> <mount point> <type> <options> <dump> <pass>\n//nas/b /mnt/b cifs username=bob,password=CANARYcifs,vers=3.0 0 0\ntmpfs /tmp tmpfs rw,nosuid,nodev,noexec 0 0\n';
  const s = sanitizeSnapshot(
    memorySnapshot({
      files: {
        '/etc/fstab': fstab,
        '/etc/apt/apt.conf.d/80proxy': 'Acquire::http::Proxy "http://apt:CANARYapt@proxy.example.com:3128";\n',
        '/etc/pve/datacenter.cfg': 'keyboard: en-us\nhttp_proxy: http://pve:CANARYdc@proxy.example.com:3128\n',
        '/etc/pve/domains.cfg': 'openid: sso\n\tclient-id pve\n\tclient-key CANARYoidc\n\tissuer-url https://sso.example.com\n',
      },
      commands: { 'sysctl -a': 'net.ipv4.tcp_fastopen_key = 0a1b2c3d-4e5f6071-8293a4b5-c6d7e8f9\nnet.ipv4.ip_forward = 1\n' },
    }),
  );
  assert.doesNotMatch(everything(s), /CANARY|0a1b2c3d/);
  assert.deepEqual(s.text('/etc/fstab')!.split('\n'), [
    '# <file system> <mount point> <type> <options> <dump> <pass>',
    '//nas/b /mnt/b cifs username=bob,password=<redacted>,vers=3.0 0 0',
    'tmpfs /tmp tmpfs rw,nosuid,nodev,noexec 0 0',
    '',
  ]);
  assert.equal(s.text('/etc/pve/domains.cfg'), 'openid: sso\n\tclient-id pve\n\tclient-key <redacted>\n\tissuer-url https://sso.example.com\n');
  assert.equal(s.text('/etc/pve/datacenter.cfg'), 'keyboard: en-us\nhttp_proxy: http://pve:<redacted>@proxy.example.com:3128\n');
  assert.equal(s.command('sysctl -a')!.output, 'net.ipv4.tcp_fastopen_key = <redacted>\nnet.ipv4.ip_forward = 1\n');
  assert.equal(s.errors.size, 0);
});

test('links and copies of a secret file go with it; binary files are not loaded', () => {
  const token = 'root@pam!ci 5f0e8e3a-1111-4c7e-9d55-2a1b3c4d5e6f\nCANARY-raw-line\n';
  const snap = memorySnapshot({
    files: {
      '/etc/pve/priv/token.cfg': token,
      // a hard link or a copy: same bytes, another name
      '/etc/sysctl.d/99-copy.conf': token,
      '/etc/corosync/authkey': Buffer.from([0x43, 0x41, 0x4e, 0x41, 0x52, 0x59, 0x00, 0xff, 0x13]),
      '/etc/apt/apt.conf.d/99blob': Buffer.from([0x43, 0x41, 0x4e, 0x41, 0x52, 0x59, 0x00, 0x01]),
    },
  });
  // a symlink whose target is a secret file, as the bundle reader loads it (content = target's)
  snap.addFile({ path: '/etc/rsyslog.d/50-link.conf', content: Buffer.from('CANARY-other-bytes\n'), stat: { mode: 0o777, uid: 0, gid: 0, type: 'symlink', linkTarget: '../pve/priv/realm/corp.pw' } });
  const s = sanitizeSnapshot(snap);
  assert.doesNotMatch(everything(s), /CANARY/);
  assert.equal(s.files.size, 0);
  assert.equal(s.errors.get('/etc/sysctl.d/99-copy.conf'), SECRET_NOT_LOADED);
  assert.equal(s.errors.get('/etc/rsyslog.d/50-link.conf'), SECRET_NOT_LOADED);
  assert.equal(s.errors.get('/etc/apt/apt.conf.d/99blob'), BINARY_NOT_LOADED);
});

test('a link to authorized_keys stays (root keys on Proxmox VE)', () => {
  const keys = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl root@pve1\n';
  const snap = memorySnapshot({ files: { '/etc/pve/priv/authorized_keys': keys } });
  snap.addFile({ path: '/root/.ssh/authorized_keys', content: Buffer.from(keys), stat: { mode: 0o777, uid: 0, gid: 0, type: 'symlink', linkTarget: '/etc/pve/priv/authorized_keys' } });
  const s = sanitizeSnapshot(snap);
  assert.equal(s.text('/root/.ssh/authorized_keys'), keys);
  assert.equal(s.text('/etc/pve/priv/authorized_keys'), keys);
});
