/**
 * Content-based secret redaction, applied to every collected file and command output whatever its
 * path: private key blocks, WireGuard keys, password hashes, credential assignments, credentials in
 * URLs. Every rule replaces secret text by REDACTED_MARK and never adds or removes a line break, so
 * parsers still report the node's line numbers. Rules are linear in the input and idempotent.
 */

export const REDACTED_MARK = '<redacted>';

export interface ContentRule {
  name: string;
  apply(text: string): string;
}

/**
 * A private key block: PEM and OpenSSH keys (`-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]PRIVATE KEY-----`),
 * PGP secret keys (`-----BEGIN PGP PRIVATE KEY BLOCK-----`), SSH2 (`---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----`)
 * and OpenVPN static keys. Certificates and public keys do not match.
 */
const KEY_BEGIN = /-{4,5} ?BEGIN (?:[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?|OpenVPN Static key V\d) ?-{4,5}/g;
const KEY_END = /-{4,5} ?END [A-Za-z0-9 ]*?-{4,5}/g;
/** Key data right after BEGIN on its line: base64, or `\n` escapes of a JSON string. */
const KEY_TAIL = /(?:[A-Za-z0-9+/=]|\\[nr])*/y;
/** What a line inside a key block looks like: base64, an armor header (`Proc-Type: 4,ENCRYPTED`), or blank. */
const KEY_BODY_LINE = /^[ \t]*(?:[A-Za-z0-9+/=]+|[A-Za-z][A-Za-z0-9-]*: .*)?[ \t]*\r?$/;

/**
 * Replaces key blocks line by line: the BEGIN marker and the key data after it, the body lines, the
 * END line up to END. A block ends at its END line, or at the first line that cannot be part of a key:
 * a BEGIN planted in a GECOS field cannot hide the rest of its line nor the accounts after it. A block inside one line (a JSON string
 * with `\n` escapes) is replaced from BEGIN to END. Blank lines stay blank.
 */
function redactKeyBlocks(text: string): string {
  KEY_BEGIN.lastIndex = 0;
  if (!KEY_BEGIN.test(text)) return text;
  const lines = text.split('\n');
  let inBlock = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (inBlock) {
      KEY_END.lastIndex = 0;
      const end = KEY_END.exec(line);
      if (end) {
        inBlock = false;
        line = REDACTED_MARK + line.slice(end.index + end[0].length);
      } else if (KEY_BODY_LINE.test(line)) {
        lines[i] = line.trim() === '' ? line : REDACTED_MARK;
        continue;
      } else {
        inBlock = false;
      }
    }
    const [redacted, open] = redactBlocksInLine(line);
    lines[i] = redacted;
    inBlock = open;
  }
  return lines.join('\n');
}

/** [the line with its key blocks replaced, whether the last one continues on the next line]. */
function redactBlocksInLine(line: string): [string, boolean] {
  let out = '';
  let from = 0;
  for (;;) {
    KEY_BEGIN.lastIndex = from;
    const begin = KEY_BEGIN.exec(line);
    if (!begin) return [out + line.slice(from), false];
    KEY_END.lastIndex = begin.index + begin[0].length;
    const end = KEY_END.exec(line);
    out += line.slice(from, begin.index) + REDACTED_MARK;
    if (!end) {
      // no END on this line: the key data that follows on it goes; the block continues only if nothing else does
      KEY_TAIL.lastIndex = begin.index + begin[0].length;
      const rest = line.slice(KEY_TAIL.lastIndex + (KEY_TAIL.exec(line)?.[0].length ?? 0));
      return [out + rest, rest.trim() === ''];
    }
    from = end.index + end[0].length;
  }
}

/**
 * crypt(3) hashes (`$1$`, `$2b$`, `$5$`, `$6$`, `$7$`, `$y$`, `$gy$`, `$argon2id$`, `$scrypt$`,
 * `$pbkdf2-sha256$`, `$sha1$`, `$md5$`) and LDAP-style `{SSHA}...` hashes, anywhere in a file.
 */
const CRYPT_HASH = /\$(?:1|2[abxy]?|5|6|7|y|gy|md5|sha1|scrypt|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?)\$[A-Za-z0-9./+=$,-]{4,}/g;
const LDAP_HASH = /\{(?:S?SHA(?:256|384|512)?|S?MD5|CRYPT|PBKDF2[-A-Z0-9]*|ARGON2)\}[A-Za-z0-9./+=$-]{4,}/gi;

