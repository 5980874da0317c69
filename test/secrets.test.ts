/**
 * Secret canaries: plants unique secrets in a copy of an example bundle (TOTP and recovery secrets,
 * a password hash, API token values, an LDAP bind password, an SSH host private key, TLS private
 * keys) and runs the built CLI on it. No canary may appear in any output: audit in every format
 * (stdout, stderr, --output file) and the bundle `pvesec collect` writes (file names and contents).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const EXAMPLE = path.join(ROOT, 'examples/hardened-cluster/pve1');

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const base32 = (n: number) => [...randomBytes(n)].map((b) => BASE32[b % 32]).join('');
const hex = (n: number) => randomBytes(n).toString('hex');

/** name -> the secret string that must never be printed or written. */
const canaries = new Map<string, string>();
let tmp = '';
let bundle = '';

function plant(rel: string, content: string, mode = 0o600): void {
  const p = path.join(bundle, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content, { mode });
}

/** A line from the middle of a PEM / OpenSSH private key body: unique to that key. */
function keyBodyLine(pem: string): string {
  const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  return body[Math.floor(body.length / 2)];
}

function plantSecrets(): void {
  // priv/tfa.cfg: the example stores REDACTED markers; put real-looking secrets back.
  const totp = base32(32);
  const recoverySecret = hex(32);
  const recoveryEntry = hex(32);
  canaries.set('TOTP secret', totp).set('recovery secret', recoverySecret).set('recovery key hash', recoveryEntry);
  const tfaPath = path.join(bundle, 'etc/pve/priv/tfa.cfg');
  const tfa = JSON.parse(fs.readFileSync(tfaPath, 'utf8')) as {
    users: Record<string, { totp: { entry: string }[]; recovery: { secret: string; entries: (string | null)[] } }>;
  };
  const alice = tfa.users['alice@pve'];
  alice.totp[0].entry = alice.totp[0].entry.replace('secret=redacted', `secret=${totp}`);
  alice.recovery.secret = recoverySecret;
  alice.recovery.entries = alice.recovery.entries.map((e) => (e === null ? null : recoveryEntry));
  // The second TOTP form Proxmox writes: {"totp": uri, "last-count": n}
  const bobTotp = base32(32);
  canaries.set('TOTP secret (object entry)', bobTotp);
  (tfa.users['bob@pve'].totp[0] as unknown as { entry: unknown }).entry = {
    totp: `otpauth://totp/bob%40pve?secret=${bobTotp}&digits=6&algorithm=SHA1&period=30`, 'last-count': 58812345,
  };
  fs.writeFileSync(tfaPath, JSON.stringify(tfa));

  // /etc/shadow with a real yescrypt hash for alice and a SHA-512 one for root.
  const yescrypt = `$y$j9T$${base32(16).toLowerCase()}$${base32(43)}`;
  const sha512 = `$6$${hex(8)}$${base32(86)}`;
  canaries.set('yescrypt hash', yescrypt).set('sha512 hash', sha512);
  const shadowPath = path.join(bundle, 'etc/shadow');
  const shadow = fs.readFileSync(shadowPath, 'utf8')
    .replace(/^alice:x:/m, `alice:${yescrypt}:`)
    .replace(/^root:x:/m, `root:${sha512}:`);
  fs.writeFileSync(shadowPath, shadow);

  // API token values, Proxmox password hashes, LDAP bind password.
  const token1 = randomUUID(), token2 = randomUUID();
  canaries.set('token value', token1).set('token value 2', token2);
  plant('etc/pve/priv/token.cfg', `alice@pve!prometheus ${token1}\nalice@pve!terraform ${token2}\n`);
  const pveHash = `$5$${hex(8)}$${base32(43)}`;
  canaries.set('pve realm password hash', pveHash);
  plant('etc/pve/priv/shadow.cfg', `alice:${pveHash}:\n`);
  const bindPw = `Bind-${base32(20)}`;
  canaries.set('LDAP bind password', bindPw);
  plant('etc/pve/priv/realm/corp.pw', bindPw + '\n');

  // Private keys: an SSH host key (OpenSSH format), the node's TLS keys (PEM).
  const { privateKey: hostKey } = generateKeyPairSync('ed25519');
  const hostPem = hostKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const sshKeyGen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@pve1', '-f', path.join(tmp, 'hostkey')]);
  const openssh = sshKeyGen.status === 0 ? fs.readFileSync(path.join(tmp, 'hostkey'), 'utf8') : hostPem;
  canaries.set('ssh host private key', keyBodyLine(openssh));
  plant('etc/ssh/ssh_host_ed25519_key', openssh);
  const { privateKey: tlsKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const tlsPem = tlsKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  canaries.set('pve-ssl.key', keyBodyLine(tlsPem));
  plant('etc/pve/nodes/pve1/pve-ssl.key', tlsPem);
  plant('etc/pve/local/pve-ssl.key', tlsPem);
  const { privateKey: proxyKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const proxyPem = proxyKey.export({ type: 'sec1', format: 'pem' }).toString();
  canaries.set('pveproxy-ssl.key', keyBodyLine(proxyPem));
  plant('etc/pve/nodes/pve1/pveproxy-ssl.key', proxyPem);
  // A private key pasted into a file that is collected (an admin's mistake): must not leak either.
  const { privateKey: stray } = generateKeyPairSync('ed25519');
  const strayPem = stray.export({ type: 'pkcs8', format: 'pem' }).toString();
  canaries.set('private key in a collected file', keyBodyLine(strayPem));
  fs.appendFileSync(path.join(bundle, 'etc/pve/priv/authorized_keys'), strayPem);
}

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function assertNoCanary(where: string, text: string): void {
  for (const [name, secret] of canaries) {
    assert.ok(!text.includes(secret), `${name} leaked in ${where}`);
  }
}

/** Every regular file under dir, with its path relative to dir. */
function walk(dir: string, out: { rel: string; content: Buffer }[] = [], base = dir): { rel: string; content: Buffer }[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out, base);
    else if (e.isFile()) out.push({ rel: path.relative(base, p), content: fs.readFileSync(p) });
  }
  return out;
}

