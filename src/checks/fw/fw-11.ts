import { COMMANDS } from '../../collect/sources.js';
import { handWrittenChains, handWrittenInput, iptablesFact, liveRulesets, pveFirewallStateFact } from '../../model/facts/network.js';
import { fail, pass, type Check } from '../types.js';
import { FW_REFERENCES, plural } from './common.js';

export const fw11: Check = {
  meta: {
    id: 'FW-11',
    section: 'FW',
    title: 'Only one firewall manager filters input',
    severity: 'medium',
    scope: 'node',
    rationale: 'pve-firewall rewrites its own chains but leaves hand-written INPUT rules (or an nftables input chain) in place: both then decide, in an order nobody reviews, and a change in one silently overrides the other.',
    fix: 'Choose one: express the hand-written rules in /etc/pve/firewall/cluster.fw or host.fw and flush them (`iptables -F INPUT; iptables -P INPUT ACCEPT; netfilter-persistent save`), or disable the Proxmox firewall.',
    reads: ['systemctl-states', '/etc/pve/firewall/cluster.fw', '/etc/pve/nodes/<node>/host.fw', COMMANDS.iptablesSave.name, COMMANDS.ip6tablesSave.name, COMMANDS.nftRuleset.name],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(pveFirewallStateFact);
    const seen = liveRulesets(ctx);
    if (!seen.length) ctx.get(iptablesFact); // throws why iptables-save is missing
    const input = seen.flatMap(([name, r]) => handWrittenInput(handWrittenChains(r, name)));
    const evidence = input.map((c) => {
      const first = c.rules[0];
      return { source: c.source, line: first?.line ?? c.chain.line, text: first?.text ?? `chain ${c.chain.name} policy ${c.chain.policy}` };
    });
    if (!state.active) {
      return pass(`Proxmox firewall not active (${state.reason})${input.length ? `; hand-written input filtering in ${input.map((c) => `${c.table} ${c.chain.name}`).join(', ')}` : ''}`, evidence);
    }
    if (!input.length) return pass(`only the Proxmox firewall filters input (${state.reason}); no hand-written input rules`, seen.map(([n]) => ({ source: n, text: 'no hand-written input rules' })));
    const desc = input.map((c) => `${c.source} ${c.table} ${c.chain.name} (${plural(c.rules.length, 'rule')}${c.chain.policy && c.chain.policy !== 'ACCEPT' ? `, policy ${c.chain.policy}` : ''})`);
    return fail(`the Proxmox firewall is active (${state.backend} backend) and hand-written input filtering exists too: ${desc.join('; ')}`, evidence);
  },
};
