import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobsCfg, parseVzdumpCron } from './jobs-cfg.js';

test('jobs.cfg: vzdump jobs with enabled flag and lines', () => {
  const text = `vzdump: backup-0c3a7e1f-9d2b
	schedule sun 01:00
	all 1
	compress zstd
	enabled 1
	mailnotification always
	mode snapshot
	notes-template {{guestname}}
	storage pbs1

vzdump: backup-disabled
	schedule daily
	enabled 0
	storage local
	vmid 100,101

realmsync: realmsync-corp
	realm corp
	schedule daily
`;
  const { value, diagnostics } = parseJobsCfg(text);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(value.map((j) => [j.type, j.id, j.line, j.enabled, j.schedule, j.storage]), [
    ['vzdump', 'backup-0c3a7e1f-9d2b', 1, true, 'sun 01:00', 'pbs1'],
    ['vzdump', 'backup-disabled', 11, false, 'daily', 'local'],
    ['realmsync', 'realmsync-corp', 17, true, 'daily', undefined],
  ]);
});

test('vzdump.cron: only the lines running vzdump', () => {
  const cron = `# cluster wide vzdump cron schedule
# Automatically generated file - do not edit

PATH="/usr/sbin:/usr/bin:/sbin:/bin"

0 2 * * 6           root vzdump 100 101 --mailnotification always --storage local --mode snapshot --quiet 1
`;
  assert.deepEqual(parseVzdumpCron(cron).value.map((j) => j.line), [6]);
  assert.deepEqual(parseVzdumpCron('# only comments\nPATH=/bin\n').value, []);
});
