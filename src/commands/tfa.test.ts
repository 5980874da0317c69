// pvesec tfa list (on a collected node) and tfa add (against the pvesh stand-in's API applied to a
// temporary /etc/pve: the same code that answers pvesh on the e2e test hosts, every call checked
// against the PVE 9.1 API schema).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { memorySnapshot } from '../collect/memory.js';
import { parseTfaCfg } from '../parse/tfa-cfg.js';
import { totpCode } from '../identity/totp.js';
import { recordingIO } from './testing.js';
import { runTfaList } from './tfa.js';
import { pveshRecoveryArgs, pveshTotpArgs, PVESH_USERS_ARGS, runTfaAdd, type LineSource, type TfaNode } from './tfa-add.js';
import { PveApiStandIn, RootFiles } from '../../test/harness/pve-standin-api.js';
import { extractCommands, loadApiSchema, validateCommand } from '../../test/support/pve-cli-schema.js';
import { readFileSync } from 'node:fs';

const NOW = new Date('2026-12-07T05:00:10Z');
const ALICE_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

const USER_CFG = `user:root@pam:1:0::::::
user:alice@pve:1:0::::::
user:bob@pve:1:0::::::
user:carol@pve:0:0::::::
user:dave@pve:1:0::::::

group:admins:alice@pve,bob@pve::

acl:1:/:@admins:Administrator:
acl:1:/vms:dave@pve:PVEVMUser:
`;
const TFA_CFG = JSON.stringify({ users: {
  'alice@pve': { totp: [{ id: 'totp-1', description: 'phone', created: 1700000000, entry: `otpauth://totp/x?secret=${ALICE_SECRET}` }], webauthn: [{ id: 'w1', created: 1700000000, entry: { credential: 'SECRETCREDENTIAL' } }] },
  'bob@pve': { totp: [{ id: 'totp-2', created: 1700000000, entry: 'otpauth://totp/x?secret=MZXW6YTBOI======' }], 'totp-locked': true, recovery: { secret: 'abcdef', entries: ['h1', null, 'h3'], created: 1700000000 } },
  'root@pam': { recovery: { secret: 'aa', entries: [null, null], created: 1700000000 } },
} });
const DOMAINS_CFG = 'pam: pam\n\tcomment Linux PAM\n\npve: pve\n\tcomment Proxmox VE authentication server\n\ttfa type=oath\n';

function listSnapshot(datacenter = '') {
  return memorySnapshot({
    target: 'ssh://root@pve1',
    files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': USER_CFG, '/etc/pve/priv/tfa.cfg': TFA_CFG, '/etc/pve/domains.cfg': DOMAINS_CFG, '/etc/pve/datacenter.cfg': datacenter },
    dirs: { '/etc/pve': {}, '/etc/pve/priv': {} },
  });
}

