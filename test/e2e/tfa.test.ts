/**
 * End to end, `pvesec tfa add` and `pvesec tfa list` from a bastion over SSH to a test host carrying the
 * pvesh/pveum STAND-IN (test/harness/pve-standin.ts: not Proxmox; it checks every call against the PVE
 * 9.1 API schema and writes /etc/pve in Proxmox's formats). Codes come from Debian's oathtool, not from
 * pvesec. Scenarios: enrol an operator's own secret; enrol a new secret shown as QR/URI (the code typed
 * after reading the URI); a wrong code refused with nothing written; recovery keys printed once and
 * stored nowhere by pvesec. Hosts: node t240, bastion t241 (10.77.0.240-241).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { claimBlock, CLI, downAll, e2eSkipReason, ensureCliBuilt, execIn, keys, knownHostsFile, mustExecIn, runInClient, tempDir, upClient, upHost, writeFileIn, type Host, type RunResult } from '../harness/hosts.js';
import { describeRun } from '../harness/cli.js';
import { installPveStandin, type PveStandin } from '../harness/pve-standin.js';
import { parseTfaCfg } from '../../src/parse/tfa-cfg.js';
import { parseUserCfg } from '../../src/parse/user-cfg.js';

const noOathtool = spawnSync('oathtool', ['--version']).status === 0 ? undefined : 'needs oathtool (scripts/setup.sh installs it)';
const skip = e2eSkipReason() ?? noOathtool;

const USER_CFG = `user:root@pam:1:0::::::
user:alice@pve:1:0:Alice::alice@example.com:::
user:bob@pve:1:0::::::

group:admins:alice@pve::

acl:1:/:@admins:Administrator:
acl:1:/vms:bob@pve:PVEVMUser:
`;

function base32Secret(): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(20)].map((b) => A[b & 31]).join('');
}
const oathtool = (secret: string, offsetSec = 0) =>
  spawnSync('oathtool', ['--totp', '-b', secret, '-N', `@${Math.floor(Date.now() / 1000) + offsetSec}`], { encoding: 'utf8' }).stdout.trim();

describe('pvesec tfa add / list with the pvesh stand-in (e2e)', { skip, timeout: 600_000 }, () => {
  let node: Host;
  let bastion: Host;
  let standin: PveStandin;
  let knownHosts: string;
  const work = tempDir('pvesec-e2e-tfa-');
  const target = () => `ssh://root@${node.ip}`;
  const ssh = () => ['--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '20'];

  before(async () => {
    await ensureCliBuilt();
    await claimBlock('e2e-tfa');
    [node, bastion] = await Promise.all([upHost('t240', 240), upClient('t241', 241)]);
    knownHosts = await knownHostsFile([node]);
    await writeFileIn(node, '/etc/pve/user.cfg', USER_CFG, 0o640);
    standin = await installPveStandin(node);
  }, { timeout: 240_000 });

  after(async () => {
    standin?.stop();
    await downAll();
  }, { timeout: 60_000 });

  const pvesec = (args: string[], input = ''): Promise<RunResult> =>
    runInClient(bastion, [process.execPath, CLI, ...args], { input, timeoutMs: 90_000, cwd: work, env: { ...process.env, HOME: work } });
  const tfaCfg = async () => (await mustExecIn(node, 'cat /etc/pve/priv/tfa.cfg 2>/dev/null || true'));

  it("enrols an operator's own secret (--secret-from-stdin) with a code from oathtool; tfa list shows it", async () => {
    const secret = base32Secret();
    const r = await pvesec(['tfa', 'add', 'alice@pve', '--target', target(), ...ssh(), '--secret-from-stdin', '--description', 'alice phone'], `${secret}\n${oathtool(secret)}\n`);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /^Added TOTP factor totp-\S+ for alice@pve on /m);
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the operator\'s own secret is not echoed');
    const tfa = parseTfaCfg(await tfaCfg()).value;
    assert.equal(tfa.get('alice@pve')?.totp.filter((e) => e.enabled).length, 1);
    assert.deepEqual(standin.calls.filter((c) => c.call === 'POST /access/tfa/{userid}').map((c) => c.rc), [0]);
    assert.deepEqual(standin.errors, []);

    const list = await pvesec(['tfa', 'list', target(), ...ssh(), '--format', 'json']);
    assert.equal(list.code, 0, describeRun(list));
    const l = JSON.parse(list.stdout);
    assert.equal(l.users.find((u: { user: string }) => u.user === 'alice@pve').factors.totp, 1);
    assert.ok(!list.stdout.includes(secret), 'tfa list never prints a TOTP secret');
    assert.deepEqual(l.realms.find((x: { realm: string }) => x.realm === 'pve').lockedOut, ['bob@pve']);
  });

  it('a wrong code is refused before pvesh is called: tfa.cfg stays byte for byte', async () => {
    const before = await tfaCfg();
    const posts = standin.calls.filter((c) => c.call === 'POST /access/tfa/{userid}').length;
    const secret = base32Secret();
    const wrong = String((Number(oathtool(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    const r = await pvesec(['tfa', 'add', 'bob@pve', '--target', target(), ...ssh(), '--secret-from-stdin'], `${secret}\n${wrong}\n`);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /the code does not match the secret .*nothing was written/);
    assert.equal(await tfaCfg(), before);
    assert.equal(standin.calls.filter((c) => c.call === 'POST /access/tfa/{userid}').length, posts);
  });

  it('a new secret is shown as QR and otpauth URI; the code typed after reading it enrols bob', async () => {
    const child = spawn('ip', ['netns', 'exec', `th-${bastion.name}`, process.execPath, CLI, 'tfa', 'add', 'bob@pve', '--target', target(), ...ssh()], { cwd: work, env: { ...process.env, HOME: work } });
    let stdout = '';
    let stderr = '';
    let answered = false;
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.stdout.on('data', (b: Buffer) => {
      stdout += b;
      const uri = /^otpauth:\/\/totp\/\S+$/m.exec(stdout)?.[0];
      if (uri && !answered) {
        answered = true;
        child.stdin.end(`${oathtool(new URL(uri).searchParams.get('secret')!)}\n`);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await done;
    clearTimeout(timer);
    assert.equal(code, 0, `stderr: ${stderr}\nstdout: ${stdout}`);
    assert.match(stdout, /[▀▄█]/, 'a QR code in the terminal');
    assert.match(stdout, /^otpauth:\/\/totp\/Proxmox%20VE:bob%40pve\?/m);
    assert.equal(parseTfaCfg(await tfaCfg()).value.get('bob@pve')?.totp.length, 1);
  });

  it('recovery keys for root@pam: printed once; Proxmox keeps hashes, pvesec keeps nothing', async () => {
    const r = await pvesec(['tfa', 'add', 'root@pam', '--target', target(), ...ssh(), '--type', 'recovery']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /SHOWN ONCE/);
    const keyList = [...r.stdout.matchAll(/^ {2}([0-9a-f]{4}(?:-[0-9a-f]{4}){3})$/gm)].map((m) => m[1]);
    assert.equal(keyList.length, 10);
    const stored = await tfaCfg();
    for (const k of keyList) assert.ok(!stored.includes(k), 'the node stores no key in clear');
    assert.deepEqual(readdirSync(work).filter((f) => f !== 'known_hosts'), [], 'pvesec wrote nothing in its working directory or HOME');
    // the stand-in's call log, the only record of the exchange, holds no key either
    assert.ok(standin.calls.every((c) => keyList.every((k) => !c.args.join(' ').includes(k))));
    const again = await pvesec(['tfa', 'add', 'root@pam', '--target', target(), ...ssh(), '--type', 'recovery']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already has recovery keys/);

    const list = await pvesec(['tfa', 'list', target(), ...ssh()]);
    assert.equal(list.code, 0, describeRun(list));
    assert.match(list.stdout, /^root@pam +recovery 10\/10 unused/m);
    assert.match(list.stdout, /^ {2}pve \(pve\) does not enforce TFA; enforcing it would lock out: nobody$/m);
  });

  it('the stand-in on the host (for the ACL/token work): arguments arrive intact, a token secret printed once, invalid calls exit 255', async () => {
    const comment = `it's a "ci" token: $HOME; \\ 1`;
    const tok = await execIn(node, ['pveum', 'user', 'token', 'add', 'alice@pve', 'ci', '--comment', comment, '--expire', '1893456000', '--output-format', 'json']);
    assert.equal(tok.code, 0, describeRun(tok));
    const secret = JSON.parse(tok.stdout).value as string;
    assert.match(secret, /^[0-9a-f-]{36}$/);
    const acl = await execIn(node, ['pvesh', 'set', '/access/acl', '--path', '/vms', '--roles', 'PVEVMUser', '--tokens', 'alice@pve!ci', '--propagate', '0']);
    assert.equal(acl.code, 0, describeRun(acl));
    const cfg = parseUserCfg(await mustExecIn(node, 'cat /etc/pve/user.cfg')).value;
    assert.equal(cfg.users.get('alice@pve')?.tokens.get('ci')?.comment, comment);
    assert.equal(cfg.users.get('alice@pve')?.tokens.get('ci')?.privsep, true);
    assert.deepEqual(cfg.aclEntries.filter((e) => e.kind === 'token').map((e) => [e.path, e.member, e.role, e.propagate]), [['/vms', 'alice@pve!ci', 'PVEVMUser', false]]);
    assert.match(await mustExecIn(node, 'cat /etc/pve/priv/token.cfg'), new RegExp(`^alice@pve!ci ${secret}$`, 'm'));
    const list = await execIn(node, ['pveum', 'user', 'token', 'list', 'alice@pve', '--output-format', 'json']);
    assert.ok(!list.stdout.includes(secret), 'the secret is printed only when the token is made');
    const bad = await execIn(node, ['pvesh', 'set', '/access/acl', '--path', '/', '--roles', 'Administrator', '--users', 'bob@pve', '--propagate', 'maybe']);
    assert.equal(bad.code, 255);
    assert.match(bad.stderr, /^400 Parameter verification failed\.\n--propagate: 'maybe' is not a boolean/);
    const asUser = await execIn(node, ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'pveum', 'user', 'list']);
    assert.equal(asUser.code, 255);
    assert.deepEqual(standin.errors, []);
  });
});
