import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw13 } from './fw-13.js';
import { withRule } from './testing.js';
import { EMPTY_IP6TABLES, HANDWRITTEN_V4, HANDWRITTEN_V6, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-13 the restrictions hold for IPv6 sources', () => {
  assertCases(fw13, [
    { name: 'Proxmox firewall filters IPv6 too', node: pveNode(), expect: 'PASS', message: 'over IPv6 refused for public IPv6 (2001:4860:4860::8888)' },
    {
      name: 'a rule without address family opens 8006 to IPv6', node: pveNode({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006') }),
      expect: 'FAIL', message: 'tcp/8006 from public IPv6 (2001:4860:4860::8888): ACCEPT by /etc/pve/firewall/cluster.fw:19',
    },
    {
      name: 'hand-written IPv4 rules, ip6tables left open', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4, ip6tables: EMPTY_IP6TABLES }),
      expect: ['FAIL', 'FAIL', 'FAIL'], message: 'tcp/22 from public IPv6 (2001:4860:4860::8888): ACCEPT by INPUT policy ACCEPT',
    },
    { name: 'hand-written rules for both families', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4, ip6tables: HANDWRITTEN_V6 }), expect: 'PASS' },
    { name: 'ip6tables-save not collected', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4, ip6tables: '' }), expect: 'SKIP', message: 'IPv6 filtering unknown' },
  ]);
});