test('tfa list: factors by type, realm lockouts, admins without WebAuthn; no secret in text or JSON', async () => {
  const collect = async (targets: string[]) => targets.map((target) => ({ target, snapshot: listSnapshot() }));
  const io = recordingIO();
  assert.equal(await runTfaList('ssh://root@pve1', {}, io, { collect, now: NOW }), 0, io.stderr.join('\n'));
  const out = io.stdout;
  assert.match(out, /^alice@pve +totp 1, webauthn 1 +realm enforces oath; admin: .*Permissions\.Modify.* on \/$/m);
  assert.match(out, /^bob@pve +totp 1, recovery 2\/3 unused +TOTP locked \(8 failures\); realm enforces oath; admin:/m);
  assert.match(out, /^carol@pve +none +disabled or expired; realm enforces oath$/m);
  assert.match(out, /^dave@pve +none +NO USABLE FACTOR; realm enforces oath$/m);
  assert.match(out, /^root@pam +recovery 0\/2 unused +NO USABLE FACTOR; admin:/m); // used-up recovery keys do not count
  assert.match(out, /^ {2}pve \(pve\) enforces TFA \(oath\); locked out now: dave@pve$/m);
  assert.match(out, /^ {2}pam \(pam\) does not enforce TFA; enforcing it would lock out: root@pam$/m);
  assert.match(out, /^Administrators without WebAuthn: bob@pve, root@pam$/m);
  assert.match(out, /^ {2}first, Datacenter > Options > WebAuthn Settings/m);
  for (const secret of [ALICE_SECRET, 'MZXW6YTBOI', 'SECRETCREDENTIAL', 'abcdef']) assert.ok(!out.includes(secret), secret);

  const json = recordingIO();
  assert.equal(await runTfaList('ssh://root@pve1', { format: 'json' }, json, { collect, now: NOW }), 0);
  const l = JSON.parse(json.stdout);
  assert.deepEqual(l.realms.map((r: { realm: string; lockedOut: string[] }) => [r.realm, r.lockedOut]), [['pam', ['root@pam']], ['pve', ['dave@pve']]]);
  assert.deepEqual(l.users.find((u: { user: string }) => u.user === 'bob@pve').factors, { totp: 1, webauthn: 0, yubico: 0, u2f: 0, disabled: 0, recovery: { unused: 2, total: 3 } });
  assert.deepEqual(l.adminsWithoutWebauthn.map((a: { user: string }) => a.user), ['bob@pve', 'root@pam']);
  for (const secret of [ALICE_SECRET, 'SECRETCREDENTIAL']) assert.ok(!json.stdout.includes(secret));
});

test('tfa list: with WebAuthn configured the advice skips the settings step; an unreadable priv dir is an error, not an empty list', async () => {
  const collect = async (targets: string[]) => targets.map((target) => ({ target, snapshot: listSnapshot('webauthn: rp=pve.example.com,origin=https://pve.example.com:8006,id=pve.example.com\n') }));
  const io = recordingIO();
  assert.equal(await runTfaList('ssh://root@pve1', {}, io, { collect, now: NOW }), 0);
  assert.match(io.stdout, /^ {2}then each of them logs in to the web UI/m);
  assert.doesNotMatch(io.stdout, /WebAuthn Settings/);
  const noPriv = async (targets: string[]) => targets.map((target) => ({ target, snapshot: memorySnapshot({
    files: { '/etc/hostname': 'pve1\n', '/etc/pve/user.cfg': USER_CFG }, dirs: { '/etc/pve': {} }, errors: { '/etc/pve/priv': 'Permission denied' } }) }));
  const err = recordingIO();
  assert.equal(await runTfaList('ssh://root@pve1', {}, err, { collect: noPriv, now: NOW }), 2);
  assert.match(err.stderr.join('\n'), /cannot list second factors: .*priv/);
  assert.equal(err.stdout, '');
});

// ---- tfa add against the stand-in API ---------------------------------------------------------

