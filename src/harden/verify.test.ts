import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it, test } from 'node:test';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import { controlStatuses, offeredAuthMethods, SUDO_ALL_LINE, peerLoginScript, verifyAdminLogin, verifyControls, verifyPasswordRefused, verifyTcp, worstStatus } from './verify.js';
import { RemoteSession, ROOT_SCRIPT_COMMAND } from './remote.js';
import type { Finding } from '../core/types.js';
import { ed25519Pair } from '../collect/testing.js';

const { Server, utils } = ssh2;

const finding = (id: string, status: Finding['status']): Finding => ({ id, status, severity: 'high', title: id, message: '', evidence: [] });

test('control statuses: the worst verdict of each control; re-audit passes only when every control does', () => {
  const findings = [finding('SSH-02', 'PASS'), finding('KRN-01', 'PASS'), finding('KRN-01', 'FAIL'), finding('BF-01', 'SKIP')];
  assert.equal(worstStatus(findings.slice(1, 3)), 'FAIL');
  assert.equal(worstStatus([]), undefined);
  const s = controlStatuses(findings, ['SSH-02', 'KRN-01', 'BF-01', 'UPD-01']);
  assert.deepEqual([...s], [['SSH-02', 'PASS'], ['KRN-01', 'FAIL'], ['BF-01', 'SKIP'], ['UPD-01', undefined]]);
  const v = verifyControls(s);
  assert.equal(v.ok, false);
  assert.equal(v.detail, 'not fixed: KRN-01 FAIL, BF-01 SKIP, UPD-01 not evaluated');
  assert.deepEqual(verifyControls(new Map([['SSH-02', 'PASS'], ['ACC-01', 'INFO']])), { name: 're-audit', ok: true, detail: '2 targeted control(s) pass' });
});

