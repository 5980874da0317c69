import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  effectiveSshdConfig, globToRegExp, matchAddressList, overriddenDirectives, parseSshdConfig, sshdTime,
  type IncludeResolver,
} from './sshd-config.js';
import { ParseError } from './diagnostics.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Include resolver over literal files, as the snapshot provides them. */
function files(map: Record<string, string>): IncludeResolver {
  return {
    glob(pattern) {
      const re = globToRegExp(pattern);
      return Object.keys(map).filter((p) => re.test(p)).sort().map((p) => ({ path: p, content: map[p] }));
    },
  };
}

const value = (cfg: ReturnType<typeof parseSshdConfig>['value'], key: string, conn = {}) => effectiveSshdConfig(cfg, conn).get(key)?.args.join(' ');

test('Debian 12 default sshd_config: Include first, explicit settings, comments ignored', () => {
  const { value: cfg, diagnostics } = parseSshdConfig(fixture('debian12-sshd_config'));
  assert.deepEqual(diagnostics, []);
  const inc = cfg.directives[0];
  assert.equal(inc.keyword, 'include');
  assert.deepEqual(inc.args, ['/etc/ssh/sshd_config.d/*.conf']);
  assert.equal(inc.line, 12);
  assert.equal(value(cfg, 'kbdinteractiveauthentication'), 'no');
  assert.equal(value(cfg, 'usepam'), 'yes');
  assert.equal(value(cfg, 'x11forwarding'), 'yes');
  assert.equal(value(cfg, 'printmotd'), 'no');
  assert.equal(value(cfg, 'acceptenv'), 'LANG LC_*');
  assert.equal(value(cfg, 'subsystem'), 'sftp /usr/lib/openssh/sftp-server');
  assert.equal(value(cfg, 'permitrootlogin'), undefined); // commented out: compiled-in default applies
  assert.equal(value(cfg, 'x11forwarding', { user: 'anoncvs', addr: '10.0.0.1' }), 'yes'); // the Match example is commented
});

test('Debian 13 sshd_config accepts COLORTERM and NO_COLOR', () => {
  const { value: cfg } = parseSshdConfig(fixture('debian13-sshd_config'));
  assert.equal(value(cfg, 'acceptenv'), 'LANG LC_* COLORTERM NO_COLOR');
});

// Expected values observed with OpenSSH 9.2p1 (Debian 12): sshd -T -f main.conf -C user=U,host=h,addr=1.2.3.4
test('drop-ins included at the top win over later lines; Match inside a drop-in ends with that file', () => {
  const main = 'Include /tmp/inc/d/*.conf\nPasswordAuthentication no\nX11Forwarding yes\nMaxAuthTries 3\n';
  const resolver = files({
    '/tmp/inc/d/50-cloud-init.conf': 'PasswordAuthentication yes\n',
    '/tmp/inc/d/60-bob.conf': 'Match User bob\n  X11Forwarding no\n  MaxAuthTries 2\n',
    '/tmp/inc/d/10-early.conf': 'MaxAuthTries 5\n',
    '/tmp/inc/d/old.conf.bak': 'MaxAuthTries 9\n',
  });
  const { value: cfg } = parseSshdConfig(main, '/tmp/inc/main.conf', resolver);
  assert.deepEqual(cfg.files, ['/tmp/inc/main.conf', '/tmp/inc/d/10-early.conf', '/tmp/inc/d/50-cloud-init.conf', '/tmp/inc/d/60-bob.conf']);
  const alice = { user: 'alice', host: 'h', addr: '1.2.3.4' };
  const bob = { user: 'bob', host: 'h', addr: '1.2.3.4' };
  assert.equal(value(cfg, 'maxauthtries', alice), '5');
  assert.equal(value(cfg, 'passwordauthentication', alice), 'yes');
  assert.equal(value(cfg, 'x11forwarding', alice), 'yes');
  assert.equal(value(cfg, 'maxauthtries', bob), '2');
  assert.equal(value(cfg, 'x11forwarding', bob), 'no');
  const pw = effectiveSshdConfig(cfg).get('passwordauthentication')!.directives[0];
  assert.equal(pw.file, '/tmp/inc/d/50-cloud-init.conf');
  assert.equal(pw.line, 1);
  const over = overriddenDirectives(cfg).map((o) => `${o.directive.file}:${o.directive.line} by ${o.by.file}:${o.by.line}`);
  assert.deepEqual(over, ['/tmp/inc/main.conf:2 by /tmp/inc/d/50-cloud-init.conf:1', '/tmp/inc/main.conf:4 by /tmp/inc/d/10-early.conf:1']);
});

