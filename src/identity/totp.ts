// TOTP (RFC 6238) for `pvesec tfa add`: the secret, the otpauth:// URI Proxmox accepts, and the local
// ±1-step check of the code the operator reads off their app (a wrong code is refused before anything
// is written on the node). HMAC, base32 and the URI are otpauth's.
import { Secret, TOTP, URI } from 'otpauth';

/** Proxmox's TOTP parameters (the web UI's and oathtool's defaults). */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD = 30;
const ISSUER = 'Proxmox VE';
const BASE32 = /^[A-Z2-7]+=*$/;

/** A new random 160-bit secret (the size Proxmox's web UI makes), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/**
 * An operator's existing secret (e.g. from `oathkeygen`): base32, case and spaces ignored, padding
 * allowed; at least 80 bits (what oathkeygen makes). Throws a message without the secret in it.
 */
export function normalizeTotpSecret(input: string): string {
  const s = input.replace(/\s+/g, '').toUpperCase();
  if (!s) throw new Error('the secret is empty');
  if (!BASE32.test(s)) throw new Error('the secret is not base32 (letters A-Z and digits 2-7)');
  const bits = s.replace(/=+$/, '').length * 5;
  if (bits < 80) throw new Error(`the secret has ${bits} bits; at least 80 are needed (oathkeygen makes 80, pvesec 160)`);
  return s.replace(/=+$/, '');
}

function totpOf(secretBase32: string, account = 'user'): TOTP {
  return new TOTP({ issuer: ISSUER, label: account, secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD });
}

/**
 * otpauth://totp/Proxmox%20VE:<user>?issuer=…&secret=…&algorithm=SHA1&digits=6&period=30: only the
 * parameters Proxmox reads (secret, digits, algorithm, period, issuer).
 */
export function totpUri(secretBase32: string, account: string): string {
  return URI.stringify(totpOf(secretBase32, account));
}

/** The code of a secret at a time (for tests and for the stand-in). */
export function totpCode(secretBase32: string, at: Date = new Date()): string {
  return totpOf(secretBase32).generate({ timestamp: at.getTime() });
}

/**
 * How many steps away from `at` the code matches (-1, 0 or +1), or undefined when it matches none:
 * the window Proxmox accepts.
 */
export function checkTotpCode(secretBase32: string, code: string, at: Date = new Date()): number | undefined {
  const c = code.trim();
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(c)) return undefined;
  const delta = totpOf(secretBase32).validate({ token: c, timestamp: at.getTime(), window: 1 });
  return delta === null ? undefined : delta;
}

/** The secret of an otpauth:// TOTP URI (as Proxmox stores it in tfa.cfg), or undefined if it is none. */
export function parseTotpUri(uri: string): { secret: string; digits: number; period: number; algorithm: string } | undefined {
  try {
    const otp = URI.parse(uri);
    if (!(otp instanceof TOTP)) return undefined;
    return { secret: otp.secret.base32, digits: otp.digits, period: otp.period, algorithm: otp.algorithm };
  } catch {
    return undefined;
  }
}
