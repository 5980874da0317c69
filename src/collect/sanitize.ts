import { createHash } from 'node:crypto';
import path from 'node:path';
import { REDACTED_MARK, redactSecrets } from './redact-content.js';
import type { Snapshot, SnapshotFile } from './snapshot.js';

/**
 * Removes secrets from a snapshot, whatever its source (SSH, local, bundle, a plain backup tarball),
 * before anything else sees it. Secret by default: everything under /etc/pve/priv and every file
 * known to hold key material or a credential is dropped (with an error entry), except the files a
 * parser needs, which are redacted to their non-secret structure (PATH_ALLOWLIST). Then content rules
 * (redact-content.ts) run on every remaining file and command output: key blocks, password hashes,
 * credential assignments, credentials in URLs. A link or copy of a dropped file is dropped too.
 * Line structure is kept everywhere (parsers report line numbers). Idempotent.
 */
export function sanitizeSnapshot(snapshot: Snapshot): Snapshot {
  // What an earlier pass over this snapshot produced: the same Buffer at the same path is already
  // redacted, and every redactor is idempotent, so it is not redacted again (a bundle directory is
  // sanitized after its hard links, at its end, and once more by the collector).
  const done = sanitizedBy.get(snapshot) ?? new Map<string, Buffer>();
  sanitizedBy.set(snapshot, done);
  const doneCommands = sanitizedCommandsBy.get(snapshot) ?? new Map<string, string>();
  sanitizedCommandsBy.set(snapshot, doneCommands);
  const isDone = (file: SnapshotFile): boolean => done.get(file.path) === file.content;
  const secretContents = new Set<string>();
  const byPath = new Set<string>();
  const drop = (file: SnapshotFile, reason: string): void => {
    snapshot.files.delete(file.path);
    snapshot.errors.set(file.path, reason);
  };
  for (const file of [...snapshot.files.values()]) {
    const policy = pathPolicy(file.path);
    if (policy === 'content') continue;
    rememberContent(secretContents, file.content);
    if (policy === 'drop') {
      drop(file, SECRET_NOT_LOADED);
      continue;
    }
    byPath.add(file.path);
    if (isDone(file)) continue;
    const redacted = policy(file.content.toString('utf8'));
    if (redacted === undefined) drop(file, `${SECRET_NOT_LOADED} (could not be redacted)`);
    else file.content = Buffer.from(redacted, 'utf8');
  }
  for (const file of [...snapshot.files.values()]) {
    if (!byPath.has(file.path) && (linksToSecret(file) || (secretContents.size > 0 && secretContents.has(contentKey(file.content))))) {
      drop(file, SECRET_NOT_LOADED);
    } else if (file.content.includes(0)) {
      drop(file, BINARY_NOT_LOADED);
    } else if (file.content.includes('PuTTY-User-Key-File')) {
      drop(file, SECRET_NOT_LOADED);
    } else if (!isDone(file)) {
      const text = file.content.toString('utf8');
      const redacted = redactSecrets(text);
      if (redacted !== text) file.content = Buffer.from(redacted, 'utf8');
      done.set(file.path, file.content);
    }
  }
  for (const cmd of snapshot.commands.values()) {
    if (doneCommands.get(cmd.name) === cmd.output) continue;
    cmd.output = redactSecrets(cmd.output);
    doneCommands.set(cmd.name, cmd.output);
  }
  return snapshot;
}

/** Per snapshot: path -> the content Buffer a sanitize pass left there (compared by identity). */
const sanitizedBy = new WeakMap<Snapshot, Map<string, Buffer>>();
/** Per snapshot: command name -> the output a sanitize pass left. */
const sanitizedCommandsBy = new WeakMap<Snapshot, Map<string, string>>();

export const SECRET_NOT_LOADED = 'secret file not loaded';
export const BINARY_NOT_LOADED = 'binary file not loaded (its secrets could not be redacted)';

/** The content of dropped and path-redacted files: an identical file elsewhere (a hard link, a copy) goes too. */
function rememberContent(set: Set<string>, content: Buffer): void {
  if (hasEightVisibleChars(content)) set.add(contentKey(content));
}

/** content.toString('utf8').trim().length >= 8, without decoding a large file: 8 printable ASCII bytes suffice. */
function hasEightVisibleChars(content: Buffer): boolean {
  let visible = 0;
  for (let i = 0; i < content.length && visible < 8; i++) if (content[i] > 0x20 && content[i] < 0x7f) visible++;
  return visible >= 8 || content.toString('utf8').trim().length >= 8;
}

