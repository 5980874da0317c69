import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDatacenterCfg } from './datacenter-cfg.js';

test('datacenter.cfg: keys and the webauthn property string', () => {
  const { value, diagnostics } = parseDatacenterCfg(`keyboard: en-us
# comment
console: html5
webauthn: rp=pve.example.com,origin=https://pve.example.com:8006,id=pve.example.com
migration: secure,network=10.10.10.0/24
garbage line
`);
  assert.equal(value.values.get('console')?.value, 'html5');
  assert.deepEqual(value.webauthn, { rp: 'pve.example.com', origin: 'https://pve.example.com:8006', id: 'pve.example.com', line: 4 });
  assert.deepEqual(diagnostics.map((d) => d.line), [6]);
  assert.equal(parseDatacenterCfg('keyboard: de\n').value.webauthn, undefined);
});