/**
 * Names whose value is a secret: exactly one of these (case-insensitive), or one of these after a
 * prefix ending in `.`, `_` or `-` (smtp_password, http.proxy.password, ldap-secret). Not matched:
 * names that merely contain one (PasswordAuthentication, PermitEmptyPasswords, prohibit-password is
 * a value), nor `token` alone (user.cfg `token:` lines name API tokens, they hold no secret).
 */
const SECRET_WORDS =
  '(?:password|passwd|passphrase|pass|pwd|secret|client[-_]?secret|client[-_]?key|private[-_]?key|privatekey|preshared[-_]?key|presharedkey|psk|wpa[-_]psk|api[-_]?key|api[-_]?token|auth[-_]?token|access[-_]?token|secret[-_]?key|cipassword|bindpw|rootpw)';
/** The prefix of a secret or key name: words each ending in `.`, `_` or `-`. */
const NAME_PREFIX = '(?:[A-Za-z0-9]+[._-])*';
const SECRET_NAME = new RegExp(`^${NAME_PREFIX}${SECRET_WORDS}$`, 'i');

/**
 * A name SECRET_NAME or KEY_NAME accepts (after leading dashes), for the scanners below: they look only
 * at such names (every other name was skipped anyway, and a large file has a name on every line).
 */
const SECRET_OR_KEY_NAME = `-*${NAME_PREFIX}(?:${SECRET_WORDS}|key)`;

/** Names holding key material when their value looks like it (audit rules' `key=<word>` does not). */
const KEY_NAME = /^(?:[A-Za-z0-9]+[._-])*key$/i;

/** A value that looks like key material: 20+ base64 characters mixing cases and digits, or 32+ hex digits. */
function looksLikeKeyMaterial(value: string): boolean {
  const v = value.replace(/^["']|["']$/g, '');
  if (/^[A-Za-z0-9+/=_-]{20,}$/.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v) && /[0-9]/.test(v)) return true;
  const hex = v.replace(/[-:]/g, '');
  return /^[0-9a-fA-F]{32,}$/.test(hex) && /^[0-9a-fA-F:-]+$/.test(v);
}

/**
 * `name=value`, `name: value`, `"name": "value"`, `name("value")`, `--name=value` anywhere in a line:
 * the name is a token not preceded by a name character. Only the name and separator are consumed
 * while scanning, so a secret inside another value (`otpauth://...?secret=X`) is still found.
 * Only secret or key names are matched.
 */
const NAME_SEP = new RegExp(`(?<![A-Za-z0-9_.-])(["']?)(${SECRET_OR_KEY_NAME})\\1([ \\t]*(?:[=:]|\\()[ \\t]*)`, 'gi');
/**
 * The value after a separator: a quoted string, or up to whitespace or one of `,;&:` (mount options,
 * URL queries, and the fields of colon-separated files: a `password=` in a passwd GECOS or a user.cfg
 * comment must not swallow the fields after it).
 */
const VALUE = /"[^"\n]*"|'[^'\n]*'|[^\s,;&:"'(){[][^\s,;&:"'()]*/y;