test('peer login: batch mode, strict host keys, the address quoted', () => {
  assert.equal(peerLoginScript('10.0.0.2'), "exec ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=5 -o ServerAliveInterval=2 'root@10.0.0.2' true </dev/null\n");
  assert.match(peerLoginScript("x'; rm -rf /"), /'root@x'\\''; rm -rf \/'/);
});

test('tcp: an accepting port answers, a closed one does not', async () => {
  const server = net.createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  assert.equal((await verifyTcp('127.0.0.1', port, 2000)).ok, true);
  server.close();
  await new Promise((resolve) => server.once('close', resolve));
  const closed = await verifyTcp('127.0.0.1', port, 2000);
  assert.equal(closed.ok, false);
  assert.match(closed.detail, /ECONNREFUSED/);
});

describe('verification over new SSH connections (in-process server)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pvesec-verify-'));
  const hostKey = ed25519Pair();
  const adminKey = ed25519Pair();
  const otherKey = ed25519Pair();
  const adminIdentity = path.join(dir, 'admin');
  const otherIdentity = path.join(dir, 'other');
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(adminIdentity, adminKey.private, { mode: 0o600 });
  writeFileSync(otherIdentity, otherKey.private, { mode: 0o600 });
  const allowed = utils.parseKey(adminKey.public) as ssh2.ParsedKey;
  /** What the server offers after 'none', per user. */
  let offers: Record<string, string[]> = {};
  /** Users for whom `sudo -n true` succeeds. */
  let sudoers = new Set<string>();
  const attempts: string[] = [];
  let port = 0;

  const onExec = (user: string, command: string, ch: ServerChannel): void => {
    if (command === 'sudo -n true') {
      if (!sudoers.has(user)) ch.stderr.write('sudo: a password is required\n');
      ch.exit(sudoers.has(user) ? 0 : 1);
      ch.end();
      return;
    }
    // anything else: the real command on this machine (the session's root shell)
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    ch.pipe(child.stdin);
    child.stdout.pipe(ch, { end: false });
    child.stderr.on('data', (d: Buffer) => ch.stderr.write(d));
    child.on('close', (code) => {
      ch.exit(code ?? 1);
      ch.end();
    });
  };

  const server = new Server({ hostKeys: [hostKey.private] }, (conn: Connection) => {
    let user = '';
    conn.on('authentication', (ctx) => {
      user = ctx.username;
      attempts.push(`${ctx.username}:${ctx.method}`);
      if (ctx.method === 'none') return ctx.reject((offers[ctx.username] ?? ['publickey']) as ssh2.AuthenticationType[]);
      if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) return ctx.reject();
      if (!ctx.signature) return ctx.accept();
      return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => {
        accept().on('exec', (acc, _rej, info) => onExec(user, info.command, acc()));
      });
    });
    conn.on('error', () => undefined);
  });

  const node = () => ({ host: '127.0.0.1', port, user: 'root', input: `ssh://root@127.0.0.1:${port}` });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    const pub = utils.parseKey(hostKey.public) as ssh2.ParsedKey;
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ssh-ed25519 ${pub.getPublicSSH().toString('base64')}\n`);
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('(b) reads the offered methods after "none" and never tries a password', async () => {
    offers = { alice: ['publickey'], root: ['publickey', 'password', 'keyboard-interactive'] };
    attempts.length = 0;
    assert.deepEqual(await offeredAuthMethods(node(), 'root', { knownHostsFile: knownHosts }), ['publickey', 'password', 'keyboard-interactive']);
    assert.deepEqual(attempts, ['root:none']);
    const refused = await verifyPasswordRefused(node(), ['alice'], { knownHostsFile: knownHosts });
    assert.deepEqual(refused, { name: 'passwords refused', ok: true, detail: 'only key authentication offered (alice)' });
    const open = await verifyPasswordRefused(node(), ['alice', 'root'], { knownHostsFile: knownHosts });
    assert.equal(open.ok, false);
    assert.equal(open.detail, 'sshd still offers root: password, keyboard-interactive');
    assert.ok(attempts.every((a) => a.endsWith(':none')), attempts.join(' '));
  });

  it('(b) an unknown host key is a failure, not a pass', async () => {
    const empty = path.join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const r = await verifyPasswordRefused(node(), ['root'], { knownHostsFile: empty });
    assert.equal(r.ok, false);
    assert.match(r.detail, /unknown host key/);
  });

  it('(a) the admin identity logs in and sudo -n works; a wrong key or no sudo fails', async () => {
    sudoers = new Set(['alice']);
    const ok = await verifyAdminLogin(node(), 'alice', { identity: adminIdentity, knownHostsFile: knownHosts });
    assert.deepEqual(ok, { name: 'admin alice', ok: true, detail: 'alice logs in with a key and has sudo' });
    const wrongKey = await verifyAdminLogin(node(), 'alice', { identity: otherIdentity, knownHostsFile: knownHosts });
    assert.equal(wrongKey.ok, false);
    assert.match(wrongKey.detail, /^cannot log in as alice: .*authentication failed for user alice/);
    const noSudo = await verifyAdminLogin(node(), 'bob', { identity: adminIdentity, knownHostsFile: knownHosts });
    assert.equal(noSudo.ok, false);
    assert.match(noSudo.detail, /^bob logs in but `sudo -n true` fails \(exit 1\): sudo: a password is required; (sudo -l -U bob grants no ALL rule|cannot ask sudo)/);
  });

  it('(a) sudo rights asked as root: the ALL rules sudo -l -U lists, and no others', () => {
    // as sudo 1.9 (Debian 12/13) lists them
    const listing = (rule: string) => `Matching Defaults entries for alice on pve1:\n    env_reset, mail_badpass, use_pty\n\nUser alice may run the following commands on pve1:\n    ${rule}\n`;
    for (const rule of ['(ALL : ALL) ALL', '(ALL) ALL', '(ALL : ALL) NOPASSWD: ALL', '(ALL) NOPASSWD: ALL']) assert.ok(SUDO_ALL_LINE.test(listing(rule)), rule);
    for (const rule of ['(ALL : ALL) /usr/bin/apt', '(root) ALL', '(ALL) NOPASSWD: /usr/sbin/reboot', '(ALL : ALL) ALL, !/bin/su']) assert.ok(!SUDO_ALL_LINE.test(listing(rule)), rule);
    assert.ok(!SUDO_ALL_LINE.test('User alice is not allowed to run sudo on pve1.\n'));
  });

  it('the change session runs scripts through the root shell command', async () => {
    const session = await RemoteSession.open(node(), { identity: adminIdentity, knownHostsFile: knownHosts });
    try {
      const r = await session.runScript('echo "uid=$(id -u)"; echo oops >&2; exit 7\n');
      // this test runs as root (or as a user without sudo: then sudo -n refuses, exit 1)
      if (process.getuid?.() === 0) assert.deepEqual(r, { code: 7, signal: undefined, stdout: 'uid=0\n', stderr: 'oops\n' });
      else assert.notEqual(r.code, 0);
      assert.equal(session.alive, true);
    } finally {
      session.close();
    }
    assert.equal(session.alive, false);
    assert.match(ROOT_SCRIPT_COMMAND, /sudo -n sh -s/);
  });
});
