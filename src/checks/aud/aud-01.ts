import { FILES } from '../../collect/sources.js';
import { isInstalled, packagesFact, unitState, unitStatesFact } from '../../model/facts/system-base.js';
import { fail, pass, type Check } from '../types.js';

export const aud01: Check = {
  meta: {
    id: 'AUD-01',
    section: 'AUD',
    title: 'auditd is installed and running',
    severity: 'medium',
    scope: 'node',
    rationale: 'Without the audit daemon, changes to accounts, sudo rules, sshd and /etc/pve leave no trace that an investigation could use.',
    fix: 'apt install auditd && systemctl enable --now auditd',
    reads: [FILES.dpkgStatus, 'systemctl-states'],
    references: [{ title: 'auditd(8)', url: 'https://manpages.debian.org/trixie/auditd/auditd.8.en.html' }],
  },
  evaluate(ctx) {
    const pkgs = ctx.get(packagesFact);
    if (!isInstalled(pkgs, 'auditd')) return fail('auditd is not installed', [{ source: FILES.dpkgStatus, text: 'no installed auditd package' }]);
    const pkg = pkgs.get('auditd')!;
    const st = unitState(ctx.get(unitStatesFact), 'auditd');
    const evidence = [
      { source: FILES.dpkgStatus, line: pkg.line, text: `Package: auditd ${pkg.version ?? ''}`.trim() },
      { source: 'systemctl-states', line: st.line || undefined, text: `auditd ${st.active} ${st.enabled}` },
    ];
    if (st.active !== 'active') return fail(`auditd is installed but not running (${st.active}, ${st.enabled})`, evidence);
    return pass(`auditd is installed and running (${st.enabled} at boot)`, evidence);
  },
};
