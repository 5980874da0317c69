/**
 * Secret canaries. Every row of CASES plants one unique secret where a node keeps it (or where an
 * admin's mistake or a backup puts it), into two inputs: a bundle directory (a copy of an example
 * bundle) and a plain backup tarball of the same node (etc/, root/, var/ without commands/ or pvesec/).
 * Then the built CLI runs on each input: audit in every format (stdout, stderr, --output file), and
 * `pvesec collect INPUT --out` (the rewritten bundle: member names and contents), and the audit of
 * that rewritten bundle. No canary may appear anywhere. A new kind of secret is one more row.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, ensureCliBuilt } from './harness/hosts.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = path.join(ROOT, 'examples/hardened-cluster/pve1');

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const base32 = (n: number) => [...randomBytes(n)].map((b) => BASE32[b % 32]).join('');
const hex = (n: number) => randomBytes(n).toString('hex');
/** A unique word that nothing else in the inputs or outputs contains. */
const word = () => `Cnry${hex(10)}`;

type Source = 'bundle' | 'backup';

interface Case {
  case: string;
  /** Path inside the node's tree (etc/fstab), as in a bundle. */
  file: string;
  /** The secret planted; a fresh word() by default. */
  secret?: () => string;
  /** The file's new content, given the secret and its current content (undefined: no such file yet). */
  content?: (secret: string, current: string | undefined) => string | Buffer;
  /** A symbolic link to plant instead (its target holds another row's secret). */
  link?: string;
  /** What must never be printed or written; the secret itself by default. */
  grep?: (secret: string) => string;
  /** Inputs that get it; both by default. */
  in?: Source[];
}

/** Appends a line or block to the current content. */
const append = (text: string) => (current: string | undefined) => (current ?? '') + text;

function keyBodyLine(pem: string): string {
  const body = pem.split('\n').filter((l) => l && !l.startsWith('-----') && !l.startsWith('='));
  return body[Math.floor(body.length / 2)];
}

const pkcs8 = (type: 'ed25519' | 'rsa') => () =>
  (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519')).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function opensshKey(dir: string): string {
  const file = path.join(dir, `k-${hex(4)}`);
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@pve1', '-f', file]);
  return r.status === 0 ? fs.readFileSync(file, 'utf8') : pkcs8('ed25519')();
}

/** A real armored PGP secret key when gpg is there, else one of the same shape. */
function pgpPrivateKey(dir: string): string {
  const home = fs.mkdtempSync(path.join(dir, 'gnupg-'));
  const gpg = (args: string[]) => spawnSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8' });
  if (gpg(['--quick-gen-key', 'backup signing <backup@example.invalid>', 'ed25519', 'sign', 'never']).status === 0) {
    const out = gpg(['--armor', '--export-secret-keys']);
    if (out.status === 0 && out.stdout.includes('PRIVATE KEY BLOCK')) return out.stdout;
  }
  const lines = Array.from({ length: 6 }, () => randomBytes(48).toString('base64'));
  return `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${lines.join('\n')}\n=${randomBytes(3).toString('base64')}\n-----END PGP PRIVATE KEY BLOCK-----\n`;
}

