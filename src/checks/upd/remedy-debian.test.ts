import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../collect/bundle.js';
import { remedyInput, rootfsSkipReason, runInRootfs, specOf } from '../../harden/plan-testing.js';
import { updRemedy } from './remedy.js';

// The planned apt.conf.d drop-in, read by the real APT of Debian 12 and 13 (what the apt-config dump gate runs).
for (const tree of ['bookworm-base', 'trixie-base']) {
  test(`UPD remedy on ${tree}: APT reads the drop-in with the planned values`, { skip: rootfsSkipReason(tree) }, async () => {
    const files = updRemedy.plan(remedyInput(specOf(await readBundle('examples/fresh-install')))).flatMap((o) => (o.kind === 'write-file' ? [o] : []));
    const r = runInRootfs(tree, files, `apt-config dump >/dev/null || exit 10
apt-config dump | grep -E '^(APT::Periodic::(Update-Package-Lists|Unattended-Upgrade)|Unattended-Upgrade::(Automatic-Reboot|Origins-Pattern::)) '`);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'APT::Periodic::Update-Package-Lists "1";',
      'APT::Periodic::Unattended-Upgrade "1";',
      'Unattended-Upgrade::Automatic-Reboot "false";',
      'Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";',
      'Unattended-Upgrade::Origins-Pattern:: "origin=Proxmox";',
    ]);
    // the gate does refuse a broken file
    const broken = runInRootfs(tree, files.map((f) => ({ ...f, content: f.content.replace('"1";', '"1"') })), 'apt-config dump >/dev/null');
    assert.notEqual(broken.status, 0);
  });
}
