import { COMMANDS } from '../../collect/sources.js';
import { authFailuresFact } from '../../model/facts/system.js';
import { countBySource } from '../../parse/auth-log.js';
import { info, type Check } from '../types.js';

const CMD = COMMANDS.authFailures.name;
const SHOWN = 5;

export const aud04: Check = {
  meta: {
    id: 'AUD-04',
    section: 'AUD',
    title: 'Failed SSH and web-UI logins by source address',
    severity: 'info',
    scope: 'node',
    rationale: 'Who is guessing passwords, and where from, tells whether the management ports are reachable from where they should not be.',
    fix: 'Nothing to fix by itself; restrict access to 22/8006 (FW-04, FW-05) and ban repeat offenders (BF-02, BF-03).',
    reads: [CMD + ' (auth.log or journal of sshd, pvedaemon, pveproxy, last 7 days)'],
    references: [{ title: 'Proxmox VE Administration Guide: user management', url: 'https://pve.proxmox.com/pve-docs/pve-admin-guide.html#user_mgmt' }],
  },
  evaluate(ctx) {
    const log = ctx.get(authFailuresFact);
    if (!log.failures.length) return info('no failed SSH or web-UI login in the collected window');
    const counts = countBySource(log.failures);
    const fmt = (c: (typeof counts)[number]) => `${c.source} ${c.total} (${[c.byService.ssh ? `ssh ${c.byService.ssh}` : '', c.byService.web ? `web ${c.byService.web}` : ''].filter(Boolean).join(', ')})`;
    const window = log.first && log.last ? ` between ${log.first} and ${log.last}` : '';
    const shown = counts.slice(0, SHOWN).map(fmt).join('; ');
    const more = counts.length > SHOWN ? `; ${counts.length - SHOWN} more` : '';
    // evidence names line numbers of the collected output, never the raw line (it may hold a typed password)
    const evidence = counts.slice(0, 20).map((c) => {
      const first = log.failures.find((f) => f.source === c.source)!;
      return { source: CMD, line: first.line, text: fmt(c) };
    });
    return info(`${log.failures.length} failed login${log.failures.length === 1 ? '' : 's'} from ${counts.length} source${counts.length === 1 ? '' : 's'}${window}: ${shown}${more}`, evidence);
  },
};
