import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { readBundle } from '../../collect/bundle.js';
import { applyOps, remedyInput, specOf, statusesOf } from '../../harden/plan-testing.js';
import { ManualOnly, type PlannedOp, type Remedy, type RemedyInput } from '../../harden/plan-types.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';
import { readFileSync } from 'node:fs';
import { AUDIT_RULES_FILE, AUDIT_RULES_TEXT, audRemedy, JOURNALD_DROPIN, JOURNALD_DROPIN_TEXT, journalRemedy } from './remedy.js';

const CONTROLS = ['AUD-01', 'AUD-02'];
// Debian's /etc/audit/rules.d/audit.rules as the package ships it
const STOCK = '## First rule - delete all\n-D\n\n## Increase the buffers to survive stress events.\n## Make this bigger for busy systems\n-b 8192\n\n## This determine how long to wait in burst of events\n--backlog_wait_time 60000\n\n## Set failure mode to syslog\n-f 1\n';
const running = (extra: Record<string, string> = {}, state = 'auditd active enabled'): MemorySnapshotSpec => ({
  files: { '/var/lib/dpkg/status': dpkgStatus({ auditd: '1:4.0.2-2+b2' }), '/etc/audit/rules.d/audit.rules': STOCK, ...extra },
  commands: { 'auditctl -l': 'No rules\n', 'systemctl-states': `${state}\nssh active enabled\n` },
});

interface Case { name: string; tree: () => Promise<MemorySnapshotSpec> | MemorySnapshotSpec; expect: Expect }

type Expect = { kinds: string[] } | { manual: RegExp };

/** The remedy's operations, checked against the case's expected kinds; undefined when it (as expected) stays manual. */
function plannedOrManual(remedy: Remedy, input: RemedyInput, c: { name: string; expect: Expect }): PlannedOp[] | undefined {
  let ops: PlannedOp[];
  try {
    ops = remedy.plan(input);
  } catch (e) {
    assert.ok('manual' in c.expect && e instanceof ManualOnly, `${c.name}: ${(e as Error).message}`);
    assert.match(e.reason, c.expect.manual, c.name);
    return undefined;
  }
  if ('manual' in c.expect) assert.fail(`${c.name}: expected ManualOnly`);
  assert.deepEqual(ops.map((o) => o.kind), c.expect.kinds, c.name);
  return ops;
}

const cases: Case[] = [
  { name: 'fresh install: no auditd', tree: async () => specOf(await readBundle('examples/fresh-install')),
    expect: { kinds: ['install-packages', 'write-file', 'service', 'run', 'validate'] } },
  { name: 'auditd running with the stock rules only', tree: () => running(), expect: { kinds: ['write-file', 'run', 'validate'] } },
  { name: 'auditd installed but stopped', tree: () => running({}, 'auditd failed enabled'), expect: { kinds: ['write-file', 'service', 'run', 'validate'] } },
  { name: 'rules made immutable', tree: () => running({ '/etc/audit/rules.d/99-finalize.rules': '-e 2\n' }), expect: { manual: /immutable/ } },
  { name: 'a pvesec.rules the operator wrote', tree: () => running({ [AUDIT_RULES_FILE]: '-w /etc/passwd -p wa\n' }), expect: { manual: /not written by pvesec/ } },
];

test('AUD remedy: auditd and the pvesec rules make AUD-01/02 pass once loaded', async () => {
  for (const c of cases) {
    const tree = await c.tree();
    const ops = plannedOrManual(audRemedy, remedyInput(tree), c);
    if (!ops) continue;
    const before = statusesOf(tree, {}, CONTROLS);
    assert.ok(CONTROLS.some((id) => before.get(id)?.includes('FAIL')), `${c.name}: nothing to fix before`);
    const after = statusesOf(applyOps(tree, ops), {}, CONTROLS);
    for (const id of CONTROLS) assert.deepEqual(after.get(id), ['PASS'], `${c.name}: ${id} after the plan`);
  }
});

