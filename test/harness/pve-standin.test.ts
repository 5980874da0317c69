// The pvesh/pveum stand-in (pve-standin.ts) without a test host: its user.cfg writer against Proxmox's
// own writer output, and each supported call applied to a temporary /etc/pve that pvesec's parsers
// read back. The TOTP codes come from oathtool when present (else from the stand-in's own RFC 6238).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseTfaCfg } from '../../src/parse/tfa-cfg.js';
import { parseUserCfg } from '../../src/parse/user-cfg.js';
import { parseDomainsCfg } from '../../src/parse/domains-cfg.js';
import { parseDatacenterCfg } from '../../src/parse/datacenter-cfg.js';
import { hotp, parseTotpUriStrict, PveApiStandIn, RootFiles } from './pve-standin-api.js';
import { readUserDb, writeUserDb } from './pve-standin-usercfg.js';

const CASES = new URL('../fixtures/pve-access-control/parser-writer-cases.jsonl', import.meta.url);

test("user.cfg written back exactly as Proxmox's write_user_config does (its 33 parser/writer cases)", () => {
  const cases = readFileSync(CASES, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; raw: string; parsed_written: string });
  assert.equal(cases.length, 33);
  for (const c of cases) assert.equal(writeUserDb(readUserDb(c.raw)), c.parsed_written, c.name);
});

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const URI = `otpauth://totp/Proxmox%20VE:alice%40pve?issuer=Proxmox%20VE&secret=${SECRET}&algorithm=SHA1&digits=6&period=30`;
const NOW = new Date('2026-12-07T05:00:10Z');
const hasOathtool = spawnSync('oathtool', ['--version']).status === 0;
function codeAt(at: Date): string {
  if (hasOathtool) return spawnSync('oathtool', ['--totp', '-b', SECRET, '-N', `@${Math.floor(at.getTime() / 1000)}`], { encoding: 'utf8' }).stdout.trim();
  return hotp(parseTotpUriStrict(URI), Math.floor(at.getTime() / 30000));
}

const USER_CFG = `user:root@pam:1:0::::::
user:alice@pve:1:0:Alice:Smith:alice@example.com:ops%20lead::
user:bob@pve:1:0::::::
token:bob@pve!ci:0:1::

group:ops:alice@pve::

role:Audit2:Sys.Audit,VM.Audit:

acl:1:/:@ops:PVEAuditor:
`;

function setup(): { dir: string; api: PveApiStandIn; read: (p: string) => string | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'pvesec-standin-'));
  mkdirSync(join(dir, 'etc/pve/priv'), { recursive: true });
  writeFileSync(join(dir, 'etc/pve/user.cfg'), USER_CFG);
  const files = new RootFiles(dir);
  return { dir, api: new PveApiStandIn(files, { now: () => NOW }), read: (p) => files.read(p) };
}

test('TOTP: the right code (±1 step) adds the entry in tfa.cfg; a wrong code or an unknown URI parameter writes nothing', (t) => {
  const { dir, api, read } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrong = api.run('pvesh', ['create', '/access/tfa/alice@pve', '--type', 'totp', '--totp', URI, '--value', codeAt(new Date(NOW.getTime() - 90_000))]);
  assert.equal(wrong.rc, 255);
  assert.match(wrong.stderr, /failed to verify TOTP challenge/);
  assert.equal(read('/etc/pve/priv/tfa.cfg'), undefined);
  const extra = api.run('pvesh', ['create', '/access/tfa/alice@pve', '--type', 'totp', '--totp', `${URI}&image=x`, '--value', codeAt(NOW)]);
  assert.match(extra.stderr, /unknown parameter 'image'/);
  const noUser = api.run('pvesh', ['create', '/access/tfa/carol@pve', '--type', 'totp', '--totp', URI, '--value', codeAt(NOW)]);
  assert.match(noUser.stderr, /user 'carol@pve' does not exist/);
  assert.equal(read('/etc/pve/priv/tfa.cfg'), undefined);

  const ok = api.run('pvesh', ['create', '/access/tfa/alice@pve', '--type', 'totp', '--totp', URI, '--value', codeAt(new Date(NOW.getTime() - 30_000)), '--description', 'phone', '--output-format', 'json']);
  assert.equal(ok.rc, 0, ok.stderr);
  assert.match(JSON.parse(ok.stdout).id, /^totp-[0-9a-f-]{36}$/);
  const tfa = parseTfaCfg(read('/etc/pve/priv/tfa.cfg')!).value;
  assert.equal(tfa.get('alice@pve')?.totp.length, 1);
  assert.equal(tfa.get('alice@pve')?.totp[0].enabled, true);
  assert.equal(statSync(join(dir, 'etc/pve/priv/tfa.cfg')).mode & 0o777, 0o600);
  const listed = JSON.parse(api.run('pvesh', ['get', '/access/tfa/alice@pve', '--output-format', 'json']).stdout);
  assert.deepEqual(listed.map((e: { type: string; description: string }) => [e.type, e.description]), [['totp', 'phone']]);
  // the call log never holds the URI or the code
  assert.ok(api.calls.every((c) => !c.args.some((a) => a.includes(SECRET))));
});

