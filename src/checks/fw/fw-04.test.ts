import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw04 } from './fw-04.js';
import { pveNodeWith, SSHD_T_2200, withRule } from './testing.js';
import { CLUSTER_FW_GOOD, HANDWRITTEN_V4, pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-04 SSH not reachable from public addresses or non-admin networks (exact sets)', () => {
  assertCases(fw04, [
    {
      name: 'SSH only from the management ipset', node: pveNode(), expect: 'PASS',
      message: 'SSH tcp/22: no public or non-admin IPv4 address is accepted, by pve-firewall; accepted only from 10.10.0.0/24, 192.0.2.10/32',
    },
    {
      name: 'SSH macro without source: every public address, counted', node: pveNode({ clusterFw: withRule('IN SSH(ACCEPT)') }),
      expect: 'FAIL', message: /^tcp\/22 accepted from public addresses 1\.0\.0\.0\/8, 2\.0\.0\.0\/7, 4\.0\.0\.0\/6, 8\.0\.0\.0\/7, 11\.0\.0\.0\/8, .* and \d+ more block\(s\) \(3,\d{3},\d{3},\d{3} addresses\) by \/etc\/pve\/firewall\/cluster\.fw:19 `IN SSH\(ACCEPT\)`/,
    },
    {
      // A sampled probe of 8.8.8.8 passed this: only three public hosts are let in.
      name: 'three public monitoring hosts admitted to SSH', node: pveNode({ clusterFw: withRule('IN ACCEPT -source 203.0.113.7,203.0.113.8,198.51.100.20 -p tcp -dport 22') }),
      expect: 'FAIL', message: 'tcp/22 accepted from public addresses 198.51.100.20/32, 203.0.113.7/32, 203.0.113.8/32 (3 addresses) by /etc/pve/firewall/cluster.fw:19',
    },
    {
      name: 'a declared non-admin network inside an accepted range', node: pveNode({ clusterFw: withRule('IN ACCEPT -source 10.0.0.0/8 -p tcp -dport 22') }),
      config: { non_admin_networks: ['10.50.0.0/16'] }, expect: 'FAIL', message: 'tcp/22 accepted from non-admin 10.50.0.0/16 (65,536 addresses) by /etc/pve/firewall/cluster.fw:19',
    },
    {
      name: 'policy_in ACCEPT', node: pveNode({ clusterFw: CLUSTER_FW_GOOD.replace('policy_in: DROP', 'policy_in: ACCEPT') }),
      expect: 'FAIL', message: 'by policy_in ACCEPT',
    },
    {
      name: 'datacenter firewall off and no hand-written rules', node: pveNode({ clusterFw: CLUSTER_FW_GOOD.replace('enable: 1', 'enable: 0') }),
      expect: 'FAIL', message: 'nothing filters input',
    },
    {
      // sshd -T says sshd listens on 2200: that port is what must be closed; an open 22 reaches nothing.
      name: 'sshd on 2200 opened to everyone', node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -p tcp -dport 2200') }, {}, { 'sshd -T': SSHD_T_2200 }),
      expect: 'FAIL', message: 'tcp/2200 accepted from public addresses',
    },
    {
      name: 'sshd on 2200 and only port 22 open: nothing listens there', node: pveNodeWith({ clusterFw: withRule('IN SSH(ACCEPT)') }, {}, { 'sshd -T': SSHD_T_2200 }),
      expect: 'PASS', message: 'SSH tcp/2200: no public or non-admin IPv4 address is accepted',
    },
    { name: 'sshd -T not collected: tcp/22, said so', node: pveNode(), expect: 'PASS', message: 'SSH assumed on tcp/22: sshd\'s configuration was not collected' },
    { name: 'hand-written rules: 22 from the LAN only', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }), expect: 'PASS', message: 'by netfilter' },
    {
      name: 'hand-written user chain opens 22 to a non-admin network', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }),
      config: { non_admin_networks: ['10.99.0.0/16'] }, expect: 'FAIL', message: 'by iptables-save:17 `-A ADMIN -p tcp -m tcp --dport 22 -j ACCEPT`',
    },
    { name: 'nothing known about filtering', node: pveNode({ states: '', iptables: '', ip6tables: '' }), expect: 'SKIP', message: 'iptables-save' },
  ]);
});
