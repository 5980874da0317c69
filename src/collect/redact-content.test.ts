import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { matchingRules, redactSecrets } from './redact-content.js';

// [what, input, expected output]: the expected text is written by hand, line for line.
const REDACTED: [string, string, string][] = [
  ['CIFS password in fstab', '//nas/backup /mnt/nas cifs username=bob,password=S3cr3t!x,vers=3.0 0 0', '//nas/backup /mnt/nas cifs username=bob,password=<redacted>,vers=3.0 0 0'],
  ['a password in a colon-separated field (passwd GECOS)', 'eve:x:1001:1001:password=hunter2:/home/eve:/bin/bash', 'eve:x:1001:1001:password=<redacted>:/home/eve:/bin/bash'],
  ['a password in a user.cfg comment', 'user:eve@pve:1:0:Eve::eve@example.com:pass=hunter2:x!oath:', 'user:eve@pve:1:0:Eve::eve@example.com:pass=<redacted>:x!oath:'],
  ['pass= option', 'opts=rw,pass=hunter2,uid=0', 'opts=rw,pass=<redacted>,uid=0'],
  ['apt proxy with credentials', 'Acquire::http::Proxy "http://user:pa55word@proxy:3128";', 'Acquire::http::Proxy "http://user:<redacted>@proxy:3128";'],
  ['password holding an @', 'http_proxy: http://alice:Sup3r@secret@proxy.example.com:3128/', 'http_proxy: http://alice:<redacted>@proxy.example.com:3128/'],
  ['OpenID client-key (section config)', 'openid: corp\n\tclient-id pve\n\tclient-key 7f3a9c1e5b\n', 'openid: corp\n\tclient-id pve\n\tclient-key <redacted>\n'],
  ['notifications.cfg password', 'smtp: mail\n\tpassword hunter2\n\tusername pve\n', 'smtp: mail\n\tpassword <redacted>\n\tusername pve\n'],
  ['wpa-psk', 'iface wlan0 inet dhcp\n    wpa-psk correcthorse\n', 'iface wlan0 inet dhcp\n    wpa-psk <redacted>\n'],
  ['WireGuard PrivateKey', '[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n', '[Interface]\nPrivateKey = <redacted>\n'],
  ['WireGuard PresharedKey', '[WireGuardPeer]\nPresharedKey=FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=\n', '[WireGuardPeer]\nPresharedKey=<redacted>\n'],
  ['yescrypt hash anywhere', 'alice:$y$j9T$7ad9mBJ0k5QWxCpLG.ePo/$Ku8qRZT2uHbAiQ3ZNYQtYpSahQj0V7fTpkF3eRB3Nz9:', 'alice:<redacted>:'],
  ['sha512 hash', 'cipassword: $6$rounds=5000$saltsalt$Tw6x8vFxXcN9D0p.', 'cipassword: <redacted>'],
  ['bcrypt hash', 'hash=$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', 'hash=<redacted>'],
  ['argon2 hash', '"$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"', '"<redacted>"'],
  ['md5crypt hash', 'x $1$abcdefgh$0123456789abcdefghijkl y', 'x <redacted> y'],
  ['LDAP hash', 'rootpw {SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'rootpw <redacted>'],
  ['TOTP secret in an otpauth URI', 'otpauth://totp/a%40pve?secret=JBSWY3DPEHPK3PXP&digits=6', 'otpauth://totp/a%40pve?secret=<redacted>&digits=6'],
  ['JSON password', '{"user": "x", "password": "hunter2"}', '{"user": "x", "password": "<redacted>"}'],
  ['command-line option in authorized_keys', 'command="/usr/bin/backup --password=foo",from="10.0.0.1" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUB x', 'command="/usr/bin/backup --password=<redacted>",from="10.0.0.1" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUB x'],
  ['syslog-ng password("...")', 'http(url("https://log") user("pve") password("s3cret"));', 'http(url("https://log") user("pve") password("<redacted>"));'],
  ['rsyslog omhttp pwd', 'action(type="omhttp" uid="pve" pwd="s3cret")', 'action(type="omhttp" uid="pve" pwd="<redacted>")'],
  ['authorization header', 'Acquire::https::Header "Authorization: Bearer abcdef0123456789";', 'Acquire::https::Header "Authorization: Bearer <redacted>";'],
  ['kernel TCP fast open key (sysctl -a)', 'net.ipv4.tcp_fastopen_key = a1b2c3d4-e5f60718-293a4b5c-6d7e8f90', 'net.ipv4.tcp_fastopen_key = <redacted>'],
  ['ceph keyring key', '[client.admin]\n\tkey = AQDE/ZVIb6N8m8rhiTXuDoWrqp100/kwVfg8EA==\n', '[client.admin]\n\tkey = <redacted>\n'],
  ['bare ceph secret', 'AQDE/ZVIb6N8m8rhiTXuDoWrqp100/kwVfg8EA==\n', '<redacted>\n'],
  ['API token secret line', 'root@pam!ci 5f0e8e3a-1b2c-4c7e-9d55-2a1b3c4d5e6f\n', 'root@pam!ci <redacted>\n'],
  ['age key', '# created\nAGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS3QSZ8N\n', '# created\n<redacted>\n'],
  ['a PEM key block, line count kept', 'x -----BEGIN PRIVATE KEY-----\nabc\ndef\n-----END PRIVATE KEY-----\ny', 'x <redacted>\n<redacted>\n<redacted>\n<redacted>\ny'],
  ['a key block without its END line', 'a\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\nGRVyKM', 'a\n<redacted>\n<redacted>\n<redacted>'],
  ['a key inside a JSON string', '{"key":"-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----\\n","kid":"x"}', '{"key":"<redacted>\\n","kid":"x"}'],
  ['PGP private key block', 'before\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\nafter\n', 'before\n<redacted>\n\n<redacted>\n<redacted>\n<redacted>\nafter\n'],
  ['a BEGIN planted in a GECOS field hides neither the rest of its line nor the next accounts', 'eve:x:1001:1001:-----BEGIN PRIVATE KEY-----:/home/eve:/bin/bash\nmallory:x:0:0::/root:/bin/bash\n', 'eve:x:1001:1001:<redacted>:/home/eve:/bin/bash\nmallory:x:0:0::/root:/bin/bash\n'],
  ['a block cut by a line that is not key data', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nPermitRootLogin yes\n', '<redacted>\n<redacted>\nPermitRootLogin yes\n'],
  ['an encrypted PEM key with headers', '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C\n\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n', '<redacted>\n<redacted>\n<redacted>\n\n<redacted>\n<redacted>\n'],
  ['OpenVPN static key', '<tls-auth>\n-----BEGIN OpenVPN Static key V1-----\n0a1b\n-----END OpenVPN Static key V1-----\n</tls-auth>', '<tls-auth>\n<redacted>\n<redacted>\n<redacted>\n</tls-auth>'],
];

// Text the parsers need: unchanged.
const KEPT: [string, string][] = [
  ['sshd_config', 'PasswordAuthentication no\nPasswordAuthentication=no\nPermitEmptyPasswords no\nPermitRootLogin prohibit-password\nHostKey /etc/ssh/ssh_host_ed25519_key\nKbdInteractiveAuthentication no\n'],
  ['sshd -T', 'passwordauthentication no\npermitemptypasswords no\nhostkey /etc/ssh/ssh_host_rsa_key\npubkeyauthentication yes\n'],
  ['public keys', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n'],
  ['audit rule keys', '-w /etc/passwd -p wa -k identity\n-a always,exit -F arch=b64 -S adjtimex -F key=time-change\n'],
  ['user.cfg token and user lines', 'user:root@pam:1:0:::root@example.com:::\ntoken:alice@pve!prometheus:0:1::\n'],
  ['sysctl', 'net.ipv4.tcp_fastopen_key = 00000000-00000000\nkernel.random.boot_id = 4b3e8f0a-1c2d-4e5f-8a9b-0c1d2e3f4a5b\n'],
  ['fail2ban interpolation', 'action = blocklist_de[apikey="%(blocklist_de_apikey)s"]\npassword = ${PASSWORD}\n'],
  ['fstab comment', '# <file system> <mount point> <type> <options> <dump> <pass>\n//nas/x /mnt cifs credentials=/root/.smbcred 0 0\n'],
  ['auth log', 'sshd[12]: Failed password for invalid user admin from 198.51.100.7 port 22 ssh2\n'],
  ['datacenter.cfg', 'keyboard: en-us\nhttp_proxy: http://proxy.example.com:3128\nwebauthn: rp=pve.example.com,origin=https://pve.example.com:8006\n'],
  ['URLs without a password', 'deb http://deb.debian.org/debian trixie main\nssh://root@pve1\nhttp://[fe80::1]:3128/\n'],
  ['JSON structure', '{"password":{"type":"string","minLength":5},"secret":""}'],
];

test('content rules redact each secret, keeping the line structure', () => {
  for (const [what, input, expected] of REDACTED) {
    assert.equal(redactSecrets(input), expected, what);
    assert.equal(redactSecrets(expected), expected, `${what}: redacting twice changes nothing`);
  }
});

test('content rules keep what parsers read', () => {
  for (const [what, input] of KEPT) assert.deepEqual(matchingRules(input), [], what);
});

test('a certificate stays, a real private key next to it goes', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n';
  const out = redactSecrets(cert + key + cert);
  assert.equal(out, cert + '<redacted>\n'.repeat(key.trimEnd().split('\n').length) + cert);
});
