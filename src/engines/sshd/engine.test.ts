import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argvSplit, strdelim, trimLineEnd } from './lexer.js';
import { addrMatchList, matchGroups } from './match.js';
import { convtime } from './values.js';
import { dumpConfig, testConfig, type SshdTree } from './index.js';

const value = (tree: SshdTree, key: string, version: '9.2' | '10.0' = '9.2', spec?: string): string[] =>
  dumpConfig(tree, version, spec).lines.filter(([k]) => k === key).map(([, v]) => v);
const groups = (u: string): string[] | undefined => ({ alice: ['alice', 'sudo', 'sshusers'], bob: ['bob', 'sshusers'], root: ['root'] })[u];

test('lexer: strdelim splits the keyword on whitespace, one "=", or a quote; argv_split on blanks and quotes', () => {
  assert.deepEqual(strdelim('Port=22'), { token: 'Port', rest: '22' });
  assert.deepEqual(strdelim('Port = 22'), { token: 'Port', rest: '22' });
  assert.deepEqual(strdelim('Port "22"'), { token: 'Port', rest: '"22"' });
  assert.deepEqual(strdelim('"Port 2" x'), { token: 'Port 2', rest: 'x' });
  assert.deepEqual(strdelim('"unterminated'), { token: null, rest: null });
  assert.deepEqual(argvSplit('LANG "LC_* X" a\\ b # comment'), ['LANG', 'LC_* X', 'a b']);
  assert.deepEqual(argvSplit('a#b'), ['a#b']);
  assert.equal(argvSplit('"open'), null);
  assert.equal(trimLineEnd('x \t\r\f'), 'x');
  assert.equal(trimLineEnd(' '), ' ', 'the first character is never stripped');
});

test('lexer and loader are linear: a 4 MiB single line is handled in well under a second', () => {
  const long = `AcceptEnv ${'A'.repeat(4 << 20)}`;
  const t0 = process.hrtime.bigint();
  const v = testConfig({ files: { sshd_config: long } }, '9.2');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(v.rc, 0);
  assert.ok(ms < 1000, `${ms} ms`);
});

test('convtime: a bare trailing number is seconds', () => {
  assert.equal(convtime('0m30'), 30);
  assert.equal(convtime('5m30'), 330);
  assert.equal(convtime('1h30m'), 5400);
  assert.equal(convtime('30x'), -1);
  assert.equal(convtime('-1'), -1);
});

test('Match Group with a negated group rejects a user who is in it (ga_match_pattern_list)', () => {
  assert.equal(matchGroups(['alice', 'sudo', 'sshusers'], 'sshusers,!sudo'), false);
  assert.equal(matchGroups(['bob', 'sshusers'], 'sshusers,!sudo'), true);
  const tree: SshdTree = { files: { sshd_config: 'AllowUsers root\nMatch Group sshusers,!sudo\n    AllowUsers alice\n' }, groups };
  assert.deepEqual(value(tree, 'allowusers', '9.2', 'user=alice,host=h,addr=10.0.0.1,laddr=10.0.0.2,lport=22'), ['root']);
  assert.deepEqual(value(tree, 'allowusers', '9.2', 'user=bob,host=h,addr=10.0.0.1,laddr=10.0.0.2,lport=22'), ['alice']);
});

test('Match address lists: host bits beyond the mask are fatal at load', () => {
  assert.equal(addrMatchList(null, '10.0.0.5/8'), -2);
  assert.equal(addrMatchList('10.10.10.2', '10.10.10.0/24'), 1);
  assert.equal(addrMatchList('203.0.113.9', '!203.0.113.0/24,*'), -1);
  const v = testConfig({ files: { sshd_config: 'Match Address 10.0.0.5/8\n  PermitRootLogin yes\n' } }, '10.0');
  assert.equal(v.rc, 255);
  assert.equal(v.fatal, "Invalid Match address argument '10.0.0.5/8' at line 1");
});

test('a global keyword after "Match all" is applied as a global line; global-only keywords in other blocks are fatal', () => {
  assert.match(value({ files: { sshd_config: 'Match all\nCiphers +aes128-cbc\n' } }, 'ciphers')[0], /,aes128-cbc$/);
  const v = testConfig({ files: { sshd_config: 'Match User bob\nCiphers +aes128-cbc\n' } }, '9.2');
  assert.equal(v.fatal, "/etc/ssh/sshd_config line 2: Directive 'Ciphers' is not allowed within a Match block");
  assert.deepEqual(v.location, { file: '/etc/ssh/sshd_config', line: 2 });
});

test('Match User=alice: 9.2 splits on "=" (strdelim), 10.0 on the attribute prefix; both apply the block', () => {
  const tree: SshdTree = { files: { sshd_config: 'Match User=alice\n    DenyUsers alice\n' }, groups };
  for (const version of ['9.2', '10.0'] as const) {
    assert.deepEqual(value(tree, 'denyusers', version, 'user=alice,host=h,addr=10.0.0.1,laddr=10.0.0.2,lport=22'), ['alice'], version);
  }
});

test('refused configurations carry sshd\'s reason and place', () => {
  const cases: [string, string, '9.2' | '10.0', string][] = [
    ['KbdInteractiveAuthentication no\nAuthenticationMethods publickey,keyboard-interactive\n', 'kbd', '9.2', 'AuthenticationMethods cannot be satisfied by enabled authentication methods'],
    ['MaxAuthTries -1\n', 'neg', '9.2', '/etc/ssh/sshd_config line 1: MaxAuthTries integer value too small.'],
    ['X11Forwarding true\n', 'true', '10.0', '/etc/ssh/sshd_config line 1: unsupported option "true".'],
    ['Port 70000\n', 'port', '10.0', '/etc/ssh/sshd_config line 1: Badly formatted port number.'],
    ['\ufeffPermitRootLogin no\n', 'bom', '9.2', '/etc/ssh/sshd_config: terminating, 1 bad configuration options'],
    ['Subsystem sftp a\nSubsystem sftp b\n', 'dup', '9.2', "/etc/ssh/sshd_config line 2: Subsystem 'sftp' already defined."],
    ['Match all User root\n', 'all', '9.2', '/etc/ssh/sshd_config line 1: Bad Match condition'],
  ];
  for (const [text, name, version, fatal] of cases) assert.equal(testConfig({ files: { sshd_config: text } }, version).fatal, fatal, name);
  assert.equal(testConfig({ files: { sshd_config: 'Subsystem sftp a\nSubsystem sftp b\n' } }, '10.0').rc, 0, '10.0 ignores a duplicate Subsystem');
  const bom = testConfig({ files: { sshd_config: '\ufeffPermitRootLogin no\n' } }, '9.2');
  assert.equal(bom.messages[0].text, '/etc/ssh/sshd_config: line 1: Bad configuration option: \\357\\273\\277PermitRootLogin');
});

test('canonical sshd -T values', () => {
  const tree: SshdTree = { files: { sshd_config: 'AllowTcpForwarding all\nLogLevel QUIET\nPermitRootLogin prohibit-password\nLoginGraceTime 0m30\n' } };
  assert.deepEqual(value(tree, 'allowtcpforwarding'), ['yes']);
  assert.deepEqual(value(tree, 'loglevel'), ['SILENT']);
  assert.deepEqual(value(tree, 'permitrootlogin'), ['without-password']);
  assert.deepEqual(value(tree, 'logingracetime'), ['30']);
  assert.deepEqual(value({ files: { sshd_config: 'Ciphers -*cbc,*ctr\n' } }, 'ciphers', '10.0'), ['chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com']);
});
