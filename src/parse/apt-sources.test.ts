import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAptSourceFile, parseDeb822Sources, parseSourcesList } from './apt-sources.js';

const DEBIAN_SOURCES = `Types: deb
URIs: http://deb.debian.org/debian/
Suites: trixie trixie-updates
Components: main contrib non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.debian.org/debian-security/
Suites: trixie-security
Components: main contrib non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

const ENTERPRISE = `Types: deb
URIs: https://enterprise.proxmox.com/debian/pve
Suites: trixie
Components: pve-enterprise
Signed-By: /usr/share/keyrings/proxmox-archive-keyring.gpg
Enabled: false
`;

test('PVE 9 deb822 debian.sources expands types x URIs x suites', () => {
  const { value, diagnostics } = parseDeb822Sources(DEBIAN_SOURCES);
  assert.deepEqual(value.map((s) => `${s.uri} ${s.suite} ${s.enabled}`), [
    'http://deb.debian.org/debian/ trixie true',
    'http://deb.debian.org/debian/ trixie-updates true',
    'http://security.debian.org/debian-security/ trixie-security true',
  ]);
  assert.equal(value[2].line, 7);
  assert.equal(value[0].options['signed-by'], '/usr/share/keyrings/debian-archive-keyring.gpg');
  assert.deepEqual(diagnostics, []);
});

test('Enabled: false disables a deb822 stanza; comments are skipped', () => {
  const { value } = parseAptSourceFile('# disabled by the no-subscription helper\n' + ENTERPRISE, '/etc/apt/sources.list.d/pve-enterprise.sources');
  assert.equal(value.length, 1);
  assert.equal(value[0].enabled, false);
  assert.deepEqual(value[0].components, ['pve-enterprise']);
});

test('one-line sources.list with options, comments and a commented-out entry', () => {
  const text = [
    'deb http://deb.debian.org/debian bookworm main contrib',
    '',
    'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.debian.org bookworm-security main contrib # security',
    '# deb http://download.proxmox.com/debian/pve bookworm pve-no-subscription',
    '# a plain comment',
    'deb http://broken',
  ].join('\n');
  const { value, diagnostics } = parseSourcesList(text);
  assert.equal(value.length, 3);
  assert.deepEqual(value[1].options, { arch: 'amd64', 'signed-by': '/usr/share/keyrings/debian-archive-keyring.gpg' });
  assert.deepEqual(value[1].components, ['main', 'contrib']);
  assert.equal(value[2].enabled, false);
  assert.equal(value[2].suite, 'bookworm');
  assert.deepEqual(diagnostics.map((d) => d.line), [6]);
});

test('stanza without Suites is a diagnostic; other file names are ignored', () => {
  const r = parseDeb822Sources('Types: deb\nURIs: http://x/\n');
  assert.equal(r.value.length, 0);
  assert.equal(r.diagnostics[0].line, 1);
  assert.equal(parseAptSourceFile('deb http://x y z', '/etc/apt/sources.list.d/x.list.save').value.length, 0);
});
