import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases, runCheck } from '../testing.js';
import { fw08 } from './fw-08.js';
import { pveNode } from '../../../test/fixtures/netfilter/helpers.js';

const CLUSTER = `[OPTIONS]
enable: 1

[RULES]
IN ACCEPT -source +management -p tcp -dport 22
IN ACCEPT -dport 8006
|IN ACCEPT -dport 3128
IN accept -p tcp -dport 443
GROUP Admins

[group admins]
IN SSH(ACCEPT) -p tcp -dport 2222

[IPSET management]
10.10.0.0/24
`;

test('FW-08 silently ignored rules, each with file:line', () => {
  assertCases(fw08, [
    { name: 'clean configuration', node: pveNode(), expect: 'PASS', message: 'are applied by Proxmox' },
    {
      name: 'ignored rules in cluster.fw, a group and host.fw',
      node: pveNode({ clusterFw: CLUSTER, hostFw: '[RULES]\nIN ACCEPT -source local_network -p tcp -dport 22\n' }),
      expect: ['FAIL', 'FAIL', 'FAIL', 'WARN', 'FAIL', 'FAIL'],
    },
    {
      name: 'ipset entry, alias and option lines that Proxmox skips',
      node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\npolicy_in: DENY\n[ALIASES]\nadmin-pc 10.1.1.300\n[IPSET management]\n0.0.0.0/0\nadmin-pc\n10.1.1.0/24\n' }),
      expect: ['WARN', 'WARN', 'WARN', 'WARN'], message: /cluster\.fw:3: line ignored by Proxmox: can't parse option 'policy_in: DENY'[^]*:5: .*admin-pc[^]*:7: .*prefix length 0[^]*:8: .*no such alias 'admin-pc'/,
    },
    { name: 'cluster.fw not collected', node: { files: { '/etc/hostname': 'pve1\n' } }, expect: 'SKIP' },
  ]);
  const findings = runCheck(fw08, { node: pveNode({ clusterFw: CLUSTER, hostFw: '[RULES]\nIN ACCEPT -source local_network -p tcp -dport 22\n' }) });
  const msgs = findings.map((f) => f.message);
  assert.match(msgs[0], /cluster\.fw:5: .*ipset 'management'/, 'management ipset defined later in the file');
  assert.match(msgs[1], /cluster\.fw:6: .*requires -p/);
  assert.match(msgs[2], /cluster\.fw:8: .*upper case/);
  assert.match(msgs[3], /GROUP Admins refers to no security group.*named "admins"/);
  assert.match(msgs[4], /in \[group admins\].*conflicts with macro SSH/);
  assert.match(msgs[5], /nodes\/pve1\/host\.fw:2: .*local_network/);
  assert.deepEqual(findings[0].evidence, [{ source: '/etc/pve/firewall/cluster.fw', line: 5, text: 'IN ACCEPT -source +management -p tcp -dport 22' }]);
});
