/**
 * Comparison of the model with real sshd's recorded answers (test/fixtures/sshd/cases.jsonl.gz):
 * verdicts of `sshd -t` (refused or not, and the exact messages), and every key of `sshd -T` and of
 * each `sshd -T -C spec`. Used by differential.test.ts and to write the table in docs/sshd.md.
 */
import { dumpConfig, testConfig, type DumpLine, type SshdTree, type SshdVersion } from './index.js';

export interface RecordedRun {
  rc: number;
  out: string;
}
export interface RecordedAnswer {
  package: string;
  test: RecordedRun;
  dump?: RecordedRun;
  conn?: RecordedRun[];
}
export interface RecordedCase {
  id: string;
  files: Record<string, string>;
  answers: Record<SshdVersion, RecordedAnswer>;
}

/** Keys whose value depends on the host's network stack (getaddrinfo), compared as sets. */
export const SET_KEYS = new Set(['listenaddress']);

export interface Disagreement {
  id: string;
  version: SshdVersion;
  /** `test`, or `dump:<key>` / `conn<N>:<key>`, or `dump` / `conn<N>` for the verdict. */
  what: string;
  model: string;
  sshd: string;
}

export interface KeyTally {
  agree: number;
  total: number;
}

export interface VersionTally {
  cases: number;
  refused: number;
  refusedRecognised: number;
  loadableRecognised: number;
  messagesAgree: number;
  keys: KeyTally;
  perKey: Map<string, KeyTally>;
}

const lines = (out: string): string[] => out.replace(/\r/g, '').split('\n').filter((l) => l !== '');

/** sshd -T output: the messages sshd logged while reading (stderr, unbuffered, first), then the dump from `port`. */
function splitDump(out: string): { log: string[]; dump: string[] } {
  const all = lines(out);
  const start = all.findIndex((l) => /^port \d+$/.test(l));
  return start === -1 ? { log: all, dump: [] } : { log: all.slice(0, start), dump: all.slice(start) };
}

function parseDump(dumpLines: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of dumpLines) {
    const sp = l.indexOf(' ');
    const k = sp === -1 ? l : l.slice(0, sp);
    const v = sp === -1 ? '' : l.slice(sp + 1);
    m.set(k, [...(m.get(k) ?? []), v]);
  }
  return m;
}

function modelDump(ls: readonly DumpLine[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of ls) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
}

export function groupsOf(users: Record<string, readonly string[]>): (user: string) => readonly string[] | undefined {
  return (user) => (user === 'root' ? ['root'] : users[user] ? [user, ...users[user]] : undefined);
}

export function compareCase(c: RecordedCase, version: SshdVersion, specs: readonly string[], users: Record<string, readonly string[]>, tally: VersionTally, out: Disagreement[]): void {
  const tree: SshdTree = { files: c.files, groups: groupsOf(users) };
  const answer = c.answers[version];
  const t = testConfig(tree, version);
  const refused = answer.test.rc !== 0;
  tally.cases++;
  if (refused) tally.refused++;
  const modelText = t.messages.map((m) => m.text).join('\n');
  const sshdText = lines(answer.test.out).join('\n');
  if ((t.rc !== 0) === refused) {
    if (refused) tally.refusedRecognised++;
    else tally.loadableRecognised++;
  }
  if (t.rc === answer.test.rc && modelText === sshdText) tally.messagesAgree++;
  else out.push({ id: c.id, version, what: 'test', model: `rc ${t.rc}: ${modelText}`, sshd: `rc ${answer.test.rc}: ${sshdText}` });
  if (refused) return;
  const runs: [string, RecordedRun | undefined, string | undefined][] = [['dump', answer.dump, undefined]];
  (answer.conn ?? []).forEach((r, i) => runs.push([`conn${i}`, r, specs[i]]));
  for (const [label, rec, spec] of runs) {
    if (!rec) continue;
    const d = dumpConfig(tree, version, spec);
    if (rec.rc !== 0 || d.rc !== 0) {
      const mt = d.messages.map((m) => m.text).join('\n');
      const st = lines(rec.out).join('\n');
      if (!(rec.rc === d.rc && mt === st)) out.push({ id: c.id, version, what: label, model: `rc ${d.rc}: ${mt}`, sshd: `rc ${rec.rc}: ${st}` });
      continue;
    }
    const { log, dump } = splitDump(rec.out);
    const modelLog = d.messages.map((m) => m.text).join('\n');
    if (modelLog !== log.join('\n')) out.push({ id: c.id, version, what: `${label}:messages`, model: modelLog, sshd: log.join('\n') });
    const real = parseDump(dump);
    const mine = modelDump(d.lines);
    for (const key of new Set([...real.keys(), ...mine.keys()])) {
      const a = mine.get(key) ?? [];
      const b = real.get(key) ?? [];
      const same = SET_KEYS.has(key) ? [...a].sort().join('\n') === [...b].sort().join('\n') : a.join('\n') === b.join('\n');
      const k = tally.perKey.get(key) ?? { agree: 0, total: 0 };
      k.total++;
      tally.keys.total++;
      if (same) {
        k.agree++;
        tally.keys.agree++;
      } else out.push({ id: c.id, version, what: `${label}:${key}`, model: a.join(' | '), sshd: b.join(' | ') });
      tally.perKey.set(key, k);
    }
  }
}

export const newTally = (): VersionTally => ({
  cases: 0, refused: 0, refusedRecognised: 0, loadableRecognised: 0, messagesAgree: 0, keys: { agree: 0, total: 0 }, perKey: new Map(),
});
