import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuditRules, watchCovering } from './audit-rules.js';

const AUDITCTL_L = `-w /etc/sudoers -p wa -k scope
-w /etc/sudoers.d -p wa -k scope
-w /etc/ssh/sshd_config -p rwxa -k sshd
-a always,exit -F arch=b64 -S adjtimex,settimeofday -F key=time-change
-a always,exit -F path=/etc/passwd -F perm=wa -F key=identity
-a always,exit -F dir=/etc/pve -F perm=wa -F key=pve
-w /etc/group -p w -k identity
`;

test('auditctl -l: file watches, path=/dir= rules, syscall rules', () => {
  const { value, diagnostics } = parseAuditRules(AUDITCTL_L);
  assert.equal(value.rules.length, 7);
  assert.equal(watchCovering(value.rules, '/etc/sudoers.d/')?.line, 2);
  assert.equal(watchCovering(value.rules, '/etc/passwd')?.line, 5);
  assert.equal(watchCovering(value.rules, '/etc/pve/user.cfg')?.line, 6);
  assert.equal(watchCovering(value.rules, '/etc/ssh/sshd_config')?.key, 'sshd');
  assert.equal(watchCovering(value.rules, '/etc/group'), undefined, '-p w lacks attribute changes');
  assert.equal(value.rules[3].kind, 'syscall');
  assert.deepEqual(diagnostics, []);
});

test('rules.d syntax: -D, -b, -e 2, comments, -W, exact path rules do not cover children', () => {
  const text = `## First rule - delete all
-D
-b 8192
--backlog_wait_time 60000
-f 1
-w /etc/shadow -p wa -k identity
-W /etc/shadow
-w /etc/ -p wa -k etc
-a exit,always -F path=/etc/pve -F perm=wa
-e 2
`;
  const { value } = parseAuditRules(text, '/etc/audit/rules.d/audit.rules');
  assert.equal(value.immutable, true);
  assert.equal(value.rules.filter((r) => r.kind === 'watch').length, 2);
  assert.equal(watchCovering(value.rules, '/etc/shadow')?.line, 8, 'covered by the recursive /etc/ watch only');
  const onlyPath = parseAuditRules('-a always,exit -F path=/etc/pve -F perm=wa\n').value.rules;
  assert.equal(watchCovering(onlyPath, '/etc/pve/user.cfg'), undefined);
  assert.ok(watchCovering(onlyPath, '/etc/pve'));
});

test('"No rules" and junk', () => {
  assert.equal(parseAuditRules('No rules\n').value.empty, true);
  const r = parseAuditRules('hello world\n-a bogus\n');
  assert.deepEqual(r.diagnostics.map((d) => d.line), [1, 2]);
});
