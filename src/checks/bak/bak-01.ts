import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { COMMANDS } from '../../collect/sources.js';
import { nodeFact, Unavailable } from '../../model/fact.js';
import { archiveContains, parseConfigBackups } from '../../parse/config-backups.js';

const NAME = COMMANDS.configBackups.name;
const REQUIRED = ['etc/pve', 'etc/ssh', 'etc/apt'];

const configBackupFact = nodeFact('bak.config-backups', (ctx) => {
  const c = ctx.requireCommand(NAME);
  if (c.exitCode !== undefined && c.exitCode !== 0 && c.output.trim() === '') throw new Unavailable(`${NAME} failed with exit code ${c.exitCode}`);
  return parseConfigBackups(c.output, NAME).value;
});

export const bak01: Check = {
  meta: {
    id: 'BAK-01', section: 'BAK', title: 'Recent configuration backup of the node', severity: 'medium', scope: 'node',
    rationale: 'Guest backups do not contain the host: without a copy of /etc/pve, /etc/ssh and /etc/apt a lost node or a broken cluster filesystem has to be rebuilt from memory.',
    fix: 'Schedule a daily archive, e.g. in /etc/cron.daily/pve-config-backup: tar -czf /root/pve-config-$(date +%F).tar.gz /etc/pve /etc/ssh /etc/apt /etc/network /etc/hosts (and copy it off the node)',
    reads: [NAME],
    references: [{ title: 'Proxmox VE wiki: Proxmox Cluster File System (pmxcfs) recovery', url: 'https://pve.proxmox.com/wiki/Proxmox_Cluster_File_System_(pmxcfs)' }],
  },
  evaluate(ctx) {
    const backup = ctx.get(configBackupFact);
    const glob = ctx.config.config_backup_glob;
    const maxDays = ctx.config.config_backup_max_age_days;
    if (!backup) return fail(`no configuration backup matching ${glob}`, [{ source: NAME, text: '(empty output)' }]);
    const ev = [{ source: NAME, line: 1, text: `${backup.path} (${backup.size} bytes)` }];
    const ageDays = (ctx.now.getTime() / 1000 - backup.mtime) / 86400;
    const date = new Date(backup.mtime * 1000).toISOString().slice(0, 10);
    const problems: string[] = [];
    if (ageDays > maxDays) problems.push(`newest backup ${backup.path} is ${Math.floor(ageDays)} days old (${date}, limit ${maxDays})`);
    const missing = REQUIRED.filter((d) => !archiveContains(backup, d));
    if (missing.length) problems.push(`${backup.path} lacks ${missing.join(', ')}`);
    if (problems.length) return fail(problems.join('; '), ev);
    return pass(`${backup.path} from ${date} (${Math.max(0, Math.floor(ageDays))} days old) contains ${REQUIRED.join(', ')}`, ev);
  },
};
