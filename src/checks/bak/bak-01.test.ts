import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { bak01 } from './bak-01.js';

const now = new Date('2026-11-25T12:00:00Z');
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const listing = (mtime: number, members = ['etc/pve/', 'etc/pve/user.cfg', 'etc/pve/storage.cfg', 'etc/ssh/', 'etc/ssh/sshd_config', 'etc/apt/', 'etc/apt/sources.list.d/pve.sources', 'etc/network/interfaces']) =>
  `${mtime} 51234 /root/pve-config-2026-11-24.tar.gz\n${members.join('\n')}\n`;
const node = (output: string | { output: string; exitCode?: number }) => ({ files: { '/etc/hostname': 'pve1\n' }, commands: { 'config-backups': output } });

test('BAK-01 configuration backup', () => assertCases(bak01, [
  { name: 'one day old, complete', node: node(listing(epoch('2026-11-24T03:00:00Z'))), now, expect: 'PASS', message: 'from 2026-11-24 (1 days old) contains etc/pve, etc/ssh, etc/apt' },
  { name: 'no backup', node: node(''), now, expect: 'FAIL', message: 'no configuration backup matching /root/pve-config-*.tar.gz' },
  { name: 'too old', node: node(listing(epoch('2026-11-01T03:00:00Z'))), now, expect: 'FAIL', message: 'is 24 days old' },
  { name: 'too old for a custom limit', node: node(listing(epoch('2026-11-20T03:00:00Z'))), now, config: { config_backup_max_age_days: 3 }, expect: 'FAIL', message: 'limit 3' },
  { name: 'missing etc/ssh and etc/apt', node: node(listing(epoch('2026-11-25T01:00:00Z'), ['etc/pve/', 'etc/pve/user.cfg'])), now, expect: 'FAIL', message: 'lacks etc/ssh, etc/apt' },
  { name: 'leading ./ and / in member names', node: node(listing(epoch('2026-11-25T01:00:00Z'), ['./etc/pve/user.cfg', '/etc/ssh/sshd_config', './etc/apt/sources.list'])), now, expect: 'PASS' },
  { name: 'not collected', node: { files: { '/etc/hostname': 'pve1\n' }, errors: { 'config-backups': 'permission denied (not collected as root)' } }, now, expect: 'SKIP', message: 'permission denied' },
  { name: 'garbage output', node: node('tar: /root/pve-config-x.tar.gz: Cannot open\n'), now, expect: 'SKIP', message: 'cannot parse' },
]));
