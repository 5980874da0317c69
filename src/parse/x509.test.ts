import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certCoversName, isIssuedBy, parsePemCertificates } from './x509.js';
import { ParseError } from './diagnostics.js';

/** Throwaway test PKI made with openssl: a pve-root-ca, a node cert it signs, and an unrelated self-signed cert. */
function makeTestPki(): { ca: string; node: string; ec: string; other: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pvesec-x509-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', '/CN=Proxmox Virtual Environment/OU=1c2d3e/O=PVE Cluster Manager CA');
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=pve1.example.com');
    writeFileSync(join(dir, 'ext'), 'subjectAltName=DNS:pve1,DNS:pve1.example.com,IP:10.77.0.11\n');
    ossl('x509', '-req', '-in', 'node.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.pem', '-days', '700', '-extfile', 'ext');
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ec.key', '-out', 'ec.pem', '-days', '90', '-subj', '/CN=pve1.example.com', '-addext', 'subjectAltName=DNS:*.example.com');
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'o.key', '-out', 'other.pem', '-days', '30', '-subj', '/CN=Proxmox Virtual Environment/OU=1c2d3e/O=PVE Cluster Manager CA');
    const r = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { ca: r('ca.pem'), node: r('node.pem'), ec: r('ec.pem'), other: r('other.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('PEM certificates: names, validity, key, issuer verified with the CA key', () => {
  const pki = makeTestPki();
  const [ca] = parsePemCertificates(pki.ca, '/etc/pve/pve-root-ca.pem').value;
  const [node] = parsePemCertificates(pki.node, '/etc/pve/nodes/pve1/pve-ssl.pem').value;
  assert.equal(ca.selfSigned, true);
  assert.equal(node.selfSigned, false);
  assert.deepEqual(node.dnsNames, ['pve1', 'pve1.example.com']);
  assert.deepEqual(node.ipAddresses, ['10.77.0.11']);
  assert.equal(node.keyType, 'rsa');
  assert.equal(node.keyBits, 2048);
  assert.equal(node.commonName, 'pve1.example.com');
  const days = (node.notAfter.getTime() - Date.now()) / 86400000;
  assert.ok(days > 698 && days < 701, `${days}`);
  assert.equal(isIssuedBy(node, ca), true);
  const [other] = parsePemCertificates(pki.other, 'x').value;
  assert.equal(isIssuedBy(node, other), false, 'same subject name, different key: not the issuer');
  const [ec] = parsePemCertificates(pki.ec, 'x').value;
  assert.equal(ec.keyType, 'ec');
  assert.equal(ec.keyBits, 256);
  assert.ok(certCoversName(ec, 'pve1.example.com'));
  assert.ok(!certCoversName(ec, 'a.b.example.com'));
  assert.ok(certCoversName(node, 'PVE1'));
  const chain = parsePemCertificates(`${pki.node}${pki.ca}`, 'chain').value;
  assert.deepEqual(chain.map((c) => c.line), [1, pki.node.split('\n').length]);
});

test('PEM: no certificate or a corrupt one is a ParseError', () => {
  assert.throws(() => parsePemCertificates('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', 'k'), (e) => e instanceof ParseError && !/MIIE/.test(e.message));
  assert.throws(() => parsePemCertificates('\n\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'c'), (e) => e instanceof ParseError && e.line === 3);
});
