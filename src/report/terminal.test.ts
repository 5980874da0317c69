import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUSES } from '../core/types.js';
import { ALL_CHECKS } from '../checks/registry.js';
import { filterReport } from './filter.js';
import { renderTerminal, useColor } from './terminal.js';
import { clean } from './text.js';
import { FIXTURE_CHECKS, fixtureReport } from './testing.js';

const ESC = '\x1b';
const findingLine = new RegExp(`^(?:${ESC}\\[[0-9;]*m)*(${STATUSES.join('|')}):`);

/** Counts of the status lines shown, and the SUMMARY numbers, from the rendered text. */
function shownAndSummary(text: string) {
  const shown: Record<string, number> = {};
  const body = text.slice(0, text.indexOf('= SUMMARY ='));
  for (const line of body.split('\n')) {
    const m = findingLine.exec(line);
    if (m) shown[m[1]] = (shown[m[1]] ?? 0) + 1;
  }
  const summary = text.slice(text.indexOf('= SUMMARY =')).replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(summary)?.[1]);
  return {
    shown,
    summary: { PASS: num('PASSED'), WARN: num('WARNINGS'), FAIL: num('FAILURES'), SKIP: num('SKIPPED'), NOTICE: num('NOTICES'), INFO: num('INFO') } as Record<string, number>,
    total: num('TOTAL'),
  };
}

test('pve8to9-style checklist: cluster block, node blocks, = SECTION = headers, STATUS: ID lines', () => {
  const text = renderTerminal(fixtureReport(), { color: false });
  assert.ok(!text.includes(ESC), 'no escape sequence without colour');
  assert.match(text, /^== CLUSTER prod: pve1, pve2 \(score 64\/100\) ==$/m);
  assert.match(text, /^== NODE pve2 of cluster prod \(score 23\/100\) ==$/m);
  assert.match(text, /^== NODE lab1, standalone \(score 100\/100\) ==$/m);
  assert.match(text, /^= SSH DAEMON =$/m);
  assert.match(text, /^FAIL: SSH-02 \[critical\] Password authentication is disabled: PasswordAuthentication yes$/m);
  assert.match(text, /^ {4}sshd -T:6: passwordauthentication yes$/m, 'command evidence with its line');
  assert.match(text, /^ {4}\/etc\/ssh\/sshd_config:6: X11Forwarding yes$/m, 'file evidence with its line');
  assert.match(text, /^NOTICE: SSH-12 .*waived WARN until 2027-03-31/m);
  assert.match(text, /^SKIP: SSH-02 .*sshd -T: permission denied/m);
  assert.match(text, /^ERROR: ssh:\/\/root@pve9: connect ECONNREFUSED/m);
  assert.match(text, /^SCORE:\s+67\/100 \(cluster prod 64, pve1 89, pve2 23, lab1 100\)$/m);
  // Sections in catalogue order within a block: HOST ACCOUNTS before SSH DAEMON before KERNEL AND OS.
  const pve1 = text.slice(text.indexOf('== NODE pve1'), text.indexOf('== NODE pve2'));
  assert.ok(pve1.indexOf('= HOST ACCOUNTS =') < pve1.indexOf('= SSH DAEMON =') && pve1.indexOf('= SSH DAEMON =') < pve1.indexOf('= KERNEL AND OS ='));
});

test('summary counts add up to the finding lines shown, with and without --only', () => {
  for (const only of [undefined, ['FAIL', 'WARN'] as const, ['SKIP'] as const]) {
    const text = renderTerminal(filterReport(fixtureReport(), only ? [...only] : undefined), { color: true });
    const { shown, summary, total } = shownAndSummary(text);
    for (const s of STATUSES) assert.equal(summary[s], shown[s] ?? 0, `${s} with --only ${only}`);
    assert.equal(total, Object.values(shown).reduce((a, b) => a + b, 0));
  }
  const failWarn = shownAndSummary(renderTerminal(filterReport(fixtureReport(), ['FAIL', 'WARN']), { color: false }));
  assert.equal(failWarn.total, 2);
});

test('every real control of the registry renders into the checklist and is counted', () => {
  const text = renderTerminal(fixtureReport([...ALL_CHECKS, ...FIXTURE_CHECKS.filter((f) => !ALL_CHECKS.some((c) => c.meta.id === f.meta.id))]), { color: false });
  const { shown, summary, total } = shownAndSummary(text);
  for (const s of STATUSES) assert.equal(summary[s], shown[s] ?? 0, s);
  assert.ok(total >= 17);
});

test('colours: green PASS, yellow WARN, red FAIL, blue NOTICE, dim SKIP', () => {
  const text = renderTerminal(fixtureReport(), { color: true });
  assert.ok(text.includes(`${ESC}[32mPASS:${ESC}[0m FW-01`));
  assert.ok(text.includes(`${ESC}[33mWARN:${ESC}[0m KRN-03`));
  assert.ok(text.includes(`${ESC}[31m${ESC}[1mFAIL:${ESC}[0m SSH-02`));
  assert.ok(text.includes(`${ESC}[34mNOTICE:${ESC}[0m`));
  assert.ok(text.includes(`${ESC}[2mSKIP:${ESC}[0m`));
});

test('text from the node cannot inject escape sequences or break lines', () => {
  for (const color of [false, true]) {
    const text = renderTerminal(fixtureReport(), { color });
    assert.ok(!text.includes('\x1b[2J'), 'the clear-screen sequence in a process name is neutralised');
    assert.match(text, /users:\(\("x<&>'\\x1b\[2J"/);
  }
  assert.equal(clean('a\nb\rc\td\x00e\x9b'), 'a b c d\\x00e\\x9b');
});

test('useColor: only on a TTY, never with --no-color, NO_COLOR or TERM=dumb', () => {
  assert.equal(useColor({ isTTY: true }, false, {}), true);
  assert.equal(useColor({ isTTY: false }, false, {}), false);
  assert.equal(useColor({}, false, {}), false);
  assert.equal(useColor({ isTTY: true }, true, {}), false);
  assert.equal(useColor({ isTTY: true }, false, { NO_COLOR: '1' }), false);
  assert.equal(useColor({ isTTY: true }, false, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count (no-color.org)');
  assert.equal(useColor({ isTTY: true }, false, { TERM: 'dumb' }), false);
});
