import { FILES } from '../../collect/sources.js';
import { isInstalled, packagesFact, unitStatesFact } from '../../model/facts/system-base.js';
import { aptConfigFact } from '../../model/facts/system.js';
import type { Evidence } from '../../core/types.js';
import { fail, pass, warn, type Check } from '../types.js';
import { confEvidence, UPD_REFERENCES } from './common.js';

const KEYS = ['APT::Periodic::Update-Package-Lists', 'APT::Periodic::Unattended-Upgrade'];

export const upd01: Check = {
  meta: {
    id: 'UPD-01',
    section: 'UPD',
    title: 'Unattended upgrades run daily',
    severity: 'high',
    scope: 'node',
    rationale: 'Security fixes for OpenSSH, OpenSSL and the kernel land in Debian within hours; a node that waits for a human stays exposed for weeks.',
    fix: 'apt install unattended-upgrades && printf \'APT::Periodic::Update-Package-Lists "1";\\nAPT::Periodic::Unattended-Upgrade "1";\\n\' > /etc/apt/apt.conf.d/20auto-upgrades',
    reads: [FILES.dpkgStatus, '/etc/apt/apt.conf.d/*', 'systemctl-states'],
    references: UPD_REFERENCES,
  },
  evaluate(ctx) {
    const pkgs = ctx.get(packagesFact);
    if (!isInstalled(pkgs, 'unattended-upgrades')) return fail('unattended-upgrades is not installed', [{ source: FILES.dpkgStatus, text: 'no installed unattended-upgrades package' }]);
    const cfg = ctx.get(aptConfigFact);
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    let weaker = false;
    for (const key of KEYS) {
      const v = cfg.get(key);
      evidence.push(...confEvidence(key, v));
      const value = v?.value.trim();
      if (value === '1' || value === 'always') continue;
      if (value !== undefined && /^\d+$/.test(value) && Number(value) > 1) {
        weaker = true;
        problems.push(`${key} is "${value}" (every ${value} days)`);
      } else problems.push(value === undefined ? `${key} is not set` : `${key} is "${value}"`);
    }
    // the timer that runs apt.systemd.daily; a masked or disabled timer means nothing runs
    const timer = ctx.tryGet(unitStatesFact)?.get('apt-daily-upgrade.timer');
    if (timer) {
      evidence.push({ source: 'systemctl-states', line: timer.line, text: `apt-daily-upgrade.timer ${timer.active} ${timer.enabled}` });
      if (timer.enabled === 'masked' || timer.enabled === 'disabled') problems.push(`apt-daily-upgrade.timer is ${timer.enabled}`);
    }
    if (!problems.length) return pass('unattended-upgrades is installed and runs daily (Update-Package-Lists "1", Unattended-Upgrade "1")', evidence);
    return (weaker && problems.length === 1 ? warn : fail)(problems.join('; '), evidence);
  },
};
