/**
 * End to end: `pvesec apply plan.json` from a bastion against systemd test hosts, with faults.
 * Each node gets its own host so the scenarios run on clean state; every scenario checks what the
 * node looks like afterwards (files at their pre-state or their planned post-state, who can log in).
 * Hosts: y170..y178 (10.77.0.170-178, systemd; y176 + y177 a two-node cluster), bastion y189 (10.77.0.189).
 *
 * The plan is built here from operations (an admin with key and sudo, a winning sshd drop-in), in the
 * shape `pvesec plan --out` writes (pvesec.plan/v1), with the file digests read from the node.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bootId, claimBlock, CLI, downAll, e2eSystemdSkipReason, ensureAdminKey, ensureCliBuilt, execIn, keys, knownHostsFile, mustExecIn, run, runInClient,
  tempDir, upClient, upHost, waitForBoot, writeFileIn, type Host, type RunResult,
} from '../harness/hosts.js';
import { describeRun } from '../harness/cli.js';
import { addUser } from '../harness/node-setup.js';
import type { PlannedOp } from '../../src/harden/plan-types.js';

const skip = e2eSystemdSkipReason();

const DROPIN = '/etc/ssh/sshd_config.d/00-pvesec.conf';
const SUDOERS = '/etc/sudoers.d/pvesec-admins';
const AUTH_KEYS = '/home/alice/.ssh/authorized_keys';
/** Files the plan reads or writes: their digests go into the plan (as `pvesec plan` records them: of the collected content). */
const PLANNED = [DROPIN, SUDOERS, AUTH_KEYS, '/etc/ssh/sshd_config'];
/** What a revert must restore: those files and the account files a new user changes (read on the node, secrets included). */
const WATCHED = [...PLANNED, '/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow'];
const SSHD_DROPIN = 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n';

const op = <T extends Omit<PlannedOp, 'id' | 'cutsAccess' | 'summary'>>(id: string, summary: string, cutsAccess: boolean, o: T): PlannedOp =>
  ({ id, summary, cutsAccess, ...o }) as unknown as PlannedOp;

/** Create alice with the admin key and NOPASSWD sudo (what the ACC remedies plan). */
function adminOps(adminPub: string, withPackage: boolean): PlannedOp[] {
  return [
    ...(withPackage ? [op('install:sudo', 'install sudo', false, { phase: 'packages', kind: 'install-packages', controls: ['ACC-01'], packages: ['sudo'] })] : []),
    op('user:alice', 'create user alice', false, { phase: 'admin', kind: 'create-user', controls: ['ACC-01'], user: 'alice', shell: '/bin/bash' }),
    op('group:alice:sudo', 'add alice to sudo', false, { phase: 'admin', kind: 'add-to-group', controls: ['ACC-01'], user: 'alice', group: 'sudo' }),
    op(`write:${SUDOERS}`, 'sudo without password for alice (key-only admin)', true, {
      phase: 'admin', kind: 'write-file', controls: ['ACC-01'], path: SUDOERS, content: 'alice ALL=(ALL:ALL) NOPASSWD: ALL\n', mode: 0o440, owner: 'root', group: 'root',
    }),
    op('validate:visudo', 'visudo -cf /etc/sudoers', true, { phase: 'admin', kind: 'validate', controls: ['ACC-01'], argv: ['visudo', '-cf', '/etc/sudoers'], why: 'a broken sudoers locks every admin out of root' }),
    op('dir:/home/alice/.ssh', '~alice/.ssh 0700', false, { phase: 'admin', kind: 'make-dir', controls: ['ACC-03'], path: '/home/alice/.ssh', mode: 0o700, owner: 'alice', group: 'alice' }),
    op(`write:${AUTH_KEYS}`, "alice's authorized key", false, {
      phase: 'admin', kind: 'write-file', controls: ['ACC-03'], path: AUTH_KEYS, content: adminPub, mode: 0o600, owner: 'alice', group: 'alice',
    }),
  ];
}