function contentKey(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** A symbolic link whose target is a file that would be dropped or redacted by its path. */
function linksToSecret(file: SnapshotFile): boolean {
  const target = file.stat?.type === 'symlink' ? file.stat.linkTarget : undefined;
  if (!target) return false;
  return pathPolicy(path.posix.resolve(path.posix.dirname(file.path), target)) !== 'content';
}

type Redact = (text: string) => string | undefined;

/**
 * What happens to a file because of its path: 'drop', a structural redactor (the allowlist of
 * secret files a parser needs), or 'content' (kept, content rules only).
 */
export function pathPolicy(p: string): 'drop' | 'content' | Redact {
  const allowed = PATH_ALLOWLIST.get(p);
  if (allowed) return allowed;
  return isSecretPath(p) ? 'drop' : 'content';
}

const PRIV = '/etc/pve/priv/';

/**
 * Secret files a parser needs, and what of them survives. /etc/pve/priv/authorized_keys holds
 * public keys only (content rules still apply); everything else under /etc/pve/priv is dropped.
 */
const PATH_ALLOWLIST = new Map<string, 'content' | Redact>([
  ['/etc/shadow', redactShadow],
  ['/etc/shadow-', redactShadow],
  ['/etc/gshadow', redactShadow],
  ['/etc/gshadow-', redactShadow],
  ['/etc/pve/priv/tfa.cfg', redactTfaCfg],
  ['/etc/pve/priv/authorized_keys', 'content'],
  ['/etc/pve/user.cfg', redactUserCfgKeys],
]);

/** Directories dropped whole (outside the allowlist). */
const SECRET_DIRS = [PRIV, '/etc/ssl/private/', '/var/lib/pve-cluster/', '/etc/apt/auth.conf.d/', '/etc/wireguard/'];

/** Single files dropped. */
const SECRET_FILES = new Set(['/etc/security/opasswd', '/etc/corosync/authkey', '/etc/apt/auth.conf', '/etc/subscription', '/etc/mysql/debian.cnf']);

/** File names dropped in any directory. */
const SECRET_BASENAMES: RegExp[] = [
  // key material and credential stores by extension: TLS/SSH/WireGuard keys, Ceph keyrings and
  // secrets, Kerberos keytabs, PKCS#12, PuTTY keys, PVE storage passwords (.pw) and PBS encryption keys (.enc)
  /\.(?:key|keyring|keytab|secrets?|pw|cred|enc|ppk|p12|pfx|jks)$/i,
  /^ssh_host_.*_key$/,
  // SSH identities (their .pub stays)
  /^id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$/,
  /^(?:authkey|chap-secrets|pap-secrets|sasl_passwd(?:\.db)?|\.netrc|\.git-credentials|\.pgpass|\.my\.cnf|\.smbcredentials)$/,
  // shell and client histories: typed passwords end up there
  /^\.[A-Za-z_]*history$/,
  // copies of shadow files (/var/backups/shadow.bak, shadow.dpkg-old ...); the real ones are in PATH_ALLOWLIST
  /^g?shadow(?:[-~.].*)?$/,
  // /etc/pve/priv file names, wherever a link or a copy put them
  /^(?:token|shadow|tfa)\.cfg$/,
];

/** Files never loaded: see SECRET_DIRS, SECRET_FILES, SECRET_BASENAMES (PATH_ALLOWLIST wins). */
export function isSecretPath(p: string): boolean {
  if (PATH_ALLOWLIST.has(p)) return false;
  if (SECRET_DIRS.some((d) => p.startsWith(d))) return true;
  if (SECRET_FILES.has(p) || p.includes('/.gnupg/')) return true;
  const base = path.posix.basename(p);
  return SECRET_BASENAMES.some((re) => re.test(base));
}

/** The marker that replaces a password field: '' empty, '!' locked, '*' no login, 'x' a hash is set. */
export function passwordMarker(field: string): string {
  if (field === '') return '';
  if (field.startsWith('!')) return '!';
  if (field.startsWith('*')) return '*';
  return 'x';
}

/** /etc/shadow (and gshadow): `user:<marker>:rest`; lines without a password field are dropped. */
export function redactShadow(text: string): string {
  const out: string[] = [];
  const lines = text.split('\n');
  const trailing = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailing) lines.pop();
  for (const line of lines) {
    const fields = line.split(':');
    if (fields.length < 2) {
      out.push(''); // keeps line numbers; the content could be anything
      continue;
    }
    fields[1] = passwordMarker(fields[1]);
    out.push(fields.join(':'));
  }
  return out.join('\n') + (trailing ? '\n' : '');
}

