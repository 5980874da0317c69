import { asText, numberedLines, ParseError, type Diagnostic, type Parsed } from './diagnostics.js';
import { lineLocator } from './line-index.js';

/** One second-factor entry, without its secret. */
export interface TfaEntry {
  enabled: boolean;
  created?: number;
}

export interface UserTfa {
  user: string;
  totp: TfaEntry[];
  webauthn: TfaEntry[];
  yubico: TfaEntry[];
  u2f: TfaEntry[];
  /** Recovery keys: how many were issued and how many are still unused (the keys are never kept). */
  recovery?: { total: number; unused: number; created?: number };
  totpLocked: boolean;
  /** Epoch seconds until which all second factors are locked (100 failures). */
  tfaLockedUntil?: number;
  /** Line of the user's entry in the file (where it could be located). */
  line?: number;
}

export type TfaConfig = Map<string, UserTfa>;

const KINDS = ['totp', 'webauthn', 'yubico', 'u2f'] as const;

/** Line of the first occurrence of each JSON object key (as written, with its quotes), in one pass over the text. */
function jsonKeyLines(text: string): Map<string, number> {
  const lineOf = lineLocator(text);
  const out = new Map<string, number>();
  // Every string token in order (so matches stay aligned on string boundaries); a key is one followed by ':'.
  for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"/g)) {
    let i = m.index + m[0].length;
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
    if (text[i] === ':' && !out.has(m[0])) out.set(m[0], lineOf(m.index));
  }
  return out;
}

function emptyUser(user: string, line?: number): UserTfa {
  return { user, totp: [], webauthn: [], yubico: [], u2f: [], totpLocked: false, line };
}

/**
 * /etc/pve/priv/tfa.cfg: the JSON format of PVE 7+ (`{"users":{...}}`), or the v1 line format
 * `user:oath|yubico|u2f:<base64 json>`. Only what the checks need survives: which factors exist
 * and are enabled, recovery key counts and lock state. TOTP secrets, recovery hashes and
 * WebAuthn credentials are dropped here and never reach a message.
 */
export function parseTfaCfg(input: string | Buffer, file = '/etc/pve/priv/tfa.cfg'): Parsed<TfaConfig> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const users: TfaConfig = new Map();
  if (text.trim().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      const pos = /position (\d+)/.exec(String((e as Error).message))?.[1];
      const line = pos ? text.slice(0, Number(pos)).split('\n').length : undefined;
      throw new ParseError(file, line, 'invalid JSON');
    }
    const map = isObject(json) && isObject(json.users) ? json.users : undefined;
    if (isObject(json) && json.users !== undefined && !map) throw new ParseError(file, undefined, '"users" is not an object');
    const keyLine = jsonKeyLines(text);
    for (const [user, raw] of Object.entries(map ?? {})) {
      const u = emptyUser(user, keyLine.get(JSON.stringify(user)));
      if (!isObject(raw)) {
        diagnostics.push({ file, line: u.line, message: `tfa entry of ${user} is not an object`, severity: 'warning' });
        continue;
      }
      for (const kind of KINDS) {
        const list = raw[kind];
        if (!Array.isArray(list)) continue;
        for (const e of list) {
          if (!isObject(e)) continue;
          u[kind].push({ enabled: e.enable !== false && e.enable !== 0, created: typeof e.created === 'number' ? e.created : undefined });
        }
      }
      const rec = raw.recovery;
      if (isObject(rec) && Array.isArray(rec.entries)) {
        u.recovery = {
          total: rec.entries.length,
          unused: rec.entries.filter((x) => x !== null && x !== undefined && x !== false).length,
          created: typeof rec.created === 'number' ? rec.created : undefined,
        };
      }
      u.totpLocked = raw['totp-locked'] === true || raw['totp-locked'] === 1;
      if (typeof raw['tfa-locked-until'] === 'number') u.tfaLockedUntil = raw['tfa-locked-until'];
      users.set(user, u);
    }
    return { value: users, diagnostics };
  }
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^([^:\s]+):(oath|yubico|u2f):(\S+)$/.exec(t);
    if (!m) {
      diagnostics.push({ file, line, message: 'ignoring line that is neither JSON nor `user:type:data`', severity: 'warning' });
      continue;
    }
    const u = users.get(m[1]) ?? emptyUser(m[1], line);
    u[m[2] === 'oath' ? 'totp' : m[2] === 'yubico' ? 'yubico' : 'u2f'].push({ enabled: true });
    users.set(m[1], u);
  }
  return { value: users, diagnostics };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether a user can still complete a second-factor login: an enabled WebAuthn, Yubico or U2F
 * entry, an enabled TOTP entry while TOTP is not locked, or unused recovery keys; nothing works
 * while tfa-locked-until lies in the future.
 */
export function hasUsableFactor(u: UserTfa | undefined, nowSec: number): boolean {
  if (!u) return false;
  if (u.tfaLockedUntil !== undefined && u.tfaLockedUntil > nowSec) return false;
  if (u.webauthn.some((e) => e.enabled) || u.yubico.some((e) => e.enabled) || u.u2f.some((e) => e.enabled)) return true;
  if (!u.totpLocked && u.totp.some((e) => e.enabled)) return true;
  return (u.recovery?.unused ?? 0) > 0;
}

/** Whether a user has any enabled second factor entry (TOTP, WebAuthn, Yubico, U2F). */
export function hasEnabledFactor(u: UserTfa | undefined): boolean {
  return !!u && KINDS.some((k) => u[k].some((e) => e.enabled));
}
