import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { Op } from '../ops.js';
import { revertProgram } from './revert.js';
import { compileOps } from './step.js';

// pmxcfs (/etc/pve) fixes mode and owner itself and refuses chmod/chown: writes flagged pmxcfs skip them,
// and a revert of a file on a FUSE file system under /etc/pve does not try them.

const write = (pmxcfs: boolean): Op => ({
  kind: 'write-file', id: 'write:/etc/pve/firewall/cluster.fw', controls: ['FW-01'], cutsAccess: true, summary: 't',
  path: '/etc/pve/firewall/cluster.fw', content: '[OPTIONS]\nenable: 1\n', mode: 0o640, owner: 'root', group: 'www-data', ...(pmxcfs ? { pmxcfs } : {}),
});

test('a pmxcfs write installs the file without chown/chmod; a plain write sets them', () => {
  assert.doesNotMatch(compileOps([write(true)]).apply, /attrs "\$tmp"/);
  assert.match(compileOps([write(false)]).apply, /attrs "\$tmp" 'root:www-data' 640/);
});

test('revert: attrs_of skips chown/chmod only for /etc/pve files on FUSE', () => {
  const fn = /attrs_of\(\) \{[\s\S]*?\n\}\n/.exec(revertProgram('20261206T230102Z-a1b2c3'))![0];
  // chown/chmod fail as on pmxcfs; stat -f reports the file system type given in FSTYPE
  const run = (path: string, fstype: string) => spawnSync('dash', ['-c', `chown() { return 1; }
chmod() { return 1; }
stat() { echo "$FSTYPE"; }
${fn}
attrs_of /tmp/x "$1" 640 0 33`, 'sh', path], { env: { FSTYPE: fstype, PATH: '/usr/bin:/bin' } }).status;
  assert.equal(run('/etc/pve/firewall/cluster.fw', 'fuse'), 0);
  assert.equal(run('/etc/pve/firewall/cluster.fw', 'fuseblk'), 0);
  assert.equal(run('/etc/pve/firewall/cluster.fw', 'ext2/ext3'), 1, 'a plain /etc/pve directory (a test host) restores mode and owner');
  assert.equal(run('/etc/ssh/sshd_config', 'fuse'), 1);
});
