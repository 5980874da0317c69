import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw11 } from './fw-11.js';
import { HANDWRITTEN_V4, netfilter, PVE_IPTABLES, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

/** pve-firewall running and someone added rules to INPUT by hand (before the jump to PVEFW-INPUT). */
const MIXED = PVE_IPTABLES.replace('-A INPUT -j PVEFW-INPUT', '-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -j PVEFW-INPUT');

/** fail2ban's ban chains hooked into INPUT next to pve-firewall (what a node with fail2ban looks like). */
const WITH_FAIL2BAN = PVE_IPTABLES
  .replace(':PVEFW-Drop - [0:0]', ':f2b-sshd - [0:0]\n:PVEFW-Drop - [0:0]')
  .replace('-A INPUT -j PVEFW-INPUT', '-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd\n-A INPUT -j PVEFW-INPUT')
  .replace(/COMMIT\n# Completed on [^\n]*\n$/, '-A f2b-sshd -s 203.0.113.99/32 -j REJECT --reject-with icmp-port-unreachable\n-A f2b-sshd -j RETURN\nCOMMIT\n# Completed on Wed Nov 25 09:14:02 2026\n');

test('FW-11 a single firewall manager on input', () => {
  assertCases(fw11, [
    { name: 'only pve-firewall', node: pveNode(), expect: 'PASS', message: 'only the Proxmox firewall filters input' },
    { name: 'only hand-written rules', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }), expect: 'PASS', message: 'Proxmox firewall not active (pve-firewall service is inactive); hand-written input filtering in filter INPUT' },
    { name: 'fail2ban ban chains are not a second manager', node: pveNode({ iptables: WITH_FAIL2BAN }), expect: 'PASS', message: 'no hand-written input rules' },
    { name: 'both on iptables', node: pveNode({ iptables: MIXED }), expect: 'FAIL', message: 'iptables-save filter INPUT (1 rule)' },
    { name: 'both: hand-written nftables input chain', node: pveNode({ nft: netfilter('handwritten.nft') }), expect: 'FAIL', message: 'nft list ruleset inet filter input (11 rules, policy DROP)' },
    { name: 'iptables-nft mirror tables are not hand-written', node: pveNode({ nft: netfilter('iptables-nft-compat.nft') }), expect: 'PASS' },
    { name: 'datacenter firewall off', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 0\n', iptables: MIXED }), expect: 'PASS', message: 'datacenter firewall is off' },
    { name: 'no service states', node: pveNode({ states: '' }), expect: 'SKIP', message: 'systemctl-states' },
    { name: 'no rulesets', node: pveNode({ iptables: '', ip6tables: '' }), expect: 'SKIP', message: 'iptables-save' },
  ]);
});