test('AUD remedy: the read-back accepts both listings of the watches and refuses a missing one', () => {
  const ops = audRemedy.plan(remedyInput(running()));
  const v = ops.find((o) => o.kind === 'validate');
  assert.ok(v?.kind === 'validate');
  const watches = AUDIT_RULES_TEXT.split('\n').filter((l) => l.startsWith('-w '));
  const dir = mkdtempSync(path.join(tmpdir(), 'pvesec-auditctl-'));
  try {
    const run = (listing: string) => {
      writeFileSync(path.join(dir, 'listing'), listing);
      writeFileSync(path.join(dir, 'auditctl'), `#!/bin/sh\n[ "$1" = -l ] || exit 2\ncat "${dir}/listing"\n`, { mode: 0o755 });
      return spawnSync(v.argv[0], v.argv.slice(1), { env: { PATH: `${dir}:/usr/bin:/bin` } }).status;
    };
    assert.equal(run(watches.join('\n') + '\n'), 0, 'as written');
    // newer auditctl lists a directory watch as a syscall rule
    const syscallForm = watches.map((w) => w.replace(/^-w (\/etc\/(?:pve|ssh|sudoers\.d)\/?) -p wa -k pvesec$/, '-a always,exit -F dir=$1 -F perm=wa -F key=pvesec'));
    assert.notDeepEqual(syscallForm, watches);
    assert.equal(run(syscallForm.join('\n') + '\n'), 0, 'syscall form');
    assert.equal(run(watches.filter((w) => !w.includes('/etc/gshadow')).join('\n') + '\n'), 1, 'gshadow missing');
    assert.equal(run('No rules\n'), 1, 'nothing loaded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('AUD remedy: no watch path ends in a slash (the kernel refuses such a watch on a missing directory)', () => {
  const paths = AUDIT_RULES_TEXT.split('\n').filter((l) => l.startsWith('-w ')).map((l) => l.split(' ')[1]);
  assert.deepEqual(paths.filter((p) => p.endsWith('/')), []);
  assert.ok(paths.includes('/etc/sudoers.d') && paths.includes('/etc/pve'));
});

// Debian 13's journald.conf and the drop-in its systemd package ships
const JOURNALD = readFileSync(new URL('../../parse/fixtures/debian13-journald.conf', import.meta.url), 'utf8');
const SYSLOG_DROPIN = readFileSync(new URL('../../parse/fixtures/debian13-journald-syslog.conf', import.meta.url), 'utf8');
const journal = (files: Record<string, string>, dir = 'directory'): MemorySnapshotSpec => ({
  files: { '/etc/systemd/journald.conf': JOURNALD, '/usr/lib/systemd/journald.conf.d/syslog.conf': SYSLOG_DROPIN, ...files },
  commands: { 'journal-dir': `${dir}\n`, 'systemctl-states': 'ssh active enabled\n' },
});

interface JournalCase { name: string; tree: MemorySnapshotSpec; expect: Expect }
const journalCases: JournalCase[] = [
  { name: 'Storage=volatile in journald.conf', tree: journal({ '/etc/systemd/journald.conf': JOURNALD.replace('#Storage=auto', 'Storage=volatile') }),
    expect: { kinds: ['write-file', 'service', 'run', 'validate'] } },
  { name: 'auto without /var/log/journal', tree: journal({}, 'absent'), expect: { kinds: ['write-file', 'make-dir', 'service', 'run', 'run', 'validate'] } },
  { name: 'a volatile drop-in sorting before zz-pvesec', tree: journal({ '/usr/lib/systemd/journald.conf.d/90-volatile.conf': '[Journal]\nStorage=volatile\n' }),
    expect: { kinds: ['write-file', 'service', 'run', 'validate'] } },
  { name: 'a drop-in sorting after zz-pvesec', tree: journal({ '/run/systemd/journald.conf.d/zzz-ram.conf': '[Journal]\nStorage=volatile\n' }),
    expect: { manual: /\/run\/systemd\/journald\.conf\.d\/zzz-ram\.conf:2 \(Storage=volatile\) sorts after it/ } },
  { name: 'a malformed section header before it', tree: journal({ '/etc/systemd/journald.conf.d/10-x.conf': '[Journal]\nStorage=none\n[Journal\n' }),
    expect: { manual: /stops reading its configuration at \/etc\/systemd\/journald\.conf\.d\/10-x\.conf:3/ } },
  { name: '/var/log/journal is a file', tree: journal({}, 'not a directory'), expect: { manual: /is not a directory/ } },
  { name: 'a zz-pvesec.conf the operator wrote', tree: journal({ [JOURNALD_DROPIN]: '[Journal]\nStorage=volatile\n' }), expect: { manual: /not written by pvesec/ } },
];

test('AUD remedy: a winning journald drop-in makes AUD-05 pass, and a second plan changes nothing', () => {
  for (const c of journalCases) {
    const ops = plannedOrManual(journalRemedy, remedyInput(c.tree), c);
    if (!ops) continue;
    assert.deepEqual(statusesOf(c.tree, {}, ['AUD-05']).get('AUD-05'), ['FAIL'], `${c.name}: before`);
    const after = applyOps(c.tree, ops);
    assert.equal((after.files?.[JOURNALD_DROPIN] as { content: string }).content, JOURNALD_DROPIN_TEXT);
    // the make-dir is not what makes it pass: Storage=persistent does, whatever /var/log/journal was
    assert.deepEqual(statusesOf(after, {}, ['AUD-05']).get('AUD-05'), ['PASS'], `${c.name}: after`);
    const mk = ops.find((o) => o.kind === 'make-dir');
    if (mk?.kind === 'make-dir') assert.deepEqual([mk.path, mk.mode.toString(8), mk.owner, mk.group], ['/var/log/journal', '2755', 'root', 'systemd-journal']);
  }
});

test('AUD remedy: the journal gate fails unless journald writes system.journal under /var/log/journal', () => {
  const ops = journalRemedy.plan(remedyInput(journal({}, 'absent')));
  const v = ops.find((o) => o.kind === 'validate');
  assert.ok(v?.kind === 'validate');
  const script = v.argv[2].replaceAll('/var/log/journal', '"$J"').replace('/etc/machine-id', '"$J/machine-id"');
  const dir = mkdtempSync(path.join(tmpdir(), 'pvesec-journal-'));
  try {
    const run = () => spawnSync(v.argv[0], [v.argv[1], script], { env: { PATH: '/usr/bin:/bin', J: dir }, encoding: 'utf8' });
    writeFileSync(path.join(dir, 'machine-id'), '0123456789abcdef0123456789abcdef\n');
    assert.equal(run().status, 1);
    assert.match(run().stderr, /journald does not write/);
    mkdirSync(path.join(dir, '0123456789abcdef0123456789abcdef'));
    writeFileSync(path.join(dir, '0123456789abcdef0123456789abcdef', 'system.journal'), 'LPKSHHRH');
    assert.equal(run().status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
