/**
 * The API half of the pvesh/pveum STAND-IN (test code, not Proxmox): one command line, checked against
 * the Proxmox VE 9.1 API schema (test/support/pve-cli-schema.ts), applied to the files of a root
 * directory (a test host's, or a temporary one in unit tests) in Proxmox's own formats. See
 * pve-standin.ts for the supported calls and how it runs on a test host.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadApiSchema, validateCommand, type ApiSchema } from '../support/pve-cli-schema.js';
import { normalizeAclPath, splitList, splitTokenId, userRealm, type AclMemberKind } from '../../src/parse/user-cfg.js';
import { aclMembers, readUserDb, writeUserDb, type UserDb } from './pve-standin-usercfg.js';

export const USER_CFG = '/etc/pve/user.cfg';
export const TFA_CFG = '/etc/pve/priv/tfa.cfg';
export const TOKEN_CFG = '/etc/pve/priv/token.cfg';
export const DOMAINS_CFG = '/etc/pve/domains.cfg';
export const DATACENTER_CFG = '/etc/pve/datacenter.cfg';

export interface CallResult { rc: number; stdout: string; stderr: string }
/** One call as the stand-in saw it (secrets replaced by "<redacted>"). */
export interface CallRecord { program: string; args: string[]; call?: string; rc: number }

class ApiError extends Error {
  constructor(message: string, readonly rc = 255) { super(message); }
}
const paramError = (name: string, message: string) => new ApiError(`400 Parameter verification failed.\n${name}: ${message}`);

type Params = Record<string, string>;
const truthy = (v: string | undefined) => v !== undefined && /^(?:1|yes|on|true)$/i.test(v);

// ---- files -------------------------------------------------------------------------------------

/** Files under a root directory, written like pmxcfs would show them: whole, at once. */
export class RootFiles {
  constructor(readonly root: string) {}
  read(path: string): string | undefined {
    try { return readFileSync(this.root + path, 'utf8'); } catch { return undefined; }
  }
  write(path: string, text: string, mode = 0o640): void {
    mkdirSync(dirname(this.root + path), { recursive: true });
    const tmp = `${this.root}${path}.standin-tmp`;
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, this.root + path);
  }
}

// ---- TOTP, written here from RFC 4226/6238 (independent of pvesec's src/identity/totp.ts) ----------

