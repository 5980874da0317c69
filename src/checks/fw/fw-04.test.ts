import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw04 } from './fw-04.js';
import { withRule } from './testing.js';
import { CLUSTER_FW_GOOD, HANDWRITTEN_V4, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-04 SSH not reachable from public addresses or non-admin networks', () => {
  assertCases(fw04, [
    { name: 'SSH only from the management ipset', node: pveNode(), expect: 'PASS', message: 'tcp/22 refused for public IPv4 (8.8.8.8) by pve-firewall' },
    {
      name: 'SSH macro without source', node: pveNode({ clusterFw: withRule('IN SSH(ACCEPT)') }),
      expect: 'FAIL', message: 'tcp/22 from public IPv4 (8.8.8.8): ACCEPT by /etc/pve/firewall/cluster.fw:19 `IN SSH(ACCEPT)`',
    },
    {
      name: 'a declared non-admin network inside an accepted range', node: pveNode({ clusterFw: withRule('IN ACCEPT -source 10.0.0.0/8 -p tcp -dport 22') }),
      config: { non_admin_networks: ['10.50.0.0/16'] }, expect: 'FAIL', message: 'tcp/22 from non-admin 10.50.0.0/16 (10.50.0.1): ACCEPT by /etc/pve/firewall/cluster.fw:19',
    },
    {
      name: 'policy_in ACCEPT', node: pveNode({ clusterFw: CLUSTER_FW_GOOD.replace('policy_in: DROP', 'policy_in: ACCEPT') }),
      expect: 'FAIL', message: 'ACCEPT by policy_in ACCEPT',
    },
    {
      name: 'datacenter firewall off and no hand-written rules', node: pveNode({ clusterFw: CLUSTER_FW_GOOD.replace('enable: 1', 'enable: 0') }),
      expect: 'FAIL', message: 'nothing filters input',
    },
    { name: 'hand-written rules: 22 from the LAN only', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }), expect: 'PASS', message: 'by netfilter' },
    {
      name: 'hand-written user chain opens 22 to a non-admin network', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }),
      config: { non_admin_networks: ['10.99.0.0/16'] }, expect: 'FAIL', message: 'ACCEPT by iptables-save:17 `-A ADMIN -p tcp -m tcp --dport 22 -j ACCEPT`',
    },
    { name: 'nothing known about filtering', node: pveNode({ states: '', iptables: '', ip6tables: '' }), expect: 'SKIP', message: 'iptables-save' },
  ]);
});
