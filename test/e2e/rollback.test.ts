/**
 * End to end: `pvesec rollback` as a transaction of its own (dead-man, verified over a new connection),
 * the change-shell op (ACC-02) and the BAK-01 decline, on systemd test hosts from a bastion.
 * Hosts: r213 (accounts), r214 (sshd), r215 (shells, BAK), bastion r218 (10.77.0.213-218, block e2e-rollback).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  claimBlock, CLI, downAll, e2eSystemdSkipReason, ensureAdminKey, ensureCliBuilt, execIn, keys, knownHostsFile, mustExecIn, runInClient,
  tempDir, upClient, upHost, writeFileIn, type Host, type RunResult,
} from '../harness/hosts.js';
import { describeRun } from '../harness/cli.js';
import { addUser, shadowHash } from '../harness/node-setup.js';
import type { PlannedOp } from '../../src/harden/plan-types.js';

const skip = e2eSystemdSkipReason();

const DROPIN = '/etc/ssh/sshd_config.d/00-pvesec.conf';
const SUDOERS = '/etc/sudoers.d/pvesec-admins';
const AUTH_KEYS = '/home/alice/.ssh/authorized_keys';
const SLOW_UNIT = '/etc/systemd/system/pvesec-e2e-slow.service';
const SSHD_DROPIN = 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n';
/** What the account transaction changes (read on the node, secrets included). */
const WATCHED = [DROPIN, SUDOERS, AUTH_KEYS, SLOW_UNIT, '/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow'];

const op = <T extends Omit<PlannedOp, 'id' | 'cutsAccess' | 'summary'>>(id: string, summary: string, cutsAccess: boolean, o: T): PlannedOp =>
  ({ id, summary, cutsAccess, ...o }) as unknown as PlannedOp;

/** alice with the admin key and NOPASSWD sudo, plus a unit whose stop takes 3 s (a rollback of it is slow), plus the sshd drop-in. */
function accountOps(adminPub: string): PlannedOp[] {
  return [
    op('user:alice', 'create user alice', false, { phase: 'admin', kind: 'create-user', controls: ['ACC-01'], user: 'alice', shell: '/bin/bash' }),
    op('group:alice:sudo', 'add alice to sudo', false, { phase: 'admin', kind: 'add-to-group', controls: ['ACC-01'], user: 'alice', group: 'sudo' }),
    op(`write:${SUDOERS}`, 'sudo for alice', true, { phase: 'admin', kind: 'write-file', controls: ['ACC-01'], path: SUDOERS, content: 'alice ALL=(ALL:ALL) NOPASSWD: ALL\n', mode: 0o440, owner: 'root', group: 'root' }),
    op('validate:visudo', 'visudo -cf /etc/sudoers', true, { phase: 'admin', kind: 'validate', controls: ['ACC-01'], argv: ['visudo', '-cf', '/etc/sudoers'], why: 'sudoers must parse' }),
    op('dir:/home/alice/.ssh', '~alice/.ssh', false, { phase: 'admin', kind: 'make-dir', controls: ['ACC-03'], path: '/home/alice/.ssh', mode: 0o700, owner: 'alice', group: 'alice' }),
    op(`write:${AUTH_KEYS}`, "alice's key", false, { phase: 'admin', kind: 'write-file', controls: ['ACC-03'], path: AUTH_KEYS, content: adminPub, mode: 0o600, owner: 'alice', group: 'alice' }),
    op(`write:${SLOW_UNIT}`, 'a unit that stops slowly', false, {
      phase: 'activate', kind: 'write-file', controls: ['ACC-01'], path: SLOW_UNIT, mode: 0o644, owner: 'root', group: 'root',
      content: '[Service]\nExecStart=/bin/sleep infinity\nExecStop=/bin/sleep 3\n[Install]\nWantedBy=multi-user.target\n',
    }),
    op('run:daemon-reload', 'daemon-reload', false, { phase: 'activate', kind: 'run', controls: ['ACC-01'], argv: ['systemctl', 'daemon-reload'] }),
    op('service:slow', 'enable the slow unit', false, { phase: 'activate', kind: 'service', controls: ['ACC-01'], unit: 'pvesec-e2e-slow.service', action: 'enable-now' }),
    ...sshdOps(),
  ];
}

