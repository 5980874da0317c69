/**
 * Deterministic fuzz input generation: a seeded PRNG and the families of inputs fed to every parser
 * (random bytes, random printable text, truncations and mutations of real files, deep nesting).
 */

/** mulberry32: small, fast, good enough for fuzzing; the same seed always yields the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string: stable per-parser base seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, a: readonly T[]): T => a[int(r, a.length)];

/** Characters that mean something in the formats pvesec parses (separators, quotes, braces, comments). */
const SYNTAX = ':=#;{}[]()"\'\\,/!@+-*%$<>|&.\t ';
const WORDS = [
  'enable', 'user:', 'acl:1:/:', 'token:', 'group:', 'role:', 'pool:', 'IN', 'OUT', 'ACCEPT', 'DROP', 'REJECT',
  '-source', '-dport', '-p tcp', '[OPTIONS]', '[RULES]', '[IPSET management]', '[ALIASES]', '[DEFAULT]', '[sshd]',
  'Include', 'Match User', 'Match Address', 'PermitRootLogin', 'yes', 'no', '-A INPUT', '*filter', 'COMMIT', ':INPUT ACCEPT [0:0]',
  'table inet filter {', 'chain input {', '}', '{', 'Package:', 'Status: install ok installed', 'Version:', 'Types: deb',
  'URIs:', 'Suites:', 'Enabled: no', 'deb', 'APT::Periodic::Unattended-Upgrade "1";', '#clear', '/*', '*/', '//',
  '-w /etc/pve -p wa', '-a always,exit', 'action(type="omfwd"', '@@', 'destination d {', 'ring0_addr:', 'totem {',
  'nodelist {', 'otpauth://totp/x?secret=', '"users":{', 'null', '-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----',
  '%(name)s', '%3A', '\\', '"', "'", '0', '-1', '4294967296', '99999999999999999999', 'NaN', '::ffff:', '10.0.0.0/8',
  'fd00::/8', '1.2.3.4-1.2.3.9', '+dc/management', 'localhost', '\u00e9', '\u{1F600}', '\ufeff', '\r', '\u2028',
];

export function randomBytes(r: Rand, max = 2048): Buffer {
  const b = Buffer.alloc(int(r, max));
  for (let i = 0; i < b.length; i++) b[i] = int(r, 256);
  return b;
}

export function randomText(r: Rand, maxLines = 40): string {
  const lines: string[] = [];
  const n = int(r, maxLines);
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    const k = int(r, 8);
    for (let j = 0; j < k; j++) {
      const c = r();
      if (c < 0.4) parts.push(pick(r, WORDS));
      else if (c < 0.7) parts.push(SYNTAX[int(r, SYNTAX.length)]);
      else {
        let w = '';
        const len = 1 + int(r, 12);
        for (let q = 0; q < len; q++) w += String.fromCharCode(32 + int(r, 95));
        parts.push(w);
      }
    }
    lines.push(parts.join(pick(r, ['', ' ', '\t', ':', '='])));
  }
  return lines.join(pick(r, ['\n', '\n', '\r\n']));
}

