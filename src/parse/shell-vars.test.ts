import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShellVars } from './shell-vars.js';

test('/etc/default/pveproxy: quoted and unquoted assignments, last wins', () => {
  const { value, diagnostics } = parseShellVars(`# pveproxy defaults
ALLOW_FROM="10.0.0.1-10.0.0.5,192.168.0.0/22"
DENY_FROM='all'
POLICY=allow   # comment
CIPHERS="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
DISABLE_TLS_1_3=0
DISABLE_TLS_1_3=1
export LISTEN_IP="::"
BROKEN="unterminated
echo hello
`);
  assert.equal(value.get('ALLOW_FROM')?.value, '10.0.0.1-10.0.0.5,192.168.0.0/22');
  assert.equal(value.get('DENY_FROM')?.value, 'all');
  assert.equal(value.get('POLICY')?.value, 'allow');
  assert.equal(value.get('CIPHERS')?.value, 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256');
  assert.deepEqual(value.get('DISABLE_TLS_1_3'), { value: '1', line: 7 });
  assert.equal(value.get('LISTEN_IP')?.value, '::');
  assert.equal(value.has('BROKEN'), false);
  assert.deepEqual(diagnostics.map((d) => d.line), [9, 10]);
});