test('recovery keys: ten keys printed once, only their HMACs stored; a second set is refused', (t) => {
  const { dir, api, read } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = api.run('pvesh', ['create', '/access/tfa/root@pam', '--type', 'recovery', '--output-format', 'json']);
  assert.equal(r.rc, 0, r.stderr);
  const keys: string[] = JSON.parse(r.stdout).recovery;
  assert.equal(keys.length, 10);
  for (const k of keys) assert.match(k, /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);
  const text = read('/etc/pve/priv/tfa.cfg')!;
  for (const k of keys) assert.ok(!text.includes(k));
  assert.deepEqual(parseTfaCfg(text).value.get('root@pam')?.recovery?.unused, 10);
  assert.match(api.run('pvesh', ['create', '/access/tfa/root@pam', '--type', 'recovery']).stderr, /already has recovery keys/);
});

test('TFA entries deleted (API by id, pveum for all) and a locked user unlocked', (t) => {
  const { dir, api, read } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const add = () => JSON.parse(api.run('pvesh', ['create', '/access/tfa/alice@pve', '--type', 'totp', '--totp', URI, '--value', codeAt(NOW), '--output-format', 'json']).stdout).id as string;
  const [first] = [add(), add()];
  assert.equal(api.run('pvesh', ['create', '/access/tfa/alice@pve', '--type', 'recovery']).rc, 0);
  assert.equal(api.run('pvesh', ['delete', `/access/tfa/alice@pve/${first}`]).rc, 0);
  assert.equal(parseTfaCfg(read('/etc/pve/priv/tfa.cfg')!).value.get('alice@pve')?.totp.length, 1);
  assert.match(api.run('pvesh', ['delete', '/access/tfa/alice@pve/totp-nope']).stderr, /no such entry/);
  const listed = JSON.parse(api.run('pvesh', ['get', '/access/tfa/alice@pve', '--output-format', 'json']).stdout);
  assert.deepEqual(listed.map((e: { type: string }) => e.type), ['totp', 'recovery']);
  // pveum user tfa list takes no output options in the schema check: text only
  assert.match(api.run('pveum', ['user', 'tfa', 'list', 'alice@pve']).stdout, /^userid=alice@pve entries=\[.*"type":"recovery"/m);
  assert.equal(api.run('pveum', ['user', 'tfa', 'delete', 'alice@pve']).rc, 0);
  assert.equal(parseTfaCfg(read('/etc/pve/priv/tfa.cfg')!).value.get('alice@pve'), undefined);

  writeFileSync(join(dir, 'etc/pve/priv/tfa.cfg'), JSON.stringify({ users: { 'bob@pve': { totp: [{ id: 't', created: 1, entry: URI }], 'totp-locked': true, 'tfa-locked-until': 4102444800 } } }));
  assert.equal(api.run('pveum', ['user', 'tfa', 'unlock', 'bob@pve']).rc, 0);
  const bob = parseTfaCfg(read('/etc/pve/priv/tfa.cfg')!).value.get('bob@pve')!;
  assert.equal(bob.totpLocked, false);
  assert.equal(bob.tfaLockedUntil, undefined);
});

test('realm tfa set and removed through pvesh and pveum; pam and pve exist without domains.cfg', (t) => {
  const { dir, api, read } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(api.run('pveum', ['realm', 'modify', 'pve', '--tfa', 'type=oath']).rc, 0);
  const realms = parseDomainsCfg(read('/etc/pve/domains.cfg')!).value;
  assert.equal(realms.find((r) => r.name === 'pve')?.tfa?.type, 'oath');
  assert.equal(realms.find((r) => r.name === 'pam')?.tfa, undefined);
  assert.equal(JSON.parse(api.run('pvesh', ['get', '/access/domains/pve', '--output-format', 'json']).stdout).tfa, 'type=oath');
  assert.match(api.run('pveum', ['realm', 'modify', 'pve', '--tfa', 'type=sms']).stderr, /400 Parameter verification failed[\s\S]*type/);
  assert.equal(api.run('pvesh', ['set', '/access/domains/pve', '--delete', 'tfa']).rc, 0);
  assert.equal(parseDomainsCfg(read('/etc/pve/domains.cfg')!).value.find((r) => r.name === 'pve')?.tfa, undefined);
  const other = api.run('pvesh', ['set', '/access/domains/pve', '--mode', 'ldaps']);
  assert.equal(other.rc, 2);
  assert.match(other.stderr, /setting mode on a realm is not implemented/);
});

test('ACLs: modify and delete with Proxmox existence checks; user list; token create/delete with its ACL', (t) => {
  const { dir, api, read } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = () => parseUserCfg(read('/etc/pve/user.cfg')!).value;
  assert.equal(api.run('pveum', ['acl', 'modify', '/vms/100', '--roles', 'PVEVMUser', '--users', 'bob@pve']).rc, 0);
  assert.deepEqual(cfg().aclEntries.filter((e) => e.path === '/vms/100').map((e) => [e.kind, e.member, e.role, e.propagate]), [['user', 'bob@pve', 'PVEVMUser', true]]);
  assert.match(api.run('pveum', ['acl', 'modify', '/', '--roles', 'NoSuchRole', '--users', 'bob@pve']).stderr, /role 'NoSuchRole' does not exist/);
  assert.match(api.run('pveum', ['acl', 'modify', '/', '--roles', 'PVEAuditor', '--users', 'nobody@pve']).stderr, /user 'nobody@pve' does not exist/);
  assert.match(api.run('pveum', ['acl', 'modify', '/', '--roles', 'PVEAuditor']).stderr, /either 'users', 'groups' or 'tokens' is required/);
  assert.match(api.run('pveum', ['acl', 'modify', '/nonsense/x', '--roles', 'PVEAuditor', '--users', 'bob@pve']).stderr, /invalid ACL path/);
  assert.equal(api.run('pvesh', ['set', '/access/acl', '--path', '/vms/100', '--roles', 'PVEVMUser', '--users', 'bob@pve', '--delete', '1']).rc, 0);
  assert.equal(cfg().aclEntries.filter((e) => e.path === '/vms/100').length, 0);

  const created = api.run('pveum', ['user', 'token', 'add', 'alice@pve', 'auto', '--expire', '1893456000', '--comment', 'backup job', '--output-format', 'json']);
  assert.equal(created.rc, 0, created.stderr);
  const tok = JSON.parse(created.stdout);
  assert.equal(tok['full-tokenid'], 'alice@pve!auto');
  assert.equal(tok.info.privsep, 1);
  assert.match(read('/etc/pve/priv/token.cfg')!, new RegExp(`^alice@pve!auto ${tok.value}$`, 'm'));
  assert.deepEqual({ ...cfg().users.get('alice@pve')!.tokens.get('auto'), line: 0 }, { id: 'alice@pve!auto', user: 'alice@pve', name: 'auto', expire: 1893456000, privsep: true, comment: 'backup job', line: 0 });
  assert.match(api.run('pveum', ['user', 'token', 'add', 'alice@pve', 'auto']).stderr, /Token already exists/);
  assert.equal(api.run('pveum', ['acl', 'modify', '/storage', '--roles', 'PVEDatastoreUser', '--tokens', 'alice@pve!auto', '--propagate', '0']).rc, 0);
  assert.deepEqual(cfg().aclEntries.filter((e) => e.kind === 'token').map((e) => [e.path, e.member, e.propagate]), [['/storage', 'alice@pve!auto', false]]);
  assert.equal(api.run('pveum', ['user', 'token', 'delete', 'alice@pve', 'auto']).rc, 0);
  assert.equal(cfg().aclEntries.filter((e) => e.kind === 'token').length, 0);
  assert.doesNotMatch(read('/etc/pve/priv/token.cfg')!, /alice@pve!auto/);

  const users = JSON.parse(api.run('pveum', ['user', 'list', '--output-format', 'json']).stdout);
  assert.deepEqual(users.map((u: { userid: string }) => u.userid), ['alice@pve', 'bob@pve', 'root@pam']);
  assert.equal(users[0].comment, 'ops lead');
  assert.equal(users[0].groups, 'ops');
  // the original comment's %20 and Alice's names survive the rewrite
  assert.match(read('/etc/pve/user.cfg')!, /^user:alice@pve:1:0:Alice:Smith:alice@example\.com:ops lead::$/m);
});

test('invalid calls: 400 with the schema reason; valid calls the stand-in lacks: exit 2', (t) => {
  const { dir, api } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = api.run('pvesh', ['create', '/access/tfa/alice@pve', '--type', 'sms']);
  assert.equal(bad.rc, 255);
  assert.match(bad.stderr, /^400 Parameter verification failed\.\n--type: 'sms' is not one of/);
  assert.match(api.run('pvesh', ['create', '/access/tfa/alice@pve', '--type', 'totp', '--secret', 'x']).stderr, /unknown option --secret/);
  const missing = api.run('pveum', ['user', 'add', 'carol@pve']);
  assert.equal(missing.rc, 2);
  assert.match(missing.stderr, /POST \/access\/users is valid for Proxmox but not implemented by the stand-in/);
});

test('PUT /cluster/options: webauthn set and deleted in datacenter.cfg as PVE::DataCenterConfig writes it, read back by the datacenter.cfg parser', (t) => {
  const { dir, api, read } = setup();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'etc/pve/datacenter.cfg'), '#lab cluster\nkeyboard: en-us\nwebauthn: rp=old,origin=https://old.example.com:8006,id=old.example.com\n');
  const set = api.run('pvesh', ['set', '/cluster/options', '--webauthn', 'rp=Proxmox,origin=https://pve.example.com:8006,id=example.com']);
  assert.equal(set.rc, 0, set.stderr);
  const text = read('/etc/pve/datacenter.cfg')!;
  assert.equal(text, '#lab cluster\nkeyboard: en-us\nwebauthn: rp=Proxmox,origin=https://pve.example.com:8006,id=example.com\n');
  const dc = parseDatacenterCfg(text).value;
  assert.deepEqual({ ...dc.webauthn, line: undefined }, { rp: 'Proxmox', origin: 'https://pve.example.com:8006', id: 'example.com', line: undefined });
  assert.equal(dc.values.get('keyboard')?.value, 'en-us');
  const got = api.run('pvesh', ['get', '/cluster/options', '--output-format', 'json']);
  assert.equal(JSON.parse(got.stdout).webauthn, 'rp=Proxmox,origin=https://pve.example.com:8006,id=example.com');

  const del = api.run('pvesh', ['set', '/cluster/options', '--delete', 'webauthn']);
  assert.equal(del.rc, 0, del.stderr);
  assert.equal(read('/etc/pve/datacenter.cfg'), '#lab cluster\nkeyboard: en-us\n');
  assert.equal(parseDatacenterCfg(read('/etc/pve/datacenter.cfg')!).value.webauthn, undefined);

  // the schema: a key the webauthn format lacks is a parameter error (nothing written); other options are not implemented
  const bad = api.run('pvesh', ['set', '/cluster/options', '--webauthn', 'rp=x,origin=https://a.example:8006,id=a.example,color=red']);
  assert.equal(bad.rc, 255);
  assert.match(bad.stderr, /400 Parameter verification failed/);
  const other = api.run('pvesh', ['set', '/cluster/options', '--keyboard', 'de']);
  assert.equal(other.rc, 2);
  assert.match(other.stderr, /not implemented/);
  assert.equal(read('/etc/pve/datacenter.cfg'), '#lab cluster\nkeyboard: en-us\n');
});
