import { FILES } from '../../collect/sources.js';
import { isInstalled, packagesFact, unitState, unitStatesFact } from '../../model/facts/system-base.js';
import { fail, pass, type Check } from '../types.js';
import { F2B_REFERENCES } from './common.js';

export const bf01: Check = {
  meta: {
    id: 'BF-01',
    section: 'BF',
    title: 'fail2ban is installed, enabled and running',
    severity: 'medium',
    scope: 'node',
    rationale: 'Without a ban service every exposed login (SSH, the web UI on 8006) can be guessed at full speed.',
    fix: 'apt install fail2ban && systemctl enable --now fail2ban',
    reads: [FILES.dpkgStatus, 'systemctl-states'],
    references: F2B_REFERENCES,
  },
  evaluate(ctx) {
    const pkgs = ctx.get(packagesFact);
    if (!isInstalled(pkgs, 'fail2ban')) return fail('fail2ban is not installed', [{ source: FILES.dpkgStatus, text: 'no installed fail2ban package' }]);
    const pkg = pkgs.get('fail2ban')!;
    const st = unitState(ctx.get(unitStatesFact), 'fail2ban');
    const evidence = [
      { source: FILES.dpkgStatus, line: pkg.line, text: `Package: fail2ban ${pkg.version ?? ''}`.trim() },
      { source: 'systemctl-states', line: st.line || undefined, text: `fail2ban ${st.active} ${st.enabled}` },
    ];
    if (st.active === 'active' && st.enabled === 'enabled') return pass(`fail2ban ${pkg.version ?? ''} is installed, enabled and running`.replace('  ', ' '), evidence);
    const problems = [st.active !== 'active' ? `not running (${st.active})` : '', st.enabled !== 'enabled' ? `not enabled at boot (${st.enabled})` : ''].filter(Boolean);
    return fail(`fail2ban is installed but ${problems.join(' and ')}`, evidence);
  },
};
