import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { bak02 } from './bak-02.js';

const JOB = `vzdump: backup-5d1e8c2a-77f0
	schedule sun 01:00
	all 1
	enabled 1
	mode snapshot
	storage pbs1
`;
const node = (files: Record<string, string>) => ({ files: { '/etc/hostname': 'pve1\n', ...files }, dirs: { '/etc/pve': {} } });

test('BAK-02 guest backup job', () => assertCases(bak02, [
  { name: 'enabled vzdump job', node: node({ '/etc/pve/jobs.cfg': JOB }), expect: 'PASS', message: 'backup-5d1e8c2a-77f0 (sun 01:00)' },
  { name: 'job without enabled key is enabled', node: node({ '/etc/pve/jobs.cfg': JOB.replace('\tenabled 1\n', '') }), expect: 'PASS' },
  { name: 'only disabled jobs', node: node({ '/etc/pve/jobs.cfg': JOB.replace('enabled 1', 'enabled 0') }), expect: 'FAIL', message: 'all 1 vzdump job(s) are disabled' },
  { name: 'legacy vzdump.cron', node: node({ '/etc/pve/vzdump.cron': 'PATH="/usr/sbin:/usr/bin:/sbin:/bin"\n\n0 2 * * 6 root vzdump 100 --quiet 1 --storage local\n' }), expect: 'PASS', message: 'legacy vzdump.cron' },
  { name: 'no jobs at all', node: node({ '/etc/pve/jobs.cfg': 'realmsync: sync-corp\n\trealm corp\n\tschedule daily\n' }), expect: 'FAIL', message: 'no guest backup job' },
  { name: 'jobs.cfg absent', node: node({}), expect: 'FAIL' },
  { name: '/etc/pve not collected', node: { files: { '/etc/hostname': 'pve1\n' } }, expect: 'SKIP' },
]));
