import { createHash } from 'node:crypto';
import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

export type KeyFamily = 'rsa' | 'dsa' | 'ecdsa' | 'ed25519' | 'sk-ecdsa' | 'sk-ed25519';

export interface AuthorizedKey {
  type: string;
  family: KeyFamily;
  /** RSA modulus / DSA p bits, curve size for ECDSA, 256 for Ed25519. */
  bits: number;
  certificate: boolean;
  /** Options before the key type, as written (from="...",no-pty ...). */
  options: string[];
  comment: string;
  /** SHA256:... as ssh-keygen -l prints it. */
  fingerprint: string;
  line: number;
}

const FAMILIES: Record<string, { family: KeyFamily; bits?: number }> = {
  'ssh-rsa': { family: 'rsa' },
  'ssh-dss': { family: 'dsa' },
  'ssh-ed25519': { family: 'ed25519', bits: 256 },
  'ecdsa-sha2-nistp256': { family: 'ecdsa', bits: 256 },
  'ecdsa-sha2-nistp384': { family: 'ecdsa', bits: 384 },
  'ecdsa-sha2-nistp521': { family: 'ecdsa', bits: 521 },
  'sk-ssh-ed25519@openssh.com': { family: 'sk-ed25519', bits: 256 },
  'sk-ecdsa-sha2-nistp256@openssh.com': { family: 'sk-ecdsa', bits: 256 },
};

function baseType(type: string): string {
  return type.replace(/-cert-v01@openssh\.com$/, '').replace(/^(sk-ssh-ed25519|sk-ecdsa-sha2-nistp256)$/, '$1@openssh.com');
}

function knownType(type: string): boolean {
  return FAMILIES[baseType(type)] !== undefined;
}

/**
 * Parses an authorized_keys file as sshd does: `[options] keytype base64 [comment]`. The key blob
 * is decoded to check its type and to measure RSA/DSA sizes. Bad lines are skipped with a diagnostic.
 */
export function parseAuthorizedKeys(input: string | Buffer, file = '/root/.ssh/authorized_keys'): Parsed<AuthorizedKey[]> {
  const text = asText(input, file);
  const keys: AuthorizedKey[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    let rest = t;
    let options: string[] = [];
    const firstWord = /^\S+/.exec(rest)![0];
    if (!knownType(firstWord)) {
      const opt = splitOptions(rest);
      if (!opt) {
        diagnostics.push({ file, line, message: 'unterminated quote in key options', severity: 'warning' });
        continue;
      }
      options = opt.options;
      rest = opt.rest;
    }
    const parts = rest.split(/\s+/);
    const type = parts[0] ?? '';
    if (!knownType(type)) {
      diagnostics.push({ file, line, message: `unknown key type "${type.slice(0, 40)}"`, severity: 'warning' });
      continue;
    }
    const b64 = parts[1] ?? '';
    const decoded = decodeBlob(type, b64);
    if ('error' in decoded) {
      diagnostics.push({ file, line, message: decoded.error, severity: 'warning' });
      continue;
    }
    const { family } = FAMILIES[baseType(type)];
    keys.push({
      type,
      family,
      bits: decoded.bits,
      certificate: type.endsWith('-cert-v01@openssh.com'),
      options,
      comment: parts.slice(2).join(' '),
      fingerprint: 'SHA256:' + createHash('sha256').update(decoded.blob).digest('base64').replace(/=+$/, ''),
      line,
    });
  }
  return { value: keys, diagnostics };
}

/** Options end at the first unquoted whitespace; commas inside quotes do not split. */
function splitOptions(s: string): { options: string[]; rest: string } | undefined {
  const options: string[] = [];
  let cur = '';
  let quoted = false;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quoted && s[i + 1] === '"') {
      cur += '\\"';
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === ' ' || c === '\t')) break;
    if (!quoted && c === ',') {
      options.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (quoted) return undefined;
  if (cur) options.push(cur);
  return { options, rest: s.slice(i).trim() };
}

/** Reads the SSH wire format: string type, then per-type fields (RFC 4253 / 5656, PROTOCOL.certkeys). */
function decodeBlob(type: string, b64: string): { bits: number; blob: Buffer } | { error: string } {
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return { error: 'key data is not base64' };
  const blob = Buffer.from(b64, 'base64');
  const r = new WireReader(blob);
  const inner = r.string();
  if (inner === undefined || inner.toString('latin1') !== type) return { error: `key data does not match its type ${type}` };
  const cert = type.endsWith('-cert-v01@openssh.com');
  if (cert && r.string() === undefined) return { error: 'truncated certificate' }; // nonce
  const base = baseType(type);
  const fam = FAMILIES[base];
  if (fam.family === 'rsa') {
    const e = r.string();
    const n = r.string();
    if (!e || !n) return { error: 'truncated RSA key' };
    return { bits: mpintBits(n), blob };
  }
  if (fam.family === 'dsa') {
    const p = r.string();
    if (!p || !r.string() || !r.string() || !r.string()) return { error: 'truncated DSA key' };
    return { bits: mpintBits(p), blob };
  }
  if (fam.family === 'ecdsa' || fam.family === 'sk-ecdsa') {
    const curve = r.string();
    const point = r.string();
    if (!curve || !point) return { error: 'truncated ECDSA key' };
    if (!base.includes(curve.toString('latin1'))) return { error: `curve ${curve.toString('latin1').slice(0, 20)} does not match ${type}` };
    return { bits: fam.bits!, blob };
  }
  const pk = r.string();
  if (!pk || pk.length !== 32) return { error: 'Ed25519 key is not 32 bytes' };
  return { bits: 256, blob };
}

function mpintBits(b: Buffer): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]));
}

class WireReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  string(): Buffer | undefined {
    if (this.pos + 4 > this.buf.length) return undefined;
    const len = this.buf.readUInt32BE(this.pos);
    if (this.pos + 4 + len > this.buf.length) return undefined;
    const out = this.buf.subarray(this.pos + 4, this.pos + 4 + len);
    this.pos += 4 + len;
    return out;
  }
}
