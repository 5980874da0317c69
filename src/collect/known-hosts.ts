import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * OpenSSH known_hosts: `[marker] patterns keytype base64key [comment]`, patterns being a comma list of
 * host names / [host]:port with * ? wildcards and !negation, or one hashed `|1|salt|hmac-sha1` name.
 */
export interface KnownHostEntry {
  line: number;
  /** the file it was read from, when loaded with loadKnownHosts */
  file?: string;
  marker?: 'revoked' | 'cert-authority';
  /** plain patterns (empty for a hashed entry) */
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  /** base64 of the public key blob, as in the file */
  key: string;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line too
    }
    if (fields.length < 3) return;
    const [hosts, keyType, key] = fields;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return;
    const entry: KnownHostEntry = { line: i + 1, marker, patterns: [], keyType, key };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash) return;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts.split(',').filter((p) => p !== '');
    }
    entries.push(entry);
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostToken(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

export function entryMatches(entry: KnownHostEntry, token: string): boolean {
  if (entry.hashed) {
    const mac = createHmac('sha1', entry.hashed.salt).update(token).digest();
    return mac.length === entry.hashed.hash.length && timingSafeEqual(mac, entry.hashed.hash);
  }
  let positive = false;
  for (const pattern of entry.patterns) {
    const negated = pattern.startsWith('!');
    const p = (negated ? pattern.slice(1) : pattern).toLowerCase();
    if (!wildcardMatch(p, token)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

function wildcardMatch(pattern: string, s: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(s);
}

export type HostKeyVerdict =
  | { status: 'match'; line: number; file?: string }
  | { status: 'mismatch'; line: number; file?: string }
  | { status: 'revoked'; line: number; file?: string }
  | { status: 'unknown'; otherTypes: string[] };

/** Checks a presented host key (type + base64 blob) like OpenSSH's StrictHostKeyChecking=yes. */
export function verifyHostKey(entries: KnownHostEntry[], host: string, port: number, keyType: string, key: string): HostKeyVerdict {
  const token = hostToken(host, port);
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key === key);
  if (revoked) return { status: 'revoked', line: revoked.line, ...at(revoked) };
  const forHost = entries.filter((e) => e.marker === undefined && entryMatches(e, token));
  const match = forHost.find((e) => e.keyType === keyType && e.key === key);
  if (match) return { status: 'match', line: match.line, ...at(match) };
  const mismatch = forHost.find((e) => e.keyType === keyType);
  if (mismatch) return { status: 'mismatch', line: mismatch.line, ...at(mismatch) };
  return { status: 'unknown', otherTypes: [...new Set(forHost.map((e) => e.keyType))] };
}

function at(e: KnownHostEntry): { file?: string } {
  return e.file === undefined ? {} : { file: e.file };
}

/** Key types recorded for a host, to ask the server for one of those first (as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const token = hostToken(host, port);
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatches(e, token)).map((e) => e.keyType))];
}

/** `SHA256:<base64 without padding>` of a key blob, like ssh-keygen -l. */
export function fingerprint(keyBase64: string): string {
  return 'SHA256:' + createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('base64').replace(/=+$/, '');
}

/** Key type named inside an SSH public key blob (first length-prefixed string). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len > 64 || blob.length < 4 + len) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

export async function loadKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await fsp.readFile(file, 'utf8')).map((e) => ({ ...e, file }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** `|1|salt|hmac` of a host token, as OpenSSH writes it with HashKnownHosts yes (salt: 20 random bytes). */
export function hashedHostToken(token: string, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`;
}

/**
 * Whether a new entry should be hashed: the file already uses hashing when its most recent host entry
 * (markers aside) is hashed, as with HashKnownHosts yes (Debian's default) or after `ssh-keygen -H`.
 */
export function usesHashing(text: string): boolean {
  const hosts = parseKnownHosts(text).filter((e) => e.marker === undefined);
  return hosts.length > 0 && hosts[hosts.length - 1].hashed !== undefined;
}

/**
 * Appends `token keytype key` to the file, creating it (and its directory) if needed; the token is
 * hashed (`|1|salt|hmac`) when the file already uses hashing.
 */
export async function appendKnownHost(file: string, host: string, port: number, keyType: string, key: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  let hashed = false;
  try {
    const current = await fsp.readFile(file, 'utf8');
    if (current.length > 0 && !current.endsWith('\n')) prefix = '\n';
    hashed = usesHashing(current);
  } catch {
    // new file
  }
  const token = hostToken(host, port);
  await fsp.appendFile(file, `${prefix}${hashed ? hashedHostToken(token) : token} ${keyType} ${key}\n`, { mode: 0o600 });
}
