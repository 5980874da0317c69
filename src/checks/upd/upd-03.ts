import { FILES } from '../../collect/sources.js';
import { aptConfigFact } from '../../model/facts/system.js';
import { aptTrue } from '../../parse/apt-conf.js';
import { fail, pass, warn, type Check } from '../types.js';
import { confEvidence, UPD_REFERENCES } from './common.js';

const KEY = 'Unattended-Upgrade::Automatic-Reboot';

export const upd03: Check = {
  meta: {
    id: 'UPD-03',
    section: 'UPD',
    title: 'Unattended upgrades never reboot the hypervisor',
    severity: 'medium',
    scope: 'node',
    rationale: 'An automatic reboot stops or migrates every guest at an unplanned time and can break cluster quorum; reboots of a hypervisor are planned.',
    fix: `Set ${KEY} "false"; in /etc/apt/apt.conf.d/50unattended-upgrades (or remove the line: false is the default).`,
    reads: [FILES.aptConfDir + '/*'],
    references: UPD_REFERENCES,
  },
  evaluate(ctx) {
    const v = ctx.get(aptConfigFact).get(KEY);
    if (v === undefined) return pass(`${KEY} is not set (default false)`, [{ source: FILES.aptConfDir, text: `no ${KEY} in any file APT reads` }]);
    const b = aptTrue(v.value);
    if (b === false) return pass(`${KEY} is "${v.value}"`, confEvidence(KEY, v));
    if (b === true) return fail(`${KEY} is "${v.value}": the node reboots by itself after upgrades`, confEvidence(KEY, v));
    return warn(`${KEY} has an unrecognised value "${v.value}"`, confEvidence(KEY, v));
  },
};
