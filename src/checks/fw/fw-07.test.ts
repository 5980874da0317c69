import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw07 } from './fw-07.js';
import { corosyncConf, pveNodeWith, withRule } from './testing.js';
import { CLUSTER_FW_GOOD, pveNode } from '../../../test/fixtures/netfilter/helpers.js';

const onLan = { '/etc/pve/corosync.conf': corosyncConf({ pve1: '10.10.0.11', pve2: '10.10.0.12', pve3: '10.10.0.13' }) };
// The management network is 10.10.0.0/24; corosync runs on its own ring network.
const LAN = CLUSTER_FW_GOOD.replace('bastion 192.0.2.10', 'bastion 192.0.2.10\nlocal_network 10.10.0.0/24');
const ringNet = { '/etc/pve/corosync.conf': corosyncConf({ pve1: '172.30.0.11', pve2: '172.30.0.12' }) };

/** Two knet links: ring0 on the LAN (10.10.0.0/24), ring1 a backup link on 172.30.0.0/24. */
const twoLinks = (ring1For2 = '172.30.0.12') => ({
  '/etc/pve/corosync.conf': corosyncConf({ pve1: '10.10.0.11', pve2: '10.10.0.12' })
    .replace('ring0_addr: 10.10.0.11', 'ring0_addr: 10.10.0.11\n    ring1_addr: 172.30.0.11')
    .replace('ring0_addr: 10.10.0.12', `ring0_addr: 10.10.0.12\n    ring1_addr: ${ring1For2}`),
});

test('FW-07 cluster traffic passes between peers', () => {
  assertCases(fw07, [
    { name: 'standalone node', node: pveNode(), expect: 'PASS', message: 'standalone node: no corosync.conf' },
    {
      name: 'peers inside the management ipset', node: pveNodeWith({}, onLan),
      expect: 'PASS', message: 'corosync udp/5404-5405 on every link, SSH tcp/22 and migration tcp/60000-60050 (every port) over ring0 accepted from pve2 (ring0 10.10.0.12), pve3 (ring0 10.10.0.13)',
    },
    {
      name: 'separate ring network: corosync passes, SSH and migration do not', node: pveNodeWith({ clusterFw: LAN }, ringNet),
      expect: ['FAIL', 'FAIL'], message: 'cluster traffic blocked: tcp/22 from peer pve2 ring0 (172.30.0.12): DROP by policy_in DROP',
    },
    {
      name: 'a cluster rule drops corosync', node: pveNodeWith({ clusterFw: withRule('IN DROP -p udp -dport 5404:5405') }, onLan),
      expect: ['FAIL', 'FAIL'], message: 'udp/5404-5405 from peer pve2 ring0 (10.10.0.12): DROP by /etc/pve/firewall/cluster.fw:19',
    },
    {
      // Probing 60000 and 60050 (the range's edges) missed this.
      name: 'a DROP inside the migration range', node: pveNodeWith({ clusterFw: withRule('IN DROP -p tcp -dport 60010:60020') }, onLan),
      expect: ['FAIL', 'FAIL'], message: 'cluster traffic blocked: tcp/60010-60020 from peer pve2 ring0 (10.10.0.12): DROP by /etc/pve/firewall/cluster.fw:19 `IN DROP -p tcp -dport 60010:60020`',
    },
    {
      name: 'ring network admitted by an ipset rule', node: pveNodeWith({ clusterFw: withRule('IN ACCEPT -source 172.30.0.0/24 -p tcp -dport 22,60000:60050', LAN) }, ringNet),
      expect: 'PASS',
    },
    {
      // ring1 is a backup corosync link: corosync must pass there, SSH and migration need not.
      name: 'backup link: corosync only', node: pveNodeWith({ clusterFw: LAN }, twoLinks()),
      expect: 'PASS', message: 'accepted from pve2 (ring0 10.10.0.12, ring1 172.30.0.12)',
    },
    {
      name: 'backup link whose corosync is dropped', node: pveNodeWith({ clusterFw: withRule('IN DROP -source 172.30.0.0/24 -p udp -dport 5404:5405', LAN) }, twoLinks()),
      expect: 'FAIL', message: 'udp/5404-5405 from peer pve2 ring1 (172.30.0.12): DROP',
    },
    {
      // datacenter.cfg sends migration over ring1's network: SSH and migration must pass there.
      name: 'migration network on the second link', node: pveNodeWith({ clusterFw: LAN }, { ...twoLinks(), '/etc/pve/datacenter.cfg': 'keyboard: en-us\nmigration: secure,network=172.30.0.0/24\n' }),
      expect: ['FAIL', 'FAIL'], message: 'cluster traffic blocked: tcp/22 from peer pve2 ring1 (172.30.0.12): DROP by policy_in DROP',
    },
    {
      name: 'a peer ring address that is a hostname: SKIP, not PASS', node: pveNodeWith({}, { '/etc/pve/corosync.conf': corosyncConf({ pve1: '10.10.0.11', pve2: 'pve2-corosync.example.com' }) }),
      expect: 'SKIP', message: 'pve2 ring0 "pve2-corosync.example.com" (pve2-corosync.example.com: cannot be resolved, /etc/hosts is not in the bundle)',
    },
    { name: 'corosync.conf unreadable on a cluster node', node: pveNode({ errors: { '/etc/pve/corosync.conf': 'Permission denied' } }), expect: 'SKIP' },
  ]);
});

const STATES_NFT = 'pve-firewall inactive disabled\nproxmox-firewall active enabled\nnetfilter-persistent inactive not-found\npveproxy active enabled\n';

test('FW-07 with proxmox-firewall (nftables): corosync 5405-5412, no implicit migration ports', () => {
  assertCases(fw07, [
    {
      name: 'peers in the management ipset still need a migration rule', node: pveNodeWith({ hostFw: '[OPTIONS]\nnftables: 1\n', states: STATES_NFT }, onLan),
      expect: ['FAIL', 'FAIL'], message: 'cluster traffic blocked: tcp/60000-60050 from peer pve2 ring0 (10.10.0.12): DROP by policy_in DROP',
    },
    {
      name: 'with a migration rule everything passes',
      node: pveNodeWith({ hostFw: '[OPTIONS]\nnftables: 1\n', states: STATES_NFT, clusterFw: withRule('IN ACCEPT -source +management -p tcp -dport 60000:60050') }, onLan),
      expect: 'PASS', message: 'udp/5405-5412',
    },
  ]);
});
