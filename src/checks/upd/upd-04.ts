import { COMMANDS } from '../../collect/sources.js';
import { aptUpgradableFact } from '../../model/facts/system.js';
import { fail, pass, type Check } from '../types.js';
import { UPD_REFERENCES } from './common.js';

export const upd04: Check = {
  meta: {
    id: 'UPD-04',
    section: 'UPD',
    title: 'No security update is pending',
    severity: 'medium',
    scope: 'node',
    rationale: 'A pending update from the security archive is a known, published vulnerability still present on the node.',
    fix: 'apt update && apt full-upgrade (never plain `apt upgrade` on Proxmox VE)',
    reads: [COMMANDS.aptUpgradable.name],
    references: UPD_REFERENCES,
  },
  evaluate(ctx) {
    const pkgs = ctx.get(aptUpgradableFact);
    const sec = pkgs.filter((p) => p.security);
    const src = COMMANDS.aptUpgradable.name;
    if (!sec.length) {
      return pass(pkgs.length ? `no security update pending (${pkgs.length} other update${pkgs.length === 1 ? '' : 's'} available)` : 'no update pending', [{ source: src, text: `${pkgs.length} upgradable, none from a -security suite` }]);
    }
    const names = sec.slice(0, 5).map((p) => `${p.name} ${p.from ?? '?'} -> ${p.version}`);
    return fail(`${sec.length} security update${sec.length === 1 ? '' : 's'} pending: ${names.join(', ')}${sec.length > 5 ? ', ...' : ''}`,
      sec.slice(0, 10).map((p) => ({ source: src, line: p.line, text: `${p.name}/${p.suites.join(',')} ${p.version} [upgradable from: ${p.from ?? '?'}]` })));
  },
};
