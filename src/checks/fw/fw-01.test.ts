import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw01 } from './fw-01.js';
import { pveNode } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-01 datacenter firewall enabled', () => {
  assertCases(fw01, [
    { name: 'enable: 1', node: pveNode(), expect: 'PASS', message: 'datacenter firewall is on (enable: 1)' },
    { name: 'enable: 0', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 0\npolicy_in: DROP\n' }), expect: 'FAIL', message: 'datacenter firewall is off: enable: 0' },
    { name: 'enable: yes is not a number', node: pveNode({ clusterFw: '[OPTIONS]\nenable: yes\n' }), expect: 'FAIL', message: 'no valid `enable:`' },
    { name: 'expired anti-lockout timestamp', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1752241964\n' }), expect: 'FAIL', message: 'anti-lockout timestamp that expired' },
    { name: 'no cluster.fw at all', node: pveNode({ clusterFw: null }), expect: 'FAIL', message: 'does not exist' },
    { name: '/etc/pve not collected', node: { files: { '/etc/hostname': 'pve1\n' }, errors: { '/etc/pve/firewall/cluster.fw': 'permission denied' } }, expect: 'SKIP', message: 'permission denied' },
  ]);
});
