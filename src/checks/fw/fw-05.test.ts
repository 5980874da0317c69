import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw05 } from './fw-05.js';
import { pveNodeWith, withRule } from './testing.js';
import { HANDWRITTEN_V4, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

const PVEPROXY_RESTRICTED = '# /etc/default/pveproxy\nALLOW_FROM="10.10.0.0/24,192.0.2.10"\nDENY_FROM="all"\nPOLICY="allow"\n';

test('FW-05 web UI and SPICE proxy only from admin sources', () => {
  assertCases(fw05, [
    { name: 'GUI from the bastion and the management ipset only', node: pveNode(), expect: 'PASS', message: 'tcp/8006 and tcp/3128 refused for public IPv4 (8.8.8.8)' },
    {
      name: 'web UI open to everyone', node: pveNode({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006') }),
      expect: 'FAIL', message: 'tcp/8006 from public IPv4 (8.8.8.8): ACCEPT by /etc/pve/firewall/cluster.fw:19 `IN ACCEPT -p tcp -dport 8006`',
    },
    {
      name: 'SPICE proxy macro open to a non-admin network', node: pveNode({ clusterFw: withRule('IN SPICEproxy(ACCEPT) -source 172.16.0.0/12') }),
      config: { non_admin_networks: ['172.20.0.0/16'] }, expect: 'FAIL', message: 'tcp/3128 from non-admin 172.20.0.0/16 (172.20.0.1): ACCEPT',
    },
    {
      name: 'firewall open but pveproxy ALLOW_FROM/DENY_FROM refuses the Internet',
      node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006,3128') }, { '/etc/default/pveproxy': PVEPROXY_RESTRICTED }),
      expect: 'PASS', message: 'pveproxy ALLOW_FROM/DENY_FROM refuses',
    },
    {
      name: 'pveproxy file without restriction does not help',
      node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006') }, { '/etc/default/pveproxy': 'LISTEN_IP="0.0.0.0"\n' }),
      expect: 'FAIL', message: 'tcp/8006 from public IPv4',
    },
    { name: 'hand-written rules keep 8006 to the LAN', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }), expect: 'PASS' },
    { name: 'no data', node: pveNode({ states: '', iptables: '', ip6tables: '' }), expect: 'SKIP' },
  ]);
});
