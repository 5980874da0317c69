import type { Parsed } from './diagnostics.js';
import { parsePropertyString, parseSectionConfig, type LocatedValue } from './section-config.js';

export type RealmType = 'pam' | 'pve' | 'ldap' | 'ad' | 'openid';
export type LdapMode = 'ldap' | 'ldaps' | 'ldap+starttls';

export interface RealmTfa {
  type: 'oath' | 'yubico';
  line: number;
  digits?: number;
  step?: number;
}

export interface Realm {
  name: string;
  type: RealmType;
  line: number;
  comment?: string;
  isDefault: boolean;
  /** Realm-enforced second factor (`tfa type=oath|yubico`); OpenID realms have none. */
  tfa?: RealmTfa;
  /** LDAP/AD: effective connection mode (`mode`, else legacy `secure 1` = ldaps, else plain ldap). */
  mode?: LdapMode;
  /** LDAP/AD: whether the server certificate is verified (default 0). */
  verify?: boolean;
  /** Properties as written, secrets (bind password, OpenID client key) removed. */
  props: Map<string, LocatedValue>;
}

const TYPES: readonly RealmType[] = ['pam', 'pve', 'ldap', 'ad', 'openid'];
const SECRET_KEYS = new Set(['password', 'client-key']);

/** /etc/pve/domains.cfg: authentication realms. Bind passwords and client keys are never retained. */
export function parseDomainsCfg(input: string | Buffer, file = '/etc/pve/domains.cfg'): Parsed<Realm[]> {
  const { value: sections, diagnostics } = parseSectionConfig(input, file, TYPES);
  const realms: Realm[] = [];
  for (const s of sections) {
    const props = new Map([...s.props].filter(([k]) => !SECRET_KEYS.has(k)));
    const get = (k: string) => props.get(k)?.value;
    const type = s.type as RealmType;
    const realm: Realm = { name: s.id, type, line: s.line, comment: get('comment'), isDefault: get('default') === '1', props };
    const tfaProp = props.get('tfa');
    if (tfaProp && type !== 'openid') {
      const p = parsePropertyString(tfaProp.value, 'type');
      const t = p.get('type');
      if (t === 'oath' || t === 'yubico') {
        realm.tfa = { type: t, line: tfaProp.line };
        if (p.has('digits')) realm.tfa.digits = Number(p.get('digits'));
        if (p.has('step')) realm.tfa.step = Number(p.get('step'));
      } else {
        diagnostics.push({ file, line: tfaProp.line, message: `realm '${s.id}': unknown tfa type '${t ?? ''}'`, severity: 'warning' });
      }
    }
    if (type === 'ldap' || type === 'ad') {
      const mode = get('mode');
      realm.mode = mode === 'ldaps' || mode === 'ldap+starttls' || mode === 'ldap' ? mode : get('secure') === '1' ? 'ldaps' : 'ldap';
      realm.verify = get('verify') === '1';
    }
    realms.push(realm);
  }
  return { value: realms, diagnostics };
}
