import { ssh2Lib } from '../core/lazy-require.js';
import { parseAuthorizedKeys } from '../parse/authorized-keys.js';

/** A public key as pvesec.yaml gives it: `TYPE BASE64 [COMMENT]`. */
export interface PublicKeyLine {
  type: string;
  /** The base64 blob: a key's identity (two lines with the same blob are the same key). */
  blob: string;
  comment: string;
  /** SHA256:... as ssh-keygen -l prints it. */
  fingerprint: string;
}

// ssh2 does not know the FIDO (sk-) key types; their blob is decoded and checked by pvesec's own parser.
const SK_TYPES = new Set(['sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com']);

/**
 * Checks one `authorized_keys` entry of pvesec.yaml with a real public-key parse (ssh2's parseKey,
 * the decoder of src/parse/authorized-keys.ts for security-key types). Returns the key, or a one-line
 * reason that never quotes key material (only the comment when there is one).
 */
export function parsePublicKeyLine(text: string): PublicKeyLine | string {
  const t = text.trim();
  if (/PRIVATE KEY/.test(t)) return 'is a private key: pvesec.yaml takes public keys only (the .pub file)';
  if (/[\r\n]/.test(t)) return 'spans several lines: give one public key per entry';
  const words = t.split(/\s+/);
  const [type, blob] = words;
  const comment = words.slice(2).join(' ');
  const named = comment ? ` (comment "${comment.slice(0, 80)}")` : '';
  if (!type || !blob) return `is not a public key line "TYPE BASE64 [COMMENT]"${named}`;
  if (SK_TYPES.has(type)) {
    const parsed = parseAuthorizedKeys(`${type} ${blob}\n`, 'pvesec.yaml');
    if (parsed.value.length !== 1) return `is not a valid ${type} public key${named}`;
    return { type, blob, comment, fingerprint: parsed.value[0].fingerprint };
  }
  const key = ssh2Lib().utils.parseKey(`${type} ${blob}`);
  if (key instanceof Error) return `is not a valid OpenSSH public key (${key.message.replace(/\.$/, '')})${named}`;
  const k = Array.isArray(key) ? key[0] : key;
  if (!k || k.isPrivateKey()) return 'is a private key: pvesec.yaml takes public keys only (the .pub file)';
  if (k.type !== type) return `names type ${type} but holds a ${k.type} key${named}`;
  const parsed = parseAuthorizedKeys(`${type} ${blob}\n`, 'pvesec.yaml').value[0];
  if (!parsed) return `is not a valid ${type} public key${named}`;
  // what ACC-04 fails, refused up front: OpenSSH no longer accepts DSA keys at all
  if (parsed.family === 'dsa') return `is a DSA key, which OpenSSH refuses: use ed25519${named}`;
  if (parsed.family === 'rsa' && parsed.bits < 2048) return `is a ${parsed.bits}-bit RSA key (at least 3072 bits, or ed25519)${named}`;
  return { type, blob, comment, fingerprint: parsed.fingerprint };
}
