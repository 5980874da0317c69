import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSshdConnections, parseSshdT, parseSshdTest } from './sshd-effective.js';
import { ParseError } from './diagnostics.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('sshd -T of Debian 12 (OpenSSH 9.2p1): single and repeated keys with their output lines', () => {
  const { value: t, diagnostics } = parseSshdT(fixture('debian12-sshd-T.txt'));
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(t.get('permitrootlogin')?.values, ['without-password']);
  assert.deepEqual(t.get('passwordauthentication')?.values, ['yes']);
  assert.deepEqual(t.get('logingracetime')?.values, ['120']);
  assert.deepEqual(t.get('hostkey')?.values, ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key']);
  assert.deepEqual(t.get('listenaddress')?.values, ['[::]:22', '0.0.0.0:22']);
  assert.deepEqual(t.get('acceptenv')?.values, ['LANG', 'LC_*']);
  assert.equal(t.get('port')?.lines[0], 1);
  assert.equal(t.get('subsystem')?.values[0], 'sftp /usr/lib/openssh/sftp-server');
  assert.match(t.get('kexalgorithms')!.values[0], /^sntrup761x25519-sha512,.*diffie-hellman-group14-sha256$/);
});

test('sshd -T of Debian 13 (OpenSSH 10.0): ML-KEM first, no finite-field DH', () => {
  const { value: t } = parseSshdT(fixture('debian13-sshd-T.txt'));
  const kex = t.get('kexalgorithms')!.values[0].split(',');
  assert.equal(kex[0], 'mlkem768x25519-sha256');
  assert.ok(!kex.some((k) => k.startsWith('diffie-hellman')));
  assert.deepEqual(t.get('acceptenv')?.values, ['LANG', 'LC_*', 'COLORTERM', 'NO_COLOR']);
});

test('sshd -T that printed only errors is not a configuration dump', () => {
  const out = '/etc/ssh/sshd_config: line 2: Bad configuration option: Bogus\n/etc/ssh/sshd_config: terminating, 1 bad configuration options\n';
  assert.throws(() => parseSshdT(out), (e: unknown) => e instanceof ParseError && e.line === 1 && /not sshd -T output/.test(e.message));
  assert.throws(() => parseSshdT(''), ParseError);
});

test('sshd -t: exit code decides; error lines are located (OpenSSH 9.2 wording)', () => {
  const out = '/tmp/t1.conf: line 2: Bad configuration option: Bogus\n/tmp/t1.conf line 5: Directive \'LoginGraceTime\' is not allowed within a Match block\n';
  const { value: r } = parseSshdTest(out, 255);
  assert.equal(r.ok, false);
  assert.deepEqual(r.errors.map((e) => [e.file, e.line, e.outputLine]), [['/tmp/t1.conf', 2, 1], ['/tmp/t1.conf', 5, 2]]);
  assert.match(r.errors[1].message, /not allowed within a Match block/);
  assert.equal(parseSshdTest('', 0).value.ok, true);
  // A deprecation notice on a valid file keeps exit code 0.
  assert.equal(parseSshdTest('/etc/ssh/sshd_config line 9: Deprecated option UsePrivilegeSeparation\n', 0).value.ok, true);
  assert.equal(parseSshdTest('Missing privilege separation directory: /run/sshd\n', undefined).value.ok, false);
});

test('fuzz: sshd -T parser only throws ParseError', () => {
  const base = fixture('debian12-sshd-T.txt');
  let seed = 3;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 1000; i++) {
    const cut = Math.floor(rnd() * base.length);
    const s = base.slice(cut, cut + Math.floor(rnd() * 400)) + String.fromCharCode(Math.floor(rnd() * 128));
    try {
      parseSshdT(s);
      parseSshdTest(s, i % 2);
    } catch (e) {
      assert.ok(e instanceof ParseError, String(e));
    }
  }
});

test('parseSshdConnections: one dump per spec, line numbers of the whole output, failed specs without a dump', () => {
  const out = [
    '### user=alice',
    'port 22',
    'permitrootlogin without-password',
    '### exit 0',
    '### user=root,host=10.0.0.12,addr=10.0.0.12',
    'Invalid Match address argument',
    '### exit 255',
    '### user=root,host=10.0.0.13,addr=10.0.0.13',
    'port 22',
    'permitrootlogin no',
    '### exit 0',
    '',
  ].join('\n');
  const c = parseSshdConnections(out).value;
  assert.deepEqual(c.map((x) => [x.spec, x.exitCode, x.dump ? [...x.dump.keys()] : undefined]), [
    ['user=alice', 0, ['port', 'permitrootlogin']],
    ['user=root,host=10.0.0.12,addr=10.0.0.12', 255, undefined],
    ['user=root,host=10.0.0.13,addr=10.0.0.13', 0, ['port', 'permitrootlogin']],
  ]);
  assert.deepEqual(c[2].dump!.get('permitrootlogin'), { key: 'permitrootlogin', values: ['no'], lines: [10] });
  assert.deepEqual(parseSshdConnections('').value, []);
  assert.deepEqual(parseSshdConnections('### user=x\nport 22\n').value, [{ spec: 'user=x', exitCode: undefined }], 'a cut-off block has no dump');
});
