import type { Evidence } from '../../core/types.js';
import { explainDecision, type MatrixCell, type PortVerdict } from '../../engines/firewall/matrix.js';
import type { Decision } from '../../engines/firewall/program.js';
import type { NodeFirewall } from '../../model/facts/firewall.js';

/** Shared wording and evidence for the controls decided on the reachability matrix (FW-04..07, FW-13). */

export const ENGINE_READS = ['/etc/pve/firewall/cluster.fw', '/etc/pve/nodes/<node>/host.fw', '/etc/pve/corosync.conf', 'systemctl-states', 'iptables-save', 'ip6tables-save', 'nft list ruleset', '/etc/hosts', 'ip -o addr show'];

/** Evidence for a decision: the configuration line of the deciding rule, else the generated rule. */
export function decisionEvidence(d: Decision, fw: NodeFirewall): Evidence[] {
  const r = d.rule;
  if (r?.origin) return [{ source: r.origin.file, line: r.origin.line, text: r.origin.text }];
  if (r) return [{ source: fw.manager.startsWith('pve') || fw.manager.startsWith('proxmox') ? `${fw.manager} (generated ruleset)` : fw.manager, text: `${r.text}${r.note ? ` (${r.note})` : ''}` }];
  return fw.evidence.length ? fw.evidence.slice(0, 3) : [{ source: fw.manager, text: d.reason }];
}

export function portLabel(cell: MatrixCell, p: PortVerdict): string {
  return `${cell.service.proto}/${p.port}`;
}

export function sourceLabel(cell: MatrixCell): string {
  return cell.source.label.endsWith(cell.source.address) ? cell.source.label : `${cell.source.label} (${cell.source.address})`;
}

/** "tcp/22 from public IPv4 (8.8.8.8): ACCEPT by cluster.fw:12 `IN SSH(ACCEPT)`" */
export function describePort(cell: MatrixCell, p: PortVerdict): string {
  return `${portLabel(cell, p)} from ${sourceLabel(cell)}: ${p.verdict} by ${explainDecision(p.decision)}`;
}

/** Assumptions the engine made for these ports (unmodelled match conditions), for messages. */
export function assumptionNote(ports: PortVerdict[], fw: NodeFirewall): string {
  const a = [...new Set([...ports.flatMap((p) => p.decision.assumptions), ...fw.assumptions])];
  return a.length ? ` (assuming: ${a.slice(0, 2).join('; ')}${a.length > 2 ? `; +${a.length - 2} more` : ''})` : '';
}
