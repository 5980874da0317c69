import path from 'node:path';
import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Snapshot } from '../../collect/snapshot.js';
import type { Diagnostic } from '../../parse/diagnostics.js';
import { isStorageValue, parseJournaldConf, type JournaldStorage } from '../../parse/journald.js';
import { nodeFact, Unavailable } from '../fact.js';

/** Where journald looks for its main file, in priority order (the first that exists is read). */
export const JOURNALD_MAIN_FILES = [FILES.journaldConf, FILES.journaldConfRun, FILES.journaldConfLocal, FILES.journaldConfVendor] as const;
/** Drop-in directories, in priority order (a same-named drop-in in an earlier one masks the later ones). */
export const JOURNALD_DROPIN_DIRS = [FILES.journaldDropinDir, FILES.journaldRunDropinDir, FILES.journaldLocalDropinDir, FILES.journaldVendorDropinDir] as const;
export const JOURNAL_DIR = '/var/log/journal';

export interface ConfigFile { path: string; text: string }

export interface StorageDecision {
  storage: JournaldStorage;
  /** The assignment that decided it; undefined: no valid `Storage=` anywhere, journald's compiled-in `auto`. */
  decidedBy?: { file: string; line: number; text: string };
}

export interface JournaldFact extends StorageDecision {
  /** Where journald stopped reading its configuration (a malformed section header), if it did. */
  stoppedAt?: { file: string; line: number };
  /** The configuration files journald reads, in the order it reads them. */
  files: string[];
  /** The collector's answer about /var/log/journal: `directory`, `absent` or `not a directory`. */
  journalDir: { state: 'directory' | 'absent' | 'not a directory'; source: string; line: number };
  diagnostics: Diagnostic[];
}

/**
 * The files journald reads, in order, as journald.conf(5) "Configuration Directories and Precedence" and
 * systemd's conf_files_list() have it: first the main file (the first of /etc, /run, /usr/local/lib,
 * /usr/lib that exists; systemd 252 of Debian 12 reads only /etc's, which both Debian 12 and 13 ship), then
 * every `*.conf` of the four drop-in directories sorted by file name regardless of directory, where a
 * name present in several directories is taken only from the first of /etc, /run, /usr/local/lib,
 * /usr/lib (a link to /dev/null there, read as empty, masks it). `extra` adds files as if they existed
 * (a remedy's planned drop-in), replacing a collected file of the same path.
 */
export function journaldConfigFiles(s: Snapshot, extra: ConfigFile[] = []): ConfigFile[] {
  const added = new Map(extra.map((f) => [f.path, f.text]));
  const text = (p: string): string | undefined => (added.has(p) ? added.get(p) : s.text(p));
  const out: ConfigFile[] = [];
  const main = JOURNALD_MAIN_FILES.find((p) => text(p) !== undefined);
  if (main) out.push({ path: main, text: text(main)! });
  const byName = new Map<string, string>();
  for (const dir of JOURNALD_DROPIN_DIRS) {
    const names = [
      ...s.listDir(dir, (n) => n.endsWith('.conf')).map((f) => path.posix.basename(f.path)),
      ...extra.filter((f) => path.posix.dirname(f.path) === dir && f.path.endsWith('.conf')).map((f) => path.posix.basename(f.path)),
    ];
    for (const n of names) if (!byName.has(n)) byName.set(n, `${dir}/${n}`);
  }
  // systemd sorts by file name with strcmp: byte order, not the locale's
  const names = [...byName.keys()].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  for (const n of names) out.push({ path: byName.get(n)!, text: text(byName.get(n)!) ?? '' });
  return out;
}

/**
 * The effective `Storage=`: the last valid assignment in reading order wins. journald ignores (with a
 * warning) a value it does not know, the empty value included, so an invalid one leaves the previous in force.
 * A malformed section header stops the reading there, later files included (stoppedAt).
 */
export function effectiveStorage(files: ConfigFile[]): StorageDecision & { diagnostics: Diagnostic[]; stoppedAt?: { file: string; line: number } } {
  let decision: StorageDecision = { storage: 'auto' };
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const parsed = parseJournaldConf(f.text, f.path);
    diagnostics.push(...parsed.diagnostics);
    for (const a of parsed.value.assignments) {
      if (a.key !== 'Storage') continue;
      if (!isStorageValue(a.value)) {
        diagnostics.push({ file: f.path, line: a.line, message: `Storage=${a.value} is not volatile|persistent|auto|none: journald ignores it`, severity: 'warning' });
        continue;
      }
      decision = { storage: a.value, decidedBy: { file: f.path, line: a.line, text: `Storage=${a.value}` } };
    }
    if (parsed.value.stoppedAt !== undefined) return { ...decision, diagnostics, stoppedAt: { file: f.path, line: parsed.value.stoppedAt } };
  }
  return { ...decision, diagnostics };
}

/**
 * journald's storage mode and /var/log/journal. Unavailable when the collection predates it (no
 * `journal-dir` command: old bundles, plain backups) or a configuration location could not be read.
 */
export const journaldFact = nodeFact<JournaldFact>('journald.storage', (ctx) => {
  const s = ctx.snapshot;
  const cmd = s.command(COMMANDS.journalDir.name);
  if (!cmd) throw new Unavailable(`whether ${JOURNAL_DIR} exists was not collected (${s.whyMissing(COMMANDS.journalDir.name)})`);
  const answer = cmd.output.split('\n')[0].trim();
  if (answer !== 'directory' && answer !== 'absent' && answer !== 'not a directory') throw new Unavailable(`${COMMANDS.journalDir.name}: unexpected output "${answer.slice(0, 60)}"`);
  for (const p of [...JOURNALD_MAIN_FILES, ...JOURNALD_DROPIN_DIRS]) {
    const err = [...s.errors.keys()].find((k) => k === p || k.startsWith(p + '/'));
    if (err && !s.file(err)) throw new Unavailable(`journald's configuration is incomplete (${s.whyMissing(err)})`);
  }
  const files = journaldConfigFiles(s);
  const decision = effectiveStorage(files);
  return { ...decision, files: files.map((f) => f.path), journalDir: { state: answer, source: COMMANDS.journalDir.name, line: 1 } };
});
