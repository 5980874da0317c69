import type { Evidence, Reference } from '../../core/types.js';
import type { FwRule } from '../../parse/pve-fw.js';
import type { FilterRule } from '../../parse/iptables-save.js';

export const FW_REFERENCES: Reference[] = [
  { title: 'Proxmox VE Administration Guide: Proxmox VE Firewall', url: 'https://pve.proxmox.com/pve-docs/chapter-pve-firewall.html' },
];

export const NETFILTER_REFERENCES: Reference[] = [
  { title: 'iptables(8) / iptables-extensions(8)', url: 'https://manpages.debian.org/bookworm/iptables/iptables-extensions.8.en.html' },
  { title: 'nft(8)', url: 'https://manpages.debian.org/bookworm/nftables/nft.8.en.html' },
];

/** Evidence line for a Proxmox firewall rule. */
export function fwRuleEvidence(rule: FwRule): Evidence {
  return { source: rule.file, line: rule.line, text: rule.text.trim() };
}

/** Evidence line for a netfilter rule: the command (or rules file) and the line of its output. */
export function filterRuleEvidence(source: string, rule: FilterRule): Evidence {
  return { source, line: rule.line, text: rule.text };
}

/** "3 rules" / "1 rule" */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