test('relative Include paths are relative to /etc/ssh', () => {
  const { value: cfg } = parseSshdConfig('Include sshd_config.d/*.conf\n', '/etc/ssh/sshd_config', files({ '/etc/ssh/sshd_config.d/a.conf': 'Port 2222\n' }));
  assert.equal(value(cfg, 'port'), '2222');
});

test('Match All values override the global value even when the global line comes first (observed: sshd -T prints yes)', () => {
  const { value: cfg } = parseSshdConfig('PermitRootLogin no\nMatch User bob\n  X11Forwarding no\nMatch all\n  PermitRootLogin yes\n');
  assert.equal(value(cfg, 'permitrootlogin'), 'yes');
  assert.equal(value(cfg, 'x11forwarding'), undefined);
  assert.equal(value(cfg, 'x11forwarding', { user: 'bob', addr: '1.2.3.4' }), 'no');
});

test('Match Address with CIDR and negation, Match User with negation (observed with sshd -T -C)', () => {
  const text = 'PermitRootLogin no\nMatch Address 10.0.0.0/8,!10.9.0.0/16\n  PasswordAuthentication no\n  PermitRootLogin prohibit-password\nMatch User !root,*\n  AllowTcpForwarding no\n';
  const { value: cfg } = parseSshdConfig(text);
  assert.equal(value(cfg, 'permitrootlogin'), 'no');
  assert.equal(value(cfg, 'passwordauthentication'), undefined);
  const root = { user: 'root', host: 'h', addr: '10.1.2.3' };
  assert.equal(value(cfg, 'permitrootlogin', root), 'prohibit-password');
  assert.equal(value(cfg, 'passwordauthentication', root), 'no');
  assert.equal(value(cfg, 'allowtcpforwarding', root), undefined);
  const bob = { user: 'bob', host: 'h', addr: '10.9.2.3' };
  assert.equal(value(cfg, 'permitrootlogin', bob), 'no');
  assert.equal(value(cfg, 'allowtcpforwarding', bob), 'no');
});

test('Match Group, Host, LocalPort; IPv6 CIDR', () => {
  const text = 'Match Group admins\n  X11Forwarding no\nMatch Host *.mgmt.example.com\n  MaxAuthTries 2\nMatch LocalPort 2222\n  PasswordAuthentication no\n';
  const { value: cfg } = parseSshdConfig(text);
  assert.equal(value(cfg, 'x11forwarding', { user: 'a', groups: ['users', 'admins'] }), 'no');
  assert.equal(value(cfg, 'x11forwarding', { user: 'a', groups: ['users'] }), undefined);
  assert.equal(value(cfg, 'maxauthtries', { user: 'a', host: 'ws1.MGMT.example.com' }), '2');
  assert.equal(value(cfg, 'passwordauthentication', { user: 'a', lport: 2222 }), 'no');
  assert.ok(matchAddressList('fd00::5', 'fd00::/64'));
  assert.ok(!matchAddressList('fd01::5', 'fd00::/64,10.0.0.0/8'));
  assert.ok(matchAddressList('192.168.1.7', '192.168.1.*'));
});

test('keywords are case-insensitive; Key=value and quotes; aliases resolve to the sshd -T name; first value wins', () => {
  const text = 'passwordauthentication=no\nPASSWORDAUTHENTICATION yes\nChallengeResponseAuthentication no\nBanner "/etc/issue net"  # comment\nAllowUsers alice bob\nAllowUsers carol\n';
  const { value: cfg, diagnostics } = parseSshdConfig(text);
  assert.deepEqual(diagnostics, []);
  assert.equal(value(cfg, 'passwordauthentication'), 'no');
  assert.equal(value(cfg, 'kbdinteractiveauthentication'), 'no');
  assert.equal(value(cfg, 'banner'), '/etc/issue net');
  assert.equal(value(cfg, 'allowusers'), 'alice bob carol');
});

test('directives not allowed in a Match block are diagnosed like sshd -t does', () => {
  const { value: cfg, diagnostics } = parseSshdConfig('Match Address 10.0.0.0/8\n  PasswordAuthentication no\n  LoginGraceTime 30\n');
  assert.deepEqual(diagnostics.map((d) => [d.line, d.severity]), [[3, 'error']]);
  assert.match(diagnostics[0].message, /LoginGraceTime.*not allowed within a Match block/);
  assert.equal(value(cfg, 'logingracetime', { addr: '10.0.0.1' }), undefined);
});

test('bad Match criteria never match and are diagnosed', () => {
  const { value: cfg, diagnostics } = parseSshdConfig('Match Colour blue\n  X11Forwarding no\nMatch User\n');
  assert.equal(diagnostics.length, 2);
  assert.equal(value(cfg, 'x11forwarding', { user: 'blue' }), undefined);
});

