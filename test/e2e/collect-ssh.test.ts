/**
 * End to end: the SSH collector against real test hosts (sshd, sudo) from a client namespace.
 * Root and sudo / plain-user logins, strict host keys (mismatch, unknown, --accept-new), wrong key,
 * refused and unreachable hosts, a connection dropped mid-collection, and several targets at once.
 * Test hosts: c1 (10.77.0.101), client cc (10.77.0.109); 10.77.0.108 stays unused.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  downAll, e2eSkipReason, ipOf, keys, knownHostsLines, mustExecIn, REPO_ROOT, runInClient, tempDir,
  upClient, upHost, writeFileIn, type Host,
} from '../harness/hosts.js';
import { readBundle } from '../../src/collect/bundle.js';
import { parseSshdConnections } from '../../src/parse/sshd-effective.js';
import type { Snapshot } from '../../src/collect/snapshot.js';

const skip = e2eSkipReason();
const UNUSED = ipOf(108);

interface Outcome {
  target: string;
  error?: string;
  bundle?: string;
}

describe('SSH collector (e2e)', { skip, timeout: 300_000 }, () => {
  let node: Host;
  let client: Host;
  let dir: string;
  let knownHosts: string;
  let runner: string;
  const temps: string[] = [];

  /** Runs collectTargets in the client namespace; each snapshot comes back through writeBundle. */
  async function collect(targets: string[], opts: Record<string, unknown> = {}): Promise<{ outcomes: Outcome[]; ms: number }> {
    const out = tempDir('pvesec-collect-e2e-');
    temps.push(out);
    const r = await runInClient(client, ['node', '--import', 'tsx', runner, JSON.stringify({ targets, opts: { knownHostsFile: knownHosts, identity: keys.root, timeoutMs: 20_000, ...opts }, out })], {
      timeoutMs: 60_000,
      cwd: REPO_ROOT,
    });
    assert.equal(r.code, 0, `runner failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { outcomes: Outcome[]; ms: number };
  }

  async function collectOne(target: string, opts: Record<string, unknown> = {}): Promise<{ snap?: Snapshot; error?: string; ms: number }> {
    const { outcomes, ms } = await collect([target], opts);
    assert.equal(outcomes.length, 1);
    const o = outcomes[0];
    return { snap: o.bundle ? await readBundle(o.bundle) : undefined, error: o.error, ms };
  }

  before(async () => {
    [node, client] = await Promise.all([upHost('c1', 101), upClient('cc', 109)]);
    dir = tempDir('pvesec-collect-e2e-');
    temps.push(dir);
    knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, await knownHostsLines([node]), { mode: 0o600 });
    runner = join(dir, 'runner.mts');
    writeFileSync(
      runner,
      `import { collectTargets } from ${JSON.stringify(join(REPO_ROOT, 'src/collect/collect.ts'))};
import { writeBundle } from ${JSON.stringify(join(REPO_ROOT, 'src/collect/bundle.ts'))};
const { targets, opts, out } = JSON.parse(process.argv[2]);
const t0 = performance.now();
const results = await collectTargets(targets, opts);
const ms = performance.now() - t0;
const outcomes = [];
for (const [i, r] of results.entries()) {
  if (r.snapshot) { const b = out + '/' + i + '.tar.gz'; await writeBundle(r.snapshot, b); outcomes.push({ target: r.target, bundle: b }); }
  else outcomes.push({ target: r.target, error: r.error });
}
console.log(JSON.stringify({ outcomes, ms }));
`,
    );
    await writeFileIn(node, '/tmp/admin.pub', readFileSync(keys.adminPub, 'utf8'), 0o644);
    await mustExecIn(node, `set -e
       useradd -m -s /bin/bash ops && useradd -m -s /bin/bash audit
       for u in ops audit; do install -d -m 700 -o $u -g $u /home/$u/.ssh; install -m 600 -o $u -g $u /tmp/admin.pub /home/$u/.ssh/authorized_keys; done
       echo 'ops ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/ops && chmod 440 /etc/sudoers.d/ops
       echo 'root:CanaryPassw0rd' | chpasswd`);
    // private key material where a careless collector would pick it up
    await writeFileIn(node, '/etc/rsyslog.d/leak.txt', '-----BEGIN OPENSSH PRIVATE KEY-----\nCANARYKEYDATA\n-----END OPENSSH PRIVATE KEY-----\n', 0o644);
    await writeFileIn(node, '/etc/fail2ban/jail.d/zz.key', 'CANARYBYNAME\n', 0o644);
  }, { timeout: 120_000 });

  after(async () => {
    await downAll();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('collects a node as root in one round trip, with nothing secret', async () => {
    const { snap, error, ms } = await collectOne(`ssh://root@${node.ip}`);
    assert.equal(error, undefined);
    assert.ok(snap);
    assert.equal(snap.meta.privilege, 'root');
    assert.equal(snap.meta.hostname, 'c1');
    assert.equal(snap.text('/etc/hostname')?.trim(), 'c1');
    assert.match(snap.command('sshd -T')!.output, /^port 22$/m);
    assert.equal(snap.command('sshd -T')!.exitCode, 0);
    assert.equal(snap.command('iptables-save')?.exitCode, 0); // empty output: no rules on a fresh host
    assert.match(snap.command('systemctl-states')!.output, /^ssh active enabled$/m);
    assert.ok(snap.file('/root/.ssh/authorized_keys'));
    assert.equal(snap.dirs.get('/root/.ssh')!.mode & 0o777, 0o700);
    assert.equal(snap.dirs.get('/home/ops/.ssh')!.mode & 0o777, 0o700);
    assert.ok(snap.file('/home/ops/.ssh/authorized_keys'));
    assert.ok(snap.file('/etc/sudoers.d/ops'));
    assert.match(snap.text('/etc/shadow')!, /^root:x:/m);
    assert.match(snap.errors.get('/etc/rsyslog.d/leak.txt') ?? '', /private key|secret/);
    for (const f of snap.files.values()) {
      assert.doesNotMatch(f.content.toString('latin1'), /CANARY|\$y\$|\$6\$|PRIVATE KEY-----/, f.path);
      assert.doesNotMatch(f.path, /ssh_host_.*_key$|\.key$/);
    }
    // speed is the benchmark's job (npm run bench: audit over SSH); printed here for the record
    console.log(`collection over SSH took ${Math.round(ms)} ms`);
  });

  it('real sshd -T -C is collected for each declared admin and each corosync peer address', async () => {
    await writeFileIn(node, '/etc/ssh/sshd_config.d/10-peers.conf', 'Match Address 10.10.10.2\n    PermitRootLogin no\n', 0o644);
    await writeFileIn(node, '/etc/pve/corosync.conf', [
      'nodelist {', '  node {', '    name: pve2', '    ring0_addr: 10.10.10.2  # link0', '    ring1_addr: pve2-backup', '  }',
      '  node { name: pve3', '    ring0_addr: 10.10.10.3 }', '}', 'totem { cluster_name: lab }', '',
    ].join('\n'), 0o644);
    try {
      const { snap, error } = await collectOne(`ssh://root@${node.ip}`, { sshdUsers: ['ops', 'bad;name'] });
      assert.equal(error, undefined);
      const out = snap!.command('sshd -T -C')!;
      assert.equal(out.exitCode, 0, out.output);
      const blocks = parseSshdConnections(out.output).value;
      assert.deepEqual(blocks.map((b) => [b.spec, b.exitCode]), [
        ['user=ops', 0], ['user=root,host=10.10.10.2,addr=10.10.10.2', 0], ['user=root,host=10.10.10.3,addr=10.10.10.3', 0],
      ], 'an unsafe user name and a ring address that is a name are not asked about');
      const rootLogin = (spec: string) => blocks.find((b) => b.spec === spec)!.dump!.get('permitrootlogin')!.values[0];
      assert.equal(rootLogin('user=root,host=10.10.10.2,addr=10.10.10.2'), 'no', 'the Match block applies to that peer');
      assert.equal(rootLogin('user=root,host=10.10.10.3,addr=10.10.10.3'), 'without-password');
    } finally {
      await mustExecIn(node, 'rm -rf /etc/ssh/sshd_config.d/10-peers.conf /etc/pve');
    }
  });

  it('a sudo user collects everything through sudo -n; a plain user gets what it may read', async () => {
    const sudo = await collectOne(`ssh://ops@${node.ip}`, { identity: keys.admin });
    assert.equal(sudo.error, undefined);
    assert.equal(sudo.snap!.meta.privilege, 'sudo');
    assert.match(sudo.snap!.text('/etc/shadow')!, /^root:x:/m);
    assert.equal(sudo.snap!.command('sshd -T')!.exitCode, 0);

    const plain = await collectOne(`ssh://audit@${node.ip}`, { identity: keys.admin });
    assert.equal(plain.error, undefined);
    const s = plain.snap!;
    assert.equal(s.meta.privilege, 'user');
    assert.equal(s.file('/etc/shadow'), undefined);
    assert.equal(s.errors.get('/etc/shadow'), 'permission denied (not collected as root)');
    assert.equal(s.errors.get('sshd -T'), 'permission denied (not collected as root)');
    assert.ok(s.file('/etc/passwd'));
    assert.ok(s.file('/home/audit/.ssh/authorized_keys'));
    assert.equal(s.errors.get('/home/ops/.ssh/authorized_keys'), 'permission denied (not collected as root)');
  });

  it('wrong key: authentication failed, naming host and user', async () => {
    const { error } = await collectOne(`ssh://root@${node.ip}`, { identity: keys.admin });
    assert.match(error ?? '', new RegExp(`^ssh://root@${node.ip.replace(/\./g, '\\.')}: authentication failed for user root`));
  });

  it('host key mismatch names the known_hosts line; unknown key needs --accept-new', async () => {
    const other = join(dir, 'known_hosts_other');
    const otherKey = 'AAAAC3NzaC1lZDI1NTE5AAAAIM34/oNLJA+7i2WieJGcs+dhpblIm3WBj3iaAZEY8Mj7';
    writeFileSync(other, `# stale\n${node.ip} ssh-ed25519 ${otherKey}\n`);
    const mismatch = await collectOne(`ssh://root@${node.ip}`, { knownHostsFile: other });
    assert.match(mismatch.error ?? '', /HOST KEY MISMATCH/);
    assert.ok(mismatch.error!.includes(`${other}:2`), mismatch.error);
    assert.ok(mismatch.error!.startsWith(`ssh://root@${node.ip}: `));

    const fresh = join(dir, 'known_hosts_fresh');
    const unknown = await collectOne(`ssh://root@${node.ip}`, { knownHostsFile: fresh });
    assert.match(unknown.error ?? '', /unknown host key ssh-ed25519 SHA256:.*--accept-new/);
    const accepted = await collectOne(`ssh://root@${node.ip}`, { knownHostsFile: fresh, acceptNew: true });
    assert.equal(accepted.error, undefined);
    assert.equal(readFileSync(fresh, 'utf8'), (await knownHostsLines([node])));
    const again = await collectOne(`ssh://root@${node.ip}`, { knownHostsFile: fresh });
    assert.equal(again.error, undefined);
  });

  it('refused and unreachable hosts fail fast with one line each', async () => {
    const refused = await collectOne(`ssh://root@${node.ip}:2222`);
    assert.equal(refused.error, `ssh://root@${node.ip}:2222: connection refused (is sshd running and the port open?)`);
    const unreachable = await collectOne(`ssh://root@${UNUSED}`, { timeoutMs: 6000 });
    assert.match(unreachable.error ?? '', new RegExp(`^ssh://root@${UNUSED.replace(/\./g, '\\.')}: (host unreachable|timed out)`));
    assert.ok(unreachable.ms < 20_000, `the 6 s timeout was not honoured: ${Math.round(unreachable.ms)} ms`);
  });

  it('a connection dropped mid-collection is reported as such', async () => {
    await mustExecIn(node, 'cp -p /usr/bin/pveversion /usr/bin/pveversion.orig');
    // kills the sshd processes serving this session, from inside the collection
    await writeFileIn(
      node,
      '/usr/bin/pveversion',
      `#!/bin/sh
p=$$
while [ "$p" -gt 1 ]; do
  pp=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
  if [ "$(cat /proc/$p/comm)" = sshd ] && [ "$pp" != 1 ]; then kill -KILL "$p"; fi
  p=$pp
done
sleep 30
`,
      0o755,
    );
    try {
      const { error, ms } = await collectOne(`ssh://root@${node.ip}`);
      assert.match(error ?? '', new RegExp(`^ssh://root@${node.ip.replace(/\./g, '\\.')}: connection dropped during collection`));
      assert.ok(ms < 18_000, `waited for the 20 s timeout instead of seeing the drop: ${Math.round(ms)} ms`);
    } finally {
      await mustExecIn(node, 'mv /usr/bin/pveversion.orig /usr/bin/pveversion');
    }
  });

  it('a hung node hits the per-node timeout', async () => {
    await mustExecIn(node, 'cp -p /usr/bin/pveversion /usr/bin/pveversion.orig');
    await writeFileIn(node, '/usr/bin/pveversion', '#!/bin/sh\nsleep 60\n', 0o755);
    try {
      const { error, ms } = await collectOne(`ssh://root@${node.ip}`, { timeoutMs: 3000 });
      assert.equal(error, `ssh://root@${node.ip}: timed out after 3 s during collection`);
      assert.ok(ms < 20_000, `the 3 s timeout was not honoured: ${Math.round(ms)} ms`);
    } finally {
      await mustExecIn(node, 'mv /usr/bin/pveversion.orig /usr/bin/pveversion');
    }
  });

  it('several targets: results in order, one failure does not stop the others', async () => {
    const targets = [`ssh://root@${node.ip}`, `ssh://root@${node.ip}:2222`, `ssh://root@${UNUSED}`, join(dir, 'no-such-bundle'), `ssh://root@${node.ip}`];
    const { outcomes } = await collect(targets, { concurrency: 2, timeoutMs: 15_000 });
    assert.deepEqual(outcomes.map((o) => o.target), targets);
    assert.ok(outcomes[0].bundle && outcomes[4].bundle);
    assert.equal(outcomes[1].error, `ssh://root@${node.ip}:2222: connection refused (is sshd running and the port open?)`);
    assert.match(outcomes[2].error ?? '', new RegExp(`^ssh://root@${UNUSED.replace(/\./g, '\\.')}: `));
    assert.match(outcomes[3].error ?? '', /no-such-bundle: no such file or directory/);
  });
});