/** A value that only refers to another setting (fail2ban `%(name)s`, shell `$NAME` / `${NAME}`), or is empty. */
const REFERENCE = /^(["']?)(?:%\([A-Za-z0-9_.-]+\)s|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|)\1$/;

function isSecretName(name: string, value: string): boolean {
  const n = name.replace(/^-+/, '');
  return SECRET_NAME.test(n) || (KEY_NAME.test(n) && looksLikeKeyMaterial(value));
}

/**
 * Linear: a value is read only after a secret-sounding name, and an unquoted value read for a
 * `…key` name and kept is not read again from a later name inside it (`a_key=a_key=…`).
 */
function redactAssignments(text: string): string {
  let out = '';
  let done = 0;
  let keptRunEnd = -1;
  for (const m of text.matchAll(NAME_SEP)) {
    const valueStart = m.index + m[0].length;
    if (valueStart < done) continue;
    const name = m[2].replace(/^-+/, '');
    const secretName = SECRET_NAME.test(name);
    if (!secretName && (!KEY_NAME.test(name) || valueStart < keptRunEnd)) continue;
    VALUE.lastIndex = valueStart;
    const value = VALUE.exec(text)?.[0];
    if (value === undefined) continue;
    const quoted = value[0] === '"' || value[0] === "'";
    const secret = !(m[3].includes('(') && !quoted) && !REFERENCE.test(value) && (secretName || looksLikeKeyMaterial(value));
    if (!secret) {
      if (!quoted) keptRunEnd = valueStart + value.length;
      continue;
    }
    const q = quoted ? value[0] : '';
    out += text.slice(done, valueStart) + q + REDACTED_MARK + q;
    done = valueStart + value.length;
  }
  return done === 0 ? text : out + text.slice(done);
}

/**
 * `name value` where the name starts the line and one value follows: Proxmox section-config files
 * (domains.cfg `client-key`, notifications.cfg `password`), /etc/network/interfaces `wpa-psk`.
 */
const LINE_PAIR = new RegExp(`^([ \\t]*)((?=[A-Za-z])${SECRET_OR_KEY_NAME})([ \\t]+)(\\S+)([ \\t]*)$`, 'gmi');

function redactLinePair(match: string, indent: string, name: string, sep: string, value: string, tail: string): string {
  return !REFERENCE.test(value) && isSecretName(name, value) ? `${indent}${name}${sep}${REDACTED_MARK}${tail}` : match;
}

/** scheme://user:password@host: the password goes, the user stays. */
const URL_CREDENTIALS = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@:"'<>]*):([^\s/?#"'<>]*)@/g;

/** HTTP Authorization header values (apt.conf, webhooks). */
const AUTH_HEADER = /(Authorization[ \t]*:[ \t]*(?:Basic|Bearer|Token)[ \t]+)[^\s"';,]+/gi;

/** age secret keys, whole. */
const AGE_KEY = /AGE-SECRET-KEY-1[0-9A-Z]+/g;

/** A Ceph key (what priv/ceph/<storage>.keyring and .secret hold): 28 bytes base64, always `AQ...==`. */
const CEPH_KEY = /(?<![A-Za-z0-9+/])AQ[A-Za-z0-9+/]{36}==(?![A-Za-z0-9+/=])/g;

/** A Proxmox API token secret line (priv/token.cfg): `user@realm!tokenid <uuid>`; the id stays. */
const TOKEN_LINE = /^([ \t]*\S+![A-Za-z0-9._-]+[ \t]+)[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/gm;
const redactTokenLine = (match: string, id: string): string => (id.includes('@') ? id + REDACTED_MARK : match);

export const CONTENT_RULES: readonly ContentRule[] = [
  { name: 'private key block', apply: redactKeyBlocks },
  { name: 'age secret key', apply: (t) => t.replace(AGE_KEY, REDACTED_MARK) },
  { name: 'ceph key', apply: (t) => t.replace(CEPH_KEY, REDACTED_MARK) },
  { name: 'api token secret', apply: (t) => t.replace(TOKEN_LINE, redactTokenLine) },
  { name: 'password hash', apply: (t) => t.replace(CRYPT_HASH, REDACTED_MARK).replace(LDAP_HASH, REDACTED_MARK) },
  { name: 'credentials in a URL', apply: (t) => t.replace(URL_CREDENTIALS, `$1$2:${REDACTED_MARK}@`) },
  { name: 'authorization header', apply: (t) => t.replace(AUTH_HEADER, `$1${REDACTED_MARK}`) },
  { name: 'secret assignment', apply: redactAssignments },
  { name: 'secret name-value line', apply: (t) => t.replace(LINE_PAIR, redactLinePair) },
];

/** Cheap test before running the rules: text without any of these cannot match one. */
const MAY_HOLD_SECRET = /PRIVATE KEY|OpenVPN Static|AGE-SECRET|AQ|!|\$|\{|:\/\/|Authorization|pass|pwd|secret|key|psk|token|bindpw|rootpw/i;

/** The text with every content rule applied; the same string when nothing matched. */
export function redactSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  let out = text;
  for (const rule of CONTENT_RULES) out = rule.apply(out);
  return out;
}

/** Which rules change the text (for tests and reports), in rule order. */
export function matchingRules(text: string): string[] {
  return CONTENT_RULES.filter((r) => r.apply(text) !== text).map((r) => r.name);
}