/** A WireGuard key: 32 bytes, base64. */
const wgKey = () => Buffer.from(generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('base64');
/** A Ceph key as ceph-authtool writes it: 28 bytes (type 1, created, length 16, key), base64. */
const cephKey = () => Buffer.concat([Buffer.from([1, 0]), randomBytes(8), Buffer.from([16, 0]), randomBytes(16)]).toString('base64');

let tmp = '';

/** One row per secret. Files are those of examples/hardened-cluster/pve1 unless the row creates them. */
const CASES: Case[] = [
  // priv/tfa.cfg: the example stores <redacted>-style markers; real-looking secrets go back in.
  {
    case: 'TOTP secret (priv/tfa.cfg otpauth URI)',
    file: 'etc/pve/priv/tfa.cfg',
    secret: () => base32(32),
    content: (s, cur) => editTfa(cur!, (t) => (t.users['alice@pve'].totp[0].entry = t.users['alice@pve'].totp[0].entry.replace('secret=redacted', `secret=${s}`))),
  },
  {
    case: 'TOTP secret (priv/tfa.cfg {"totp","last-count"} entry)',
    file: 'etc/pve/priv/tfa.cfg',
    secret: () => base32(32),
    content: (s, cur) =>
      editTfa(cur!, (t) => ((t.users['bob@pve'].totp[0] as { entry: unknown }).entry = { totp: `otpauth://totp/bob%40pve?secret=${s}&digits=6&period=30`, 'last-count': 58812345 })),
  },
  { case: 'recovery secret (priv/tfa.cfg)', file: 'etc/pve/priv/tfa.cfg', secret: () => hex(32), content: (s, cur) => editTfa(cur!, (t) => (t.users['alice@pve'].recovery.secret = s)) },
  {
    case: 'unused recovery key hash (priv/tfa.cfg)',
    file: 'etc/pve/priv/tfa.cfg',
    secret: () => hex(32),
    content: (s, cur) => editTfa(cur!, (t) => (t.users['alice@pve'].recovery.entries = t.users['alice@pve'].recovery.entries.map((e) => (e === null ? null : s)))),
  },
  { case: 'yescrypt hash (/etc/shadow)', file: 'etc/shadow', secret: () => `$y$j9T$${base32(16).toLowerCase()}$${base32(43)}`, content: (s, cur) => cur!.replace(/^alice:x:/m, `alice:${s}:`) },
  { case: 'sha512crypt hash (/etc/shadow)', file: 'etc/shadow', secret: () => `$6$${hex(8)}$${base32(86)}`, content: (s, cur) => cur!.replace(/^root:x:/m, `root:${s}:`) },
  { case: 'API token value (priv/token.cfg)', file: 'etc/pve/priv/token.cfg', secret: randomUUID, content: (s) => `alice@pve!prometheus ${s}\n` },
  { case: 'PVE realm password hash (priv/shadow.cfg)', file: 'etc/pve/priv/shadow.cfg', secret: () => `$5$${hex(8)}$${base32(43)}`, content: (s) => `alice:${s}:\n` },
  { case: 'LDAP bind password (priv/realm/corp.pw)', file: 'etc/pve/priv/realm/corp.pw', content: (s) => `${s}\n` },
  { case: 'SSH host private key', file: 'etc/ssh/ssh_host_ed25519_key', secret: () => opensshKey(tmp), content: (s) => s, grep: keyBodyLine },
  { case: 'node TLS key (pve-ssl.key)', file: 'etc/pve/nodes/pve1/pve-ssl.key', secret: pkcs8('rsa'), content: (s) => s, grep: keyBodyLine },
  { case: 'node TLS key through the local link (local/pve-ssl.key)', file: 'etc/pve/local/pve-ssl.key', secret: pkcs8('rsa'), content: (s) => s, grep: keyBodyLine },
  { case: 'private key pasted into priv/authorized_keys', file: 'etc/pve/priv/authorized_keys', secret: pkcs8('ed25519'), content: (s, cur) => cur + s, grep: keyBodyLine },
  // Credentials inside files pvesec collects.
  { case: 'CIFS password= in /etc/fstab', file: 'etc/fstab', content: (s, cur) => `${cur}//nas.example.com/backup /mnt/nas cifs username=backup,password=${s},vers=3.0,_netdev 0 0\n` },
  { case: 'apt proxy credentials (apt.conf.d)', file: 'etc/apt/apt.conf.d/80proxy', content: (s) => `Acquire::http::Proxy "http://apt:${s}@proxy.example.com:3128";\n` },
  { case: 'http_proxy credentials (datacenter.cfg)', file: 'etc/pve/datacenter.cfg', content: (s, cur) => `${cur}http_proxy: http://pve:${s}@proxy.example.com:3128\n` },
  { case: 'OpenID client-key (domains.cfg)', file: 'etc/pve/domains.cfg', content: (s, cur) => `${cur}\nopenid: sso\n\tclient-id pve\n\tclient-key ${s}\n\tissuer-url https://sso.example.com/realms/ops\n` },
  { case: 'rsyslog forwarding password (rsyslog.d)', file: 'etc/rsyslog.d/70-http.conf', content: (s) => `action(type="omhttp" server="logs.example.com" uid="pve" pwd="${s}")\n` },
  { case: 'kernel TCP fast open key (sysctl -a)', file: 'commands/sysctl_-a', secret: () => `${hex(4)}-${hex(4)}-${hex(4)}-${hex(4)}`, content: (s, cur) => `${cur}net.ipv4.tcp_fastopen_key = ${s}\n`, in: ['bundle'] },
  // Files a backup of the node holds, that pvesec never reads.
  { case: 'SMTP password (priv/notifications.cfg)', file: 'etc/pve/priv/notifications.cfg', content: (s) => `smtp: mail\n\tpassword ${s}\n` },
  { case: 'Ceph secret (priv/ceph/cephfs.secret)', file: 'etc/pve/priv/ceph/cephfs.secret', secret: cephKey, content: (s) => `${s}\n` },
  { case: 'Ceph keyring (priv/ceph/rbd.keyring)', file: 'etc/pve/priv/ceph/rbd.keyring', secret: cephKey, content: (s) => `[client.admin]\n\tkey = ${s}\n` },
  { case: 'ACME DNS plugin credentials (priv/acme/plugins.cfg)', file: 'etc/pve/priv/acme/plugins.cfg', content: (s) => `dns: cloudflare\n\tapi cf\n\tdata ${Buffer.from(`CF_Token=${s}`).toString('base64')}\n`, grep: (s) => Buffer.from(`CF_Token=${s}`).toString('base64') },
  { case: 'PBS encryption key (priv/storage/pbs1.enc)', file: 'etc/pve/priv/storage/pbs1.enc', content: (s) => `{"kdf":null,"created":"2025-01-01T00:00:00Z","data":"${s}","fingerprint":"aa:bb"}\n` },
  { case: 'a priv file pvesec does not know yet', file: 'etc/pve/priv/pve-root-ca.srl', content: (s) => `${s}\n` },
  { case: 'shadow backup (/var/backups/shadow.bak)', file: 'var/backups/shadow.bak', secret: () => `$6$${hex(8)}$${base32(86)}`, content: (s) => `root:${s}:20050:0:99999:7:::\n` },
  { case: 'corosync authkey (binary)', file: 'etc/corosync/authkey', content: (s) => Buffer.concat([randomBytes(40), Buffer.from(s), Buffer.from([0]), randomBytes(40)]) },
  { case: 'WireGuard PrivateKey (wg-quick)', file: 'etc/wireguard/wg0.conf', secret: wgKey, content: (s) => `[Interface]\nAddress = 10.99.0.1/24\nPrivateKey = ${s}\nListenPort = 51820\n` },
  { case: 'WireGuard PrivateKey (systemd-networkd)', file: 'etc/systemd/network/90-wg0.netdev', secret: wgKey, content: (s) => `[NetDev]\nName=wg0\nKind=wireguard\n\n[WireGuard]\nPrivateKey=${s}\n` },
  { case: 'WireGuard PresharedKey', file: 'etc/systemd/network/90-wg0.network', secret: wgKey, content: (s) => `[WireGuardPeer]\nPublicKey=${wgKey()}\nPresharedKey=${s}\n` },
  { case: 'PGP private key block', file: 'etc/apt/trusted.gpg.d/backup-signing.asc', secret: () => pgpPrivateKey(tmp), content: (s) => s, grep: keyBodyLine },
  { case: 'PGP private key block in a collected directory', file: 'etc/sudoers.d/README', secret: () => pgpPrivateKey(tmp), content: (s, cur) => `${cur}${s}`, grep: keyBodyLine },
  { case: "root's SSH identity", file: 'root/.ssh/id_ed25519', secret: () => opensshKey(tmp), content: (s) => s, grep: keyBodyLine },
  { case: 'shell history', file: 'root/.bash_history', content: (s) => `mysql -u root -p${s}\nls\n` },
  // Links out of the collected files: the secret is the token row's.
  { case: 'symlink in a collected directory to priv/token.cfg', file: 'etc/sysctl.d/99-tuning.conf', link: '../pve/priv/token.cfg' },
];

type Tfa = { users: Record<string, { totp: { entry: string }[]; recovery: { secret: string; entries: (string | null)[] } }> };
function editTfa(current: string, edit: (t: Tfa) => void): string {
  const tfa = JSON.parse(current) as Tfa;
  edit(tfa);
  return JSON.stringify(tfa);
}

/** Plants the rows for one input under dir (a node's tree); returns case name -> string that must not leak. */
function plant(dir: string, source: Source): Map<string, string> {
  const canaries = new Map<string, string>();
  for (const c of CASES) {
    if (c.in && !c.in.includes(source)) continue;
    const p = path.join(dir, c.file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (c.link) {
      fs.rmSync(p, { force: true });
      fs.symlinkSync(c.link, p);
      continue;
    }
    const secret = (c.secret ?? word)();
    const current = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined;
    fs.writeFileSync(p, c.content!(secret, current), { mode: 0o600 });
    canaries.set(c.case, c.grep ? c.grep(secret) : secret);
  }
  return canaries;
}

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Every regular file under dir, with its path relative to dir (links are not followed). */
function walk(dir: string, out: { rel: string; content: Buffer }[] = [], base = dir): { rel: string; content: Buffer }[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out, base);
    else if (e.isFile()) out.push({ rel: path.relative(base, p), content: fs.readFileSync(p) });
  }
  return out;
}