test('an Include loop stops at the recursion limit with a located error', () => {
  const { diagnostics } = parseSshdConfig('Include /etc/ssh/loop.conf\n', '/etc/ssh/sshd_config', files({ '/etc/ssh/loop.conf': 'Include /etc/ssh/loop.conf\n' }));
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0].message, /Too many recursive/);
  assert.equal(diagnostics[0].file, '/etc/ssh/loop.conf');
});

test('sshd time format', () => {
  assert.equal(sshdTime('120'), 120);
  assert.equal(sshdTime('2m'), 120);
  assert.equal(sshdTime('1m30s'), 90);
  assert.equal(sshdTime('1h'), 3600);
  assert.equal(sshdTime('abc'), undefined);
  assert.equal(sshdTime('5x'), undefined);
});

test('fuzz: random and mutated input never throws anything but ParseError', () => {
  const base = fixture('debian12-sshd_config') + 'Match User a,!b Address 10.0.0.0/8\n PermitRootLogin "no\nInclude x*\n';
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = ' \t\n"\'#=,!*?/[]\\Matchuser0123456789:.\r';
  for (let i = 0; i < 2000; i++) {
    let s = base;
    for (let k = 0; k < 20; k++) {
      const pos = Math.floor(rnd() * s.length);
      s = s.slice(0, pos) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(pos + Math.floor(rnd() * 3));
    }
    if (i % 10 === 0) s = Array.from({ length: 200 }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    try {
      const { value: cfg } = parseSshdConfig(s, '/etc/ssh/sshd_config', files({ '/etc/ssh/x1': s.slice(0, 50) }));
      effectiveSshdConfig(cfg, { user: 'a', addr: '10.1.1.1', host: 'h' });
      overriddenDirectives(cfg);
    } catch (e) {
      assert.ok(e instanceof ParseError, String(e));
    }
  }
  assert.throws(() => parseSshdConfig(Buffer.from([0x50, 0, 0x41])), ParseError);
});

test('glob patterns: classes, no crossing of /, invalid classes match nothing', () => {
  assert.ok(globToRegExp('/etc/ssh/sshd_config.d/*.conf').test('/etc/ssh/sshd_config.d/10-a.conf'));
  assert.ok(!globToRegExp('/etc/ssh/sshd_config.d/*.conf').test('/etc/ssh/sshd_config.d/sub/a.conf'));
  assert.ok(globToRegExp('/etc/ssh/[0-9]?.conf').test('/etc/ssh/1a.conf'));
  assert.ok(!globToRegExp('/etc/ssh/[!0-9]*.conf').test('/etc/ssh/1a.conf'));
  assert.ok(!globToRegExp('/etc/ssh/[z-a].conf').test('/etc/ssh/z.conf'));
  const { value: cfg } = parseSshdConfig('Include /etc/ssh/[z-a]*\nPort 22\n', '/etc/ssh/sshd_config', files({ '/etc/ssh/z1': 'Port 1\n' }));
  assert.equal(value(cfg, 'port'), '22');
});

// issue 13: each of these disagreed with real sshd (test/fixtures/sshd: t-match-all-global, t-negated-group,
// t-user-equals, t-time-0m30)
test('a global-only keyword after "Match all" is a global line, as in sshd\'s load pass', () => {
  const { value: cfg, diagnostics } = parseSshdConfig('Ciphers aes256-ctr\nMatch all\nCiphers +aes128-cbc\nMatch all\nLoginGraceTime 20\n');
  assert.deepEqual(diagnostics, []);
  assert.equal(value(cfg, 'ciphers'), 'aes256-ctr', 'first value wins');
  assert.equal(value(cfg, 'logingracetime'), '20');
});

test('Match Group: a user in a negated group is rejected even if another group matches', () => {
  const { value: cfg } = parseSshdConfig('AllowUsers root\nMatch Group sshusers,!sudo\n  AllowUsers alice\n');
  assert.equal(value(cfg, 'allowusers', { user: 'alice', groups: ['alice', 'sudo', 'sshusers'] }), 'root');
  assert.equal(value(cfg, 'allowusers', { user: 'bob', groups: ['bob', 'sshusers'] }), 'alice');
});

test('Match User=alice (one word with "=") is a User criterion', () => {
  const { value: cfg, diagnostics } = parseSshdConfig('Match User=alice\n  DenyUsers alice\n');
  assert.deepEqual(diagnostics, []);
  assert.equal(value(cfg, 'denyusers', { user: 'alice' }), 'alice');
});

test('convtime: a bare trailing number is seconds', () => {
  assert.equal(sshdTime('0m30'), 30);
  assert.equal(sshdTime('5m30'), 330);
});
