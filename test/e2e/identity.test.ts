/**
 * End to end, identity changes (issue 11) from a bastion over SSH, in node transactions under the dead-man
 * timer, on a systemd test host carrying the pvesh/pveum STAND-IN (test/harness/pve-standin.ts: not Proxmox;
 * it checks every call against the PVE 9.1 API schema and writes /etc/pve in Proxmox's formats, which
 * pvesec's parsers read back). Scenarios: `pvesec token create` (privsep, expiry, its ACL; the secret printed
 * once and stored nowhere by pvesec); ACL convergence to an access matrix with `pvesec plan` / `apply` /
 * `rollback`; a matrix that removes the last administrator besides root@pam, refused; the client killed
 * after a pve call, before the confirmation: the node undoes the calls at the deadline; `pvesec tfa enforce`
 * refused with the list while a user of the realm has no factor, then enforced and rolled back.
 * Hosts: node k245 (systemd), bastion k246 (10.77.0.245-246).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimBlock, CLI, downAll, e2eSystemdSkipReason, ensureAdminKey, ensureCliBuilt, keys, knownHostsFile, mustExecIn, runInClient, tempDir, upClient, upHost, writeFileIn, type Host, type RunResult } from '../harness/hosts.js';
import { describeRun } from '../harness/cli.js';
import { installPveStandin, type PveStandin } from '../harness/pve-standin.js';
import { parseDomainsCfg } from '../../src/parse/domains-cfg.js';
import { parseUserCfg, type UserConfig } from '../../src/parse/user-cfg.js';

const skip = e2eSystemdSkipReason();

const USER_CFG = `user:root@pam:1:0::::::
user:alice@pve:1:0:Alice::alice@example.com:::
user:bob@pve:1:0::::::
user:carol@pve:1:0::::::

group:admins:alice@pve::

acl:1:/:@admins:Administrator:
acl:1:/vms:bob@pve:PVEVMUser:
acl:1:/storage:carol@pve:PVEDatastoreAdmin:
`;

/** The declared matrix: the admins keep /, bob moves from VM user to auditor, carol loses her storage grant. */
const MATRIX = `groups:
  admins:
    grants:
      - { path: /, roles: [Administrator] }
users:
  bob@pve:
    grants:
      - { path: /vms, roles: [PVEAuditor] }
`;

/** A matrix that leaves nobody but root@pam able to change permissions. */
const MATRIX_NO_ADMIN = `users:
  bob@pve:
    grants:
      - { path: /vms, roles: [PVEVMUser] }
`;

type Acl = [string, string, string, string, boolean][];
const aclOf = (cfg: UserConfig): Acl =>
  cfg.aclEntries.map((e) => [e.path, e.kind, e.member, e.role, e.propagate] as [string, string, string, string, boolean])
    .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));