function assertNoCanary(canaries: Map<string, string>, where: string, text: string): void {
  const leaked = [...canaries].filter(([, secret]) => text.includes(secret)).map(([name]) => name);
  assert.deepEqual(leaked, [], `secrets leaked in ${where}`);
}

before(async () => {
  // Only when the sources are newer than dist/: a rebuild swaps dist/ while other test files run the CLI.
  await ensureCliBuilt();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-secrets-'));
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

for (const source of ['bundle', 'backup'] as const) {
  describe(`no secret leaves pvesec (input: ${source === 'bundle' ? 'a bundle directory' : 'a plain backup tarball'})`, () => {
    let input = '';
    let canaries = new Map<string, string>();

    before(() => {
      const tree = path.join(tmp, `${source}-tree`, 'pve1');
      fs.cpSync(EXAMPLE, tree, { recursive: true, verbatimSymlinks: true });
      canaries = plant(tree, source);
      // The canaries are really in the input: a test that cannot fail proves nothing.
      const all = walk(tree).map((f) => f.content.toString('latin1')).join('\n');
      for (const [name, secret] of canaries) assert.ok(all.includes(secret), `canary ${name} was not planted`);
      if (source === 'bundle') {
        input = tree;
      } else {
        input = path.join(tmp, 'pve-config-backup.tar.gz');
        const tar = spawnSync('tar', ['-czf', input, '-C', tree, 'etc', 'root', 'var', 'home'], { encoding: 'utf8' });
        assert.equal(tar.status, 0, tar.stderr);
      }
    });

    for (const format of ['text', 'json', 'sarif', 'junit']) {
      test(`audit --format ${format}: no secret on stdout or stderr`, () => {
        const r = run(['audit', input, '--format', format, '--no-color']);
        assert.ok(r.status === 0 || r.status === 1, `audit exited ${r.status}: ${r.stderr}`);
        assert.match(r.stdout, /pve1/, 'the audit did not report on the node');
        assertNoCanary(canaries, `audit --format ${format} stdout`, r.stdout);
        assertNoCanary(canaries, `audit --format ${format} stderr`, r.stderr);
      });
    }

    for (const format of ['text', 'json']) {
      test(`tfa list --format ${format}: no secret on stdout or stderr`, () => {
        const r = run(['tfa', 'list', input, '--format', format]);
        assert.equal(r.status, 0, `tfa list exited ${r.status}: ${r.stderr}`);
        assert.match(r.stdout, /alice@pve/, 'tfa list did not list the users');
        assertNoCanary(canaries, `tfa list --format ${format}`, r.stdout + r.stderr);
      });
    }

    test('audit --output FILE: no secret in the report file', () => {
      const out = path.join(tmp, `${source}-report.json`);
      const r = run(['audit', input, '--format', 'json', '--output', out]);
      assert.ok(r.status === 0 || r.status === 1, `audit exited ${r.status}: ${r.stderr}`);
      const report = fs.readFileSync(out, 'utf8');
      assert.match(report, /"pvesec\.audit\/v1"/);
      assertNoCanary(canaries, 'the --output report', report + r.stdout + r.stderr);
    });

    test('collect --out: the rewritten bundle holds no secret (names or contents), yet keeps the redacted structure', () => {
      const archive = path.join(tmp, `${source}-rewritten.tar.gz`);
      const r = run(['collect', input, '--out', archive]);
      assert.equal(r.status, 0, `collect exited ${r.status}: ${r.stderr}`);
      assertNoCanary(canaries, 'collect stdout/stderr', r.stdout + r.stderr);

      const list = spawnSync('tar', ['-tzvf', archive], { encoding: 'utf8' });
      assert.equal(list.status, 0, list.stderr);
      const dir = path.join(tmp, `${source}-extracted`);
      fs.mkdirSync(dir);
      const x = spawnSync('tar', ['-xzf', archive, '-C', dir], { encoding: 'utf8' });
      assert.equal(x.status, 0, x.stderr);
      const files = walk(dir);
      assert.ok(files.length > 20, `only ${files.length} files in the bundle`);
      // every leak at once: which secret, in which member
      const leaks = [...canaries].filter(([, secret]) => list.stdout.includes(secret)).map(([name]) => `${name}: in the archive listing`);
      for (const f of files) {
        const text = f.content.toString('utf8') + '\n' + f.content.toString('latin1');
        for (const [name, secret] of canaries) if (text.includes(secret)) leaks.push(`${name}: in ${f.rel}`);
      }
      for (const secretFile of ['ssh_host_ed25519_key', 'pve-ssl.key', 'token.cfg', 'shadow.cfg', 'corp.pw', 'notifications.cfg', 'authkey', 'shadow.bak', '.enc', '.secret', '.keyring', 'plugins.cfg', 'id_ed25519', 'wg0.conf', 'bash_history', '99-tuning.conf']) {
        if (list.stdout.includes(secretFile)) leaks.push(`${secretFile} was written into the bundle`);
      }
      assert.deepEqual(leaks, []);

      // Redacted, not dropped: the checks still need who has a TOTP and a password, and the files holding a credential.
      const text = (suffix: string) => files.find((f) => f.rel.endsWith(suffix))?.content.toString('utf8');
      assert.match(text('etc/pve/priv/tfa.cfg') ?? '', /alice@pve/, 'priv/tfa.cfg was dropped instead of redacted');
      assert.match(text('etc/shadow') ?? '', /^alice:x:/m, 'etc/shadow was dropped instead of redacted');
      assert.match(text('etc/fstab') ?? '', /cifs username=backup,password=<redacted>,vers=3\.0/);
      assert.match(text('etc/pve/domains.cfg') ?? '', /^\tclient-key <redacted>$/m);
      assert.match(text('etc/pve/datacenter.cfg') ?? '', /^http_proxy: http:\/\/pve:<redacted>@proxy\.example\.com:3128$/m);
    });

    test('auditing the rewritten bundle again stays clean', () => {
      const r = run(['audit', path.join(tmp, `${source}-rewritten.tar.gz`), '--format', 'json']);
      assert.ok(r.status === 0 || r.status === 1, `audit exited ${r.status}: ${r.stderr}`);
      assertNoCanary(canaries, 'audit of the rewritten bundle', r.stdout + r.stderr);
    });
  });
}