/** What replaces a secret value in structured files (tfa.cfg, user.cfg), as in the content rules. */
export const REDACTED = REDACTED_MARK;

/**
 * priv/tfa.cfg, JSON format: keeps users, factor ids, descriptions, created, enable, totp-locked,
 * tfa-locked-until and which recovery keys are used (null); replaces TOTP secrets, recovery secrets
 * and unused recovery entries, yubico, webauthn and u2f key material. v1 format
 * (`user:type:data` lines): the data is replaced.
 */
export function redactTfaCfg(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return text;
  if (!trimmed.startsWith('{')) return redactTfaV1(text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(doc)) return undefined;
  const users = doc.users;
  if (isObject(users)) {
    for (const user of Object.values(users)) if (isObject(user)) redactTfaUser(user);
  }
  for (const [key, value] of Object.entries(doc)) if (key !== 'users') doc[key] = redactDeep(value, key);
  return JSON.stringify(doc, null, detectIndent(text)) + (text.endsWith('\n') ? '\n' : '');
}

function redactTfaUser(user: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(user)) {
    if (key === 'totp-locked' || key === 'tfa-locked-until') continue;
    if (key === 'recovery' && isObject(value)) {
      if ('secret' in value) value.secret = REDACTED;
      if (Array.isArray(value.entries)) value.entries = value.entries.map((e) => (e === null ? null : REDACTED));
      for (const k of Object.keys(value)) if (!['secret', 'entries', 'created'].includes(k)) value[k] = redactDeep(value[k], k);
      continue;
    }
    if (Array.isArray(value)) {
      user[key] = value.map((factor) => (isObject(factor) ? redactFactor(key, factor) : REDACTED));
      continue;
    }
    user[key] = redactDeep(value, key);
  }
}

function redactFactor(kind: string, factor: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(factor)) {
    if (key === 'id' || key === 'description' || key === 'created' || key === 'enable') out[key] = value;
    else if (key === 'entry' && kind === 'totp') out[key] = redactTotpEntry(value);
    else out[key] = key === 'entry' ? REDACTED : redactDeep(value, key);
  }
  return out;
}

function redactTotpEntry(entry: unknown): unknown {
  if (typeof entry === 'string') return redactOtpauth(entry);
  if (isObject(entry)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) {
      out[k] = k === 'totp' && typeof v === 'string' ? redactOtpauth(v) : k === 'last-count' ? v : redactDeep(v, k);
    }
    return out;
  }
  return REDACTED;
}

/** otpauth://totp/...?secret=XXX&digits=6 -> secret=redacted (other parameters kept). */
export function redactOtpauth(uri: string): string {
  if (!uri.startsWith('otpauth://')) return REDACTED;
  return uri.replace(/([?&]secret=)[^&#]*/gi, `$1${REDACTED}`);
}

const SECRETISH = /secret|private|passw|token|challenge|key|cred|entry/i;

/** Unknown structures: any value under a secret-sounding key is replaced, the rest kept. */
function redactDeep(value: unknown, keyName = ''): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'string') return SECRETISH.test(keyName) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, keyName));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, k);
    return out;
  }
  return REDACTED;
}

function redactTfaV1(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) return line;
      const parts = line.split(':');
      return parts.length >= 3 ? `${parts[0]}:${parts[1]}:${REDACTED}` : '';
    })
    .join('\n');
}

/**
 * user.cfg: before PVE 7 the `keys` field of a user line could hold OATH secrets or yubico ids;
 * since then it is `x` or `x!<type>` (factors in priv/tfa.cfg). Anything else is replaced.
 */
export function redactUserCfgKeys(text: string): string {
  return text.replace(USER_LINE, (line) => {
    const fields = line.split(':');
    if (fields.length < 9) return line;
    const keys = fields[8];
    if (keys === '' || keys === 'x' || /^x!\w+$/.test(keys)) return line;
    fields[8] = REDACTED;
    return fields.join(':');
  });
}

/** A line starting with `user:`, up to its `\n` (lines split at `\n` only: a `\r` is part of a line). */
const USER_LINE = /(?<![^\n])user:[^\n]*/g;

function detectIndent(text: string): number | undefined {
  const m = /\n( +)\S/.exec(text);
  return m ? m[1].length : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
