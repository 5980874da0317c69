import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AptConfig, aptReadsPart, aptTrue, parseAptConf } from './apt-conf.js';
import { ParseError } from './diagnostics.js';

const AUTO_UPGRADES = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';

// Trimmed Debian 12 /etc/apt/apt.conf.d/50unattended-upgrades
const UNATTENDED = `// Unattended-Upgrade::Origins-Pattern controls which packages are
// upgraded.
Unattended-Upgrade::Origins-Pattern {
        // Codename based matching:
        // This will follow the migration of a release through different
        // archives (e.g. from testing to stable and later oldstable).
//      "origin=Debian,codename=\${distro_codename}-updates";
        "origin=Debian,codename=\${distro_codename},label=Debian";
        "origin=Debian,codename=\${distro_codename},label=Debian-Security";
        "origin=Debian,codename=\${distro_codename}-security,label=Debian-Security";
};

/* Python regular expressions of packages that should never be upgraded */
Unattended-Upgrade::Package-Blacklist {
};

// Automatically reboot *WITHOUT CONFIRMATION* if
//  the file /var/run/reboot-required is found after the upgrade
//Unattended-Upgrade::Automatic-Reboot "false";
`;

test('Debian defaults: periodic values and the origins list', () => {
  const cfg = new AptConfig()
    .apply(parseAptConf(AUTO_UPGRADES, '/etc/apt/apt.conf.d/20auto-upgrades').value)
    .apply(parseAptConf(UNATTENDED, '/etc/apt/apt.conf.d/50unattended-upgrades').value);
  assert.equal(cfg.get('apt::periodic::update-package-lists')?.value, '1');
  assert.equal(cfg.get('APT::Periodic::Unattended-Upgrade')?.line, 2);
  const origins = cfg.list('Unattended-Upgrade::Origins-Pattern');
  assert.equal(origins.length, 3);
  assert.equal(origins[2].value, 'origin=Debian,codename=${distro_codename}-security,label=Debian-Security');
  assert.equal(origins[2].line, 10);
  assert.equal(cfg.get('Unattended-Upgrade::Automatic-Reboot'), undefined);
});

test('nested blocks, later files override scalars, lists accumulate, #clear removes', () => {
  const a = parseAptConf('APT { Periodic { Update-Package-Lists "1"; Unattended-Upgrade "1"; }; };\nUnattended-Upgrade::Origins-Pattern:: "origin=Proxmox";', '/a').value;
  const b = parseAptConf('APT::Periodic::Unattended-Upgrade "0";\nUnattended-Upgrade::Origins-Pattern { "origin=Debian"; };\n', '/b').value;
  const cfg = new AptConfig().apply(a).apply(b);
  assert.equal(cfg.get('APT::Periodic::Update-Package-Lists')?.value, '1');
  assert.equal(cfg.get('APT::Periodic::Unattended-Upgrade')?.value, '0');
  assert.deepEqual(cfg.list('Unattended-Upgrade::Origins-Pattern').map((o) => o.value), ['origin=Proxmox', 'origin=Debian']);
  cfg.apply(parseAptConf('#clear Unattended-Upgrade::Origins-Pattern;\n# a hash comment\nUnattended-Upgrade::Automatic-Reboot true;', '/c').value);
  assert.deepEqual(cfg.list('Unattended-Upgrade::Origins-Pattern'), []);
  assert.equal(aptTrue(cfg.get('Unattended-Upgrade::Automatic-Reboot')?.value), true);
});

test('syntax errors reject the file with a location', () => {
  assert.throws(() => parseAptConf('APT::Periodic::Update-Package-Lists "1"\nFoo "2";', '/x'), (e: unknown) => e instanceof ParseError && e.line === 2);
  assert.throws(() => parseAptConf('A {\n "x";\n', '/x'), ParseError);
  assert.throws(() => parseAptConf('A "unterminated;\n', '/x'), ParseError);
  assert.throws(() => parseAptConf('}', '/x'), ParseError);
});

test('which parts APT reads, and boolean values', () => {
  assert.equal(aptReadsPart('20auto-upgrades'), true);
  assert.equal(aptReadsPart('99local.conf'), true);
  assert.equal(aptReadsPart('50unattended-upgrades.ucf-dist'), false);
  assert.equal(aptReadsPart('50unattended-upgrades.dpkg-old'), false);
  assert.equal(aptTrue('"false"'.replace(/"/g, '')), false);
  assert.equal(aptTrue('maybe'), undefined);
});

test('unusual blanks (form feed, no-break space) separate tokens instead of hanging', () => {
  const { value } = parseAptConf('APT::Periodic::Update-Package-Lists\f"1";\u00a0\v\n', '/x');
  assert.deepEqual(value.map((s) => s.kind === 'set' && s.value), ['1']);
});
