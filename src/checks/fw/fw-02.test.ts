import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw02 } from './fw-02.js';
import { pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';
import { plainBackup } from '../../../test/support/plain-backup.js';

test('FW-02 firewall enabled on the node', () => {
  assertCases(fw02, [
    { name: 'no host.fw, service running', node: pveNode(), expect: 'PASS', message: 'host.fw default' },
    { name: 'host.fw enable: 1', node: pveNode({ hostFw: '[OPTIONS]\n\nenable: 1\n\n[RULES]\n\nIN SSH(ACCEPT) -source +management\n' }), expect: 'PASS', message: 'enable: 1' },
    { name: 'host.fw enable: 0', node: pveNode({ hostFw: '[OPTIONS]\nenable: 0\n' }), expect: 'FAIL', message: 'has enable: 0' },
    { name: 'service stopped', node: pveNode({ states: STATES_NO_PVEFW }), expect: 'FAIL', message: 'pve-firewall service is inactive' },
    { name: 'nftables backend needs proxmox-firewall', node: pveNode({ hostFw: '[OPTIONS]\nnftables: 1\n' }), expect: 'FAIL', message: 'proxmox-firewall service is inactive' },
    { name: 'datacenter switch off is noted', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 0\n' }), expect: 'PASS', message: 'datacenter switch is off' },
  ]);
});

test('FW-02 on a plain /etc/pve backup (no service state): decided from the enable switches', () => {
  const hardened = plainBackup('hardened-cluster/pve1', 'pve1');
  const hostFw = '/etc/pve/nodes/pve1/host.fw';
  assertCases(fw02, [
    { name: 'hardened backup', node: hardened, expect: 'PASS', message: /enable: 1.*service state was not collected \(systemctl-states is not in the bundle\), so whether pve-firewall runs is unknown/ },
    { name: 'hardened backup, host.fw enable: 0', node: { ...hardened, files: { ...hardened.files, [hostFw]: (hardened.files![hostFw] as string).replace('enable: 1', 'enable: 0') } }, expect: 'FAIL', message: 'has enable: 0' },
    { name: 'hardened backup, nftables backend', node: { ...hardened, files: { ...hardened.files, [hostFw]: (hardened.files![hostFw] as string).replace('enable: 1', 'enable: 1\nnftables: 1') } }, expect: 'PASS', message: 'whether proxmox-firewall runs is unknown' },
    { name: 'fresh-install backup: no host.fw, no cluster.fw', node: plainBackup('fresh-install', 'pve'), expect: 'PASS', message: /host\.fw default.*not collected.*datacenter switch is off/ },
    {
      name: 'a node without a directory under /etc/pve/nodes: host.fw unknown, not read as absent', expect: 'SKIP', message: 'this node has no directory under /etc/pve/nodes (there: pve1, pve2, pve3)',
      node: { ...hardened, target: 'pve-config', dirs: { ...hardened.dirs, '/etc/pve/local': { type: 'symlink', linkTarget: 'nodes/pve9' } } },
    },
    { name: 'states collected but failed', node: pveNode({ states: '', errors: { 'systemctl-states': 'systemctl: command not found' } }), expect: 'PASS', message: 'systemctl-states: systemctl: command not found' },
  ]);
});
