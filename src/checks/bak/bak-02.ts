import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { backupJobsFact } from '../../model/facts/pve.js';
import { FILES } from '../../collect/sources.js';

export const bak02: Check = {
  meta: {
    id: 'BAK-02', section: 'BAK', title: 'A guest backup job is configured', severity: 'low', scope: 'cluster',
    rationale: 'Without a scheduled vzdump job, guests are only as safe as their storage.',
    fix: 'Datacenter > Backup > Add, or: pvesh create /cluster/backup --schedule "sun 01:00" --all 1 --storage STORAGE --mode snapshot --enabled 1',
    reads: [FILES.jobsCfg, FILES.vzdumpCron],
    references: [{ title: 'Proxmox VE Administration Guide: Backup and Restore', url: 'https://pve.proxmox.com/pve-docs/chapter-vzdump.html' }],
  },
  evaluate(ctx) {
    const { jobs, cron } = ctx.get(backupJobsFact);
    const vzdump = jobs.filter((j) => j.type === 'vzdump');
    const enabled = vzdump.filter((j) => j.enabled);
    if (enabled.length) {
      const j = enabled[0];
      return pass(`${enabled.length} enabled vzdump job(s): ${enabled.map((x) => `${x.id} (${x.schedule ?? 'no schedule'})`).slice(0, 4).join(', ')}`,
        [{ source: FILES.jobsCfg, line: j.line, text: `vzdump: ${j.id}` }]);
    }
    if (cron.length) return pass(`${cron.length} legacy vzdump.cron job(s)`, [{ source: FILES.vzdumpCron, line: cron[0].line, text: cron[0].text.slice(0, 160) }]);
    if (vzdump.length) {
      return fail(`all ${vzdump.length} vzdump job(s) are disabled`, vzdump.slice(0, 4).map((j) => ({ source: FILES.jobsCfg, line: j.props.get('enabled')?.line ?? j.line, text: `vzdump: ${j.id} enabled 0` })));
    }
    return fail('no guest backup job configured (no vzdump job in jobs.cfg or vzdump.cron)', [{ source: FILES.jobsCfg, text: 'no vzdump job' }]);
  },
};
