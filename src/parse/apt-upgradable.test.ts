import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAptUpgradable } from './apt-upgradable.js';

const OUT = `
WARNING: apt does not have a stable CLI interface. Use with caution in scripts.

Listing...
libssl3t64/trixie-security 3.5.1-1+deb13u1 amd64 [upgradable from: 3.5.1-1]
openssl/trixie-security,trixie-updates 3.5.1-1+deb13u1 amd64 [upgradable from: 3.5.1-1]
pve-manager/stable 9.0.11 all [upgradable from: 9.0.10]
proxmox-kernel-6.14/stable 6.14.11-4 all [upgradable from: 6.14.11-3]
`;

test('security updates are recognised by suite; header and warnings skipped', () => {
  const { value, diagnostics } = parseAptUpgradable(OUT);
  assert.deepEqual(value.map((p) => [p.name, p.security]), [
    ['libssl3t64', true], ['openssl', true], ['pve-manager', false], ['proxmox-kernel-6.14', false],
  ]);
  assert.deepEqual(value[1].suites, ['trixie-security', 'trixie-updates']);
  assert.equal(value[0].from, '3.5.1-1');
  assert.equal(value[0].line, 5);
  assert.deepEqual(diagnostics, []);
});

test('nothing pending and malformed lines', () => {
  assert.deepEqual(parseAptUpgradable('Listing... Done\n').value, []);
  const r = parseAptUpgradable('Listing...\ngarbage\n');
  assert.equal(r.diagnostics[0].line, 2);
});
