import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw06 } from './fw-06.js';
import { pveNodeWith, SSHD_T_2200, withRule } from './testing.js';
import { CLUSTER_FW_GOOD, HANDWRITTEN_V4, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-06 lockout guard: every address of every admin source reaches SSH and 8006', () => {
  assertCases(fw06, [
    {
      name: 'management ipset and bastion', node: pveNode(), expect: 'PASS',
      message: 'every address of the 2 admin source(s) reaches tcp/22 and tcp/8006: 10.10.0.0/24, 192.0.2.10 (cluster.fw [IPSET management]; pve-firewall)',
    },
    {
      name: 'host.fw DROP runs before the cluster accepts', node: pveNode({ hostFw: '[OPTIONS]\nenable: 1\n\n[RULES]\nIN DROP -p tcp -dport 22 # close ssh\n' }),
      expect: 'FAIL', message: 'lockout: tcp/22 from admin 10.10.0.0/24, 192.0.2.10/32 (257 addresses): DROP by /etc/pve/nodes/pve1/host.fw:5 `IN DROP -p tcp -dport 22 # close ssh`',
    },
    {
      // The first address of the network (the old sample) still gets in: only the upper half is locked out.
      name: 'half of the admin network dropped before the accept', node: pveNode({ hostFw: '[OPTIONS]\nenable: 1\n\n[RULES]\nIN DROP -source 10.10.0.128/25 -p tcp -dport 22\n' }),
      expect: 'FAIL', message: 'lockout: tcp/22 from admin 10.10.0.128/25 (128 addresses): DROP by /etc/pve/nodes/pve1/host.fw:5',
    },
    {
      name: 'cluster DROP placed before the builtin management accept of 8006',
      node: pveNode({ clusterFw: withRule('IN DROP -p tcp -dport 8006').replace('IN ACCEPT -source bastion -p tcp -dport 8006\n', '') }),
      expect: 'FAIL', message: 'lockout: tcp/8006 from admin 10.10.0.0/24, 192.0.2.10/32 (257 addresses): DROP by /etc/pve/firewall/cluster.fw:18',
    },
    {
      name: 'configured admin workstation outside every accept', node: pveNode(), config: { admin_sources: ['203.0.113.5'] },
      expect: ['FAIL', 'FAIL'], message: 'tcp/22 from admin 203.0.113.5/32 (1 address): DROP by policy_in DROP',
    },
    {
      name: 'sshd on 2200: the admins must reach 2200', node: pveNodeWith({}, {}, { 'sshd -T': SSHD_T_2200 }),
      expect: 'FAIL', message: 'lockout: tcp/2200 from admin 10.10.0.0/24, 192.0.2.10/32 (257 addresses): DROP by policy_in DROP',
    },
    {
      name: 'sshd on 2200 admitted for the management ipset', node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -source +management -p tcp -dport 2200') }, {}, { 'sshd -T': SSHD_T_2200 }),
      expect: 'PASS', message: 'reaches tcp/2200 and tcp/8006',
    },
    {
      name: 'IPv6 admin network not admitted', node: pveNode(), config: { admin_sources: ['10.10.0.0/24', '2001:db8:10::/64'] },
      expect: ['FAIL', 'FAIL'], message: 'lockout: tcp/22 from admin 2001:db8:10::/64 (2^64 addresses): DROP by policy_in DROP',
    },
    { name: 'no admin source declared anywhere', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\n' }), expect: 'WARN', message: 'no admin sources to check' },
    {
      name: 'hand-written rules let the LAN in', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }), config: { admin_sources: ['192.168.10.0/24'] },
      expect: 'PASS', message: '; netfilter)',
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
      expect: ['FAIL', 'FAIL'], message: 'lockout: tcp/22 from admin 10.10.0.0/24, 192.0.2.10/32 (257 addresses): DROP by INPUT policy DROP',
    },
    { name: 'the LAN passes the hand-written rules but not pve-firewall (not in the management ipset)', node: pveNode({ iptables: HANDWRITTEN_V4 }), config: { admin_sources: ['192.168.10.0/24'] },
      expect: ['FAIL', 'FAIL'], message: 'tcp/22 from admin 192.168.10.0/24 (256 addresses): DROP by policy_in DROP' },
  ]);
});