describe('identity changes through the pveum stand-in, in node transactions (e2e)', { skip, timeout: 1_200_000 }, () => {
  let node: Host;
  let bastion: Host;
  let standin: PveStandin;
  let knownHosts: string;
  const dir = tempDir('pvesec-e2e-identity-');
  const target = () => `ssh://root@${node.ip}`;
  const common = () => ['--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30'];
  const cli = (args: string[], timeoutMs = 200_000): Promise<RunResult> =>
    runInClient(bastion, [process.execPath, CLI, ...args], { timeoutMs, cwd: dir, env: { ...process.env, HOME: dir } });
  const userCfg = async () => mustExecIn(node, 'cat /etc/pve/user.cfg');
  const config = (name: string, matrix: string): string => {
    writeFileSync(join(dir, `${name}.yaml`), matrix);
    const cfg = join(dir, `${name}-pvesec.yaml`);
    writeFileSync(cfg, `admin_users: [alice@pve]\naccess_matrix: ${name}.yaml\n`);
    return cfg;
  };
  const reset = async () => {
    await writeFileIn(node, '/etc/pve/user.cfg', USER_CFG, 0o640);
    await mustExecIn(node, 'rm -f /etc/pve/priv/token.cfg /etc/pve/priv/tfa.cfg /etc/pve/domains.cfg');
  };
  const domainsCfg = async () => mustExecIn(node, 'cat /etc/pve/domains.cfg 2>/dev/null || true');

  before(async () => {
    await claimBlock('e2e-identity');
    await ensureCliBuilt();
    await ensureAdminKey();
    [node, bastion] = await Promise.all([upHost('k245', 245, { init: 'systemd' }), upClient('k246', 246)]);
    knownHosts = await knownHostsFile([node], dir);
    await reset();
    standin = await installPveStandin(node);
  }, { timeout: 400_000 });

  after(async () => {
    standin?.stop();
    await downAll();
  }, { timeout: 120_000 });

  it('token create: privsep token with expiry and its ACL in user.cfg/token.cfg; the secret printed once and nowhere else', { timeout: 300_000 }, async () => {
    await reset();
    const r = await cli(['token', 'create', 'bob@pve!ci', '--target', target(), ...common(), '--role', 'PVEVMUser', '--path', '/vms', '--expire-days', '30', '--confirm-timeout', '120']);
    assert.equal(r.code, 0, describeRun(r));
    const secret = /^secret \(shown once; pvesec keeps no copy\): ([0-9a-f-]{36})$/m.exec(r.stdout)?.[1];
    assert.ok(secret, describeRun(r));
    assert.equal(r.stdout.split(secret).length - 1, 1, 'the secret appears once in the output');
    assert.ok(!r.stderr.includes(secret));
    const cfg = parseUserCfg(await userCfg()).value;
    const tok = cfg.users.get('bob@pve')?.tokens.get('ci');
    assert.equal(tok?.privsep, true);
    const days = (tok!.expire - Date.now() / 1000) / 86_400;
    assert.ok(days > 29 && days <= 30.01, `expiry ${tok!.expire}`);
    assert.deepEqual(cfg.aclEntries.filter((e) => e.kind === 'token').map((e) => [e.path, e.member, e.role]), [['/vms', 'bob@pve!ci', 'PVEVMUser']]);
    assert.match(await mustExecIn(node, 'cat /etc/pve/priv/token.cfg'), new RegExp(`^bob@pve!ci ${secret}$`, 'm'));
    // Proxmox keeps it in priv/token.cfg; pvesec's transaction directory, journal and logs do not
    const leaks = await mustExecIn(node, `grep -rl -- '${secret}' /var/lib/pvesec /var/log /run/systemd/transient 2>/dev/null || true`);
    assert.equal(leaks.trim(), '', `the secret is stored in: ${leaks}`);
    assert.ok(standin.calls.every((c) => !c.args.join(' ').includes(secret)));
    assert.deepEqual(standin.errors, []);
  });

  it('ACL convergence: plan then apply make user.cfg equal to the matrix (PVE-15 PASS); rollback restores the previous ACL', { timeout: 400_000 }, async () => {
    await reset();
    const cfg = config('matrix', MATRIX);
    const pre = aclOf(parseUserCfg(await userCfg()).value);
    const planned = await cli(['plan', target(), '--control', 'PVE-15', '--config', cfg, ...common()]);
    assert.equal(planned.code, 1, describeRun(planned));
    assert.match(planned.stdout, /pveum acl (modify|delete)/, describeRun(planned));

    const applied = await cli(['apply', target(), '--control', 'PVE-15', '--yes', '--config', cfg, ...common(), '--confirm-timeout', '120']);
    assert.equal(applied.code, 0, describeRun(applied));
    assert.match(applied.stdout, /PVE-15 FAIL -> PASS/, describeRun(applied));
    assert.deepEqual(aclOf(parseUserCfg(await userCfg()).value), [
      ['/', 'group', 'admins', 'Administrator', true],
      ['/vms', 'user', 'bob@pve', 'PVEAuditor', true],
    ]);
    const audit = await cli(['audit', target(), '--control', 'PVE-15', '--config', cfg, ...common(), '--format', 'json']);
    assert.equal(audit.code, 0, describeRun(audit));
    const findings = JSON.parse(audit.stdout).findings as { id: string; status: string }[];
    assert.deepEqual(findings.filter((f) => f.id === 'PVE-15').map((f) => f.status), ['PASS'], describeRun(audit));

    const rolled = await cli(['rollback', target(), ...common(), '--confirm-timeout', '120']);
    assert.equal(rolled.code, 0, describeRun(rolled));
    assert.deepEqual(aclOf(parseUserCfg(await userCfg()).value), pre);
    assert.deepEqual(standin.errors, []);
  });

  it('a matrix that removes the last administrator besides root@pam is refused; nothing changes', { timeout: 300_000 }, async () => {
    await reset();
    const cfg = config('no-admin', MATRIX_NO_ADMIN);
    const before = await userCfg();
    const calls = standin.calls.length;
    const planned = await cli(['plan', target(), '--control', 'PVE-15', '--config', cfg, ...common()]);
    assert.equal(planned.code, 0, describeRun(planned));
    assert.match(planned.stdout, /PVE-15 FAIL: ACL convergence to \S+ refused: .*Permissions\.Modify on \//, describeRun(planned));
    assert.match(planned.stdout, /nothing to change automatically/, describeRun(planned));
    const applied = await cli(['apply', target(), '--control', 'PVE-15', '--yes', '--config', cfg, ...common(), '--confirm-timeout', '120']);
    assert.equal(applied.code, 0, describeRun(applied));
    assert.match(applied.stdout, /^nothing to change automatically; 1 control left for a human/, describeRun(applied));
    assert.match(applied.stdout, /: PVE-15 FAIL: ACL convergence to \S+ refused: .*Permissions\.Modify on \//, 'apply names the refusal and its reason');
    assert.equal(await userCfg(), before);
    assert.equal(standin.calls.slice(calls).filter((c) => !(c.call ?? '').startsWith('GET')).length, 0, 'no call changed anything');
  });

  it('the client killed after a pve call, before the confirmation: the node undoes the calls at the deadline', { timeout: 300_000 }, async () => {
    await reset();
    const cfg = config('matrix-kill', MATRIX);
    const before = await userCfg();
    const argv = [process.execPath, CLI, 'apply', target(), '--control', 'PVE-15', '--yes', '--config', cfg, ...common(), '--confirm-timeout', '15'];
    const sets = () => standin.calls.filter((c) => c.call === 'PUT /access/acl' && c.rc === 0).length;
    const setsBefore = sets();
    const r = await new Promise<{ stdout: string; killed: boolean }>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', `th-${bastion.name}`, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: dir });
      let stdout = '';
      let killed = false;
      const kill = () => {
        if (killed) return;
        killed = true;
        process.kill(-child.pid!, 'SIGKILL');
      };
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      const poll = setInterval(() => { if (sets() > setsBefore) kill(); }, 50);
      const hard = setTimeout(kill, 180_000);
      child.on('close', () => {
        clearInterval(poll);
        clearTimeout(hard);
        resolve({ stdout, killed });
      });
    });
    assert.ok(r.killed, r.stdout);
    const pre = aclOf(parseUserCfg(before).value);
    assert.notDeepEqual(aclOf(parseUserCfg(await userCfg()).value), pre, 'the killed apply had changed the ACL');
    let now = aclOf(parseUserCfg(await userCfg()).value);
    for (let i = 0; i < 120 && JSON.stringify(now) !== JSON.stringify(pre); i++) {
      await sleep(500);
      now = aclOf(parseUserCfg(await userCfg()).value);
    }
    assert.deepEqual(now, pre, 'the ACL is back to its pre-state');
    const tx = await mustExecIn(node, 'for d in /var/lib/pvesec/tx/*/; do echo "$(basename "$d") $(head -n 1 "$d/state")"; done');
    assert.match(tx.trim().split('\n').pop()!, / reverted/, tx);
    assert.deepEqual(standin.errors, []);
  });

  it('tfa enforce: refused with the list while users of the realm have no factor (nothing changed); enforced once each has one; rollback lifts it', { timeout: 400_000 }, async () => {
    await reset();
    await mustExecIn(node, 'pvesh create /access/tfa/alice@pve --type recovery --output-format json >/dev/null');
    const before = await domainsCfg();
    const txCount = async () => (await mustExecIn(node, 'ls /var/lib/pvesec/tx 2>/dev/null | wc -l')).trim();
    const txBefore = await txCount();
    const refused = await cli(['tfa', 'enforce', 'pve', '--target', target(), ...common(), '--confirm-timeout', '120']);
    assert.equal(refused.code, 2, describeRun(refused));
    assert.match(refused.stderr, /^pvesec: k245: TFA enforcement on realm pve refused: 2 enabled user\(s\) have no usable second factor and could no longer log in: bob@pve, carol@pve .*nothing changed$/m, describeRun(refused));
    assert.equal(await domainsCfg(), before);
    assert.equal(await txCount(), txBefore, 'no transaction was begun');

    for (const u of ['bob@pve', 'carol@pve']) await mustExecIn(node, `pvesh create /access/tfa/${u} --type recovery --output-format json >/dev/null`);
    const enforced = await cli(['tfa', 'enforce', 'pve', '--target', target(), ...common(), '--confirm-timeout', '120']);
    assert.equal(enforced.code, 0, describeRun(enforced));
    assert.match(enforced.stdout, /^realm pve enforces TOTP/m);
    assert.equal(parseDomainsCfg(await domainsCfg()).value.find((r) => r.name === 'pve')?.tfa?.type, 'oath');
    const again = await cli(['tfa', 'enforce', 'pve', '--target', target(), ...common()]);
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stdout, /enforces TOTP already: nothing to change/);

    const rolled = await cli(['rollback', target(), ...common(), '--confirm-timeout', '120']);
    assert.equal(rolled.code, 0, describeRun(rolled));
    assert.equal(parseDomainsCfg(await domainsCfg()).value.find((r) => r.name === 'pve')?.tfa, undefined);
    assert.deepEqual(standin.errors, []);
  });
});
