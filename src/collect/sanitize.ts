import path from 'node:path';
import type { Snapshot } from './snapshot.js';

/**
 * Removes secrets from a snapshot, whatever its source (SSH, local, bundle, a plain backup tarball),
 * before anything else sees it: private keys and secret files are dropped (with an error entry),
 * password hashes and second-factor secrets are replaced by markers, keeping the structure that the
 * checks need (which users have a password, a TOTP, unused recovery keys...). Idempotent.
 */
export function sanitizeSnapshot(snapshot: Snapshot): Snapshot {
  for (const file of [...snapshot.files.values()]) {
    if (isSecretPath(file.path) || holdsPrivateKey(file.content)) {
      snapshot.files.delete(file.path);
      snapshot.errors.set(file.path, SECRET_NOT_LOADED);
      continue;
    }
    const redact = REDACTORS.find((r) => r.matches(file.path));
    if (!redact) continue;
    const redacted = redact.apply(file.content.toString('utf8'));
    if (redacted === undefined) {
      snapshot.files.delete(file.path);
      snapshot.errors.set(file.path, `${SECRET_NOT_LOADED} (could not be redacted)`);
    } else {
      file.content = Buffer.from(redacted, 'utf8');
    }
  }
  for (const [name, cmd] of [...snapshot.commands]) {
    if (holdsPrivateKey(Buffer.from(cmd.output))) {
      snapshot.commands.delete(name);
      snapshot.errors.set(name, SECRET_NOT_LOADED);
    }
  }
  return snapshot;
}

export const SECRET_NOT_LOADED = 'secret file not loaded';

const PRIV = '/etc/pve/priv/';

/** Files never loaded: private keys, API token secrets, Proxmox password hashes, realm bind passwords. */
export function isSecretPath(p: string): boolean {
  const base = path.posix.basename(p);
  if (base.endsWith('.key') || /^ssh_host_.*_key$/.test(base)) return true;
  if (base.endsWith('.keyring') || base.endsWith('.ppk')) return true;
  if (p === '/etc/security/opasswd') return true;
  if (p.startsWith(PRIV)) {
    const rest = p.slice(PRIV.length);
    if (rest === 'token.cfg' || rest === 'shadow.cfg') return true;
    if (rest.startsWith('realm/')) return true;
    if (base.endsWith('.pw') || base.endsWith('.cred')) return true;
  }
  return false;
}

export function holdsPrivateKey(content: Buffer): boolean {
  return content.includes('PRIVATE KEY-----') || content.includes('PuTTY-User-Key-File');
}

interface Redactor {
  matches(p: string): boolean;
  /** The redacted text, or undefined when the file cannot be redacted safely (then it is dropped). */
  apply(text: string): string | undefined;
}

const REDACTORS: Redactor[] = [
  { matches: (p) => /^\/etc\/g?shadow-?$/.test(p), apply: redactShadow },
  { matches: (p) => p === '/etc/pve/priv/tfa.cfg', apply: redactTfaCfg },
  { matches: (p) => p === '/etc/pve/user.cfg', apply: redactUserCfgKeys },
];

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

export const REDACTED = 'redacted';

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
  return text
    .split('\n')
    .map((line) => {
      if (!line.startsWith('user:')) return line;
      const fields = line.split(':');
      if (fields.length < 9) return line;
      const keys = fields[8];
      if (keys === '' || keys === 'x' || /^x!\w+$/.test(keys)) return line;
      fields[8] = REDACTED;
      return fields.join(':');
    })
    .join('\n');
}

function detectIndent(text: string): number | undefined {
  const m = /\n( +)\S/.exec(text);
  return m ? m[1].length : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