describe('secrets never leave pvesec', () => {
  before(() => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-secrets-'));
    bundle = path.join(tmp, 'pve1');
    fs.cpSync(EXAMPLE, bundle, { recursive: true });
    plantSecrets();
    // The canaries are really in the input: a test that cannot fail proves nothing.
    const input = walk(bundle).map((f) => f.content.toString('utf8')).join('\n');
    for (const [name, secret] of canaries) assert.ok(input.includes(secret), `canary ${name} was not planted`);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const format of ['text', 'json', 'sarif', 'junit']) {
    test(`audit --format ${format}: no secret on stdout or stderr`, () => {
      const r = run(['audit', bundle, '--format', format, '--no-color']);
      assert.ok(r.status === 0 || r.status === 1, `audit exited ${r.status}: ${r.stderr}`);
      assert.match(r.stdout, /pve1/, 'the audit did not report on the node');
      assertNoCanary(`audit --format ${format} stdout`, r.stdout);
      assertNoCanary(`audit --format ${format} stderr`, r.stderr);
    });
  }

  test('audit --output FILE: no secret in the report file', () => {
    const out = path.join(tmp, 'report.json');
    const r = run(['audit', bundle, '--format', 'json', '--output', out]);
    assert.ok(r.status === 0 || r.status === 1, `audit exited ${r.status}: ${r.stderr}`);
    const report = fs.readFileSync(out, 'utf8');
    assert.match(report, /"pvesec\.audit\/v1"/);
    assertNoCanary('the --output report', report + r.stdout + r.stderr);
  });

  test('collect --out: the written bundle holds no secret (names or contents), yet keeps the redacted structure', () => {
    const archive = path.join(tmp, 'pve1.tar.gz');
    const r = run(['collect', bundle, '--out', archive]);
    assert.equal(r.status, 0, `collect exited ${r.status}: ${r.stderr}`);
    assertNoCanary('collect stdout/stderr', r.stdout + r.stderr);

    const list = spawnSync('tar', ['-tzvf', archive], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assertNoCanary('the archive listing', list.stdout);
    const names = list.stdout;
    for (const secretFile of ['ssh_host_ed25519_key', 'pve-ssl.key', 'pveproxy-ssl.key', 'token.cfg', 'shadow.cfg', 'corp.pw']) {
      assert.ok(!names.includes(secretFile), `${secretFile} was written into the bundle`);
    }

    const dir = path.join(tmp, 'extracted');
    fs.mkdirSync(dir);
    const x = spawnSync('tar', ['-xzf', archive, '-C', dir], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    const files = walk(dir);
    assert.ok(files.length > 20, `only ${files.length} files in the bundle`);
    for (const f of files) assertNoCanary(`bundle file ${f.rel}`, f.content.toString('utf8') + '\n' + f.content.toString('latin1'));

    // Redacted, not dropped: the checks still need who has a TOTP and a password.
    const tfa = files.find((f) => f.rel.endsWith('etc/pve/priv/tfa.cfg'));
    assert.ok(tfa, 'priv/tfa.cfg was dropped instead of redacted');
    assert.match(tfa.content.toString('utf8'), /alice@pve/);
    const shadow = files.find((f) => f.rel.endsWith('etc/shadow'));
    assert.ok(shadow, 'etc/shadow was dropped instead of redacted');
    assert.match(shadow.content.toString('utf8'), /^alice:[^:$]*:/m);
  });

  test('auditing the collected bundle again stays clean', () => {
    const archive = path.join(tmp, 'pve1.tar.gz');
    const r = run(['audit', archive, '--format', 'json']);
    assert.ok(r.status === 0 || r.status === 1, `audit exited ${r.status}: ${r.stderr}`);
    assertNoCanary('audit of the collected bundle', r.stdout + r.stderr);
  });
});