/** The sshd drop-in (first value wins: 00- before Debian's own), validated, then a reload. */
function sshdOps(): PlannedOp[] {
  return [
    op(`write:${DROPIN}`, 'sshd drop-in: passwords off, root with keys only', true, {
      phase: 'restrict', kind: 'write-file', controls: ['SSH-02', 'SSH-03'], path: DROPIN, content: SSHD_DROPIN, mode: 0o644, owner: 'root', group: 'root',
    }),
    op('validate:sshd', 'sshd -t', true, { phase: 'restrict', kind: 'validate', controls: ['SSH-02', 'SSH-03'], argv: ['sshd', '-t'], why: 'sshd must accept its configuration' }),
    op('service:ssh', 'reload ssh', true, { phase: 'restrict', kind: 'service', controls: ['SSH-02', 'SSH-03'], unit: 'ssh', action: 'reload' }),
  ];
}

/** sha256 of each file on the node (null: absent), read with sha256sum inside it. */
async function digestsOn(host: Host, paths: string[]): Promise<Record<string, string | null>> {
  const script = `for p in ${paths.map((p) => `'${p}'`).join(' ')}; do if [ -e "$p" ]; then echo "$(sha256sum < "$p" | cut -d' ' -f1) $p"; else echo "absent $p"; fi; done`;
  const out = new Map((await mustExecIn(host, script)).trim().split('\n').map((l) => {
    const [d, p] = [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)];
    return [p, d === 'absent' ? null : d] as const;
  }));
  return Object.fromEntries(paths.map((p) => [p, out.get(p) ?? null]));
}

