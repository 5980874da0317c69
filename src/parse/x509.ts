import { X509Certificate, type KeyObject } from 'node:crypto';
import { lineLocator } from './line-index.js';
import { asText, ParseError, type Diagnostic, type Parsed } from './diagnostics.js';

export interface CertInfo {
  /** Line of the BEGIN CERTIFICATE marker in the file. */
  line: number;
  subject: string;
  issuer: string;
  commonName?: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  /** rsa, ec, ed25519, ed448, dsa ... */
  keyType: string;
  /** RSA/DSA modulus length, or the EC curve size. */
  keyBits?: number;
  curve?: string;
  selfSigned: boolean;
  fingerprint256: string;
  x509: X509Certificate;
}

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256, 'P-256': 256, secp256k1: 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521,
  secp224r1: 224, 'P-224': 224, prime192v1: 192, secp192r1: 192, brainpoolP256r1: 256, brainpoolP384r1: 384, brainpoolP512r1: 512,
};

/**
 * The certificates of a PEM file, in file order (a served pveproxy-ssl.pem may carry its chain;
 * the first is the leaf). Private key blocks are ignored, never echoed.
 */
export function parsePemCertificates(input: string | Buffer, file: string): Parsed<CertInfo[]> {
  const text = asText(input, file, 4 * 1024 * 1024);
  const diagnostics: Diagnostic[] = [];
  const certs: CertInfo[] = [];
  const re = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
  const lineOf = lineLocator(text);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const line = lineOf(m.index);
    let cert: CertInfo;
    try {
      cert = describe(new X509Certificate(m[0]), line);
    } catch {
      throw new ParseError(file, line, 'invalid certificate (cannot decode the PEM block)');
    }
    certs.push(cert);
  }
  if (certs.length === 0) throw new ParseError(file, undefined, 'no PEM certificate found');
  return { value: certs, diagnostics };
}

function describe(x509: X509Certificate, line: number): CertInfo {
  let key: KeyObject | undefined;
  try {
    key = x509.publicKey;
  } catch {
    key = undefined; // a key algorithm OpenSSL cannot load: reported as 'unknown'
  }
  const details = key?.asymmetricKeyDetails ?? {};
  const keyType = key?.asymmetricKeyType ?? 'unknown';
  let keyBits: number | undefined = details.modulusLength;
  const curve = details.namedCurve;
  if (keyType === 'ec' && curve) keyBits = CURVE_BITS[curve];
  if (keyType === 'ed25519') keyBits = 256;
  if (keyType === 'ed448') keyBits = 456;
  const sans = (x509.subjectAltName ?? '').split(/,\s*/).filter(Boolean);
  return {
    line,
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    commonName: /(?:^|\n)CN=([^\n]*)/.exec(x509.subject)?.[1],
    dnsNames: sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
    ipAddresses: sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11)),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    keyType,
    keyBits,
    curve,
    selfSigned: x509.subject === x509.issuer && safeVerify(x509, x509),
    fingerprint256: x509.fingerprint256,
    x509,
  };
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Whether cert was signed by ca: names chain and the signature verifies with the CA's public key. */
export function isIssuedBy(cert: CertInfo, ca: CertInfo): boolean {
  try {
    return cert.x509.checkIssued(ca.x509) && safeVerify(cert.x509, ca.x509);
  } catch {
    return false;
  }
}

/** Whether a DNS name matches one of the certificate's names (SAN, else CN), wildcards one label deep. */
export function certCoversName(cert: CertInfo, name: string): boolean {
  const n = name.toLowerCase();
  const names = cert.dnsNames.length ? cert.dnsNames : cert.commonName ? [cert.commonName] : [];
  return names.some((d) => {
    const pat = d.toLowerCase();
    if (pat === n) return true;
    return pat.startsWith('*.') && n.endsWith(pat.slice(1)) && !n.slice(0, n.length - pat.length + 1).includes('.');
  });
}
