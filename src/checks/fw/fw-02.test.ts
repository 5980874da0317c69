import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw02 } from './fw-02.js';
import { pveNode, STATES_NO_PVEFW } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-02 firewall enabled on the node', () => {
  assertCases(fw02, [
    { name: 'no host.fw, service running', node: pveNode(), expect: 'PASS', message: 'host.fw default' },
    { name: 'host.fw enable: 1', node: pveNode({ hostFw: '[OPTIONS]\n\nenable: 1\n\n[RULES]\n\nIN SSH(ACCEPT) -source +management\n' }), expect: 'PASS', message: 'enable: 1' },
    { name: 'host.fw enable: 0', node: pveNode({ hostFw: '[OPTIONS]\nenable: 0\n' }), expect: 'FAIL', message: 'has enable: 0' },
    { name: 'service stopped', node: pveNode({ states: STATES_NO_PVEFW }), expect: 'FAIL', message: 'pve-firewall service is inactive' },
    { name: 'nftables backend needs proxmox-firewall', node: pveNode({ hostFw: '[OPTIONS]\nnftables: 1\n' }), expect: 'FAIL', message: 'proxmox-firewall service is inactive' },
    { name: 'datacenter switch off is noted', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 0\n' }), expect: 'PASS', message: 'datacenter switch is off' },
    { name: 'unit states missing', node: pveNode({ states: '' }), expect: 'SKIP', message: 'systemctl-states' },
  ]);
});