/** A temporary node root holding user.cfg, removed after the test. */
function nodeDir(t: TestContext): { files: RootFiles } {
  const dir = mkdtempSync(join(tmpdir(), 'pvesec-tfa-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'etc/pve/priv'), { recursive: true });
  writeFileSync(join(dir, 'etc/pve/user.cfg'), USER_CFG);
  return { files: new RootFiles(dir) };
}

function standinNode(files: RootFiles, nodeNow = NOW): { node: () => Promise<TfaNode>; api: PveApiStandIn } {
  const api = new PveApiStandIn(files, { now: () => nodeNow });
  return { api, node: async () => ({ label: 'pve1', pvesh: async (args) => { const r = api.run('pvesh', args); return { code: r.rc, stdout: r.stdout, stderr: r.stderr }; }, close: () => {} }) };
}

function linesOf(...values: string[]): LineSource & { asked: number } {
  const src = { isTTY: false, asked: 0, next: async () => (src.asked++, values.shift()), close: () => {} };
  return src;
}

test('every pvesh command line tfa add runs is valid for the PVE 9.1 API', () => {
  const schema = loadApiSchema();
  const uri = `otpauth://totp/Proxmox%20VE:alice%40pve?issuer=Proxmox%20VE&secret=${ALICE_SECRET}&algorithm=SHA1&digits=6&period=30`;
  for (const args of [pveshTotpArgs('alice@pve', uri, '123456', 'phone'), pveshTotpArgs('root@pam', uri, '123456', undefined), pveshRecoveryArgs('alice@pve', 'safe'), PVESH_USERS_ARGS]) {
    const v = validateCommand({ program: 'pvesh', args: args.map((a) => ({ value: a, raw: a })), text: args.join(' '), variants: [] }, schema);
    assert.deepEqual(v.errors, [], args.join(' '));
  }
});

test('the pvesh/pveum commands docs/identity.md and the README show are valid for the PVE 9.1 API', () => {
  const schema = loadApiSchema();
  const docs = readFileSync(new URL('../../docs/identity.md', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Second factors and access'), readme.indexOf('## Command line'));
  // commands as written in code: `spans` (they may wrap a line) and ``` blocks
  const code = [...(docs + '\n' + section).matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`]+)`/g)].map((m) => (m[1] ?? m[2].replace(/\s*\n\s*/g, ' ')));
  const commands = code.flatMap((c) => extractCommands(c)).filter((c) => (c.program === 'pvesh' || c.program === 'pveum') && c.args.length > 0); // a bare name is a mention
  assert.ok(commands.length >= 4, `found ${commands.length}`);
  for (const c of commands) assert.deepEqual(validateCommand(c, schema).errors, [], c.text);
});

test('tfa add totp with a secret from stdin: the right code adds it through pvesh; pvesec tfa list would show it', async (t) => {
  const { files } = nodeDir(t);
  const { api, node } = standinNode(files);
  const io = recordingIO();
  const code = totpCode(ALICE_SECRET, new Date(NOW.getTime() - 30_000)); // one step late still counts
  const rc = await runTfaAdd('dave@pve', { target: 'ssh://root@pve1', secretFromStdin: true, description: 'phone' }, io, { node, lines: linesOf(`${ALICE_SECRET.toLowerCase()}\n`, code), now: () => NOW });
  assert.equal(rc, 0, io.stderr.join('\n'));
  assert.match(io.stdout, /^Added TOTP factor totp-[0-9a-f-]+ for dave@pve on pve1\./m);
  assert.ok(!io.stdout.includes(ALICE_SECRET), 'a secret the operator brought is not printed');
  assert.equal(parseTfaCfg(files.read('/etc/pve/priv/tfa.cfg')!).value.get('dave@pve')?.totp.length, 1);
  assert.deepEqual(api.calls.map((c) => [c.call, c.rc]), [['GET /access/users', 0], ['POST /access/tfa/{userid}', 0]]);
});

test('tfa add totp: a new secret is shown as QR and URI; a wrong code is refused before pvesh is called', async (t) => {
  const { files } = nodeDir(t);
  const { api, node } = standinNode(files);
  const io = recordingIO();
  const wrong = String((Number(totpCode(ALICE_SECRET, NOW)) + 1) % 1_000_000).padStart(6, '0');
  const rc = await runTfaAdd('alice@pve', { target: 'ssh://root@pve1' }, io, { node, lines: linesOf(wrong), now: () => NOW, newSecret: () => ALICE_SECRET });
  assert.equal(rc, 2);
  assert.match(io.stdout, new RegExp(`^otpauth://totp/Proxmox%20VE:alice%40pve\\?.*secret=${ALICE_SECRET}`, 'm'));
  assert.match(io.stdout, /[▀▄█]/, 'a terminal QR code');
  assert.match(io.stdout, new RegExp(`^key \\(base32, SHA1, 6 digits, 30 s\\): ${ALICE_SECRET.match(/.{4}/g)!.join(' ')}$`, 'm'));
  assert.match(io.stderr.join('\n'), /the code does not match the secret .*nothing was written/);
  await assert.rejects(runTfaAdd('alice@pve', { target: 'local' }, recordingIO(), { lines: linesOf() }), /needs an SSH target/);
  assert.deepEqual(api.calls.map((c) => c.call), ['GET /access/users']);
  assert.equal(files.read('/etc/pve/priv/tfa.cfg'), undefined);
});

test('tfa add on a host without pvesh: not a Proxmox VE node', async () => {
  const io = recordingIO();
  const node = async (): Promise<TfaNode> => ({ label: 'deb1', pvesh: async () => ({ code: 127, stdout: '', stderr: 'sh: 1: exec: pvesh: not found\n' }), close: () => {} });
  assert.equal(await runTfaAdd('alice@pve', { target: 'ssh://root@deb1' }, io, { node, lines: linesOf('123456') }), 2);
  assert.match(io.stderr.join('\n'), /deb1: no pvesh here: not a Proxmox VE node/);
});

test("tfa add totp: the node's own refusal (its clock is off) is reported without the secret", async (t) => {
  const { files } = nodeDir(t);
  const { node } = standinNode(files, new Date(NOW.getTime() + 600_000));
  const io = recordingIO();
  const rc = await runTfaAdd('alice@pve', { target: 'ssh://root@pve1', secretFromStdin: true }, io, { node, lines: linesOf(ALICE_SECRET, totpCode(ALICE_SECRET, NOW)), now: () => NOW });
  assert.equal(rc, 2);
  const err = io.stderr.join('\n');
  assert.match(err, /pvesh create \/access\/tfa\/alice@pve --type totp failed: failed to verify TOTP challenge/);
  assert.ok(!err.includes(ALICE_SECRET));
  assert.equal(files.read('/etc/pve/priv/tfa.cfg'), undefined);
});

test('tfa add recovery: the keys Proxmox made are printed once with a warning and match what it stored', async (t) => {
  const { files } = nodeDir(t);
  const { node } = standinNode(files);
  const io = recordingIO();
  assert.equal(await runTfaAdd('root@pam', { target: 'ssh://root@pve1', type: 'recovery' }, io, { node, lines: linesOf(), now: () => NOW }), 0, io.stderr.join('\n'));
  assert.match(io.stdout, /SHOWN ONCE/);
  const keys = [...io.stdout.matchAll(/^ {2}([0-9a-f]{4}(?:-[0-9a-f]{4}){3})$/gm)].map((m) => m[1]);
  assert.equal(keys.length, 10);
  const stored = JSON.parse(files.read('/etc/pve/priv/tfa.cfg')!).users['root@pam'].recovery;
  assert.deepEqual(stored.entries, keys.map((k) => createHmac('sha256', Buffer.from(stored.secret, 'hex')).update(k).digest('hex')));
  const again = recordingIO();
  assert.equal(await runTfaAdd('root@pam', { target: 'ssh://root@pve1', type: 'recovery' }, again, { node, lines: linesOf(), now: () => NOW }), 2);
  assert.match(again.stderr.join('\n'), /already has recovery keys/);
});

test('tfa add: unknown user, bad user id, bad type and a short secret are refused before anything is written', async (t) => {
  const { files } = nodeDir(t);
  const { api, node } = standinNode(files);
  const io = recordingIO();
  assert.equal(await runTfaAdd('zed@pve', { target: 'ssh://root@pve1' }, io, { node, lines: linesOf('000000'), now: () => NOW }), 2);
  assert.match(io.stderr.join('\n'), /user zed@pve does not exist/);
  await assert.rejects(runTfaAdd('alice', { target: 'ssh://root@pve1' }, recordingIO(), { node, lines: linesOf() }), /not a Proxmox user id/);
  await assert.rejects(runTfaAdd('alice@pve', { target: 'ssh://root@pve1', type: 'webauthn' }, recordingIO(), { node, lines: linesOf() }), /WebAuthn needs a browser/);
  await assert.rejects(runTfaAdd('alice@pve', { target: 'ssh://root@pve1', secretFromStdin: true }, recordingIO(), { node, lines: linesOf('GEZDGNBV') }), /at least 80/);
  await assert.rejects(runTfaAdd('alice@pve', { target: 'local' }, recordingIO(), { lines: linesOf() }), /needs an SSH target/);
  assert.deepEqual(api.calls.map((c) => c.call), ['GET /access/users']);
  assert.equal(files.read('/etc/pve/priv/tfa.cfg'), undefined);
});
