import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  /** pve-root-ca.pem of the cluster. */
  ca: string;
  /** pve-ssl.pem: signed by the CA, 700 days, RSA 2048, SAN pve1. */
  pveSsl: string;
  /** A "public CA" and a leaf it signed (for pveproxy-ssl.pem): EC P-256, 60 days. */
  publicLeaf: string;
  /** Signed by the public CA, RSA 1024, SAN without the node name, valid 20 days. */
  weakLeaf: string;
  /** Signed by the public CA, valid 3 days. */
  shortLeaf: string;
}

let cached: TestPki | undefined;

/** Throwaway PKI generated with openssl for the TLS tests (keys are deleted right away). */
export function testPki(): TestPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'pvesec-tls-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const sign = (name: string, key: string, subj: string, san: string, days: string, caName: string) => {
    ossl('req', '-newkey', key, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', days, '-extfile', `${name}.ext`);
  };
  try {
    ossl('ecparam', '-name', 'prime256v1', '-out', 'p256.param');
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', '/CN=Proxmox Virtual Environment/OU=7f3c2a1b/O=PVE Cluster Manager CA');
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'pub.key', '-out', 'pub.pem', '-days', '3650', '-subj', '/C=US/O=Test Public CA/CN=Test Public R1');
    sign('pvessl', 'rsa:2048', '/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=pve1.example.com', 'IP:127.0.0.1,IP:10.77.0.11,DNS:localhost,DNS:pve1,DNS:pve1.example.com', '700', 'ca');
    sign('leaf', 'ec:' + join(dir, 'p256.param'), '/CN=pve1.example.com', 'DNS:pve1.example.com,DNS:pve.example.com', '60', 'pub');
    sign('weak', 'rsa:1024', '/CN=www.example.com', 'DNS:www.example.com', '20', 'pub');
    sign('short', 'rsa:2048', '/CN=pve1.example.com', 'DNS:pve1.example.com', '3', 'pub');
    const r = (f: string) => readFileSync(join(dir, f), 'utf8');
    cached = { ca: r('ca.pem'), pveSsl: r('pvessl.pem'), publicLeaf: r('leaf.pem') + r('pub.pem'), weakLeaf: r('weak.pem'), shortLeaf: r('short.pem') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