describe('pvesec apply on systemd test hosts (e2e)', { skip, timeout: 900_000 }, () => {
  let bastion: Host;
  const nodes: Record<string, Host> = {};
  let knownHosts: string;
  let dir: string;
  let adminPub: string;
  let config: string;
  let strangerKey: string;
  /** The files of node 'full' before its first apply (the rollback test restores them). */
  let fullPre: Record<string, string | null> = {};

  before(async () => {
    await claimBlock('e2e-apply');
    await Promise.all([ensureCliBuilt(), ensureAdminKey()]);
    const names = ['full', 'wrongkey', 'allowusers', 'killed', 'linkdown', 'changed', 'member', 'peer', 'targets'];
    const hosts = await Promise.all([
      upClient('y189', 189),
      ...names.map((n, i) => upHost(`y${170 + i}`, 170 + i, { init: 'systemd' })),
    ]);
    bastion = hosts[0];
    names.forEach((n, i) => (nodes[n] = hosts[i + 1]));
    dir = tempDir('pvesec-apply-e2e-');
    knownHosts = await knownHostsFile(Object.values(nodes), dir);
    adminPub = readFileSync(keys.adminPub, 'utf8');
    config = join(dir, 'pvesec.yaml');
    writeFileSync(config, 'admin_users: [alice]\n');
    strangerKey = join(dir, 'stranger');
    const r = await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'not-the-admin', '-f', strangerKey]);
    assert.equal(r.code, 0, r.stderr);
  }, { timeout: 600_000 });

  after(() => downAll(), { timeout: 120_000 });

  /** A plan file for one node, with the digests of PLANNED as they are now (no secrets among them: as collected). */
  async function planFor(node: Host, ops: PlannedOp[], fixes: string[], read = PLANNED): Promise<string> {
    const file = join(dir, `plan-${node.name}-${Date.now()}.json`);
    const plan = {
      schema: 'pvesec.plan/v1', createdAt: new Date().toISOString(), pvesecVersion: 'e2e', configDigest: createHash('sha256').update(readFileSync(config)).digest('hex'),
      nodes: [{ node: node.name, target: `ssh://root@${node.ip}`, ops, fileDigests: await digestsOn(node, read), fixes, manual: [] }],
    };
    writeFileSync(file, JSON.stringify(plan, null, 2));
    return file;
  }

  function applyArgv(planFile: string, opts: { adminIdentity?: string; timeoutSec?: number } = {}): string[] {
    return [process.execPath, CLI, 'apply', planFile, '--yes', '--config', config, '--identity', keys.root, '--known-hosts', knownHosts,
      '--admin-identity', opts.adminIdentity ?? keys.admin, '--confirm-timeout', String(opts.timeoutSec ?? 5), '--timeout', '30'];
  }

  const apply = (planFile: string, opts: { adminIdentity?: string; timeoutSec?: number } = {}): Promise<RunResult> =>
    runInClient(bastion, applyArgv(planFile, opts), { timeoutMs: 240_000 });

  /** Runs apply from the bastion and calls `onLine` for each stdout line; `onLine` may kill it. */
  function applyWatching(planFile: string, onLine: (line: string, kill: () => void) => void, timeoutSec = 5): Promise<RunResult & { killed: boolean }> {
    return new Promise((resolve) => {
      const started = performance.now();
      const child = spawn('ip', ['netns', 'exec', `th-${bastion.name}`, ...applyArgv(planFile, { timeoutSec })], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      let killed = false;
      let partial = '';
      const kill = (): void => {
        killed = true;
        process.kill(-child.pid!, 'SIGKILL');
      };
      const hard = setTimeout(kill, 150_000);
      child.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        partial += b.toString();
        const lines = partial.split('\n');
        partial = lines.pop()!;
        for (const l of lines) onLine(l, kill);
      });
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('close', (code, signal) => {
        clearTimeout(hard);
        resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started, timedOut: false, killed });
      });
    });
  }

  const sshFrom = (user: string, key: string, node: Host, cmd = 'true'): Promise<RunResult> =>
    runInClient(bastion, ['ssh', '-F', '/dev/null', '-i', key, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'IdentitiesOnly=yes', `${user}@${node.ip}`, cmd], { timeoutMs: 20_000 });

  /** The state of the transaction(s) on the node (id and state of each). */
  async function txStates(node: Host): Promise<string[]> {
    const out = (await execIn(node, 'for d in /var/lib/pvesec/tx/*/; do [ -f "$d/state" ] && echo "$(basename "$d") $(awk \'NR == 1 { print $1 }\' "$d/state")"; done')).stdout;
    return out.split('\n').filter(Boolean);
  }

  async function assertBackToPre(node: Host, pre: Record<string, string | null>): Promise<void> {
    assert.deepEqual(await digestsOn(node, WATCHED), pre, 'every touched file is back to its pre-state');
    assert.equal((await sshFrom('root', keys.root, node)).code, 0, 'root still logs in with its key');
    assert.equal((await execIn(node, 'systemctl is-active ssh')).stdout.trim(), 'active');
    assert.deepEqual((await execIn(node, 'systemctl list-timers --all --no-legend "pvesec-revert-*"')).stdout.trim(), '', 'no dead-man timer left');
  }

  it('applies and confirms: sudo installed, admin created and verified, passwords off; a second apply changes nothing', async () => {
    const node = nodes.full;
    await mustExecIn(node, 'SUDO_FORCE_REMOVE=yes dpkg --purge sudo >/dev/null 2>&1; ! command -v sudo');
    fullPre = await digestsOn(node, WATCHED);
    const plan = await planFor(node, [...adminOps(adminPub, true), ...sshdOps()], ['ACC-01', 'ACC-03', 'SSH-02', 'SSH-03']);
    const r = await apply(plan, { timeoutSec: 120 });
    assert.equal(r.code, 0, describeRun(r));
    for (const step of ['armed', 'installed sudo', 'created user alice', `wrote ${DROPIN}`, 'reloaded ssh', 'verified admin alice', 'verified passwords refused', 'verified re-audit', 'confirmed']) {
      assert.ok(r.stdout.includes(step), `progress "${step}":\n${r.stdout}`);
    }
    assert.match(r.stdout, /SSH-02 FAIL -> PASS/);
    assert.match(r.stdout, /ACC-01 (FAIL|WARN) -> PASS/);
    const [state] = await txStates(node);
    assert.match(state, / confirmed$/);
    // the admin logs in from the bastion with the admin key and has sudo; root keeps its key
    assert.equal((await sshFrom('alice', keys.admin, node, 'sudo -n true')).code, 0);
    assert.equal((await sshFrom('root', keys.root, node)).code, 0);
    assert.equal(await mustExecIn(node, `cat ${DROPIN}`), SSHD_DROPIN);
    const sshdT = await mustExecIn(node, 'sshd -T -C user=alice,addr=10.77.0.189,host=x');
    assert.match(sshdT, /^passwordauthentication no$/m);

    // A plan made now (nothing left to change) applies nothing and leaves no transaction behind.
    const again = await apply(await planFor(node, [], ['ACC-01', 'ACC-03', 'SSH-02', 'SSH-03']));
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stdout, /nothing to change/);
    assert.equal((await txStates(node)).length, 1);
  });

  const cli = (args: string[]): Promise<RunResult> =>
    runInClient(bastion, [process.execPath, CLI, ...args, '--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30'], { timeoutMs: 60_000 });

  it('history lists the confirmed transaction; rollback is refused after a later edit, then restores the node byte for byte', async () => {
    const node = nodes.full;
    const h = await cli(['history', `ssh://root@${node.ip}`, '--format', 'json']);
    assert.equal(h.code, 0, describeRun(h));
    const { transactions } = JSON.parse(h.stdout) as { transactions: { id: string; state: string; controls: string[]; files: string[] }[] };
    assert.equal(transactions.length, 1);
    assert.equal(transactions[0].state, 'confirmed');
    assert.deepEqual(transactions[0].controls, ['ACC-01', 'ACC-03', 'SSH-02', 'SSH-03']);
    assert.ok(transactions[0].files.includes(DROPIN) && transactions[0].files.includes('/etc/passwd'), transactions[0].files.join(' '));
    const text = await cli(['history', `ssh://root@${node.ip}`]);
    assert.match(text.stdout, new RegExp(`^${transactions[0].id} .* confirmed +ACC-01,ACC-03,SSH-02,SSH-03 `, 'm'));

    await mustExecIn(node, `echo '# edited by hand' >> ${DROPIN}`);
    const refused = await cli(['rollback', `ssh://root@${node.ip}`]);
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stdout, new RegExp(`changed since the confirmation: ${DROPIN}`));
    assert.match(refused.stdout, /^\+# edited by hand$/m);
    assert.match(refused.stderr, /rollback refused: 1 files changed since transaction .* \(--force restores anyway\)/);
    assert.match(await mustExecIn(node, `cat ${DROPIN}`), /# edited by hand/, 'a refused rollback changes nothing');

    await writeFileIn(node, DROPIN, SSHD_DROPIN, 0o644);
    const rolled = await cli(['rollback', `ssh://root@${node.ip}`, '--tx', transactions[0].id]);
    assert.equal(rolled.code, 0, describeRun(rolled));
    assert.match(rolled.stdout, new RegExp(`removed ${DROPIN}`));
    assert.deepEqual(await digestsOn(node, WATCHED), fullPre, 'every file back to its state before the first apply');
    assert.notEqual((await execIn(node, 'id alice')).code, 0);
    assert.equal((await execIn(node, 'command -v sudo')).code, 0, 'installed packages stay installed');
    assert.equal((await sshFrom('root', keys.root, node)).code, 0);
    assert.match((await cli(['history', `ssh://root@${node.ip}`])).stdout, / rolled-back /);
  });

  it('an admin identity that is not the installed key fails the admin proof: rolled back before sshd is touched', async () => {
    const node = nodes.wrongkey;
    const plan = await planFor(node, [...adminOps(adminPub, false), ...sshdOps()], ['ACC-01', 'ACC-03', 'SSH-02', 'SSH-03']);
    const pre = await digestsOn(node, WATCHED);
    const r = await apply(plan, { adminIdentity: strangerKey, timeoutSec: 60 });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /rolled back: admin path not proven: cannot log in as alice: .*authentication failed/);
    assert.doesNotMatch(r.stdout, /reloaded ssh/);
    assert.match((await txStates(node))[0], / reverted$/);
    await assertBackToPre(node, pre);
    assert.notEqual((await execIn(node, 'id alice')).code, 0, 'the user created by the transaction is gone');
  });

  it('AllowUsers in an earlier drop-in that shuts the admin out: rolled back', async () => {
    const node = nodes.allowusers;
    await writeFileIn(node, '/etc/ssh/sshd_config.d/00-aaa-site.conf', 'AllowUsers root\n', 0o644);
    await mustExecIn(node, 'systemctl reload ssh');
    const plan = await planFor(node, [...adminOps(adminPub, false), ...sshdOps()], ['ACC-01', 'ACC-03', 'SSH-02', 'SSH-03']);
    const pre = await digestsOn(node, WATCHED);
    const r = await apply(plan, { timeoutSec: 60 });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /rolled back: admin path not proven: cannot log in as alice/);
    await assertBackToPre(node, pre);
  });

  it('the client killed after the sshd reload, before confirm: the node reverts itself at the deadline', async () => {
    const node = nodes.killed;
    await addUser(node, 'alice', { sudo: true });
    const plan = await planFor(node, sshdOps(), ['SSH-02', 'SSH-03'], [DROPIN, '/etc/ssh/sshd_config']);
    const pre = await digestsOn(node, WATCHED);
    const r = await applyWatching(plan, (line, kill) => {
      if (line.includes('reloaded ssh')) kill();
    }, 5);
    assert.ok(r.killed, describeRun(r));
    assert.doesNotMatch(r.stdout, /: confirmed /);
    assert.equal(await mustExecIn(node, `cat ${DROPIN}`), SSHD_DROPIN, 'the change is live until the deadline');
    let states: string[] = [];
    for (let i = 0; i < 100; i++) {
      states = await txStates(node);
      if (states[0]?.endsWith(' reverted')) break;
      await sleep(100);
    }
    assert.match(states[0] ?? '', / reverted$/, states.join('\n'));
    await assertBackToPre(node, pre);
    assert.equal((await sshFrom('alice', keys.admin, node, 'sudo -n true')).code, 0, 'the admin still logs in');
  });

  it('the node rebooted inside the window: it comes back reverted, apply reconnects and reports the dead-man revert', async () => {
    const node = nodes.killed; // alice exists there since the client-killed scenario
    const plan = await planFor(node, sshdOps(), ['SSH-02', 'SSH-03'], [DROPIN, '/etc/ssh/sshd_config']);
    const pre = await digestsOn(node, WATCHED);
    const oldBoot = bootId(node);
    let rebooting: Promise<unknown> | undefined;
    const r = await applyWatching(plan, (line) => {
      if (line.includes('reloaded ssh') && !rebooting) rebooting = execIn(node, 'systemctl reboot', { timeoutMs: 10_000 });
    }, 5);
    assert.ok(rebooting, describeRun(r));
    await waitForBoot(node, oldBoot);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /rolled back \(dead-man\)/);
    const states = await txStates(node);
    assert.match(states[states.length - 1], / reverted$/, states.join('\n'));
    await assertBackToPre(node, pre);
    assert.equal((await sshFrom('alice', keys.admin, node, 'sudo -n true')).code, 0, 'the admin still logs in');
  });

  it('the bastion link down inside the window: the node reverts at the deadline, apply reconnects and reports the dead-man revert', async () => {
    const node = nodes.linkdown;
    await addUser(node, 'alice', { sudo: true });
    const plan = await planFor(node, sshdOps(), ['SSH-02', 'SSH-03'], [DROPIN, '/etc/ssh/sshd_config']);
    const pre = await digestsOn(node, WATCHED);
    const link = (state: 'up' | 'down') => run(['ip', '-n', 'th-lab', 'link', 'set', `v-${bastion.name}`, state]);
    let downAt = 0;
    const r = await applyWatching(plan, (line) => {
      // right after the admin proof: the restrict step is on its way, its answer and everything after are cut off
      if (line.includes('verified admin alice') && !downAt) {
        downAt = Date.now();
        void link('down').then(() => sleep(7000)).then(() => link('up'));
      }
    }, 5);
    await link('up');
    assert.ok(downAt > 0, describeRun(r));
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /rolled back \(dead-man\)/);
    assert.match((await txStates(node))[0], / reverted$/);
    await assertBackToPre(node, pre);
    assert.equal((await sshFrom('alice', keys.admin, node, 'sudo -n true')).code, 0, 'the admin still logs in');
  });

  /** Makes member and peer a two-node cluster: a corosync.conf naming both, and root on the peer with a key the member trusts. */
  async function makeCluster(member: Host, peer: Host): Promise<void> {
    const conf = `totem {\n  cluster_name: lab\n  version: 2\n}\nnodelist {\n${[member, peer].map((h, i) =>
      `  node {\n    name: ${h.name}\n    nodeid: ${i + 1}\n    quorum_votes: 1\n    ring0_addr: ${h.ip}\n  }\n`).join('')}}\n`;
    for (const h of [member, peer]) await writeFileIn(h, '/etc/pve/corosync.conf', conf, 0o640);
    await mustExecIn(peer, "ssh-keygen -q -t ed25519 -N '' -C root@peer -f /root/.ssh/id_ed25519");
    const peerKey = await mustExecIn(peer, 'cat /root/.ssh/id_ed25519.pub');
    await mustExecIn(member, 'cat >> /root/.ssh/authorized_keys', { input: peerKey });
    const memberHostKey = (await mustExecIn(member, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/).slice(0, 2).join(' ');
    await writeFileIn(peer, '/root/.ssh/known_hosts', `${member.ip} ${memberHostKey}\n`, 0o600);
    await addUser(member, 'alice', { sudo: true });
  }

  it('a cluster member: root from the peer is verified from the peer; a drop-in that shuts root out is rolled back', async () => {
    const [member, peer] = [nodes.member, nodes.peer];
    await makeCluster(member, peer);
    const lockout = sshdOps().map((o) => (o.kind === 'write-file' ? { ...o, content: SSHD_DROPIN.replace('prohibit-password', 'no') } : o));
    const pre = await digestsOn(member, WATCHED);
    const bad = await apply(await planFor(member, lockout, ['SSH-02', 'SSH-03'], [DROPIN, '/etc/ssh/sshd_config']), { timeoutSec: 60 });
    assert.equal(bad.code, 1, describeRun(bad));
    assert.match(bad.stdout, new RegExp(`rolled back: verification failed: root from ${peer.name}: root@${peer.name} cannot log in to ${member.ip.replaceAll('.', '\\.')}`));
    await assertBackToPre(member, pre);

    const good = await apply(await planFor(member, sshdOps(), ['SSH-02', 'SSH-03'], [DROPIN, '/etc/ssh/sshd_config']), { timeoutSec: 120 });
    assert.equal(good.code, 0, describeRun(good));
    assert.match(good.stdout, new RegExp(`verified root from ${peer.name}: root@${peer.name} logs in to ${member.ip.replaceAll('.', '\\.')} with its key`));
    assert.match(good.stdout, /confirmed/);
    assert.equal((await execIn(peer, `ssh -o BatchMode=yes root@${member.ip} true`)).code, 0, 'the peer keeps root key access');
  });

  it('a node changed between plan and apply is refused before anything is armed', async () => {
    const node = nodes.changed;
    const plan = await planFor(node, [...adminOps(adminPub, false), ...sshdOps()], ['ACC-01', 'ACC-03', 'SSH-02', 'SSH-03']);
    await mustExecIn(node, "echo '# edited after the plan' >> /etc/ssh/sshd_config");
    const r = await apply(plan);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stdout, /node changed since the plan: re-plan \(\/etc\/ssh\/sshd_config: modified since the plan\)/);
    assert.match(r.stderr, new RegExp(`^pvesec: ${node.name}: refused: node changed since the plan: re-plan`, 'm'), 'said on stderr too (stdout is not a terminal)');
    assert.deepEqual(await txStates(node), []);
    assert.equal((await execIn(node, `test -e ${DROPIN}`)).code, 1);
  });
  it('an sshd drop-in that sshd -t rejects: the node reverts the step itself, sshd never reloads', async () => {
    const node = nodes.changed;
    await mustExecIn(node, "sed -i '/# edited after the plan/d' /etc/ssh/sshd_config");
    const broken = sshdOps().map((o) => (o.kind === 'write-file' ? { ...o, content: `${SSHD_DROPIN}PasswordAuthenticatoin no\n` } : o));
    await addUser(node, 'alice', { sudo: true });
    const pre = await digestsOn(node, WATCHED);
    const r = await apply(await planFor(node, broken, ['SSH-02', 'SSH-03'], [DROPIN, '/etc/ssh/sshd_config']), { timeoutSec: 60 });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /failed validate:sshd: .*PasswordAuthenticatoin/);
    assert.match(r.stdout, /rolled back: restrict: validate:sshd failed: /);
    assert.doesNotMatch(r.stdout, /reloaded ssh/);
    await assertBackToPre(node, pre);
  });

  it('a second apply while one is armed on the node is refused; the first one confirms', async () => {
    const node = nodes.changed;
    // the first holds its transaction open a while, so the second surely meets it armed; the wait comes before
    // the sshd reload (phase admin), since a new connection met during sshd's re-exec is refused by the kernel
    // and the second apply would fail to collect instead of meeting the lock
    const slow = op('run:sleep', 'a slow step before sshd reloads', false, { phase: 'admin', kind: 'run', controls: ['SSH-02'], argv: ['sleep', '15'] });
    const first = await planFor(node, [...sshdOps(), slow], ['SSH-02', 'SSH-03'], [DROPIN, '/etc/ssh/sshd_config']);
    // the second touches another file: it gets past the digest check and meets the node's lock
    const other = '/etc/sysctl.d/90-pvesec.conf';
    const second = await planFor(node, [op(`write:${other}`, 'sysctl drop-in', false, {
      phase: 'activate', kind: 'write-file', controls: ['KRN-01'], path: other, content: 'net.ipv4.tcp_syncookies = 1\n', mode: 0o644, owner: 'root', group: 'root',
    })], ['KRN-01'], [other]);
    let concurrent: Promise<RunResult> | undefined;
    const r = await applyWatching(first, (line) => {
      if (line.includes(': armed ') && !concurrent) concurrent = apply(second, { timeoutSec: 60 });
    }, 120);
    const refused = await concurrent!;
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /: confirmed /);
    assert.equal(refused.code, 2, describeRun(refused));
    assert.match(refused.stdout, /refused: transaction .* is armed on this node/);
    assert.equal((await execIn(node, `test -e ${other}`)).code, 1, 'the refused apply changed nothing');
    const states = await txStates(node);
    assert.equal(states.filter((l) => l.endsWith(' confirmed')).length, 1, states.join('\n'));
  });
  it('apply TARGET plans with the remedies first (--control SSH-02), confirms; applied again it finds nothing to change', async () => {
    const node = nodes.targets;
    await addUser(node, 'alice', { sudo: true });
    const argv = [process.execPath, CLI, 'apply', `ssh://root@${node.ip}`, '--control', 'SSH-02', '--yes', '--config', config, '--identity', keys.root,
      '--known-hosts', knownHosts, '--admin-identity', keys.admin, '--confirm-timeout', '90', '--timeout', '30'];
    const r = await runInClient(bastion, argv, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /: confirmed /);
    assert.match(r.stdout, /SSH-02 FAIL -> PASS/);
    assert.match(await mustExecIn(node, 'sshd -T -C user=alice,addr=10.77.0.189,host=x'), /^passwordauthentication no$/m);
    const again = await runInClient(bastion, argv, { timeoutMs: 180_000 });
    assert.equal(again.code, 0, describeRun(again));
    assert.equal(again.stdout, 'nothing to change\n');
  });
});
