import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw05 } from './fw-05.js';
import { pveNodeWith, withRule } from './testing.js';
import { CLUSTER_FW_GOOD, HANDWRITTEN_V4, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

const PVEPROXY_RESTRICTED = '# /etc/default/pveproxy\nALLOW_FROM="10.10.0.0/24,192.0.2.10"\nDENY_FROM="all"\nPOLICY="allow"\n';

// 24 public uptime-monitoring addresses admitted to the GUI: probing 8.8.8.8 alone called this PASS.
const MONITORING = Array.from({ length: 24 }, (_, i) => `203.0.113.${100 + i}`);
const WITH_MONITORING = CLUSTER_FW_GOOD.replace('[RULES]\n', `[IPSET monitoring] # uptime checks\n\n${MONITORING.join('\n')}\n\n[RULES]\n`) + 'IN ACCEPT -source +monitoring -p tcp -dport 8006\n';

test('FW-05 web UI and SPICE proxy only from admin sources (exact sets)', () => {
  assertCases(fw05, [
    {
      name: 'GUI from the bastion and the management ipset only', node: pveNode(), expect: 'PASS',
      message: 'tcp/8006 and tcp/3128: no public or non-admin IPv4 address is accepted, by pve-firewall; accepted only from 10.10.0.0/24, 192.0.2.10/32',
    },
    {
      name: '24 public monitoring addresses reach the GUI', node: pveNode({ clusterFw: WITH_MONITORING }),
      expect: 'FAIL', message: 'tcp/8006 accepted from public addresses 203.0.113.100/30, 203.0.113.104/29, 203.0.113.112/29, 203.0.113.120/30 (24 addresses) by /etc/pve/firewall/cluster.fw:46 `IN ACCEPT -source +monitoring -p tcp -dport 8006`',
    },
    {
      name: 'web UI open to everyone', node: pveNode({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006') }),
      expect: 'FAIL', message: /^tcp\/8006 accepted from public addresses .* by \/etc\/pve\/firewall\/cluster\.fw:19 `IN ACCEPT -p tcp -dport 8006`/,
    },
    {
      name: 'SPICE proxy macro open to a non-admin network', node: pveNode({ clusterFw: withRule('IN SPICEproxy(ACCEPT) -source 172.16.0.0/12') }),
      config: { non_admin_networks: ['172.20.0.0/16'] }, expect: 'FAIL', message: 'tcp/3128 accepted from non-admin 172.20.0.0/16 (65,536 addresses)',
    },
    {
      name: 'firewall open but pveproxy ALLOW_FROM/DENY_FROM refuses the Internet',
      node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006,3128') }, { '/etc/default/pveproxy': PVEPROXY_RESTRICTED }),
      expect: 'PASS', message: 'pveproxy ALLOW_FROM/DENY_FROM refuses',
    },
    {
      // pveproxy's lists are ranges too: the public /24 it allows is what remains exposed.
      name: 'pveproxy allows a public range besides the admins',
      node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006') }, { '/etc/default/pveproxy': PVEPROXY_RESTRICTED.replace('192.0.2.10"', '192.0.2.10,198.51.100.0/24"') }),
      expect: 'FAIL', message: 'tcp/8006 accepted from public addresses 198.51.100.0/24 (256 addresses) by /etc/pve/firewall/cluster.fw:19',
    },
    {
      name: 'pveproxy DENY_FROM a range, POLICY allow: everything else stays exposed',
      node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006') }, { '/etc/default/pveproxy': 'DENY_FROM="0.0.0.0/1"\n' }),
      expect: 'FAIL', message: /^tcp\/8006 accepted from public addresses 128\.0\.0\.0\/3, .*\(1,\d{3},\d{3},\d{3} addresses\)/,
    },
    {
      name: 'pveproxy file without restriction does not help',
      node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -p tcp -dport 8006') }, { '/etc/default/pveproxy': 'LISTEN_IP="0.0.0.0"\n' }),
      expect: 'FAIL', message: 'tcp/8006 accepted from public addresses',
    },
    { name: 'hand-written rules keep 8006 to the LAN', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }), expect: 'PASS' },
    { name: 'no data', node: pveNode({ states: '', iptables: '', ip6tables: '' }), expect: 'SKIP' },
  ]);
});
