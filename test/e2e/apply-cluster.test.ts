/**
 * End to end on a three-node cluster of systemd test hosts: `pvesec apply TARGET` with the real remedies
 * (ACC + SSH) and `root_login: peers-only`. Run as root with an admin pvesec creates (no password): the
 * change would leave nobody able to become root from the bastion, so verification rolls it back. Run as
 * the admin with sudo: root keeps key access from both peers, is refused from the bastion, confirmed.
 * Hosts: w210 (the node applied), w211 + w212 (its peers), bastion w219 (10.77.0.210-212, .219).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  claimBlock, CLI, downAll, e2eSystemdSkipReason, ensureAdminKey, ensureCliBuilt, execIn, keys, knownHostsFile, mustExecIn, runInClient,
  tempDir, upClient, upHost, writeFileIn, type Host,
} from '../harness/hosts.js';
import { describeRun } from '../harness/cli.js';
import { addUser } from '../harness/node-setup.js';

const skip = e2eSystemdSkipReason();
const DROPIN = '/etc/ssh/sshd_config.d/00-pvesec.conf';

describe('apply on a three-node cluster with root_login: peers-only (e2e)', { skip, timeout: 900_000 }, () => {
  let bastion: Host;
  let member: Host;
  let peers: Host[];
  let knownHosts: string;
  let config: string;

  /** A new SSH login from the bastion as `user` with `key`: the exit code of `cmd`. */
  const sshFromBastion = async (user: string, key: string, host: Host, cmd = 'true') =>
    (await runInClient(bastion, ['ssh', '-F', '/dev/null', '-i', key, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `${user}@${host.ip}`, cmd], { timeoutMs: 30_000 })).code;

  before(async () => {
    await claimBlock('e2e-apply-cluster');
    await Promise.all([ensureCliBuilt(), ensureAdminKey()]);
    const hosts = await Promise.all([
      upClient('w219', 219),
      upHost('w210', 210, { init: 'systemd' }), upHost('w211', 211, { init: 'systemd' }), upHost('w212', 212, { init: 'systemd' }),
    ]);
    [bastion, member, ...peers] = hosts;
    const all = [member, ...peers];
    const dir = tempDir('pvesec-apply-cluster-');
    knownHosts = await knownHostsFile(all, dir);
    // one corosync.conf naming the three nodes by their ring addresses
    const conf = `totem {\n  cluster_name: lab\n  version: 2\n}\nnodelist {\n${all.map((h, i) =>
      `  node {\n    name: ${h.name}\n    nodeid: ${i + 1}\n    quorum_votes: 1\n    ring0_addr: ${h.ip}\n  }\n`).join('')}}\n`;
    for (const h of all) await writeFileIn(h, '/etc/pve/corosync.conf', conf, 0o640);
    // root on each peer has a key the member trusts, and knows the member's host key (as pvecm sets up)
    const memberHostKey = (await mustExecIn(member, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/).slice(0, 2).join(' ');
    for (const p of peers) {
      await mustExecIn(p, `ssh-keygen -q -t ed25519 -N '' -C root@${p.name} -f /root/.ssh/id_ed25519`);
      await mustExecIn(member, 'cat >> /root/.ssh/authorized_keys', { input: await mustExecIn(p, 'cat /root/.ssh/id_ed25519.pub') });
      await writeFileIn(p, '/root/.ssh/known_hosts', `${member.ip} ${memberHostKey}\n`, 0o600);
    }
    // The test host's own sshd jail (no ignoreip) would ban the bastion for the refused root logins this test
    // makes on purpose; the BF remedy's jail exempts admin_sources, this one is not part of the test.
    await mustExecIn(member, 'systemctl stop fail2ban');
    config = join(dir, 'pvesec.yaml');
    writeFileSync(config, [
      'admin_users:',
      '  - name: alice',
      `    authorized_keys: [${JSON.stringify(readFileSync(keys.adminPub, 'utf8').trim())}]`,
      `admin_sources: [${bastion.ip}/32]`,
      'root_login: peers-only',
      '',
    ].join('\n'));
  }, { timeout: 600_000 });

  after(() => downAll(), { timeout: 120_000 });

  /** sha256 of each file on the member (null: absent). */
  const digests = async (paths: string[]) => Object.fromEntries(await Promise.all(paths.map(async (p) => {
    const r = await execIn(member, `sha256sum < ${p}`);
    return [p, r.code === 0 ? r.stdout.split(' ')[0] : null] as const;
  })));
  const WATCHED = [DROPIN, '/etc/ssh/sshd_config', '/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow'];

  const applyArgv = (login: string, identity: string) => [process.execPath, CLI, 'apply', `ssh://${login}@${member.ip}`, '--control', 'ACC-*,SSH-*',
    '--yes', '--config', config, '--identity', identity, '--known-hosts', knownHosts, '--admin-identity', keys.admin, '--confirm-timeout', '120', '--timeout', '30'];

  it('as root from the bastion, with a created admin who has no password: rolled back, pvesec would lose its own root path', async () => {
    assert.equal(await sshFromBastion('root', keys.root, member), 0);
    assert.notEqual((await execIn(member, 'id alice')).code, 0);
    const pre = await digests(WATCHED);
    const r = await runInClient(bastion, applyArgv('root', keys.root), { timeoutMs: 240_000 });
    assert.equal(r.code, 1, describeRun(r));
    // the created admin logged in and the sshd gates passed; after the reload root from the bastion is refused,
    // and sudo for alice needs a password: nobody could be root from here any more
    assert.match(r.stdout, /created user alice/);
    assert.match(r.stdout, /reloaded ssh/);
    assert.match(r.stdout, /rolled back: verification failed: admin alice: .*cannot ask sudo as root/);
    assert.deepEqual(await digests(WATCHED), pre, 'every touched file is back');
    assert.equal(await sshFromBastion('root', keys.root, member), 0, 'root gets in from the bastion again');
    for (const p of peers) assert.equal((await execIn(p, `ssh -o BatchMode=yes -o ConnectTimeout=5 root@${member.ip} true`)).code, 0, `root from ${p.name}`);
  });

  it('as the admin with sudo: root closed except from the peers, verified from each peer, confirmed; a second apply changes nothing', async () => {
    // the admin exists on every node (apply reaches the peers with the same login to run the root check there)
    for (const h of [member, ...peers]) await addUser(h, 'alice', { sudo: true });
    const argv = applyArgv('alice', keys.admin);
    const r = await runInClient(bastion, argv, { timeoutMs: 240_000 });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /: confirmed /);
    for (const p of peers) assert.match(r.stdout, new RegExp(`verified root from ${p.name}: `), `root verified from ${p.name}`);
    assert.match(r.stdout, /verified admin alice: alice logs in with a key and has sudo/);
    assert.match(r.stdout, /SSH-01 WARN -> PASS/, 'SSH-01 warned: root keys from anywhere while pvesec.yaml says peers-only');

    // the drop-in: root refused in general, keys only from the ring addresses of the peers
    const dropin = await mustExecIn(member, `cat ${DROPIN}`);
    assert.match(dropin, /^PermitRootLogin no$/m);
    assert.match(dropin, new RegExp(`^Match User root Address ${peers.map((p) => p.ip.replaceAll('.', '\\.')).join(',')}$`, 'm'));
    const effective = (addr: string) => mustExecIn(member, `sshd -T -C user=root,addr=${addr},host=x,laddr=${member.ip},lport=22`);
    for (const p of peers) assert.match(await effective(p.ip), /^permitrootlogin without-password$/m, `root from ${p.name}`);
    assert.match(await effective(bastion.ip), /^permitrootlogin no$/m);

    // over new connections: both peers keep root key access; root from the bastion is refused; alice gets in
    for (const p of peers) assert.equal((await execIn(p, `ssh -o BatchMode=yes -o ConnectTimeout=5 root@${member.ip} true`)).code, 0, `root from ${p.name}`);
    assert.notEqual(await sshFromBastion('root', keys.root, member), 0, 'root from the bastion is refused');
    assert.equal(await sshFromBastion('alice', keys.admin, member, 'sudo -n true'), 0, 'the admin logs in with a key and has sudo');

    const again = await runInClient(bastion, argv, { timeoutMs: 240_000 });
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stdout, /nothing to change/);
    const states = (await mustExecIn(member, 'for f in /var/lib/pvesec/tx/*/state; do cut -d" " -f1 "$f"; done')).trim().split('\n').sort();
    assert.deepEqual(states, ['confirmed', 'reverted'], 'the rolled-back transaction and one confirmed');
  });
});
