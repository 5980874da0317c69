import { COMMANDS, FILES } from '../../collect/sources.js';
import { nodeFact, Unavailable } from '../fact.js';
import { parseDpkgStatus, type DpkgPackage } from '../../parse/dpkg-status.js';
import { parseSystemctlStates, type UnitState } from '../../parse/systemctl-states.js';

/** Installed packages from /var/lib/dpkg/status. */
export const packagesFact = nodeFact('dpkg.packages', (ctx) => parseDpkgStatus(ctx.requireFile(FILES.dpkgStatus), FILES.dpkgStatus).value);

export function isInstalled(pkgs: Map<string, DpkgPackage>, name: string): boolean {
  return pkgs.get(name)?.installed ?? false;
}

/** Service states from the `systemctl-states` command. */
export const unitStatesFact = nodeFact('systemctl.states', (ctx) =>
  parseSystemctlStates(ctx.requireCommand(COMMANDS.systemctlStates.name).output, COMMANDS.systemctlStates.name).value);

/** State of one unit; Unavailable when the states were not collected. A unit absent from the list is 'not-found'. */
export function unitState(states: Map<string, UnitState>, unit: string): UnitState {
  return states.get(unit.replace(/\.service$/, '')) ?? { unit, active: 'inactive', enabled: 'not-found', line: 0 };
}

export { Unavailable };
