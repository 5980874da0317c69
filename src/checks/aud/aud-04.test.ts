import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases, runCheck } from '../testing.js';
import { aud04 } from './aud-04.js';

const LOG = `Nov 23 02:14:07 pve sshd-session[30412]: Failed password for root from 45.148.10.183 port 51874 ssh2
Nov 23 02:14:11 pve sshd-session[30412]: Failed password for root from 45.148.10.183 port 51874 ssh2
Nov 23 05:40:52 pve sshd-session[41877]: Invalid user admin from 218.92.0.112 port 33910
Nov 23 05:40:54 pve sshd-session[41877]: Failed password for invalid user P@ssw0rd! from 218.92.0.112 port 33910 ssh2
Nov 24 07:58:41 pve pvedaemon[1187]: authentication failure; rhost=::ffff:80.94.95.116 user=root@pam msg=Authentication failure
`;

test('AUD-04 failed logins by source', () => {
  assertCases(aud04, [
    { name: 'failures', node: { commands: { 'auth-failures': LOG } }, expect: 'INFO', message: '4 failed logins from 3 sources between Nov 23 02:14:07 and Nov 24 07:58:41: 45.148.10.183 2 (ssh 2); 218.92.0.112 1 (ssh 1); 80.94.95.116 1 (web 1)' },
    { name: 'quiet window', node: { commands: { 'auth-failures': '' } }, expect: 'INFO', message: 'no failed SSH or web-UI login' },
    { name: 'not collected', node: { errors: { 'auth-failures': 'permission denied (not collected as root)' } }, expect: 'SKIP', message: 'permission denied' },
  ]);
});

test('AUD-04 never shows a password typed as a user name', () => {
  const text = JSON.stringify(runCheck(aud04, { node: { commands: { 'auth-failures': LOG } } }));
  assert.ok(!text.includes('P@ssw0rd'));
});