/** One random mutation of a real file: the shapes that break hand-written parsers. */
export function mutate(r: Rand, seed: string): string | Buffer {
  const lines = seed.split('\n');
  const li = () => int(r, Math.max(lines.length, 1));
  switch (int(r, 16)) {
    case 0: // truncation at any byte
      return seed.slice(0, int(r, seed.length + 1));
    case 1: { // bit flips on the bytes
      const b = Buffer.from(seed);
      const flips = 1 + int(r, 8);
      for (let i = 0; i < flips && b.length; i++) b[int(r, b.length)] ^= 1 << int(r, 8);
      return b;
    }
    case 2: // delete a line
      lines.splice(li(), 1);
      return lines.join('\n');
    case 3: { // duplicate a line (many times)
      const i = li();
      const copies = pick(r, [1, 2, 50]);
      lines.splice(i, 0, ...Array(copies).fill(lines[i] ?? ''));
      return lines.join('\n');
    }
    case 4: { // swap two lines
      const i = li(), j = li();
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 5: { // NUL byte somewhere
      const p = int(r, seed.length + 1);
      return seed.slice(0, p) + '\0' + seed.slice(p);
    }
    case 6: { // a very long line
      const i = li();
      const unit = pick(r, ['a', ' ', ':', ',', '=', 'x:', '{', '"', '\\', '10.0.0.1,', '%', '-', '#']);
      lines[i] = (lines[i] ?? '') + unit.repeat(50_000 + int(r, 100_000));
      return lines.join('\n');
    }
    case 7: { // deep nesting (brace formats: corosync, apt.conf, nft, rsyslog, syslog-ng, JSON)
      const depth = pick(r, [100, 1000, 20_000]);
      const open = pick(r, ['a {\n', '{', 'a { ', '[', 'table inet t {\nchain c {\n', 'if 1 then {\n', 'destination d { ']);
      const close = pick(r, ['}\n', '}', ']', '', '};']);
      const i = li();
      lines.splice(i, 0, open.repeat(depth) + close.repeat(r() < 0.5 ? depth : int(r, depth)));
      return lines.join('\n');
    }
    case 8: { // insert random tokens into a line
      const i = li();
      const l = lines[i] ?? '';
      const p = int(r, l.length + 1);
      lines[i] = l.slice(0, p) + pick(r, WORDS) + l.slice(p);
      return lines.join('\n');
    }
    case 9: { // remove a random character class (separators) from a line
      const i = li();
      const ch = SYNTAX[int(r, SYNTAX.length)];
      lines[i] = (lines[i] ?? '').split(ch).join('');
      return lines.join('\n');
    }
    case 10: { // replace a number with an extreme one
      return seed.replace(/\d+/, pick(r, ['-1', '0', '99999999999999999999999', '1e309', 'NaN', '0x10', '-0', '4294967296']));
    }
    case 11: // CRLF line endings, BOM, or no trailing newline
      return pick(r, [seed.replace(/\n/g, '\r\n'), '\ufeff' + seed, seed.replace(/\n+$/, ''), seed + '\n\n\n']);
    case 12: { // shuffle all lines
      for (let i = lines.length - 1; i > 0; i--) {
        const j = int(r, i + 1);
        [lines[i], lines[j]] = [lines[j], lines[i]];
      }
      return lines.join('\n');
    }
    case 13: { // invalid UTF-8 / control bytes inside text
      const b = Buffer.from(seed);
      const extra = Buffer.from([pick(r, [0xff, 0xc3, 0x80, 0x1b, 0x7f, 0x08, 0x0b, 0x0c])]);
      const p = int(r, b.length + 1);
      return Buffer.concat([b.subarray(0, p), extra, b.subarray(p)]);
    }
    case 14: { // the file repeated (duplicate sections, keys, stanzas)
      return seed.repeat(2 + int(r, 4));
    }
    default: { // several mutations stacked
      let s: string | Buffer = seed;
      for (let k = 0; k < 3; k++) {
        const next = mutate(r, typeof s === 'string' ? s : s.toString('latin1'));
        s = next;
      }
      return s;
    }
  }
}

/**
 * The i-th fuzz input for a parser: a mix of random bytes, random text, splices of two seeds and
 * mutations of seeds. Half of the textual inputs are passed as Buffers (parsers accept both).
 */
export function fuzzInput(r: Rand, seeds: string[]): string | Buffer {
  const c = r();
  let out: string | Buffer;
  if (c < 0.08 || seeds.length === 0) out = randomBytes(r);
  else if (c < 0.2) out = randomText(r);
  else if (c < 0.25) {
    const a = pick(r, seeds).split('\n'), b = pick(r, seeds).split('\n');
    out = [...a.slice(0, int(r, a.length + 1)), ...b.slice(int(r, b.length + 1))].join('\n');
  } else out = mutate(r, pick(r, seeds));
  if (typeof out === 'string' && r() < 0.5) out = Buffer.from(out);
  return out;
}
