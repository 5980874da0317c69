import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { JOURNAL_DIR, journaldFact } from '../../model/facts/journald.js';
import { fail, pass, type Check } from '../types.js';

export const aud05: Check = {
  meta: {
    id: 'AUD-05',
    section: 'AUD',
    title: 'The systemd journal is kept on disk',
    severity: 'low',
    scope: 'node',
    rationale: 'A journal kept only in /run (RAM) is lost at every reboot, crash or power cut: nothing is left for an investigation, and PVE 9 / Debian 13 log nothing else by default (no rsyslog). Debian 12 and 13 ship journald.conf with Storage= commented out (auto) and the systemd package creates /var/log/journal on a new install, so a stock node keeps its journal; it is lost when Storage=volatile or none is set, or /var/log/journal was removed.',
    fix: 'mkdir -p /etc/systemd/journald.conf.d && printf \'[Journal]\\nStorage=persistent\\n\' > /etc/systemd/journald.conf.d/zz-pvesec.conf\nsystemctl restart systemd-journald && journalctl --flush\n(no drop-in sorting after it may set Storage=; `systemd-analyze cat-config systemd/journald.conf` shows them all)',
    reads: [...[FILES.journaldConf, FILES.journaldConfRun, FILES.journaldConfLocal, FILES.journaldConfVendor],
      ...[FILES.journaldDropinDir, FILES.journaldRunDropinDir, FILES.journaldLocalDropinDir, FILES.journaldVendorDropinDir].map((d) => d + '/*.conf'),
      COMMANDS.journalDir.name],
    references: [
      { title: 'journald.conf(5)', url: 'https://www.freedesktop.org/software/systemd/man/latest/journald.conf.html' },
    ],
  },
  evaluate(ctx) {
    const j = ctx.get(journaldFact);
    const setting: Evidence = j.decidedBy
      ? { source: j.decidedBy.file, line: j.decidedBy.line, text: j.decidedBy.text }
      : { source: j.files[0] ?? FILES.journaldConf, text: j.files.length ? 'no Storage= set: journald\'s default auto' : 'no journald.conf or drop-in: journald\'s default Storage=auto' };
    const dir: Evidence = { source: j.journalDir.source, line: j.journalDir.line, text: `${JOURNAL_DIR}: ${j.journalDir.state}` };
    const stop: Evidence[] = j.stoppedAt ? [{ source: j.stoppedAt.file, line: j.stoppedAt.line, text: 'malformed section header: journald reads no further configuration' }] : [];
    const where = j.decidedBy ? `${j.decidedBy.file}:${j.decidedBy.line}` : 'the default';
    switch (j.storage) {
      case 'persistent':
        return pass(`the journal is kept in ${JOURNAL_DIR} (Storage=persistent, ${where})`, [setting, ...stop]);
      case 'auto':
        if (j.journalDir.state === 'directory') return pass(`the journal is kept in ${JOURNAL_DIR} (Storage=auto, ${where}, and ${JOURNAL_DIR} exists)`, [setting, dir, ...stop]);
        return fail(`the journal is kept in RAM only and lost at every reboot: Storage=auto (${where}) and ${JOURNAL_DIR} is ${j.journalDir.state === 'absent' ? 'missing' : 'not a directory'}`, [setting, dir, ...stop]);
      case 'volatile':
        return fail(`the journal is kept in RAM only and lost at every reboot (Storage=volatile, ${where})`, [setting, ...stop]);
      case 'none':
        return fail(`journald stores no log at all (Storage=none, ${where})`, [setting, ...stop]);
    }
  },
};
