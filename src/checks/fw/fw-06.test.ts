import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw06 } from './fw-06.js';
import { withRule } from './testing.js';
import { CLUSTER_FW_GOOD, HANDWRITTEN_V4, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-06 lockout guard: admin sources reach 22 and 8006', () => {
  assertCases(fw06, [
    { name: 'management ipset and bastion', node: pveNode(), expect: 'PASS', message: 'accepted for 2 admin source(s): admin 10.10.0.0/24 (10.10.0.1), admin 192.0.2.10' },
    {
      name: 'host.fw DROP runs before the cluster accepts', node: pveNode({ hostFw: '[OPTIONS]\nenable: 1\n\n[RULES]\nIN DROP -p tcp -dport 22 # close ssh\n' }),
      expect: ['FAIL', 'FAIL'], message: 'lockout: tcp/22 from admin 10.10.0.0/24 (10.10.0.1): DROP by /etc/pve/nodes/pve1/host.fw:5 `IN DROP -p tcp -dport 22 # close ssh`',
    },
    {
      name: 'cluster DROP placed before the builtin management accept of 8006',
      node: pveNode({ clusterFw: withRule('IN DROP -p tcp -dport 8006').replace('IN ACCEPT -source bastion -p tcp -dport 8006\n', '') }),
      expect: ['FAIL', 'FAIL'], message: 'lockout: tcp/8006 from admin 10.10.0.0/24 (10.10.0.1): DROP by /etc/pve/firewall/cluster.fw:18',
    },
    {
      name: 'configured admin workstation outside every accept', node: pveNode(), config: { admin_sources: ['203.0.113.5'] },
      expect: ['FAIL', 'FAIL'], message: 'tcp/22 from admin 203.0.113.5: DROP by policy_in DROP',
    },
    { name: 'no admin source declared anywhere', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\n' }), expect: 'WARN', message: 'no admin sources to check' },
    {
      name: 'hand-written rules let the LAN in', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }), config: { admin_sources: ['192.168.10.0/24'] },
      expect: 'PASS', message: '(netfilter)',
    },
    { name: 'firewall off: nothing is blocked', node: pveNode({ clusterFw: CLUSTER_FW_GOOD.replace('enable: 1', 'enable: 0') }), expect: 'PASS' },
    { name: 'no data', node: pveNode({ states: '', iptables: '', ip6tables: '' }), expect: 'SKIP' },
  ]);
});

test('FW-06 with the Proxmox firewall and hand-written INPUT rules together: both must let the admins in', () => {
  assertCases(fw06, [
    {
      // pve-firewall accepts 22 from the management ipset with RETURN; the hand-written INPUT rules that follow drop 10.10.0.0/24.
      name: 'hand-written rules behind pve-firewall drop the management network',
      node: pveNode({ iptables: HANDWRITTEN_V4 }),
      expect: ['FAIL', 'FAIL', 'FAIL', 'FAIL'], message: 'lockout: tcp/22 from admin 10.10.0.0/24 (10.10.0.1): DROP by INPUT policy DROP',
    },
    { name: 'the LAN passes the hand-written rules but not pve-firewall (not in the management ipset)', node: pveNode({ iptables: HANDWRITTEN_V4 }), config: { admin_sources: ['192.168.10.0/24'] },
      expect: ['FAIL', 'FAIL'], message: 'tcp/22 from admin 192.168.10.0/24 (192.168.10.1): DROP by policy_in DROP' },
  ]);
});
