import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw12 } from './fw-12.js';
import { CLUSTER_FW_GOOD, EMPTY_IPTABLES, HANDWRITTEN_V4, netfilter, pveNode, SS_PVE, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

const withRule = (rule: string) => `${CLUSTER_FW_GOOD}${rule}\n`;
const SS_NO_RPCBIND = SS_PVE.split('\n').filter((l) => !l.includes('rpcbind')).join('\n');
// postfix with `inet_interfaces = all`: smtp on every address instead of loopback only.
const SS_SMTP_ALL = SS_PVE.replace('127.0.0.1:25   ', '0.0.0.0:25     ').replace('[::1]:25  ', '[::]:25   ');

test('FW-12 pvedaemon, rpcbind and smtp not opened to non-admin sources', () => {
  assertCases(fw12, [
    { name: 'Proxmox firewall with management-only rules', node: pveNode(), expect: 'PASS', message: 'no ACCEPT rule opens' },
    { name: 'rpcbind opened to everyone', node: pveNode({ clusterFw: withRule('IN ACCEPT -p tcp -dport 111') }), expect: 'FAIL', message: 'cluster.fw:19 opens tcp/111 (rpcbind) to any source' },
    {
      name: 'a partner network accepted without port restriction',
      node: pveNode({ clusterFw: withRule('IN ACCEPT -source 203.0.113.0/24 # partner') }),
      expect: 'FAIL',
      message: 'cluster.fw:19 opens tcp+udp/111 (rpcbind) to 203.0.113.0/24, outside the admin sources (cluster.fw [IPSET management]) (tcp/85 (pvedaemon), tcp/25 (smtp) listen on loopback only: not counted)',
    },
    {
      name: 'the same rule with smtp listening on all addresses: still one line for the rule',
      node: pveNode({ clusterFw: withRule('IN ACCEPT -source 203.0.113.0/24 # partner'), ss: SS_SMTP_ALL }),
      expect: 'FAIL', message: 'cluster.fw:19 opens tcp+udp/111 (rpcbind), tcp/25 (smtp) to 203.0.113.0/24, outside the admin sources (cluster.fw [IPSET management]) (tcp/85 (pvedaemon) listens on loopback only: not counted)',
    },
    {
      name: 'without ss output every opened port counts',
      node: pveNode({ clusterFw: withRule('IN ACCEPT -source 203.0.113.0/24 # partner'), ss: '' }),
      expect: 'FAIL', message: 'cluster.fw:19 opens tcp/85 (pvedaemon), tcp+udp/111 (rpcbind), tcp/25 (smtp) to 203.0.113.0/24, outside',
    },
    { name: 'smtp opened but listening on loopback only', node: pveNode({ clusterFw: withRule('IN ACCEPT -source 203.0.113.0/24 -p tcp -dport 25') }), expect: 'PASS' },
    { name: 'SMTP from the management ipset only', node: pveNode({ clusterFw: withRule('IN SMTP(ACCEPT) -source +management') }), expect: 'PASS' },
    { name: 'Mail macro from a host inside management', node: pveNode({ clusterFw: withRule('IN Mail(ACCEPT) -source 10.10.0.25') }), expect: 'PASS' },
    { name: 'ignored rule does not count', node: pveNode({ clusterFw: withRule('IN ACCEPT -dport 111') }), expect: 'PASS' },
    {
      name: 'policy_in ACCEPT with rpcbind listening', node: pveNode({ clusterFw: CLUSTER_FW_GOOD.replace('policy_in: DROP', 'policy_in: ACCEPT') }),
      expect: 'FAIL', message: 'policy_in: ACCEPT lets tcp+udp/111 (rpcbind) through from any source, and they listen on a non-loopback address',
    },
    {
      name: 'no admin sources to compare with: one WARN for the rule, listing its ports',
      node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -source 10.0.0.0/8 # trust the LAN\n', ss: SS_SMTP_ALL }),
      expect: 'WARN', message: 'cluster.fw:4 opens tcp+udp/111 (rpcbind), tcp/25 (smtp) to 10.0.0.0/8, which cannot be checked: no admin sources are declared',
    },
    { name: 'hand-written rules without sensitive ports', node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4 }), expect: 'PASS' },
    {
      name: 'hand-written rule opening rpcbind',
      node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4.replace('-A INPUT -p icmp', '-A INPUT -p udp -m udp --dport 111 -j ACCEPT\n-A INPUT -p icmp') }),
      expect: 'FAIL', message: 'iptables-save filter INPUT rule 8 opens udp/111 (rpcbind) to any source',
    },
    {
      name: 'user chain reached from a non-admin network',
      node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4.replace('-A ADMIN -j RETURN', '-A ADMIN -p tcp -m tcp --dport 25 -j ACCEPT\n-A ADMIN -j RETURN'), ss: SS_SMTP_ALL }),
      config: { admin_sources: ['192.168.10.0/24'] },
      expect: 'FAIL', message: 'filter ADMIN rule 2 opens tcp/25 (smtp) to 10.99.0.0/16, outside the admin sources (configured admin_sources)',
    },
    {
      name: 'the same hand-written rule while smtp listens on loopback only',
      node: pveNode({ states: STATES_NO_PVEFW, iptables: HANDWRITTEN_V4.replace('-A ADMIN -j RETURN', '-A ADMIN -p tcp -m tcp --dport 25 -j ACCEPT\n-A ADMIN -j RETURN') }),
      config: { admin_sources: ['192.168.10.0/24'] }, expect: 'PASS',
    },
    {
      name: 'real test host: DROP for rpcbind, REJECT for smtp in a user chain',
      node: pveNode({ states: STATES_NO_PVEFW, iptables: netfilter('testhost.iptables-save'), ip6tables: netfilter('testhost.ip6tables-save'), nft: netfilter('testhost.nft'), ss: netfilter('testhost.ss-tulpn') }),
      config: { admin_sources: ['10.77.0.0/24'] }, expect: 'PASS',
    },
    { name: 'no filtering and rpcbind listens', node: pveNode({ states: STATES_NO_PVEFW, iptables: EMPTY_IPTABLES }), expect: 'FAIL', message: 'tcp+udp/111 (rpcbind) listen on 0.0.0.0, :: and nothing filters them' },
    {
      name: 'no filtering, rpcbind and smtp (IPv4 only) listening: one finding',
      node: pveNode({ states: STATES_NO_PVEFW, iptables: EMPTY_IPTABLES, ss: SS_PVE.replace('127.0.0.1:25   ', '0.0.0.0:25     ') }), expect: 'FAIL',
      message: 'tcp+udp/111 (rpcbind) listen on 0.0.0.0, ::; tcp/25 (smtp) listens on 0.0.0.0 and nothing filters them',
    },
    { name: 'no filtering, nothing sensitive listening', node: pveNode({ states: STATES_NO_PVEFW, iptables: EMPTY_IPTABLES, ss: SS_NO_RPCBIND }), expect: 'PASS', message: 'none of tcp/85' },
    { name: 'no filtering and no ss output', node: pveNode({ states: STATES_NO_PVEFW, iptables: EMPTY_IPTABLES, ss: '' }), expect: 'SKIP', message: 'ss -tulpn' },
  ]);
});
