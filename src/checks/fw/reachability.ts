import type { Evidence } from '../../core/types.js';
import type { Decision } from '../../engines/firewall/program.js';
import type { NodeFirewall } from '../../model/facts/firewall.js';

/** Shared evidence for the controls decided on the exact exposure (FW-04..07, FW-13). */

export const ENGINE_READS = ['/etc/pve/firewall/cluster.fw', '/etc/pve/nodes/<node>/host.fw', '/etc/pve/corosync.conf', 'systemctl-states', 'iptables-save', 'ip6tables-save', 'nft list ruleset', '/etc/hosts', 'ip -o addr show'];

/**
 * What decided, as a finding key (Verdict.key) that survives edits elsewhere in the files: the
 * configuration rule's file and text, the generated rule's chain and text, or the bare policy.
 */
export function decisionKey(d: Decision): string {
  const r = d.rule;
  if (r?.origin) return `${r.origin.file}: ${r.origin.text.trim()}`;
  if (r) return `${r.chain}: ${r.text}`;
  return `policy ${d.verdict}`;
}

/** Evidence for a decision: the configuration line of the deciding rule, else the generated rule. */
export function decisionEvidence(d: Decision, fw: NodeFirewall): Evidence[] {
  const r = d.rule;
  if (r?.origin) return [{ source: r.origin.file, line: r.origin.line, text: r.origin.text }];
  if (r) return [{ source: fw.manager.startsWith('pve') || fw.manager.startsWith('proxmox') ? `${fw.manager} (generated ruleset)` : fw.manager, text: `${r.text}${r.note ? ` (${r.note})` : ''}` }];
  return fw.evidence.length ? fw.evidence.slice(0, 3) : [{ source: fw.manager, text: d.reason }];
}
