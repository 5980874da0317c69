/**
 * Algorithm lists as sshd handles them: validation at parse time (ciphers_valid, mac_valid,
 * kex_names_valid, sshkey_names_valid2) and expansion after loading (kex_assemble_names: `+` appends to,
 * `-` removes from, `^` prepends to the default list; wildcards expand against the supported names).
 */
import { ALGORITHMS, type AlgorithmSet } from './algorithm-data.js';
import type { SshdVersion } from './keywords.js';
import { matchPatternList } from './match.js';

export { ALGORITHMS };

const names = (list: string): string[] => list.split(',');

/** strsep-style walk of a name list: stops at the first empty name, like the C loops. */
function eachName(list: string, fn: (name: string) => boolean): boolean {
  if (list === '') return false;
  for (const p of names(list)) {
    if (p === '') break;
    if (!fn(p)) return false;
  }
  return true;
}

export const ciphersValid = (v: SshdVersion, list: string): boolean =>
  eachName(list, (n) => ALGORITHMS[v].supported.cipher.includes(n));

export const macsValid = (v: SshdVersion, list: string): boolean => eachName(list, (n) => ALGORITHMS[v].supported.mac.includes(n));

/** kex_names_valid; `log` receives the error sshd prints for the first unknown name. */
export function kexValid(v: SshdVersion, list: string, log: (msg: string) => void): boolean {
  return eachName(list, (n) => {
    if (ALGORITHMS[v].supported.kex.includes(n)) return true;
    log(`Unsupported KEX algorithm "${n.slice(0, 100)}"`);
    return false;
  });
}

const isCert = (n: string): boolean => n.includes('-cert-v01@openssh.com');

/** sshkey_names_valid2(names, allow_wildcard = 1[, plain_only in 10.0]). */
export function keyNamesValid(v: SshdVersion, list: string, plainOnly: boolean): boolean {
  const impls = ALGORITHMS[v].supported.keySig;
  return eachName(list, (n) => {
    if (impls.includes(n)) return !(plainOnly && isCert(n));
    return impls.some((impl) => matchPatternList(impl, n) !== 0);
  });
}

/** match_filter_allowlist: names of `proposal` (in its order) matching the pattern list. */
function filterAllow(proposal: readonly string[], patterns: string): string[] {
  return proposal.filter((n) => matchPatternList(n, patterns) === 1);
}

function filterDeny(proposal: readonly string[], patterns: string): string[] {
  return proposal.filter((n) => matchPatternList(n, patterns) !== 1);
}

function cat(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const n of b) if (n !== '' && !out.includes(n)) out.push(n);
  return out;
}

export type AlgorithmKind = 'cipher' | 'mac' | 'kex' | 'key' | 'caSig';

function sets(v: SshdVersion, kind: AlgorithmKind): { def: string[]; all: readonly string[] } {
  const a = ALGORITHMS[v];
  const supported: AlgorithmSet = a.supported;
  const all = kind === 'cipher' ? supported.cipher : kind === 'mac' ? supported.mac : kind === 'kex' ? supported.kex : kind === 'key' ? supported.keySig : supported.sig;
  return { def: filterAllow(names(a.defaults[kind]), all.join(',')), all };
}

// assembleNames is a pure function of its arguments and every dump (one per connection asked about)
// assembles the same few lists: remember them.
const assembled = new Map<string, string | null>();

/** kex_assemble_names. Returns null where sshd fails (negated name in a list, or nothing left). */
export function assembleNames(v: SshdVersion, kind: AlgorithmKind, configured: string | undefined): string | null {
  const key = `${v}\0${kind}\0${configured ?? '\u0001'}`;
  if (assembled.has(key)) return assembled.get(key)!;
  const result = assembleNamesUncached(v, kind, configured);
  if (assembled.size > 10_000) assembled.clear();
  assembled.set(key, result);
  return result;
}

function assembleNamesUncached(v: SshdVersion, kind: AlgorithmKind, configured: string | undefined): string | null {
  const { def, all } = sets(v, kind);
  if (configured === undefined || configured === '') return def.join(',');
  let list: string[];
  if (configured[0] === '+') list = cat(def, names(configured.slice(1)));
  else if (configured[0] === '-') return filterDeny(def, configured.slice(1)).join(',');
  else if (configured[0] === '^') list = cat(names(configured.slice(1)), def);
  else list = names(configured);
  let ret: string[] = [];
  for (const cp of list) {
    if (cp.startsWith('!')) return null;
    ret = cat(ret, filterAllow(all, cp));
  }
  return ret.length === 0 ? null : ret.join(',');
}
