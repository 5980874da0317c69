/**
 * Quoting and input checks for the node-side scripts. Everything that goes into a generated script is
 * checked here first, so a bad path or name is refused in TypeScript before any script text exists.
 */

/** Raised for input that must never reach a node (bad path, name, id); the message names the value. */
export class TxInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TxInputError';
  }
}

/** Single-quotes a string for POSIX sh (the only quoting that needs no further escaping inside). */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * An absolute, normalised path the runtime may touch: no whitespace or control characters (the journal
 * is line- and field-based), no backslash, no `.`/`..`/empty segments, no trailing slash, not `/` itself.
 */
export function checkPath(path: string, what = 'path'): string {
  const bad = (why: string) => new TxInputError(`${what} ${JSON.stringify(path)} refused: ${why}`);
  if (typeof path !== 'string' || path === '') throw bad('empty');
  if (!path.startsWith('/')) throw bad('not absolute');
  if (CONTROL_OR_SPACE.test(path)) throw bad('contains whitespace or control characters');
  if (path.includes('\\')) throw bad('contains a backslash');
  if (path === '/') throw bad('is the root directory');
  if (path.endsWith('/')) throw bad('ends with a slash');
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) throw bad('has an empty, "." or ".." segment');
  if (path.length > 1024) throw bad('longer than 1024 characters');
  return path;
}

/** The directories above a checked path, outermost first: /a/b/c -> ['/a', '/a/b']. */
export function parentsOf(path: string): string[] {
  const segments = path.slice(1).split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) out.push('/' + segments.slice(0, i).join('/'));
  return out;
}

/** The directory holding a checked path. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** A user or group name as useradd accepts it by default on Debian. */
export function checkAccountName(name: string, what = 'user'): string {
  if (typeof name !== 'string' || !/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) {
    throw new TxInputError(`${what} name ${JSON.stringify(name)} refused: expected [a-z_][a-z0-9_-]{0,31}`);
  }
  return name;
}

/** A systemd unit name; a name without a type suffix means .service, as systemctl reads it. */
export function checkUnit(unit: string): string {
  if (typeof unit !== 'string' || !/^[A-Za-z0-9:_.@-]{1,200}$/.test(unit) || unit.startsWith('-')) {
    throw new TxInputError(`unit name ${JSON.stringify(unit)} refused`);
  }
  return unit;
}

/** A Debian package name, optionally with :arch. */
export function checkPackage(name: string): string {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/.test(name)) {
    throw new TxInputError(`package name ${JSON.stringify(name)} refused`);
  }
  return name;
}

/** An op id: printed as one field of an event line, so no whitespace or control characters. */
export function checkOpId(id: string): string {
  if (typeof id !== 'string' || id === '' || CONTROL_OR_SPACE.test(id) || id.length > 300) {
    throw new TxInputError(`operation id ${JSON.stringify(id)} refused: empty, too long, or contains whitespace/control characters`);
  }
  return id;
}

/** A file mode as a number (0o600); setuid/setgid/sticky allowed. */
export function checkMode(mode: number, what: string): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new TxInputError(`mode ${mode} of ${what} refused: not 0..07777`);
  return mode.toString(8).padStart(4, '0');
}

const TX_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

/** A transaction id as newTxId makes them (also a valid systemd unit name part). */
export function checkTxId(id: string): string {
  if (typeof id !== 'string' || !TX_ID.test(id)) throw new TxInputError(`transaction id ${JSON.stringify(id)} refused: expected like 20261206T230102Z-a1b2c3`);
  return id;
}

/** One printable line (reasons, origins, controls): control characters become spaces, length capped. */
export function oneLine(s: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu, ' ').trim().slice(0, max);
}

/** An argv for a validator or run op: non-empty, no NUL, program name without whitespace. */
export function checkArgv(argv: string[], opId: string): string[] {
  if (!Array.isArray(argv) || argv.length === 0) throw new TxInputError(`operation ${opId}: empty argv`);
  for (const a of argv) {
    if (typeof a !== 'string' || a.includes('\0') || a.includes('\n')) throw new TxInputError(`operation ${opId}: argv element ${JSON.stringify(a)} refused`);
  }
  if (argv[0] === '' || CONTROL_OR_SPACE.test(argv[0])) throw new TxInputError(`operation ${opId}: program ${JSON.stringify(argv[0])} refused`);
  return argv;
}
