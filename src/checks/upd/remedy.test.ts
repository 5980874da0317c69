import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { readBundle } from '../../collect/bundle.js';
import { applyOps, remedyInput, specOf, statusesOf } from '../../harden/plan-testing.js';
import { ManualOnly, type PlannedOp } from '../../harden/plan-types.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';
import { UPD_FILE, updRemedy } from './remedy.js';

const CONTROLS = ['UPD-01', 'UPD-02', 'UPD-03'];
const pkgs = { '/var/lib/dpkg/status': dpkgStatus({ 'unattended-upgrades': '2.12', apt: '3.0.3' }) };
// Debian 13's 50unattended-upgrades (comments trimmed): Debian and Debian-Security origins only
const STOCK_50 = `Unattended-Upgrade::Origins-Pattern {
        "origin=Debian,codename=\${distro_codename},label=Debian";
        "origin=Debian,codename=\${distro_codename}-security,label=Debian-Security";
        "origin=Debian,codename=\${distro_codename}-security,label=Debian-Security";
};
Unattended-Upgrade::Package-Blacklist {
};
`;
const installed = (extra: Record<string, string>, states = 'apt-daily-upgrade.timer active enabled\napt-daily.timer active enabled\n'): MemorySnapshotSpec => ({
  files: { ...pkgs, '/etc/apt/apt.conf.d/01autoremove': 'APT::NeverAutoRemove { "^linux-image.*"; };\n', ...extra },
  commands: { 'systemctl-states': states },
});

interface Case { name: string; tree: () => Promise<MemorySnapshotSpec> | MemorySnapshotSpec; expect: { install: boolean; origins: string[]; units?: string[] } | { manual: RegExp } }

const cases: Case[] = [
  { name: 'fresh install: no unattended-upgrades', tree: async () => specOf(await readBundle('examples/fresh-install')),
    expect: { install: true, origins: ['origin=Debian,codename=${distro_codename}-security,label=Debian-Security', 'origin=Proxmox'] } },
  { name: 'installed, stock 50unattended-upgrades, no 20auto-upgrades', tree: () => installed({ '/etc/apt/apt.conf.d/50unattended-upgrades': STOCK_50 }),
    expect: { install: false, origins: ['origin=Proxmox'] } },
  { name: 'automatic reboot switched on in 50unattended-upgrades, weekly runs, timer disabled',
    tree: () => installed({ '/etc/apt/apt.conf.d/50unattended-upgrades': STOCK_50 + 'Unattended-Upgrade::Automatic-Reboot "true";\n',
      '/etc/apt/apt.conf.d/20auto-upgrades': 'APT::Periodic::Update-Package-Lists "7";\nAPT::Periodic::Unattended-Upgrade "7";\n' }, 'apt-daily-upgrade.timer inactive disabled\napt-daily.timer active enabled\n'),
    expect: { install: false, origins: ['origin=Proxmox'], units: ['apt-daily-upgrade.timer'] } },
  { name: 'a file read after the pvesec drop-in turns reboots on', tree: () => installed({ '/etc/apt/apt.conf.d/99local': 'Unattended-Upgrade::Automatic-Reboot "true";\n' }),
    expect: { manual: /99local:1 sets Unattended-Upgrade::Automatic-Reboot/ } },
  { name: 'the upgrade timer is masked', tree: () => installed({}, 'apt-daily-upgrade.timer inactive masked\n'), expect: { manual: /masked/ } },
];

test('UPD remedy: the planned drop-in makes UPD-01/02/03 pass on the tree it was planned for', async () => {
  for (const c of cases) {
    const tree = await c.tree();
    let ops: PlannedOp[];
    try {
      ops = updRemedy.plan(remedyInput(tree));
    } catch (e) {
      assert.ok('manual' in c.expect && e instanceof ManualOnly, `${c.name}: ${(e as Error).message}`);
      assert.match(e.reason, c.expect.manual, c.name);
      continue;
    }
    assert.ok(!('manual' in c.expect), `${c.name}: expected ManualOnly`);
    const before = statusesOf(tree, {}, CONTROLS);
    assert.ok(CONTROLS.some((id) => before.get(id)?.some((s) => s === 'FAIL' || s === 'WARN')), `${c.name}: nothing to fix before`);
    assert.equal(ops.some((o) => o.kind === 'install-packages'), c.expect.install, c.name);
    const file = ops.find((o) => o.kind === 'write-file' && o.path === UPD_FILE);
    assert.ok(file?.kind === 'write-file');
    const origins = [...file.content.matchAll(/^ {2}"(.*)";$/gm)].map((m) => m[1]);
    assert.deepEqual(origins, c.expect.origins, c.name);
    assert.match(file.content, /^Unattended-Upgrade::Automatic-Reboot "false";$/m);
    assert.deepEqual(ops.filter((o) => o.kind === 'service').map((o) => o.kind === 'service' && o.unit), c.expect.units ?? [], c.name);
    const after = statusesOf(applyOps(tree, ops), {}, CONTROLS);
    for (const id of CONTROLS) assert.deepEqual(after.get(id), ['PASS'], `${c.name}: ${id} after the plan`);
  }
});