function sshdOps(): PlannedOp[] {
  return [
    op(`write:${DROPIN}`, 'sshd drop-in', true, { phase: 'restrict', kind: 'write-file', controls: ['SSH-02'], path: DROPIN, content: SSHD_DROPIN, mode: 0o644, owner: 'root', group: 'root' }),
    op('validate:sshd', 'sshd -t', true, { phase: 'restrict', kind: 'validate', controls: ['SSH-02'], argv: ['sshd', '-t'], why: 'sshd must accept its configuration' }),
    op('service:ssh', 'reload ssh', true, { phase: 'restrict', kind: 'service', controls: ['SSH-02'], unit: 'ssh', action: 'reload' }),
  ];
}

async function digestsOn(host: Host, paths: string[]): Promise<Record<string, string | null>> {
  const script = `for p in ${paths.map((p) => `'${p}'`).join(' ')}; do if [ -e "$p" ]; then echo "$(sha256sum < "$p" | cut -d' ' -f1) $p"; else echo "absent $p"; fi; done`;
  const out = new Map((await mustExecIn(host, script)).trim().split('\n').map((l) => [l.slice(l.indexOf(' ') + 1), l.startsWith('absent ') ? null : l.slice(0, l.indexOf(' '))] as const));
  return Object.fromEntries(paths.map((p) => [p, out.get(p) ?? null]));
}

/** id -> state of every transaction on the node, oldest first. */
async function txStates(node: Host): Promise<[string, string][]> {
  const out = (await execIn(node, 'for d in /var/lib/pvesec/tx/*/; do [ -f "$d/state" ] && echo "$(basename "$d") $(awk \'NR == 1 { print $1 }\' "$d/state")"; done')).stdout;
  return out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]);
}

