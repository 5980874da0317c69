import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { appendKnownHost, blobKeyType, hashedHostToken, usesHashing, fingerprint, knownKeyTypes, parseKnownHosts, verifyHostKey } from './known-hosts.js';

// Keys made with ssh-keygen; the |1| lines were hashed by `ssh-keygen -H` (10.0.0.5 and [pve2.example.com]:2222).
const K1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIM34/oNLJA+7i2WieJGcs+dhpblIm3WBj3iaAZEY8Mj7';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIGaWAG2OGI9joDveCjHZlJjjy+Lw4CV0LKUxaQnskb4g';
const K3 =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJVrKY79yyd2ZLlWYo2kCo0iVcrSOVM9gotPYRSHWaChQ7kn97vWrwpwzpaImHpFkBbXD1N2sZmRP4xB5WX6PYo=';
const KNOWN_HOSTS = `# managed by hand
pve1.example.com,10.0.0.1 ssh-ed25519 ${K1}
|1|OxUrV4kAfvbav7/ktFMXjJLIMes=|n4QDipP9HyLP0Riq1WYeEI3ub2Q= ssh-ed25519 ${K2}
|1|HyyL8+QPJEJ97q3+sxpUSbdJ1gs=|0W/6W+VJ+7u6+0Lhf9UHTxJjE10= ecdsa-sha2-nistp256 ${K3}
*.lab.example.com,!bad.lab.example.com ssh-ed25519 ${K1} lab wildcard
@cert-authority *.example.com ssh-ed25519 ${K2}
@revoked * ecdsa-sha2-nistp256 ${K3}

garbage line
`;

test('parses plain, hashed and marker lines and skips junk', () => {
  const entries = parseKnownHosts(KNOWN_HOSTS);
  assert.equal(entries.length, 6);
  assert.deepEqual(entries[0].patterns, ['pve1.example.com', '10.0.0.1']);
  assert.equal(entries[0].line, 2);
  assert.ok(entries[1].hashed);
  assert.equal(entries[4].marker, 'cert-authority');
  assert.equal(entries[5].marker, 'revoked');
});

test('plain entry: match by name or address, case-insensitive', () => {
  const e = parseKnownHosts(KNOWN_HOSTS);
  assert.deepEqual(verifyHostKey(e, 'pve1.example.com', 22, 'ssh-ed25519', K1), { status: 'match', line: 2 });
  assert.deepEqual(verifyHostKey(e, 'PVE1.example.com', 22, 'ssh-ed25519', K1), { status: 'match', line: 2 });
  assert.deepEqual(verifyHostKey(e, '10.0.0.1', 22, 'ssh-ed25519', K1), { status: 'match', line: 2 });
});

test('plain entry with another key of the same type is a mismatch naming the line', () => {
  const e = parseKnownHosts(KNOWN_HOSTS);
  assert.deepEqual(verifyHostKey(e, 'pve1.example.com', 22, 'ssh-ed25519', K2), { status: 'mismatch', line: 2 });
});

test('hashed entries (ssh-keygen -H) match the host and [host]:port', () => {
  const e = parseKnownHosts(KNOWN_HOSTS);
  assert.deepEqual(verifyHostKey(e, '10.0.0.5', 22, 'ssh-ed25519', K2), { status: 'match', line: 3 });
  assert.deepEqual(verifyHostKey(e, '10.0.0.5', 22, 'ssh-ed25519', K1), { status: 'mismatch', line: 3 });
  // the same address on another port is another host for OpenSSH
  assert.equal(verifyHostKey(e, '10.0.0.5', 2222, 'ssh-ed25519', K2).status, 'unknown');
  assert.deepEqual(knownKeyTypes(e, 'pve2.example.com', 2222), ['ecdsa-sha2-nistp256']);
  assert.deepEqual(knownKeyTypes(e, 'pve2.example.com', 22), []);
});

test('@revoked key is refused for every host', () => {
  const e = parseKnownHosts(KNOWN_HOSTS);
  assert.deepEqual(verifyHostKey(e, 'pve2.example.com', 2222, 'ecdsa-sha2-nistp256', K3), { status: 'revoked', line: 7 });
});

