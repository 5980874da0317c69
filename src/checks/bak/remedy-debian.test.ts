import { test } from 'node:test';
import assert from 'node:assert/strict';
import { remedyInput, rootfsSkipReason, runInRootfs } from '../../harden/plan-testing.js';
import { bakRemedy } from './remedy.js';

const TREE = 'trixie-base';
const UNITS = '/etc/systemd/system/pvesec-config-backup.service /etc/systemd/system/pvesec-config-backup.timer';

test('BAK remedy: systemd accepts the service and timer, the script parses (dash)', { skip: rootfsSkipReason(TREE) }, () => {
  const files = bakRemedy.plan(remedyInput({ commands: { 'findmnt -l -n -o TARGET,SOURCE,FSTYPE,OPTIONS': '/etc/pve /dev/fuse fuse rw,nosuid,nodev\n' } })).flatMap((o) => (o.kind === 'write-file' ? [o] : []));
  const r = runInRootfs(TREE, files, `systemd-analyze verify ${UNITS} || exit 10
sh -n /usr/local/sbin/pvesec-config-backup || exit 11
test -x /usr/local/sbin/pvesec-config-backup || exit 12`);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  // and systemd-analyze does refuse a broken unit (so the check above means something)
  const broken = runInRootfs(TREE, files.map((f) => ({ ...f, content: f.content.replace('Type=oneshot', 'Type=oneshott').replace(`ExecStart=/usr/local/sbin/`, 'ExecStart=usr/local/sbin/') })), `systemd-analyze verify ${UNITS}`);
  assert.notEqual(broken.status, 0, broken.stdout + broken.stderr);
});