function base32Decode(s: string): Buffer | undefined {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out: number[] = [];
  for (const c of s.toUpperCase().replace(/=+$/, '')) {
    const i = A.indexOf(c);
    if (i < 0) return undefined;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

interface Totp { key: Buffer; digits: number; period: number; algorithm: string }

/** Proxmox's otpauth URI rules: totp only; secret, digits, algorithm, period, issuer and nothing else. */
export function parseTotpUriStrict(uri: string): Totp {
  let url: URL;
  try { url = new URL(uri); } catch { throw paramError('totp', 'not a URI'); }
  if (url.protocol !== 'otpauth:' || url.host !== 'totp') throw paramError('totp', 'not an otpauth://totp/ URI');
  const p = url.searchParams;
  for (const k of p.keys()) if (!['secret', 'digits', 'algorithm', 'period', 'issuer'].includes(k)) throw paramError('totp', `unknown parameter '${k}' in the otpauth URI`);
  const key = base32Decode(p.get('secret') ?? '');
  if (!key?.length) throw paramError('totp', 'missing or invalid secret');
  const digits = Number(p.get('digits') ?? 6);
  const period = Number(p.get('period') ?? 30);
  const algorithm = (p.get('algorithm') ?? 'SHA1').toUpperCase();
  if (![6, 7, 8].includes(digits) || !(period > 0) || !['SHA1', 'SHA256', 'SHA512'].includes(algorithm)) throw paramError('totp', 'unsupported digits, period or algorithm');
  return { key, digits, period, algorithm };
}

export function hotp(t: Totp, counter: number): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac(t.algorithm.toLowerCase(), t.key).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(bin % 10 ** t.digits).padStart(t.digits, '0');
}

// ---- the API -----------------------------------------------------------------------------------

export interface PveApiOptions { now?: () => Date; schema?: ApiSchema }

export class PveApiStandIn {
  private readonly schema: ApiSchema;
  private readonly now: () => Date;
  readonly calls: CallRecord[] = [];

  constructor(readonly files: RootFiles, opts: PveApiOptions = {}) {
    this.schema = opts.schema ?? loadApiSchema();
    this.now = opts.now ?? (() => new Date());
  }

  /** Runs `program args...` (program: pvesh or pveum) as root@pam. */
  run(program: string, args: string[]): CallResult {
    const record: CallRecord = { program, args: redactArgs(args), rc: 0 };
    this.calls.push(record);
    const done = (r: CallResult) => ((record.rc = r.rc), r);
    if (program === 'pvesh' && args[0] === 'ls') return done({ rc: 2, stdout: '', stderr: 'pvesh stand-in: only get|set|create|delete are implemented\n' });
    const v = validateCommand({ program, args: args.map((a) => ({ value: a, raw: a })), text: `${program} ${args.join(' ')}`, variants: [] }, this.schema);
    record.call = v.call;
    if (v.errors.length) return done({ rc: 255, stdout: '', stderr: `400 Parameter verification failed.\n${v.errors.join('\n')}\n` });
    const params = { ...v.params };
    const format = params['output-format'] ?? 'text';
    for (const k of ['output-format', 'human-readable', 'noborder', 'noheader', 'quiet', 'noproxy']) delete params[k];
    try {
      const result = this.dispatch(v.call ?? '', params);
      return done({ rc: 0, stdout: render(result, format), stderr: '' });
    } catch (e) {
      if (e instanceof ApiError) return done({ rc: e.rc, stdout: '', stderr: `${e.message}\n` });
      throw e;
    }
  }

  private dispatch(call: string, p: Params): unknown {
    switch (call) {
      case 'GET /access/tfa': return this.tfaList();
      case 'GET /access/tfa/{userid}': return this.tfaList().find((u) => u.userid === p.userid)?.entries ?? [];
      case 'POST /access/tfa/{userid}': return this.tfaAdd(p);
      case 'DELETE /access/tfa/{userid}/{id}': return this.tfaDelete(p.userid, p.id, true);
      case '(pveum user tfa delete edits priv/tfa.cfg itself)': return this.tfaDelete(p.userid, p.id, false);
      case '(pveum user tfa list reads priv/tfa.cfg itself)': return p.userid ? this.tfaList().filter((u) => u.userid === p.userid) : this.tfaList();
      case 'PUT /access/users/{userid}/unlock-tfa': return this.tfaUnlock(p.userid);
      case 'GET /access/domains/{realm}': return this.realmGet(p.realm);
      case 'PUT /access/domains/{realm}': return this.realmSet(p);
      case 'GET /access/users': return this.usersList(p);
      case 'PUT /access/acl': return this.aclModify(p);
      case 'GET /access/users/{userid}/token': return this.tokenList(p.userid);
      case 'POST /access/users/{userid}/token/{tokenid}': return this.tokenCreate(p);
      case 'DELETE /access/users/{userid}/token/{tokenid}': return this.tokenDelete(p);
      case 'GET /cluster/options': return this.clusterOptionsGet();
      case 'PUT /cluster/options': return this.clusterOptionsSet(p);
      default: throw new ApiError(`pvesh/pveum stand-in: ${call} is valid for Proxmox but not implemented by the stand-in`, 2);
    }
  }

  // user.cfg ------------------------------------------------------------------------------------
  private users(): UserDb { return readUserDb(this.files.read(USER_CFG) ?? '', USER_CFG); }
  private saveUsers(db: UserDb): void { this.files.write(USER_CFG, writeUserDb(db)); }
  private user(db: UserDb, id: string) {
    const u = db.users.get(id);
    if (!u) throw new ApiError(`user '${id}' does not exist`);
    return u;
  }

  // tfa.cfg -------------------------------------------------------------------------------------
  private tfa(): { users: Record<string, Record<string, unknown>> } {
    const text = this.files.read(TFA_CFG);
    if (!text?.trim()) return { users: {} };
    const j = JSON.parse(text) as { users?: Record<string, Record<string, unknown>> };
    return { ...j, users: j.users ?? {} };
  }

  private tfaList(): { userid: string; entries: Record<string, unknown>[]; 'totp-locked'?: boolean; 'tfa-locked-until'?: number }[] {
    return Object.entries(this.tfa().users).sort(([a], [b]) => a.localeCompare(b)).map(([userid, d]) => {
      const entries: Record<string, unknown>[] = [];
      for (const type of ['totp', 'u2f', 'webauthn', 'yubico'] as const) {
        for (const e of (d[type] as Record<string, unknown>[] | undefined) ?? []) {
          entries.push({ type, id: e.id, description: e.description ?? '', created: e.created, ...(e.enable === false ? { enable: false } : {}) });
        }
      }
      const rec = d.recovery as { created?: number } | undefined;
      if (rec) entries.push({ type: 'recovery', id: 'recovery', description: 'recovery keys', created: rec.created });
      return { userid, entries, ...(d['totp-locked'] ? { 'totp-locked': true } : {}), ...(typeof d['tfa-locked-until'] === 'number' ? { 'tfa-locked-until': d['tfa-locked-until'] } : {}) };
    });
  }

  private tfaAdd(p: Params): unknown {
    this.user(this.users(), p.userid);
    const cfg = this.tfa();
    const u = (cfg.users[p.userid] ??= {});
    const created = Math.floor(this.now().getTime() / 1000);
    if (p.type === 'totp') {
      if (!p.totp) throw paramError('totp', 'missing the otpauth URI');
      if (!p.value) throw paramError('value', 'missing the current code');
      const t = parseTotpUriStrict(p.totp);
      const step = Math.floor(this.now().getTime() / 1000 / t.period);
      if (![-1, 0, 1].some((d) => hotp(t, step + d) === p.value.trim())) throw new ApiError('failed to verify TOTP challenge');
      const id = `totp-${randomUUID()}`;
      const list = (u.totp as unknown[] | undefined) ?? [];
      u.totp = [...list, { id, ...(p.description ? { description: p.description } : {}), created, entry: p.totp }];
      this.files.write(TFA_CFG, JSON.stringify(cfg), 0o600);
      return { id };
    }
    if (p.type === 'recovery') {
      if (u.recovery) throw new ApiError('user already has recovery keys');
      const secret = randomBytes(32).toString('hex');
      const keys = Array.from({ length: 10 }, () => randomBytes(8).toString('hex').match(/.{4}/g)!.join('-'));
      u.recovery = { secret, entries: keys.map((k) => createHmac('sha256', Buffer.from(secret, 'hex')).update(k).digest('hex')), created };
      this.files.write(TFA_CFG, JSON.stringify(cfg), 0o600);
      return { id: 'recovery', recovery: keys };
    }
    throw new ApiError(`pvesh/pveum stand-in: TFA type ${p.type} needs a browser (WebAuthn/U2F) or a server (Yubico): not implemented`, 2);
  }

  /** One entry by id (API), or with pveum and no --id every factor of the user. */
  private tfaDelete(userid: string, id: string | undefined, api: boolean): null {
    const cfg = this.tfa();
    const u = cfg.users[userid];
    if (!u && api) throw new ApiError(`no such entry: ${id ?? ''}`, 255);
    if (!u) return null;
    if (id === undefined) delete cfg.users[userid];
    else if (id === 'recovery' && u.recovery) delete u.recovery;
    else {
      let found = false;
      for (const type of ['totp', 'u2f', 'webauthn', 'yubico']) {
        const list = u[type] as { id?: string }[] | undefined;
        if (!list?.some((e) => e.id === id)) continue;
        u[type] = list.filter((e) => e.id !== id);
        found = true;
      }
      if (!found) throw new ApiError(`no such entry: ${id}`);
    }
    this.files.write(TFA_CFG, JSON.stringify(cfg), 0o600);
    return null;
  }

  private tfaUnlock(userid: string): number {
    this.user(this.users(), userid);
    const cfg = this.tfa();
    const u = cfg.users[userid];
    const locked = !!u && (u['totp-locked'] === true || typeof u['tfa-locked-until'] === 'number');
    if (u) {
      delete u['totp-locked'];
      delete u['tfa-locked-until'];
      this.files.write(TFA_CFG, JSON.stringify(cfg), 0o600);
    }
    return locked ? 1 : 0;
  }

  // domains.cfg ---------------------------------------------------------------------------------
  private realms(): { type: string; id: string; props: [string, string][] }[] {
    const sections: { type: string; id: string; props: [string, string][] }[] = [];
    let cur: (typeof sections)[number] | undefined;
    for (const line of (this.files.read(DOMAINS_CFG) ?? '').split('\n')) {
      if (/^\s*#/.test(line)) continue;
      if (line.trim() === '') { cur = undefined; continue; }
      const h = /^(\S+):\s*(\S+)\s*$/.exec(line);
      if (!cur && h) { sections.push((cur = { type: h[1], id: h[2], props: [] })); continue; }
      const kv = /^\s+(\S+)(?:\s+(.*\S))?\s*$/.exec(line);
      if (cur && kv) cur.props.push([kv[1], kv[2] ?? '']);
    }
    // Proxmox always has the pam and pve realms
    if (!sections.some((s) => s.id === 'pam')) sections.unshift({ type: 'pam', id: 'pam', props: [['comment', 'Linux PAM standard authentication']] });
    if (!sections.some((s) => s.id === 'pve')) sections.push({ type: 'pve', id: 'pve', props: [['comment', 'Proxmox VE authentication server']] });
    return sections;
  }

  private realmGet(realm: string): Record<string, unknown> {
    const r = this.realms().find((s) => s.id === realm);
    if (!r) throw new ApiError(`domain '${realm}' does not exist`);
    const out: Record<string, unknown> = { type: r.type };
    for (const [k, v] of r.props) if (k !== 'password' && k !== 'client-key') out[k] = /^\d+$/.test(v) && k !== 'comment' ? Number(v) : v;
    return out;
  }

  private realmSet(p: Params): null {
    const realms = this.realms();
    const r = realms.find((s) => s.id === p.realm);
    if (!r) throw new ApiError(`domain '${p.realm}' does not exist`);
    const settable = ['tfa', 'comment', 'default'];
    const other = Object.keys(p).filter((k) => !['realm', 'delete', 'digest', ...settable].includes(k));
    if (other.length) throw new ApiError(`pvesh/pveum stand-in: setting ${other.join(', ')} on a realm is not implemented`, 2);
    if (p.tfa !== undefined && r.type === 'openid') throw paramError('tfa', 'property is not defined in schema and the schema does not allow additional properties');
    const props = new Map(r.props);
    for (const k of splitList(p.delete)) props.delete(k);
    for (const k of settable) if (p[k] !== undefined) props.set(k, k === 'default' ? (truthy(p[k]) ? '1' : '0') : p[k]);
    r.props = [...props];
    this.files.write(DOMAINS_CFG, realms.map((s) => `${s.type}: ${s.id}\n${s.props.map(([k, v]) => `\t${k} ${v}\n`).join('')}`).join('\n'));
    return null;
  }

  // datacenter.cfg ------------------------------------------------------------------------------
  /**
   * PVE::DataCenterConfig's format: `#` lines at the top are the description, then `key: value` lines.
   * Written back as its writer does: the description as `#` lines, then the keys sorted (dump_config).
   */
  private datacenter(): { description: string[]; values: Map<string, string> } {
    const description: string[] = [];
    const values = new Map<string, string>();
    for (const line of (this.files.read(DATACENTER_CFG) ?? '').split('\n')) {
      if (/^#/.test(line)) { description.push(line.slice(1)); continue; }
      const kv = /^\s*([a-z][a-z0-9_-]*)\s*:\s*(.*?)\s*$/i.exec(line);
      if (kv) values.set(kv[1], kv[2]);
    }
    return { description, values };
  }

  private clusterOptionsGet(): Record<string, string> {
    return Object.fromEntries(this.datacenter().values);
  }

  /** set_options: the given keys replaced, `delete` keys removed; only webauthn is implemented. */
  private clusterOptionsSet(p: Params): null {
    const other = Object.keys(p).filter((k) => !['webauthn', 'delete'].includes(k));
    if (other.length) throw new ApiError(`pvesh/pveum stand-in: setting ${other.join(', ')} in /cluster/options is not implemented`, 2);
    const deletes = splitList(p.delete);
    const unknown = deletes.filter((k) => k !== 'webauthn');
    if (unknown.length) throw new ApiError(`pvesh/pveum stand-in: deleting ${unknown.join(', ')} in /cluster/options is not implemented`, 2);
    if (p.webauthn !== undefined && deletes.includes('webauthn')) throw paramError('delete', "cannot set and delete property 'webauthn' at the same time");
    const dc = this.datacenter();
    for (const k of deletes) dc.values.delete(k);
    if (p.webauthn !== undefined) dc.values.set('webauthn', p.webauthn);
    const keys = [...dc.values.keys()].sort();
    this.files.write(DATACENTER_CFG, dc.description.map((l) => `#${l}\n`).join('') + keys.map((k) => `${k}: ${dc.values.get(k)!}\n`).join(''));
    return null;
  }

  // users, ACLs, tokens -------------------------------------------------------------------------
  private usersList(p: Params): Record<string, unknown>[] {
    const db = this.users();
    const tfa = this.tfa().users;
    const realmType = new Map(this.realms().map((r) => [r.id, r.type]));
    const groupsOf = (id: string) => [...db.groups].filter(([, g]) => g.members.has(id)).map(([n]) => n).sort();
    return [...db.users.values()].filter((u) => !truthy(p.enabled) || u.enable).sort((a, b) => a.id.localeCompare(b.id)).map((u) => {
      const realm = userRealm(u.id)!;
      const t = tfa[u.id];
      return {
        userid: u.id, enable: u.enable ? 1 : 0, expire: u.expire,
        ...(u.firstname ? { firstname: u.firstname } : {}), ...(u.lastname ? { lastname: u.lastname } : {}),
        ...(u.email ? { email: u.email } : {}), ...(u.comment ? { comment: u.comment } : {}), ...(u.keys ? { keys: u.keys } : {}),
        ...(groupsOf(u.id).length ? { groups: groupsOf(u.id).join(',') } : {}),
        'realm-type': realmType.get(realm) ?? realm,
        ...(t?.['totp-locked'] ? { 'totp-locked': 1 } : {}),
        ...(typeof t?.['tfa-locked-until'] === 'number' ? { 'tfa-locked-until': t['tfa-locked-until'] } : {}),
        ...(truthy(p.full) ? { tokens: [...u.tokens].map(([tokenid, tk]) => ({ tokenid, expire: tk.expire, privsep: tk.privsep ? 1 : 0, ...(tk.comment ? { comment: tk.comment } : {}) })) } : {}),
      };
    });
  }

  private aclModify(p: Params): null {
    const path = normalizeAclPath(p.path);
    if (!path || !checkPath(path)) throw paramError('path', `invalid ACL path '${p.path}'`);
    if (!p.users && !p.groups && !p.tokens) throw new ApiError("400 Parameter verification failed.\ngroups: either 'users', 'groups' or 'tokens' is required.\nusers: either 'users', 'groups' or 'tokens' is required.\ntokens: either 'users', 'groups' or 'tokens' is required.");
    const db = this.users();
    const del = truthy(p.delete);
    const propagate = p.propagate === undefined ? true : truthy(p.propagate);
    const members: [AclMemberKind, string][] = [
      ...splitList(p.groups).map((g) => ['group', g] as [AclMemberKind, string]),
      ...splitList(p.users).map((u) => ['user', u] as [AclMemberKind, string]),
      ...splitList(p.tokens).map((t) => ['token', t] as [AclMemberKind, string]),
    ];
    for (const role of splitList(p.roles)) {
      if (!db.roles.has(role)) throw new ApiError(`role '${role}' does not exist`);
      for (const [kind, id] of members) {
        if (!del) {
          if (kind === 'group' && !db.groups.has(id)) throw new ApiError(`group '${id}' does not exist`);
          if (kind === 'user') this.user(db, id);
          if (kind === 'token') {
            const [user, name] = splitTokenId(id) ?? [];
            if (!user || !db.users.get(user)?.tokens.has(name!)) throw new ApiError(`no such token '${name ?? id}' for user '${user ?? id}'`);
          }
        }
        const table = aclMembers(db, path, kind);
        if (del) {
          table.get(id)?.delete(role);
          if (table.get(id)?.size === 0) table.delete(id);
        } else {
          table.set(id, (table.get(id) ?? new Map()).set(role, propagate));
        }
      }
    }
    this.saveUsers(db);
    return null;
  }

  private tokenList(userid: string): Record<string, unknown>[] {
    const u = this.user(this.users(), userid);
    return [...u.tokens].map(([tokenid, t]) => ({ tokenid, expire: t.expire, privsep: t.privsep ? 1 : 0, ...(t.comment ? { comment: t.comment } : {}) }));
  }

  private tokenCreate(p: Params): unknown {
    const db = this.users();
    const u = this.user(db, p.userid);
    if (u.tokens.has(p.tokenid)) throw new ApiError('Token already exists.');
    const info = { expire: p.expire !== undefined ? Number(p.expire) : u.expire, privsep: p.privsep === undefined ? true : truthy(p.privsep), ...(p.comment ? { comment: p.comment } : {}) };
    u.tokens.set(p.tokenid, info);
    const full = `${p.userid}!${p.tokenid}`;
    const value = randomUUID();
    const tokens = (this.files.read(TOKEN_CFG) ?? '').split('\n').filter((l) => l.trim() && !l.startsWith(`${full} `));
    this.files.write(TOKEN_CFG, [...tokens, `${full} ${value}`].join('\n') + '\n', 0o600);
    this.saveUsers(db);
    return { 'full-tokenid': full, info: { ...info, privsep: info.privsep ? 1 : 0 }, value };
  }

  private tokenDelete(p: Params): null {
    const db = this.users();
    const u = this.user(db, p.userid);
    if (!u.tokens.delete(p.tokenid)) throw new ApiError(`no such token '${p.tokenid}' for user '${p.userid}'`);
    const full = `${p.userid}!${p.tokenid}`;
    for (const node of db.acl.values()) node.token.delete(full);
    const tokens = (this.files.read(TOKEN_CFG) ?? '').split('\n').filter((l) => l.trim() && !l.startsWith(`${full} `));
    this.files.write(TOKEN_CFG, tokens.length ? tokens.join('\n') + '\n' : '', 0o600);
    this.saveUsers(db);
    return null;
  }
}

/** PVE::AccessControl::check_path (9.1): the ACL paths Proxmox accepts. */
export function checkPath(path: string): boolean {
  return [
    /^\/$/, /^\/access(?:\/groups(?:\/[^/]+)?|\/realm(?:\/[^/]+)?)?$/, /^\/mapping(?:\/(?:pci|usb|dir)(?:\/[^/]+)?)?$/,
    /^\/nodes(?:\/[^/]+)?$/, /^\/pool(?:\/[^/]+){0,3}$/, /^\/sdn(?:\/(?:controllers|dns|ipams|zones|vnets)(?:\/[^/]+){0,2})?$/,
    /^\/storage(?:\/[^/]+)?$/, /^\/vms(?:\/\d+)?$/,
  ].some((re) => re.test(path));
}

/** Argument list for the call log: the values of --totp, --value and --password never kept. */
function redactArgs(args: string[]): string[] {
  return args.map((a, i) => (/^--?(?:totp|value|password)$/.test(args[i - 1] ?? '') ? '<redacted>' : a.replace(/^(--?(?:totp|value|password)=).*/, '$1<redacted>')));
}

/** pvesh/pveum output: json and json-pretty as Proxmox; text as plain `key: value` / one row per line. */
function render(result: unknown, format: string): string {
  if (result === null || result === undefined) return '';
  if (format === 'json') return JSON.stringify(result) + '\n';
  if (format === 'json-pretty') return JSON.stringify(result, null, 4) + '\n';
  if (format === 'yaml') throw new ApiError('pvesh/pveum stand-in: yaml output is not implemented', 2);
  const scalar = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  if (Array.isArray(result)) return result.map((r) => (typeof r === 'object' && r !== null ? Object.entries(r).map(([k, v]) => `${k}=${scalar(v)}`).join(' ') : scalar(r)) + '\n').join('');
  if (typeof result === 'object') return Object.entries(result).map(([k, v]) => (Array.isArray(v) ? `${k}:\n${v.map((x) => `  ${scalar(x)}\n`).join('')}` : `${k}: ${scalar(v)}\n`)).join('');
  return `${scalar(result)}\n`;
}
