import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureReason, nodeTxRuntime, parseStatus, rollbackOutput } from './apply-tx.js';

// Output as the node scripts print it (src/harden/node/scripts.ts), interleaved with a tool's own words.
const STEP_OK = `pvesec-tx installed sudo
Selecting previously unselected package sudo.
pvesec-tx user alice created
pvesec-tx group alice sudo added
pvesec-tx wrote /etc/sudoers.d/pvesec-admins
pvesec-tx validated validate:visudo
pvesec-tx dir /home/alice/.ssh
pvesec-tx service ssh reload
pvesec-tx service fail2ban enable-now
pvesec-tx step-done 20261206T225855Z-e29a4f 7
`;

const STEP_FAILED = `pvesec-tx wrote /etc/ssh/sshd_config.d/00-pvesec.conf
/etc/ssh/sshd_config.d/00-pvesec.conf line 1: Bad configuration option: PasswordAuthenticatio
pvesec-tx failed validate:sshd sshd -t exited 255: Bad configuration option: PasswordAuthenticatio
pvesec-tx reverting 20261206T225855Z-e29a4f validate:sshd failed: sshd -t exited 255
pvesec-tx removed /etc/ssh/sshd_config.d/00-pvesec.conf
pvesec-tx reverted 20261206T225855Z-e29a4f validate:sshd failed: sshd -t exited 255
`;

test('progress lines: one human line per change, bookkeeping and tool output left out', () => {
  assert.deepEqual(nodeTxRuntime().progressLines(STEP_OK), [
    'installed sudo',
    'created user alice',
    'added alice to group sudo',
    'wrote /etc/sudoers.d/pvesec-admins',
    'validated validate:visudo',
    'created directory /home/alice/.ssh',
    'reloaded ssh',
    'enabled and started fail2ban',
  ]);
  assert.deepEqual(nodeTxRuntime().progressLines(STEP_FAILED), [
    'wrote /etc/ssh/sshd_config.d/00-pvesec.conf',
    'failed validate:sshd: sshd -t exited 255: Bad configuration option: PasswordAuthenticatio',
    'reverting: validate:sshd failed: sshd -t exited 255',
    'removed /etc/ssh/sshd_config.d/00-pvesec.conf',
    'reverted 20261206T225855Z-e29a4f',
  ]);
});

test('failure reason: the last failed, refused or error event in the node\'s words', () => {
  assert.equal(failureReason(STEP_FAILED), 'validate:sshd failed: sshd -t exited 255: Bad configuration option: PasswordAuthenticatio');
  assert.equal(failureReason('pvesec-tx refused the node lock /var/lib/pvesec/lock is held by another pvesec\n'), 'the node lock /var/lib/pvesec/lock is held by another pvesec');
  assert.equal(failureReason('pvesec-tx revert-failed 20261206T225855Z-e29a4f live (see the revert-error lines)\n'), 'revert failed: live (see the revert-error lines)');
  assert.equal(failureReason(STEP_OK), undefined);
});

test('status: the state and, per touched file, pre, post or other (paths with spaces kept)', () => {
  const out = `pvesec-tx state 20261206T225855Z-e29a4f reverted 1796598158.559 the confirmation deadline passed
pvesec-tx file pre /etc/ssh/sshd_config.d/00-pvesec.conf
pvesec-tx file other /etc/odd name.conf
pvesec-tx file post /etc/passwd
`;
  assert.deepEqual(parseStatus(out), {
    state: 'reverted',
    files: [
      { path: '/etc/ssh/sshd_config.d/00-pvesec.conf', is: 'pre' },
      { path: '/etc/odd name.conf', is: 'other' },
      { path: '/etc/passwd', is: 'post' },
    ],
  });
  assert.deepEqual(parseStatus(''), { state: 'unknown', files: [] });
});

test('a refused rollback never shows a password hash: shadow files are not diffed on the node, and any diff line is redacted', () => {
  const out = `pvesec-tx changed /etc/shadow 1a2b 3c4d
pvesec-tx diff /etc/shadow /etc/shadow: diff not shown (it holds password hashes)
pvesec-tx changed /etc/pvesec-e2e/users 5e6f 7a8b
pvesec-tx diff /etc/pvesec-e2e/users -alice:!:20000:0:99999:7:::
pvesec-tx diff /etc/pvesec-e2e/users +alice:$y$j9T$abcdefgh$ijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLM:20001:0:99999:7:::
`;
  const text = rollbackOutput(out);
  assert.match(text, /^\/etc\/shadow: diff not shown \(it holds password hashes\)$/m);
  assert.match(text, /^\+alice:<redacted>:20001:/m);
  assert.doesNotMatch(text, /\$y\$/);
});

test('a refused rollback shows which files changed and their diff', () => {
  const out = `pvesec-tx changed /etc/ssh/sshd_config.d/00-pvesec.conf 1a2b 3c4d
pvesec-tx diff /etc/ssh/sshd_config.d/00-pvesec.conf --- /etc/ssh/sshd_config.d/00-pvesec.conf (confirmed)
pvesec-tx diff /etc/ssh/sshd_config.d/00-pvesec.conf +++ /etc/ssh/sshd_config.d/00-pvesec.conf (now)
pvesec-tx diff /etc/ssh/sshd_config.d/00-pvesec.conf @@ -1 +1,2 @@
pvesec-tx diff /etc/ssh/sshd_config.d/00-pvesec.conf  PasswordAuthentication no
pvesec-tx diff /etc/ssh/sshd_config.d/00-pvesec.conf +# edited by hand
pvesec-tx refused 1 files changed since transaction 20261206T225855Z-e29a4f was confirmed: a rollback would overwrite those changes (force to roll back anyway)
`;
  assert.equal(rollbackOutput(out), [
    'changed since the confirmation: /etc/ssh/sshd_config.d/00-pvesec.conf',
    '--- /etc/ssh/sshd_config.d/00-pvesec.conf (confirmed)',
    '+++ /etc/ssh/sshd_config.d/00-pvesec.conf (now)',
    '@@ -1 +1,2 @@',
    ' PasswordAuthentication no',
    '+# edited by hand',
    '',
  ].join('\n'));
});
