import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { fw03 } from './fw-03.js';
import { pveNode } from '../../../test/fixtures/netfilter/helpers.js';

test('FW-03 default inbound policy', () => {
  assertCases(fw03, [
    { name: 'policy_in: DROP', node: pveNode(), expect: 'PASS', message: 'inbound policy is DROP' },
    { name: 'default policy', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\n' }), expect: 'PASS', message: 'DROP (default)' },
    { name: 'REJECT', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\npolicy_in: REJECT\n' }), expect: 'PASS', message: 'REJECT' },
    { name: 'ACCEPT', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n' }), expect: 'FAIL', message: 'policy_in: ACCEPT' },
    { name: 'lowercase accept is still ACCEPT', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\npolicy_in: accept\n' }), expect: 'FAIL', message: 'policy_in: ACCEPT' },
    { name: 'DROP but firewall off', node: pveNode({ clusterFw: '[OPTIONS]\nenable: 0\npolicy_in: DROP\n' }), expect: 'WARN', message: 'not in effect' },
    { name: 'not collected', node: { files: { '/etc/hostname': 'pve1\n' } }, expect: 'SKIP', message: 'cluster.fw' },
  ]);
});
