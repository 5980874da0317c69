import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw13 } from './fw-13.js';
import { pveNodeWith, withRule } from './testing.js';
import { EMPTY_IP6TABLES, HANDWRITTEN_V4, HANDWRITTEN_V6, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

const SSHD_T_V4_ONLY = 'port 22\naddressfamily inet\nlistenaddress 0.0.0.0:22\npermitrootlogin prohibit-password\n';

test('FW-13 the restrictions hold for IPv6 sources (exact sets)', () => {
  assertCases(fw13, [
    { name: 'Proxmox firewall filters IPv6 too', node: pveNode(), expect: 'PASS', message: 'tcp/22, tcp/8006, tcp/3128 over IPv6: no public or non-admin IPv6 address is accepted' },
    {
      name: 'a rule without address family opens 8006 to IPv6', node: pveNode({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006') }),
      expect: 'FAIL', message: 'tcp/8006 accepted from public addresses 2000::/3 (2^125 addresses) by /etc/pve/firewall/cluster.fw:19',
    },
    {
      name: 'one public IPv6 prefix admitted to SSH', node: pveNode({ clusterFw: withRule('IN ACCEPT -source 2001:DB8:0:0:0:0:0:0/48 -p tcp -dport 22') }),
      expect: 'FAIL', message: 'tcp/22 accepted from public addresses 2001:db8::/48 (2^80 addresses)',
    },
    {
      name: 'hand-written IPv4 rules, ip6tables left open', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4, ip6tables: EMPTY_IP6TABLES }),
      expect: ['FAIL', 'FAIL', 'FAIL'], message: 'tcp/22 accepted from public addresses 2000::/3 (2^125 addresses) by INPUT policy ACCEPT',
    },
    {
      name: 'sshd listens on IPv4 only: its IPv6 exposure is moot', node: pveNodeWith({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4, ip6tables: EMPTY_IP6TABLES }, {}, { 'sshd -T': SSHD_T_V4_ONLY }),
      expect: ['FAIL', 'FAIL'], message: 'tcp/8006 accepted from public addresses 2000::/3',
    },
    { name: 'hand-written rules for both families', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4, ip6tables: HANDWRITTEN_V6 }), expect: 'PASS' },
    { name: 'ip6tables-save not collected', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4, ip6tables: '' }), expect: 'SKIP', message: 'IPv6 filtering unknown' },
  ]);
});
