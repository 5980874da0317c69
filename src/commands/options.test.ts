import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idMatches } from '../checks/registry.js';
import { parseControls, parseFailOn, parseFormat, parseOnly, parsePositiveInt, parseTimeoutSeconds, UsageError } from './options.js';

const usage = (fn: () => unknown, fragment: RegExp) => assert.throws(fn, (e: unknown) => e instanceof UsageError && fragment.test(e.message));

test('--format: text by default, case-insensitive, unknown values rejected naming the choices', () => {
  assert.equal(parseFormat(undefined), 'text');
  assert.equal(parseFormat('SARIF'), 'sarif');
  usage(() => parseFormat('xml'), /--format: "xml" is not one of text, json, sarif, junit/);
  usage(() => parseFormat('sarif', ['text', 'json']), /not one of text, json$/);
});

test('--fail-on: high by default; severities and none', () => {
  assert.equal(parseFailOn(undefined), 'high');
  assert.equal(parseFailOn('critical'), 'critical');
  assert.equal(parseFailOn('None'), 'none');
  usage(() => parseFailOn('severe'), /--fail-on: "severe" is not one of critical, high, medium, low, info, none/);
});

test('--only: comma list of statuses', () => {
  assert.equal(parseOnly(undefined), undefined);
  assert.deepEqual(parseOnly('fail, WARN'), ['FAIL', 'WARN']);
  usage(() => parseOnly('FAIL,ERROR'), /--only: "ERROR"/);
  usage(() => parseOnly(','), /--only: give statuses/);
});

test('--control: patterns must match a known control', () => {
  const ids = ['SSH-01', 'SSH-02', 'FW-01'];
  assert.deepEqual(parseControls('SSH-*, fw-01', ids, idMatches), ['SSH-*', 'fw-01']);
  usage(() => parseControls('XYZ-*', ids, idMatches), /"XYZ-\*" matches no control/);
  usage(() => parseControls('SSH-(01)', ids, idMatches), /is not a control id or pattern/);
});

test('--concurrency and --timeout', () => {
  assert.equal(parsePositiveInt('--concurrency', '4'), 4);
  usage(() => parsePositiveInt('--concurrency', '0'), /--concurrency: "0"/);
  usage(() => parsePositiveInt('--concurrency', 'four'), /not a positive whole number/);
  assert.equal(parseTimeoutSeconds('2.5'), 2500);
  assert.equal(parseTimeoutSeconds(undefined), undefined);
  usage(() => parseTimeoutSeconds('-1'), /--timeout: "-1"/);
  usage(() => parseTimeoutSeconds('0'), /--timeout/);
});

test('SSH options: a command that reads one node has no --concurrency; the others have it', async () => {
  const { Command } = await import('commander');
  const { sshOptions } = await import('./ssh-options.js');
  const flags = (c: InstanceType<typeof Command>) => c.options.map((o) => o.long);
  assert.ok(flags(sshOptions(new Command('audit'))).includes('--concurrency'));
  const one = flags(sshOptions(new Command('history'), { oneNode: true }));
  assert.deepEqual(one, ['--identity', '--known-hosts', '--accept-new', '--timeout']);
});