describe('pvesec rollback with a dead-man on systemd test hosts (e2e)', { skip, timeout: 900_000 }, () => {
  let bastion: Host;
  const nodes: Record<string, Host> = {};
  let knownHosts: string;
  let dir: string;
  let adminPub: string;
  let config: string;

  before(async () => {
    await claimBlock('e2e-rollback');
    await Promise.all([ensureCliBuilt(), ensureAdminKey()]);
    const names = ['accounts', 'sshd', 'shells'];
    const hosts = await Promise.all([upClient('r218', 218), ...names.map((_, i) => upHost(`r${213 + i}`, 213 + i, { init: 'systemd' }))]);
    bastion = hosts[0];
    names.forEach((n, i) => (nodes[n] = hosts[i + 1]));
    dir = tempDir('pvesec-rollback-e2e-');
    knownHosts = await knownHostsFile(Object.values(nodes), dir);
    adminPub = readFileSync(keys.adminPub, 'utf8');
    config = join(dir, 'pvesec.yaml');
    writeFileSync(config, 'admin_users: [alice]\n');
    writeFileSync(join(dir, 'none.yaml'), 'admin_users: []\n');
  }, { timeout: 600_000 });

  after(() => downAll(), { timeout: 120_000 });

  async function planFor(node: Host, ops: PlannedOp[], fixes: string[]): Promise<string> {
    const file = join(dir, `plan-${node.name}-${Date.now()}.json`);
    const plan = {
      schema: 'pvesec.plan/v1', createdAt: new Date().toISOString(), pvesecVersion: 'e2e', configDigest: createHash('sha256').update(readFileSync(config)).digest('hex'),
      nodes: [{ node: node.name, target: `ssh://root@${node.ip}`, ops, fileDigests: await digestsOn(node, [DROPIN, SUDOERS, AUTH_KEYS]), fixes, manual: [] }],
    };
    writeFileSync(file, JSON.stringify(plan, null, 2));
    return file;
  }

  const common = (key = keys.root) => ['--identity', key, '--known-hosts', knownHosts, '--timeout', '30'];
  const cli = (args: string[], timeoutMs = 120_000): Promise<RunResult> =>
    runInClient(bastion, [process.execPath, CLI, ...args], { timeoutMs });
  const applyPlan = (planFile: string, cfg = config): Promise<RunResult> =>
    cli(['apply', planFile, '--yes', '--config', cfg, ...common(), '--admin-identity', keys.admin, '--confirm-timeout', '60'], 180_000);
  const rollback = (node: Host, extra: string[] = [], user = 'root', key = keys.root, timeoutSec = 5): Promise<RunResult> =>
    cli(['rollback', `ssh://${user}@${node.ip}`, ...common(key), '--confirm-timeout', String(timeoutSec), ...extra], 240_000);

  /** Runs rollback from the bastion; SIGKILLs it once `inWindow` (polled on the node) says the rollback is under way. */
  function rollbackKilled(node: Host, extra: string[], inWindow: () => Promise<boolean>): Promise<{ stdout: string; killed: boolean }> {
    return new Promise((resolve) => {
      const argv = [process.execPath, CLI, 'rollback', `ssh://root@${node.ip}`, ...common(), '--confirm-timeout', '15', ...extra];
      const child = spawn('ip', ['netns', 'exec', `th-${bastion.name}`, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let killed = false;
      const kill = (): void => {
        if (killed) return;
        killed = true;
        process.kill(-child.pid!, 'SIGKILL');
      };
      const hard = setTimeout(kill, 120_000);
      let closed = false;
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      void (async () => {
        while (!closed && !killed) {
          if (await inWindow()) kill();
          else await new Promise((r) => setTimeout(r, 50));
        }
      })();
      child.on('close', () => {
        closed = true;
        clearTimeout(hard);
        resolve({ stdout, killed });
      });
    });
  }

  const sshFrom = (user: string, key: string, node: Host, cmd = 'true'): Promise<RunResult> =>
    runInClient(bastion, ['ssh', '-F', '/dev/null', '-i', key, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'IdentitiesOnly=yes', `${user}@${node.ip}`, cmd], { timeoutMs: 20_000 });

  /** Waits until no pvesec transaction is armed on the node (the dead-man fired and reverted). */
  async function untilNoneArmed(node: Host, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (!(await txStates(node)).some(([, s]) => s === 'armed')) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.fail(`a transaction is still armed on ${node.name} after ${ms / 1000} s: ${(await txStates(node)).join('; ')}`);
  }

  it('accounts: a later password change refuses the rollback naming /etc/shadow without its hash; killed mid-window the node undoes the rollback; forced it restores', async () => {
    const node = nodes.accounts;
    const pre = await digestsOn(node, WATCHED);
    const applied = await applyPlan(await planFor(node, accountOps(adminPub), ['ACC-01', 'ACC-03', 'SSH-02']));
    assert.equal(applied.code, 0, describeRun(applied));
    const [[x, xState]] = await txStates(node);
    assert.equal(xState, 'confirmed');
    assert.equal((await sshFrom('alice', keys.admin, node, 'sudo -n true')).code, 0);

    await mustExecIn(node, ['chpasswd'], { input: 'alice:Correct-Horse-42\n' });
    const hash = await shadowHash(node, 'alice');
    assert.match(hash, /^\$/);
    const post = await digestsOn(node, WATCHED);
    const refused = await rollback(node);
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stdout, /changed since the confirmation: \/etc\/shadow$/m);
    assert.match(refused.stdout, /\/etc\/shadow: diff not shown \(it holds password hashes\)/);
    assert.match(refused.stderr, /rollback refused: \d+ files changed since transaction/);
    for (const out of [refused.stdout, refused.stderr]) {
      assert.ok(!out.includes(hash) && !out.includes(hash.split('$').pop()!), 'no password hash printed');
      assert.doesNotMatch(out, /\$(y|6|5|2b|gy)\$/);
    }
    assert.deepEqual(await digestsOn(node, WATCHED), post, 'a refused rollback changes nothing');
    assert.deepEqual((await txStates(node)).map(([, s]) => s), ['confirmed'], 'and starts no transaction');

    // forced, but the client dies inside the window, while the target's revert stops the slow unit: the node undoes the rollback itself
    const stopping = async () => (await execIn(node, 'systemctl is-active pvesec-e2e-slow.service')).stdout.trim() === 'deactivating';
    const killed = await rollbackKilled(node, ['--force'], stopping);
    assert.ok(killed.killed, killed.stdout);
    await untilNoneArmed(node, 120_000);
    const states = await txStates(node);
    assert.deepEqual(states.map(([, s]) => s), ['confirmed', 'reverted'], states.join('; '));
    assert.equal(states[0][0], x);
    const rJournal = await mustExecIn(node, `cat /var/lib/pvesec/tx/${states[1][0]}/journal`);
    assert.match(rJournal, new RegExp(`^txstate ${x} confirmed \\.$`, 'm'), 'the rollback step ran before the client died');
    assert.match(rJournal, /^copy \/home\/alice \d+ \.$/m, 'the home the rollback removes was saved whole');
    assert.deepEqual(await digestsOn(node, WATCHED), post, 'every file back to its content before the rollback (the new password kept)');
    assert.equal(await shadowHash(node, 'alice'), hash);
    assert.equal((await sshFrom('alice', keys.admin, node, 'sudo -n true')).code, 0, 'alice (home, .ssh, key restored) logs in with sudo');
    assert.equal((await sshFrom('root', keys.root, node)).code, 0);
    assert.equal((await execIn(node, 'systemctl is-active pvesec-e2e-slow.service; systemctl is-enabled pvesec-e2e-slow.service')).stdout, 'active\nenabled\n',
      'the unit the rollback stopped and disabled runs again');

    // a window that succeeds is confirmed as soon as it is verified: a long one costs nothing, a short one flakes under load
    const forced = await rollback(node, ['--force', '--tx', x], 'root', keys.root, 120);
    assert.equal(forced.code, 0, describeRun(forced));
    assert.match(forced.stdout, /^\d+ files changed since the confirmation are overwritten$/m);
    assert.match(forced.stdout, /verified root login: root logs in with its key/);
    assert.match(forced.stdout, new RegExp(`${x} rolled back \\(rollback transaction \\S+ verified and confirmed\\)`));
    assert.deepEqual(await digestsOn(node, WATCHED), pre, 'every file back to its state before the apply');
    assert.notEqual((await execIn(node, 'id alice')).code, 0);
    assert.equal((await execIn(node, 'test -e /home/alice')).code, 1);
    assert.equal((await sshFrom('root', keys.root, node)).code, 0);
    assert.deepEqual((await txStates(node)).map(([, s]) => s), ['rolled-back', 'reverted', 'confirmed']);
    assert.equal((await execIn(node, 'systemctl list-timers --all --no-legend "pvesec-revert-*"')).stdout.trim(), '', 'no dead-man left');
    const h = await cli(['history', `ssh://root@${node.ip}`, ...common()]);
    assert.equal(h.code, 0, describeRun(h));
    assert.match(h.stdout, new RegExp(`^${x} .* rolled-back `, 'm'));
  });

  it('sshd: a rollback that locks out the admin pvesec logs in as is verified over a new connection and reverted; then rolled back as root', async () => {
    const node = nodes.sshd;
    await addUser(node, 'alice', { sudo: true });
    // before pvesec: alice is denied by an old drop-in; the transaction replaces it
    await writeFileIn(node, DROPIN, 'DenyUsers alice\n', 0o644);
    await mustExecIn(node, 'systemctl reload ssh');
    assert.notEqual((await sshFrom('alice', keys.admin, node)).code, 0);
    const applied = await applyPlan(await planFor(node, sshdOps(), ['SSH-02']), join(dir, 'none.yaml'));
    assert.equal(applied.code, 0, describeRun(applied));
    const [[x]] = await txStates(node);
    assert.equal((await sshFrom('alice', keys.admin, node, 'sudo -n true')).code, 0);

    const r = await rollback(node, [], 'alice', keys.admin);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, new RegExp(`rolled-back ${x}`), 'the rollback ran');
    assert.match(r.stderr, new RegExp(`the rollback of ${x} was reverted: verification failed: admin alice: cannot log in as alice.*; ${x} stays confirmed`));
    assert.equal(await mustExecIn(node, `cat ${DROPIN}`), SSHD_DROPIN, 'the confirmed drop-in is back');
    assert.deepEqual((await txStates(node)).map(([, s]) => s), ['confirmed', 'reverted']);
    assert.equal((await sshFrom('alice', keys.admin, node, 'sudo -n true')).code, 0, 'alice gets in again');

    const ok = await rollback(node, [], 'root', keys.root, 120);
    assert.equal(ok.code, 0, describeRun(ok));
    assert.equal(await mustExecIn(node, `cat ${DROPIN}`), 'DenyUsers alice\n');
    assert.deepEqual((await txStates(node)).map(([, s]) => s), ['rolled-back', 'reverted', 'confirmed']);
    assert.equal((await sshFrom('root', keys.root, node)).code, 0);

    // retention: 25 older finished transactions (and an old revert-failed one) on the node; the next begin keeps the newest 20 finished (28 - 20 = 8 pruned), then adds its own
    await mustExecIn(node, `cd /var/lib/pvesec/tx && for i in $(seq 10 34); do d=20260101T0000\${i}Z-0000\${i}; mkdir $d; printf '%-511.511s\\n' "confirmed 1 " > $d/state; done
      mkdir 20251231T000000Z-ffffff && printf '%-511.511s\\n' "revert-failed 1 x" > 20251231T000000Z-ffffff/state`);
    const again = await applyPlan(await planFor(node, sshdOps(), ['SSH-02']), join(dir, 'none.yaml'));
    assert.equal(again.code, 0, describeRun(again));
    const left = await txStates(node);
    assert.equal(left.filter(([, s]) => ['confirmed', 'reverted', 'rolled-back'].includes(s)).length, 21, left.join('; '));
    assert.ok(left.some(([id, s]) => id === '20251231T000000Z-ffffff' && s === 'revert-failed'), 'a failed one is never pruned');
    assert.ok(left.some(([id]) => id === x), 'the newest ones stay');
    const h = await cli(['history', `ssh://root@${node.ip}`, ...common()]);
    assert.match(h.stdout, /^8 older finished transaction\(s\) pruned \(the node keeps the newest 20\)$/m, h.stdout);
    const hj = JSON.parse((await cli(['history', `ssh://root@${node.ip}`, ...common(), '--format', 'json'])).stdout) as { pruned: number };
    assert.equal(hj.pruned, 8);
  });

  it('shells: ACC-02 plans change-shell for a declared admin with /bin/sh, applied and rolled back; a shell missing from /etc/shells is refused; BAK-01 declines without /etc/pve', async () => {
    const node = nodes.shells;
    await addUser(node, 'bob', { sudo: true });
    await mustExecIn(node, 'usermod -s /bin/sh bob');
    const cfg = join(dir, 'bob.yaml');
    writeFileSync(cfg, 'admin_users: [bob]\n');
    const pre = await digestsOn(node, ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow']);

    const planned = await cli(['plan', `ssh://root@${node.ip}`, '--control', 'ACC-02,BAK-01', '--config', cfg, ...common()]);
    assert.equal(planned.code, 1, describeRun(planned));
    assert.match(planned.stdout, /change the login shell of bob to \/bin\/bash/);
    assert.match(planned.stdout, /BAK-01 FAIL: \/etc\/pve is not mounted on this node/);

    const applied = await cli(['apply', `ssh://root@${node.ip}`, '--control', 'ACC-02', '--yes', '--config', cfg, ...common(), '--admin-identity', keys.admin, '--confirm-timeout', '60'], 180_000);
    assert.equal(applied.code, 0, describeRun(applied));
    assert.match(applied.stdout, /changed the login shell of bob to \/bin\/bash/);
    assert.match(applied.stdout, /ACC-02 FAIL -> PASS/);
    assert.equal((await mustExecIn(node, 'getent passwd bob | cut -d: -f7')).trim(), '/bin/bash');

    // a rollback that should succeed gets a window a loaded machine can meet (12 account files journaled and restored, each fsynced)
    const rolled = await rollback(node, [], 'root', keys.root, 120);
    assert.equal(rolled.code, 0, describeRun(rolled));
    assert.equal((await mustExecIn(node, 'getent passwd bob | cut -d: -f7')).trim(), '/bin/sh');
    assert.deepEqual(await digestsOn(node, ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow']), pre, 'account files byte for byte');

    const bad = op('change-shell:bob', 'shell not in /etc/shells', false, { phase: 'admin', kind: 'change-shell', controls: ['ACC-02'], user: 'bob', shell: '/usr/local/bin/nosuchshell' });
    const refused = await applyPlan(await planFor(node, [bad], ['ACC-02']), cfg);
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stdout, /\/usr\/local\/bin\/nosuchshell is not listed in \/etc\/shells on this node/);
    assert.equal((await mustExecIn(node, 'getent passwd bob | cut -d: -f7')).trim(), '/bin/sh');
    assert.deepEqual(await digestsOn(node, ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow']), pre);
  });
});
