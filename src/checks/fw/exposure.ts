import type { Evidence } from '../../core/types.js';
import type { MatrixCell, PortVerdict } from '../../engines/firewall/matrix.js';
import type { NodeFirewall } from '../../model/facts/firewall.js';
import { fail, pass, type Verdict } from '../types.js';
import { assumptionNote, decisionEvidence, describePort, portLabel, sourceLabel } from './reachability.js';

/**
 * FW-04/05/13: services that must NOT be reachable from some source classes. One FAIL per port
 * that a forbidden source reaches (naming the rule that lets it in); PASS lists what was probed.
 * `allowedAnyway` lets a port through when something after the firewall refuses (pveproxy ALLOW_FROM).
 */
export function exposureVerdicts(
  fw: NodeFirewall,
  cells: MatrixCell[],
  what: string,
  allowedAnyway?: (cell: MatrixCell, p: PortVerdict) => Evidence | undefined,
): Verdict[] {
  const out: Verdict[] = [];
  const refusedBy: Evidence[] = [];
  for (const cell of cells) {
    for (const p of cell.ports) {
      if (p.verdict !== 'ACCEPT') continue;
      const later = allowedAnyway?.(cell, p);
      if (later) {
        refusedBy.push(later);
        continue;
      }
      const message = fw.manager === 'none'
        ? `${portLabel(cell, p)} from ${sourceLabel(cell)}: ACCEPT, ${fw.description}`
        : `${describePort(cell, p)}${assumptionNote([p], fw)}`;
      out.push(fail(message, decisionEvidence(p.decision, fw)));
    }
  }
  if (out.length) return out;
  const sources = [...new Set(cells.map((c) => `${c.source.label}${c.source.label.endsWith(c.source.address) ? '' : ` (${c.source.address})`}`))];
  const ports = cells.flatMap((c) => c.ports);
  const ev = cells.flatMap((c) => c.ports.filter((p) => p.verdict !== 'ACCEPT').flatMap((p) => decisionEvidence(p.decision, fw))).slice(0, 4);
  return [pass(`${what} refused for ${sources.join(', ')} by ${fw.manager}${refusedBy.length ? ' (pveproxy ALLOW_FROM/DENY_FROM refuses what the firewall lets through)' : ''}${assumptionNote(ports, fw)}`, [...ev, ...refusedBy.slice(0, 2)])];
}
