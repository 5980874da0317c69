import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { assertCases, runCheck } from '../testing.js';
import { aud05 } from './aud-05.js';

// journald.conf as Debian 12's and 13's systemd packages ship it (Storage= commented out: auto)
const DEBIAN12 = readFileSync(new URL('../../parse/fixtures/debian12-journald.conf', import.meta.url), 'utf8');
const DEBIAN13 = readFileSync(new URL('../../parse/fixtures/debian13-journald.conf', import.meta.url), 'utf8');
const MAIN = '/etc/systemd/journald.conf';
const ETC_D = '/etc/systemd/journald.conf.d';
const RUN_D = '/run/systemd/journald.conf.d';
const LIB_D = '/usr/lib/systemd/journald.conf.d';

const node = (files: Record<string, string>, dir: string | null = 'directory'): MemorySnapshotSpec =>
  ({ files, commands: dir === null ? {} : { 'journal-dir': `${dir}\n` } });

test('AUD-05 journal kept on disk', () => {
  assertCases(aud05, [
    { name: 'Debian 12 stock: auto with /var/log/journal', node: node({ [MAIN]: DEBIAN12 }), expect: 'PASS', message: 'Storage=auto, the default, and /var/log/journal exists' },
    { name: 'Debian 13 stock, /var/log/journal removed', node: node({ [MAIN]: DEBIAN13 }, 'absent'), expect: 'FAIL', message: 'Storage=auto (the default) and /var/log/journal is missing' },
    { name: 'auto, a file in its place', node: node({ [MAIN]: DEBIAN13 }, 'not a directory'), expect: 'FAIL', message: 'is not a directory' },
    { name: 'no configuration file at all', node: node({}), expect: 'PASS', message: 'Storage=auto' },
    { name: 'volatile in journald.conf', node: node({ [MAIN]: DEBIAN12.replace('#Storage=auto', 'Storage=volatile') }), expect: 'FAIL', message: `Storage=volatile, ${MAIN}:18` },
    { name: 'none', node: node({ [MAIN]: DEBIAN12, [`${ETC_D}/quiet.conf`]: '[Journal]\nStorage=none\n' }), expect: 'FAIL', message: 'stores no log at all' },
    { name: 'a drop-in overrides the main file', node: node({ [MAIN]: DEBIAN12.replace('#Storage=auto', 'Storage=volatile'), [`${ETC_D}/persist.conf`]: '[Journal]\nStorage=persistent\n' }, 'absent'), expect: 'PASS', message: `Storage=persistent, ${ETC_D}/persist.conf:2` },
    { name: 'drop-ins sort by name across directories: /usr/lib 20- beats /etc 10-', node: node({ [MAIN]: DEBIAN12, [`${ETC_D}/10-persist.conf`]: '[Journal]\nStorage=persistent\n', [`${LIB_D}/20-volatile.conf`]: '[Journal]\nStorage=volatile\n' }), expect: 'FAIL', message: `${LIB_D}/20-volatile.conf:2` },
    { name: 'a same-named drop-in in /etc masks the vendor one', node: node({ [MAIN]: DEBIAN12, [`${LIB_D}/50-volatile.conf`]: '[Journal]\nStorage=volatile\n', [`${ETC_D}/50-volatile.conf`]: '' }), expect: 'PASS' },
    { name: '/run masks /usr/lib too', node: node({ [`${LIB_D}/50-j.conf`]: '[Journal]\nStorage=persistent\n', [`${RUN_D}/50-j.conf`]: '[Journal]\nStorage=volatile\n' }), expect: 'FAIL', message: `${RUN_D}/50-j.conf:2` },
    { name: 'only *.conf drop-ins count', node: node({ [MAIN]: DEBIAN12, [`${ETC_D}/volatile.conf.disabled`]: '[Journal]\nStorage=volatile\n' }), expect: 'PASS' },
    { name: 'an invalid value is ignored: the earlier one stays', node: node({ [MAIN]: 'Storage=oops\n[Journal]\nStorage=volatile\n', [`${ETC_D}/x.conf`]: '[Journal]\nStorage=Persistent\nStorage=\n' }), expect: 'FAIL', message: `Storage=volatile, ${MAIN}:3` },
    { name: 'last assignment in a file wins', node: node({ [MAIN]: '[Journal]\nStorage=persistent\nStorage=volatile\n' }), expect: 'FAIL', message: `${MAIN}:3` },
    { name: 'Storage= in another section is not journald\'s', node: node({ [MAIN]: '[Upload]\nStorage=volatile\n[Journal]\n' }), expect: 'PASS' },
    { name: 'the main file in /run is read only when /etc has none', node: node({ [MAIN]: DEBIAN12, '/run/systemd/journald.conf': '[Journal]\nStorage=volatile\n' }), expect: 'PASS' },
    { name: 'the vendor main file when /etc has none (systemd 254+)', node: node({ '/usr/lib/systemd/journald.conf': '[Journal]\nStorage=volatile\n' }), expect: 'FAIL', message: '/usr/lib/systemd/journald.conf:2' },
    { name: 'a malformed section header ends the reading', node: node({ [MAIN]: DEBIAN12, [`${ETC_D}/10-bad.conf`]: '[Journal]\nStorage=volatile\n[Journal\n', [`${ETC_D}/20-persist.conf`]: '[Journal]\nStorage=persistent\n' }), expect: 'FAIL', message: `${ETC_D}/10-bad.conf:2` },
    { name: 'old bundle: no journal-dir', node: node({ [MAIN]: DEBIAN12 }, null), expect: 'SKIP', message: 'whether /var/log/journal exists was not collected (journal-dir is not in the bundle)' },
    { name: 'an unreadable drop-in', node: { ...node({ [MAIN]: DEBIAN12 }), errors: { [`${ETC_D}/secret.conf`]: 'permission denied' } }, expect: 'SKIP', message: `${ETC_D}/secret.conf: permission denied` },
    { name: 'garbage from journal-dir', node: node({ [MAIN]: DEBIAN12 }, 'sh: 1: syntax error'), expect: 'SKIP', message: 'unexpected output' },
  ]);
});

test('AUD-05 evidence names the file and line that decided, and /var/log/journal for auto', () => {
  const [f] = runCheck(aud05, { node: node({ [MAIN]: DEBIAN12, [`${LIB_D}/20-volatile.conf`]: '[Journal]\n\nStorage=auto\n' }, 'absent') });
  assert.equal(f.status, 'FAIL');
  assert.deepEqual(f.evidence.map((e) => [e.source, e.line, e.text]), [
    [`${LIB_D}/20-volatile.conf`, 3, 'Storage=auto'],
    ['journal-dir', 1, '/var/log/journal: absent'],
  ]);
  const [d] = runCheck(aud05, { node: node({ [MAIN]: DEBIAN13 }) });
  assert.deepEqual(d.evidence.map((e) => [e.source, e.text]), [[MAIN, "no Storage= set: journald's default auto"], ['journal-dir', '/var/log/journal: directory']]);
});
