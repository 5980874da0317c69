import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import { CollectError, collectSsh, describeSshError, hostKeyAlgorithmOrder, REMOTE_COMMAND } from './ssh.js';
import { ed25519Pair } from './testing.js';

const { Server, utils } = ssh2;

test('host key algorithms: the types known for the host first', () => {
  assert.deepEqual(hostKeyAlgorithmOrder(['ssh-rsa']).slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  assert.equal(hostKeyAlgorithmOrder(['ecdsa-sha2-nistp256'])[0], 'ecdsa-sha2-nistp256');
  assert.equal(hostKeyAlgorithmOrder([])[0], 'ssh-ed25519');
  assert.equal(new Set(hostKeyAlgorithmOrder(['ssh-ed25519', 'ssh-rsa'])).size, 7);
});

test('socket and protocol errors become one line naming the host', () => {
  const d = (err: object, phase: 'connect' | 'collect' = 'connect') => describeSshError('pve1', err, phase, 'root', ['identity file /k']);
  assert.equal(d({ code: 'ECONNREFUSED' }), 'pve1: connection refused (is sshd running and the port open?)');
  assert.equal(d({ code: 'EHOSTUNREACH' }), 'pve1: host unreachable');
  assert.equal(d({ code: 'ENOTFOUND' }), 'pve1: cannot resolve host name');
  assert.equal(d({ level: 'client-authentication', message: 'All configured authentication methods failed' }), 'pve1: authentication failed for user root (tried identity file /k)');
  assert.equal(d({ code: 'ECONNRESET' }, 'collect'), 'pve1: connection dropped during collection (reset by peer)');
  assert.equal(d({ message: 'weird\nsecond line' }), 'pve1: SSH error: weird');
});

describe('collectSsh against an in-process SSH server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pvesec-ssh-'));
  const hostKey = ed25519Pair();
  const clientKey = ed25519Pair();
  const otherKey = ed25519Pair();
  const identity = path.join(dir, 'id_ed25519');
  const wrongIdentity = path.join(dir, 'other_ed25519');
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(identity, clientKey.private, { mode: 0o600 });
  writeFileSync(wrongIdentity, otherKey.private, { mode: 0o600 });
  const allowed = utils.parseKey(clientKey.public) as ssh2.ParsedKey;
  let behaviour: 'real' | 'fail' | 'hostile' | 'drop' | 'garbage' = 'real';
  let commands: string[] = [];
  let port = 0;

  const onExec = (command: string, ch: ServerChannel, conn: Connection): void => {
    commands.push(command);
    if (behaviour === 'fail' || behaviour === 'hostile') {
      ch.stderr.write(behaviour === 'fail' ? 'sh: 1: tar: not found\n' : 'tar: x\x1b[2J\u202eevil\n');
      ch.exit(127);
      ch.end();
    } else if (behaviour === 'garbage') {
      ch.write('Welcome to the node! This is not a tar stream.\n'.repeat(30));
      ch.exit(0);
      ch.end();
    } else if (behaviour === 'drop') {
      ch.write(Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
      setTimeout(() => conn.end(), 50);
    } else {
      // the real remote command, run on this machine: wrapper, sh -s, the script on stdin
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
      ch.pipe(child.stdin);
      child.stdout.pipe(ch, { end: false });
      child.stderr.on('data', (d: Buffer) => ch.stderr.write(d));
      child.on('close', (code) => {
        ch.exit(code ?? 1);
        ch.end();
      });
    }
  };

  const server = new Server({ hostKeys: [hostKey.private] }, (conn) => {
    conn.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) return ctx.reject();
      if (!ctx.signature) return ctx.accept();
      return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => {
        accept().on('exec', (acc, _rej, info) => onExec(info.command, acc(), conn));
      });
    });
    conn.on('error', () => undefined);
  });

  const hostLine = (): string => {
    const pub = utils.parseKey(hostKey.public) as ssh2.ParsedKey;
    return `[127.0.0.1]:${port} ssh-ed25519 ${pub.getPublicSSH().toString('base64')}\n`;
  };
  const target = () => ({ host: '127.0.0.1', port, user: os.userInfo().username, input: `ssh://127.0.0.1:${port}` });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    writeFileSync(knownHosts, hostLine());
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one exec of the wrapper with the script on stdin yields a snapshot', async () => {
    behaviour = 'real';
    commands = [];
    const s = await collectSsh(target(), { identity, knownHostsFile: knownHosts, timeoutMs: 60_000 });
    assert.deepEqual(commands, [REMOTE_COMMAND]);
    assert.equal(s.origin.kind, 'ssh');
    assert.equal(s.origin.target, `ssh://127.0.0.1:${port}`);
    assert.ok(['root', 'sudo', 'user'].includes(s.meta.privilege));
    assert.equal(s.command('uname -r')?.output.trim(), os.release());
    assert.deepEqual(s.file('/etc/passwd')?.content, readFileSync('/etc/passwd'));
  });

  it('failures: remote script, garbage stream, dropped connection', async () => {
    const opts = { identity, knownHostsFile: knownHosts, timeoutMs: 10_000 };
    behaviour = 'fail';
    await assert.rejects(collectSsh(target(), opts), { message: `ssh://127.0.0.1:${port}: remote collection script failed (exit 127): sh: 1: tar: not found` });
    behaviour = 'hostile'; // the node's stderr may carry terminal escapes and bidi overrides
    await assert.rejects(collectSsh(target(), opts), { message: `ssh://127.0.0.1:${port}: remote collection script failed (exit 127): tar: x\\x1b[2J\\u{202e}evil` });
    behaviour = 'garbage';
    await assert.rejects(collectSsh(target(), opts), (e: unknown) => e instanceof CollectError && /unusable collection stream \(not a tar/.test(e.message));
    behaviour = 'drop';
    await assert.rejects(collectSsh(target(), opts), (e: unknown) => e instanceof CollectError && e.message.startsWith(`ssh://127.0.0.1:${port}: connection dropped during collection`));
  });

  it('wrong key, host key mismatch, unknown host and --accept-new', async () => {
    behaviour = 'real';
    await assert.rejects(collectSsh(target(), { identity: wrongIdentity, knownHostsFile: knownHosts }), {
      message: `ssh://127.0.0.1:${port}: authentication failed for user ${os.userInfo().username} (tried identity file ${wrongIdentity})`,
    });
    const stale = path.join(dir, 'stale_known_hosts');
    const otherPub = (utils.parseKey(otherKey.public) as ssh2.ParsedKey).getPublicSSH().toString('base64');
    writeFileSync(stale, `[127.0.0.1]:${port} ssh-ed25519 ${otherPub}\n`);
    await assert.rejects(collectSsh(target(), { identity, knownHostsFile: stale }), (e: unknown) => e instanceof CollectError && /HOST KEY MISMATCH/.test(e.message) && e.message.includes(`${stale}:1`));
    const fresh = path.join(dir, 'fresh', 'known_hosts');
    await assert.rejects(collectSsh(target(), { identity, knownHostsFile: fresh }), /unknown host key ssh-ed25519 SHA256:/);
    await collectSsh(target(), { identity, knownHostsFile: fresh, acceptNew: true, timeoutMs: 60_000 });
    assert.equal(readFileSync(fresh, 'utf8'), hostLine());
  });

  it('without --identity: ssh-agent, else ~/.ssh/id_*, else a clear error', async () => {
    const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
    const home = path.join(dir, 'home');
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    const opts = { knownHostsFile: knownHosts, timeoutMs: 60_000 };
    try {
      process.env.HOME = home;
      delete process.env.SSH_AUTH_SOCK;
      await assert.rejects(collectSsh(target(), opts), /no SSH key to authenticate with/);
      writeFileSync(path.join(home, '.ssh', 'id_ecdsa'), otherKey.private, { mode: 0o600 }); // tried, refused
      writeFileSync(path.join(home, '.ssh', 'id_rsa'), clientKey.private, { mode: 0o600 });
      assert.equal((await collectSsh(target(), opts)).origin.kind, 'ssh');
      rmSync(path.join(home, '.ssh', 'id_rsa'));
      await assert.rejects(collectSsh(target(), opts), /tried ~\/\.ssh\/id_ecdsa\)/);

      if (spawnSync('sh', ['-c', 'command -v ssh-agent && command -v ssh-add']).status !== 0) return;
      const sock = path.join(dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 50 && spawnSync('test', ['-S', sock]).status !== 0; i++) await new Promise((r) => setTimeout(r, 50));
        execFileSync('ssh-add', ['-q', identity], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
        process.env.SSH_AUTH_SOCK = sock;
        assert.equal((await collectSsh(target(), opts)).origin.kind, 'ssh');
      } finally {
        agent.kill();
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('a stale SSH_AUTH_SOCK (missing, or nobody listening) falls back to ~/.ssh keys with one note', async () => {
    const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
    const home = path.join(dir, 'home-stale');
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    writeFileSync(path.join(home, '.ssh', 'id_ed25519'), clientKey.private, { mode: 0o600 });
    // a socket file left behind by a dead agent: bound, never listened on, refuses connections
    const dead = path.join(dir, 'dead-agent.sock');
    const bound = spawnSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', dead]);
    const socks = [path.join(dir, 'no-such-agent.sock'), ...(bound.status === 0 ? [dead] : [])];
    try {
      process.env.HOME = home;
      for (const sock of socks) {
        process.env.SSH_AUTH_SOCK = sock;
        const notes: string[] = [];
        const snap = await collectSsh(target(), { knownHostsFile: knownHosts, timeoutMs: 60_000, note: (l) => notes.push(l) });
        assert.equal(snap.origin.kind, 'ssh');
        assert.equal(notes.length, 1, sock);
        assert.match(notes[0], new RegExp(`^SSH_AUTH_SOCK ${sock}: (no such socket|connection refused \\(stale agent socket\\)); using the key files in ~/\\.ssh instead$`));
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('unusable identity files are reported before connecting', async () => {
    await assert.rejects(collectSsh(target(), { identity: path.join(dir, 'nope'), knownHostsFile: knownHosts }), {
      message: `ssh://127.0.0.1:${port}: cannot read identity file ${path.join(dir, 'nope')}: no such file or directory`,
    });
    const notKey = path.join(dir, 'notkey');
    writeFileSync(notKey, 'hello\n');
    await assert.rejects(collectSsh(target(), { identity: notKey, knownHostsFile: knownHosts }), /is not a usable private key/);
    const encrypted = path.join(dir, 'encrypted');
    writeFileSync(encrypted, utils.generateKeyPairSync('ed25519', { passphrase: 'pw', cipher: 'aes256-ctr', rounds: 1 }).private);
    await assert.rejects(collectSsh(target(), { identity: encrypted, knownHostsFile: knownHosts }), /passphrase-protected; load it into ssh-agent/);
  });
});
