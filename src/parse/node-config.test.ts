import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeConfig } from './node-config.js';

test('node config: acme domains from acme: and acmedomainN:', () => {
  const { value } = parseNodeConfig(`#Rack 4, serial X123
acme: account=prod,domains=pve1.example.com;pve.example.com
acmedomain0: domain=pve1-dns.example.com,plugin=cloudflare
wakeonlan: aa:bb:cc:dd:ee:ff
`);
  assert.equal(value.acmeAccount, 'prod');
  assert.deepEqual(value.acmeDomains.map((d) => [d.domain, d.key, d.line, d.plugin]), [
    ['pve1.example.com', 'acme', 2, undefined],
    ['pve.example.com', 'acme', 2, undefined],
    ['pve1-dns.example.com', 'acmedomain0', 3, 'cloudflare'],
  ]);
  assert.deepEqual(parseNodeConfig('description: x\n').value.acmeDomains, []);
  assert.equal(parseNodeConfig('acmedomain0: domain=a.example.com\n').value.acmeAccount, undefined);
});
