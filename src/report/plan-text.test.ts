import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Plan } from '../harden/plan-types.js';
import { renderPlanText } from './plan-text.js';

const base = { cutsAccess: false, summary: 'why', controls: ['ACC-01'] };
const PLAN: Plan = {
  schema: 'pvesec.plan/v1', createdAt: '2026-11-25T12:00:00.000Z', pvesecVersion: 'test', configDigest: '0'.repeat(64),
  nodes: [
    {
      node: 'pve1', target: 'ssh://root@10.0.0.11',
      ops: [
        { ...base, kind: 'install-packages', id: 'i', phase: 'packages', packages: ['sudo'] },
        { ...base, kind: 'create-user', id: 'u', phase: 'admin', user: 'alice', shell: '/bin/bash' },
        { ...base, kind: 'make-dir', id: 'd', phase: 'admin', path: '/home/alice/.ssh', mode: 0o700, owner: 'alice', group: 'alice' },
        { ...base, kind: 'add-to-group', id: 'g', phase: 'admin', user: 'alice', group: 'sudo' },
        { ...base, kind: 'lock-password', id: 'l', phase: 'admin', user: 'bob' },
        { ...base, kind: 'write-file', id: 'w', phase: 'restrict', cutsAccess: true, controls: ['SSH-02'], path: '/etc/ssh/sshd_config.d/00-pvesec.conf', content: 'PasswordAuthentication no\nKbdInteractiveAuthentication no\n', mode: 0o644, owner: 'root', group: 'root' },
        { ...base, kind: 'service', id: 's', phase: 'restrict', cutsAccess: true, controls: ['SSH-02'], unit: 'ssh', action: 'reload' },
      ],
      fileDigests: { '/etc/ssh/sshd_config.d/00-pvesec.conf': 'a'.repeat(64) },
      fixes: ['ACC-01', 'SSH-02'],
      manual: [{ id: 'FW-01', status: 'FAIL', reason: 'no automatic remedy', fix: 'line one\nline two' }],
    },
    { node: 'pve2', target: 'ssh://root@10.0.0.12', ops: [], fileDigests: {}, fixes: [], manual: [] },
  ],
};

test('plan text: users, packages, services, a diff against the collected file, access marks, summary', () => {
  const text = renderPlanText(PLAN, (node, p) => (node === 'pve1' && p === '/etc/ssh/sshd_config.d/00-pvesec.conf' ? 'PasswordAuthentication yes\nKbdInteractiveAuthentication no\n' : undefined));
  const lines = text.split('\n');
  assert.ok(lines.includes('Node pve1 (ssh://root@10.0.0.11)'));
  assert.ok(lines.includes('  packages to install: sudo'));
  assert.ok(lines.includes('  users: +alice, alice +group sudo, bob password locked'));
  assert.ok(lines.includes('  services: ssh (reload)'));
  assert.ok(lines.includes('  files: +/home/alice/.ssh, ~/etc/ssh/sshd_config.d/00-pvesec.conf'));
  assert.ok(lines.some((l) => /^ +6 ! restrict +write \/etc\/ssh\/sshd_config\.d\/00-pvesec\.conf \(0644 root:root\)  \[SSH-02\]$/.test(l)), text);
  assert.ok(lines.some((l) => /^ +2 {3}admin +create user alice \(shell \/bin\/bash\)  \[ACC-01\]$/.test(l)), text);
  assert.ok(lines.includes('    --- /etc/ssh/sshd_config.d/00-pvesec.conf as collected'));
  assert.ok(lines.includes('    -PasswordAuthentication yes'));
  assert.ok(lines.includes('    +PasswordAuthentication no'));
  assert.ok(lines.includes('     KbdInteractiveAuthentication no'), 'context line');
  assert.ok(lines.includes('  2 controls fixed (ACC-01, SSH-02), 1 left for a human:'));
  assert.deepEqual(lines.slice(lines.indexOf('    FW-01 FAIL: no automatic remedy'), lines.indexOf('    FW-01 FAIL: no automatic remedy') + 3), ['    FW-01 FAIL: no automatic remedy', '        line one', '        line two']);
  assert.ok(lines.includes('Node pve2 (ssh://root@10.0.0.12)'));
  assert.ok(lines.includes('  nothing to change automatically'));
  assert.ok(lines.includes('  0 controls fixed, 0 left for a human.'));
  assert.equal(lines.at(-2), 'Plan: 7 operations on 1 node; 2 controls fixed, 1 left for a human.');
});

test('plan text: nothing to change', () => {
  const empty: Plan = { ...PLAN, nodes: [PLAN.nodes[1]] };
  assert.match(renderPlanText(empty, () => undefined), /\nNo changes: nothing pvesec can fix automatically; 0 left for a human\.\n$/);
});