test('wildcards and negation; @cert-authority is not a host key', () => {
  const e = parseKnownHosts(KNOWN_HOSTS);
  assert.equal(verifyHostKey(e, 'n1.lab.example.com', 22, 'ssh-ed25519', K1).status, 'match');
  assert.equal(verifyHostKey(e, 'bad.lab.example.com', 22, 'ssh-ed25519', K1).status, 'unknown');
  assert.equal(verifyHostKey(e, 'other.example.com', 22, 'ssh-ed25519', K2).status, 'unknown');
});

test('unknown host reports the key types known for it', () => {
  const e = parseKnownHosts(KNOWN_HOSTS);
  assert.deepEqual(verifyHostKey(e, 'pve1.example.com', 22, 'ecdsa-sha2-nistp256', K3.replace('PYo=', 'PYA=')), {
    status: 'unknown',
    otherTypes: ['ssh-ed25519'],
  });
});

test('fingerprint matches ssh-keygen -l and the blob names its type', () => {
  assert.equal(fingerprint(K1), 'SHA256:hSjIMiYCfuwTFVDXFz0F4APhDLgm1IDWUkXeHzYwXwM');
  assert.equal(blobKeyType(Buffer.from(K3, 'base64')), 'ecdsa-sha2-nistp256');
  assert.equal(blobKeyType(Buffer.from('xx')), 'unknown');
});

test('appendKnownHost writes [host]:port entries that verify afterwards', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pvesec-kh-'));
  try {
    const file = path.join(dir, 'sub', 'known_hosts');
    await appendKnownHost(file, '10.77.0.9', 2222, 'ssh-ed25519', K1);
    await appendKnownHost(file, 'pve9', 22, 'ssh-ed25519', K2);
    assert.equal(readFileSync(file, 'utf8'), `[10.77.0.9]:2222 ssh-ed25519 ${K1}\npve9 ssh-ed25519 ${K2}\n`);
    const e = parseKnownHosts(readFileSync(file, 'utf8'));
    assert.equal(verifyHostKey(e, '10.77.0.9', 2222, 'ssh-ed25519', K1).status, 'match');
    writeFileSync(file, `pve9 ssh-ed25519 ${K2}`); // no final newline
    await appendKnownHost(file, 'pve8', 22, 'ssh-ed25519', K1);
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('appendKnownHost hashes the new entry when the file already uses hashing; OpenSSH finds it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pvesec-kh-'));
  try {
    const file = path.join(dir, 'known_hosts');
    // a file hashed by ssh-keygen -H (HashKnownHosts yes writes the same)
    writeFileSync(file, `pve1.example.com ssh-ed25519 ${K1}\n`);
    const hasKeygen = spawnSync('sh', ['-c', 'command -v ssh-keygen'], { stdio: 'ignore' }).status === 0;
    if (hasKeygen) execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    else writeFileSync(file, `${hashedHostToken('pve1.example.com')} ssh-ed25519 ${K1}\n`);
    assert.ok(usesHashing(readFileSync(file, 'utf8')));
    await appendKnownHost(file, '10.77.0.9', 2222, 'ssh-ed25519', K2);
    const last = readFileSync(file, 'utf8').trim().split('\n').pop()!;
    assert.match(last, /^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-ed25519 /);
    assert.ok(!readFileSync(file, 'utf8').includes('10.77.0.9'), 'host name written in clear');
    const e = parseKnownHosts(readFileSync(file, 'utf8'));
    assert.equal(verifyHostKey(e, '10.77.0.9', 2222, 'ssh-ed25519', K2).status, 'match');
    assert.equal(verifyHostKey(e, '10.77.0.9', 22, 'ssh-ed25519', K2).status, 'unknown');
    if (hasKeygen) {
      const found = spawnSync('ssh-keygen', ['-F', '[10.77.0.9]:2222', '-f', file], { encoding: 'utf8' });
      assert.equal(found.status, 0);
      assert.ok(found.stdout.includes(K2));
    }
    // a plain file stays plain
    const plain = path.join(dir, 'plain');
    writeFileSync(plain, `|1|OxUrV4kAfvbav7/ktFMXjJLIMes=|n4QDipP9HyLP0Riq1WYeEI3ub2Q= ssh-ed25519 ${K2}\npve1 ssh-ed25519 ${K1}\n`);
    await appendKnownHost(plain, 'pve9', 22, 'ssh-ed25519', K2);
    assert.equal(readFileSync(plain, 'utf8').trim().split('\n').pop(), `pve9 ssh-ed25519 ${K2}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
