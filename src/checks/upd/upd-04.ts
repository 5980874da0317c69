import { COMMANDS } from '../../collect/sources.js';
import { aptUpgradableFact } from '../../model/facts/system.js';
import { fail, pass, skip, warn, type Check, type Verdict } from '../types.js';
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
    reads: [COMMANDS.aptUpgradable.name, COMMANDS.aptLists.name],
    references: UPD_REFERENCES,
  },
  evaluate(ctx) {
    const pkgs = ctx.get(aptUpgradableFact);
    const sec = pkgs.filter((p) => p.security);
    const src = COMMANDS.aptUpgradable.name;
    if (!sec.length) {
      const stale = packageListsProblem(ctx.snapshot.command(COMMANDS.aptLists.name), ctx.now);
      if (stale) return stale;
      return pass(pkgs.length ? `no security update pending (${pkgs.length} other update${pkgs.length === 1 ? '' : 's'} available)` : 'no update pending', [{ source: src, text: `${pkgs.length} upgradable, none from a -security suite` }]);
    }
    const names = sec.slice(0, 5).map((p) => `${p.name} ${p.from ?? '?'} -> ${p.version}`);
    return fail(`${sec.length} security update${sec.length === 1 ? '' : 's'} pending: ${names.join(', ')}${sec.length > 5 ? ', ...' : ''}`,
      sec.slice(0, 10).map((p) => ({ source: src, line: p.line, text: `${p.name}/${p.suites.join(',')} ${p.version} [upgradable from: ${p.from ?? '?'}]` })));
  },
};

const STALE_DAYS = 30;

/**
 * `apt list --upgradable` only knows what the last `apt update` downloaded: with no package lists
 * it prints nothing, which must not read as "no update pending".
 */
function packageListsProblem(lists: { output: string; exitCode?: number } | undefined, now: Date): Verdict | undefined {
  if (!lists || lists.exitCode) return undefined; // not collected (older bundles): decide on apt list alone
  const times = lists.output.split('\n').map((l) => parseFloat(l)).filter((t) => Number.isFinite(t));
  const src = COMMANDS.aptLists.name;
  if (!times.length) return skip('no package lists downloaded (apt update never ran): pending updates are unknown', [{ source: src, text: 'no /var/lib/apt/lists/*_Packages' }]);
  const days = Math.floor((now.getTime() / 1000 - Math.max(...times)) / 86400);
  if (days > STALE_DAYS) return warn(`package lists are ${days} days old: updates published since are not known (run apt update)`, [{ source: src, text: `newest index ${days} days old` }]);
  return undefined;
}
