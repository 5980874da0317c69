import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../collect/bundle.js';
import { fakeNodeSkipReason, runOnFakeNode } from '../../collect/testing.js';
import { applyOps, remedyInput, specOf, statusesOf } from '../../harden/plan-testing.js';
import { ManualOnly } from '../../harden/plan-types.js';
import { archiveCheck, BACKUP_KEEP, BACKUP_SCRIPT, backupLocation, backupScript, bakRemedy } from './remedy.js';

test('BAK remedy: script, units, then daemon-reload, timer and a first run', async () => {
  const tree = specOf(await readBundle('examples/fresh-install'));
  const ops = bakRemedy.plan(remedyInput(tree));
  assert.deepEqual(ops.map((o) => `${o.kind} ${o.kind === 'write-file' ? o.path : o.kind === 'service' ? `${o.action} ${o.unit}` : 'argv' in o ? o.argv.join(' ') : ''}`), [
    'write-file /usr/local/sbin/pvesec-config-backup',
    'write-file /etc/systemd/system/pvesec-config-backup.service',
    'write-file /etc/systemd/system/pvesec-config-backup.timer',
    'validate sh -n /usr/local/sbin/pvesec-config-backup',
    'run systemctl daemon-reload',
    'service enable-now pvesec-config-backup.timer',
    'run systemctl start pvesec-config-backup.service',
    `validate sh -c ${archiveCheck('/root/pve-config-*.tar.gz')}`,
  ]);
  const script = ops[0];
  assert.ok(script.kind === 'write-file' && script.mode === 0o755);
  assert.match(ops[2].kind === 'write-file' ? ops[2].content : '', /^OnCalendar=daily$[\s\S]*^Persistent=true$/m);
  // the writes alone do not make BAK-01 pass: the archive does (next test)
  assert.deepEqual(statusesOf(applyOps(tree, ops), {}, ['BAK-01']).get('BAK-01'), ['FAIL']);
});

test('BAK remedy: archive names come from config_backup_glob, or the control stays manual', () => {
  assert.deepEqual(backupLocation('/root/pve-config-*.tar.gz'), { dir: '/root', prefix: 'pve-config-', suffix: '.tar.gz' });
  assert.deepEqual(backupLocation('/var/backups/pve/node-*.tgz'), { dir: '/var/backups/pve', prefix: 'node-', suffix: '.tgz' });
  for (const [glob, why] of [['/root/*/cfg-*.tar.gz', /one '\*'/], ['/root/pve-*-*.tar.gz', /one '\*'/], ['/root/pve-config-*.tar', /\.tar\.gz or \.tgz/], ['root/x-*.tar.gz', /one '\*'/], ["/root/a'b-*.tar.gz", /one '\*'/]] as const) {
    assert.throws(() => bakRemedy.plan({ ...remedyInput({}), config: { ...remedyInput({}).config, config_backup_glob: glob } }), (e) => e instanceof ManualOnly && why.test(e.reason), glob);
  }
});

const FINDMNT = 'findmnt -l -n -o TARGET,SOURCE,FSTYPE,OPTIONS';
const PMXCFS = '/etc/pve /dev/fuse fuse rw,nosuid,nodev,relatime,user_id=0,group_id=0,default_permissions,allow_other\n';
const ROOT = '/ /dev/mapper/pve-root ext4 rw,relatime,errors=remount-ro\n';

test('BAK remedy: declines (manual, with why) where /etc/pve is not the mounted cluster filesystem', () => {
  const plan = (commands: Record<string, string>) => bakRemedy.plan(remedyInput({ commands }));
  // a plain Debian node: no /etc/pve at all -> the archive could never hold etc/pve, BAK-01 would fail after apply
  assert.throws(() => plan({ [FINDMNT]: ROOT }), (e) => e instanceof ManualOnly && /^\/etc\/pve is not mounted on this node .*lack etc\/pve, which BAK-01 requires/.test(e.reason));
  // /etc/pve on a local disk (pmxcfs not running, a restored copy): not the cluster filesystem
  assert.throws(() => plan({ [FINDMNT]: ROOT + '/etc/pve /dev/sdb1 ext4 rw,relatime\n' }), (e) => e instanceof ManualOnly && /mounted from \/dev\/sdb1 \(ext4\), not the Proxmox cluster filesystem/.test(e.reason));
  // no mount table collected: pvesec cannot know, so it does not guess
  assert.throws(() => plan({}), (e) => e instanceof ManualOnly && /cannot tell whether \/etc\/pve is mounted here \(.*findmnt/.test(e.reason));
  // pmxcfs mounted (the last mount listed at a target is the visible one): planned
  assert.equal(plan({ [FINDMNT]: ROOT + '/etc/pve /dev/sdb1 ext4 rw\n' + PMXCFS }).length, 8);
});

const skip = fakeNodeSkipReason();
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test('BAK remedy: the script run on a node writes an archive BAK-01 accepts and keeps the newest ones', { skip }, () => {
  const glob = '/root/pve-config-*.tar.gz';
  const old = Array.from({ length: BACKUP_KEEP + 3 }, (_, i) => `touch -d '2026-01-${String(i + 1).padStart(2, '0')} 03:00' /root/pve-config-old${i}.tar.gz`).join('\n');
  // a node's /etc and /root (tmpfs in a private mount namespace), the script, then what the collector prints
  const out = runOnFakeNode('mount -t tmpfs none /etc && mount -t tmpfs none /root && exec sh -s', `set -e
mkdir -p /etc/pve/nodes/pve /etc/ssh /etc/apt/sources.list.d /etc/network
echo 'totem { cluster_name: lab }' > /etc/pve/corosync.conf
echo 'PermitRootLogin prohibit-password' > /etc/ssh/sshd_config
echo 'Types: deb' > /etc/apt/sources.list.d/debian.sources
echo 'auto lo' > /etc/network/interfaces
echo '127.0.0.1 localhost' > /etc/hosts
if sh -c ${shq(archiveCheck(glob))} 2>/dev/null; then echo 'read-back passed before any archive'; exit 20; fi
${old}
mkdir -p /root/bin
cat > /root/bin/backup <<'PVESEC_EOF'
${backupScript(glob)}PVESEC_EOF
sh /root/bin/backup
sh -c ${shq(archiveCheck(glob))}
f=''
for c in ${glob}; do
  [ -f "$c" ] || continue
  if [ -z "$f" ] || [ "$c" -nt "$f" ]; then f=$c; fi
done
stat -c '%Y %s %n' "$f"
tar -tzf "$f"
echo "### count $(ls /root/pve-config-*.tar.gz | wc -l)"
echo "### mode $(stat -c %a "$f")"
`).toString('utf8');
  const [listing, tail] = out.split('### count ');
  assert.equal(tail.split('\n')[0].trim(), String(BACKUP_KEEP), 'archives kept');
  assert.match(tail, /### mode 600/);
  assert.match(listing.split('\n')[0], /^\d+ \d+ \/root\/pve-config-\d{8}-\d{6}\.tar\.gz$/);
  const mtime = Number(listing.split(' ')[0]);
  const statuses = statusesOf({ commands: { 'config-backups': listing } }, {}, ['BAK-01'], new Date((mtime + 3600) * 1000));
  assert.deepEqual(statuses.get('BAK-01'), ['PASS'], listing.slice(0, 400));
  assert.ok(BACKUP_SCRIPT.startsWith('/usr/local/sbin/'));
});
