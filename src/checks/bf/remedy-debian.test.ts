import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../collect/bundle.js';
import { remedyInput, rootfsSkipReason, runInRootfs, specOf } from '../../harden/plan-testing.js';
import { bfRemedy } from './remedy.js';

// The planned fail2ban files, read by the real fail2ban of Debian 12 (1.0.2, PVE 8) and Debian 13 (1.1.0, PVE 9).
for (const tree of ['bookworm-base', 'trixie-base']) {
  test(`BF remedy on ${tree}: fail2ban-client -t accepts the files, the jails are as planned, the filter bans the pvedaemon line`, { skip: rootfsSkipReason(tree) }, async () => {
    const input = remedyInput(specOf(await readBundle('examples/fresh-install')), { admin_sources: ['192.168.1.0/24', '2001:db8:5::/48'] });
    const files = bfRemedy.plan(input).flatMap((o) => (o.kind === 'write-file' ? [o] : []));
    const r = runInRootfs(tree, files, `
fail2ban-client -t || exit 10
fail2ban-client -d > /tmp/dump || exit 11
grep -E "'(sshd|proxmox-webui)', '(addignoreip|maxretry|findtime|bantime|addjournalmatch)'" /tmp/dump
printf '%s\\n' 'Dec  6 22:00:01 pve1 pvedaemon[1187]: authentication failure; rhost=::ffff:203.0.113.7 user=root@pam msg=Authentication failure' \\
  'Dec  6 22:00:02 pve1 pvedaemon[1187]: authentication failure; rhost=2001:db8::7 user=alice@pve msg=no such user' \\
  "Dec  6 22:00:03 pve1 pvedaemon[1187]: <root@pam> successful auth for user 'root@pam'" > /tmp/log
echo "### banned"
fail2ban-regex -o ip /tmp/log /etc/fail2ban/filter.d/proxmox-webui.conf
`);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const [dump, banned] = r.stdout.split('### banned\n');
    for (const jail of ['sshd', 'proxmox-webui']) {
      assert.match(dump, new RegExp(`\\['set', '${jail}', 'addignoreip', '127\\.0\\.0\\.1/8', '::1', '192\\.168\\.1\\.0/24', '2001:db8:5::/48'\\]`), dump);
      assert.match(dump, new RegExp(`\\['set', '${jail}', 'bantime', '3600'\\]`));
    }
    assert.match(dump, /\['set', 'proxmox-webui', 'addjournalmatch', '_SYSTEMD_UNIT=pvedaemon\.service'\]/);
    assert.match(dump, /\['set', 'proxmox-webui', 'maxretry', 3\]/);
    assert.deepEqual(banned.trim().split('\n'), ['203.0.113.7', '2001:db8::7']);
  });
}

test('BF remedy on trixie-base: fail2ban-server runs both planned jails, which the planned read-back confirms', { skip: rootfsSkipReason('trixie-base') }, async () => {
  const ops = bfRemedy.plan(remedyInput(specOf(await readBundle('examples/fresh-install'))));
  const files = ops.flatMap((o) => (o.kind === 'write-file' ? [o] : []));
  const readBack = ops.at(-1)!;
  assert.ok(readBack.kind === 'validate' && readBack.argv[0] === 'sh');
  const q = `'${readBack.argv[2].replace(/'/g, `'\\''`)}'`;
  const r = runInRootfs('trixie-base', files, `mkdir -p /run/fail2ban
fail2ban-client -x start >/dev/null || exit 10
sh -c ${q} >/dev/null; rc=$?
fail2ban-client status | grep 'Jail list'
fail2ban-client stop >/dev/null
exit $rc`);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Jail list:\s+proxmox-webui, sshd/);
});
