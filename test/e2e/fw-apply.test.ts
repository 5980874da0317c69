/**
 * End to end: the FW remedy in iptables mode (issue 10), `pvesec apply TARGET --control 'FW-*'` from a
 * bastion against systemd test hosts, proven with real TCP connections.
 * Hosts (block 'e2e-fw-apply', fi220..fi229 = 10.77.0.220-229): nodes fi220 (main), fi221 (cut),
 * fi222 (reboot), fi223 (dual managers), fi224 (member of a two-node cluster), all systemd; its peer
 * fi225 (th-init: sshd and an ssh client are all a peer needs here); the workstation fi228 (a th-init host: sshd for
 * --probe-from, non-admin); the bastion fi229 (client, the admin source pvesec runs from); fi227 (client,
 * a non-admin address pvesec is run from to be refused).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bootId, claimBlock, CLI, downAll, e2eSystemdSkipReason, ensureCliBuilt, execIn, keys, knownHostsFile, mustExecIn, rebootHost, runInClient,
  tempDir, upClient, upHost, waitForBoot, writeFileIn, type Host, type RunResult,
} from '../harness/hosts.js';
import { describeRun } from '../harness/cli.js';

import { probe as tcpProbe } from '../harness/tcp-probe.js';

const skip = e2eSystemdSkipReason();

/** A real NEW TCP connection from `from`'s network namespace: connected, refused or timeout. */
const probe = (from: Host, ip: string, port: number): Promise<string> => tcpProbe(from, ip, port, 2000);


describe('pvesec apply: the iptables management allowlist on systemd test hosts (e2e)', { skip, timeout: 1_200_000 }, () => {
  let bastion: Host;
  let stranger: Host;
  let workstation: Host;
  let peer: Host;
  const nodes: Record<string, Host> = {};
  let knownHosts: string;
  let dir: string;
  let config: string;

  before(async () => {
    await claimBlock('e2e-fw-apply');
    await ensureCliBuilt();
    const names = ['main', 'cut', 'reboot', 'dual', 'member'];
    const hosts = await Promise.all([
      upClient('fi229', 229),
      upClient('fi227', 227),
      upHost('fi228', 228),
      upHost('fi225', 225),
      ...names.map((n, i) => upHost(`fi${220 + i}`, 220 + i, { init: 'systemd' })),
    ]);
    [bastion, stranger, workstation, peer] = hosts;
    names.forEach((n, i) => (nodes[n] = hosts[i + 4]));
    dir = tempDir('pvesec-fw-apply-e2e-');
    knownHosts = await knownHostsFile([...Object.values(nodes), workstation, peer], dir);
    // fi224 + fi225: a cluster (corosync.conf naming both by ring address); root on the peer has a key the
    // member trusts and knows the member's host key, as pvecm sets up
    const member = nodes.member;
    const conf = `totem {\n  cluster_name: lab\n  version: 2\n}\nnodelist {\n${[member, peer].map((h, i) =>
      `  node {\n    name: ${h.name}\n    nodeid: ${i + 1}\n    quorum_votes: 1\n    ring0_addr: ${h.ip}\n  }\n`).join('')}}\n`;
    for (const h of [member, peer]) await writeFileIn(h, '/etc/pve/corosync.conf', conf, 0o640);
    const memberHostKey = (await mustExecIn(member, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/).slice(0, 2).join(' ');
    await mustExecIn(peer, `ssh-keygen -q -t ed25519 -N '' -C root@${peer.name} -f /root/.ssh/id_ed25519`);
    await mustExecIn(member, 'cat >> /root/.ssh/authorized_keys', { input: await mustExecIn(peer, 'cat /root/.ssh/id_ed25519.pub') });
    await writeFileIn(peer, '/root/.ssh/known_hosts', `${member.ip} ${memberHostKey}\n`, 0o600);
    config = writeConfig('pvesec.yaml', [bastion.ip, bastion.ip6 ?? '']);
  }, { timeout: 900_000 });

  after(() => downAll(), { timeout: 120_000 });

  function writeConfig(name: string, admin: string[], mode = 'iptables'): string {
    const file = join(dir, name);
    const list = admin.filter(Boolean).map((a) => `'${a}'`).join(', ');
    writeFileSync(file, `admin_sources: [${list}]\nnon_admin_networks: ['10.77.0.0/24', 'fd77::/64']\nfirewall: ${mode}\n`);
    return file;
  }

  function cliArgv(cmd: string, node: Host, opts: { cfg?: string; timeoutSec?: number; extra?: string[] } = {}): string[] {
    const common = ['--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30'];
    if (cmd === 'rollback') return [process.execPath, CLI, 'rollback', `ssh://root@${node.ip}`, ...common];
    return [process.execPath, CLI, cmd, `ssh://root@${node.ip}`, '--control', 'FW-*', '--config', opts.cfg ?? config, ...common,
      ...(cmd === 'apply' ? ['--yes', '--confirm-timeout', String(opts.timeoutSec ?? 120)] : []), ...(opts.extra ?? [])];
  }

  const cli = (from: Host, cmd: string, node: Host, opts: { cfg?: string; timeoutSec?: number; extra?: string[] } = {}): Promise<RunResult> =>
    runInClient(from, cliArgv(cmd, node, opts), { timeoutMs: 240_000 });

  /** apply from the bastion; `onLine` sees each stdout line and may SIGKILL pvesec. */
  function applyWatching(node: Host, timeoutSec: number, onLine: (line: string, kill: () => void) => void, extra: string[] = []): Promise<{ code: number | null; stdout: string; killed: boolean }> {
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', `th-${bastion.name}`, ...cliArgv('apply', node, { timeoutSec, extra })], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let partial = '';
      let killed = false;
      const kill = (): void => {
        if (killed) return;
        killed = true;
        process.kill(-child.pid!, 'SIGKILL');
      };
      const hard = setTimeout(kill, 240_000);
      child.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        partial += b.toString();
        const lines = partial.split('\n');
        partial = lines.pop()!;
        for (const l of lines) onLine(l, kill);
      });
      child.stderr.on('data', () => undefined);
      child.on('close', (code) => {
        clearTimeout(hard);
        resolve({ code, stdout, killed });
      });
    });
  }

  const inputPolicy = async (node: Host, cmd = 'iptables'): Promise<string> => (await mustExecIn(node, `${cmd} -S INPUT | head -n 1`)).trim();
  const txStates = async (node: Host): Promise<string[]> =>
    (await execIn(node, 'for d in /var/lib/pvesec/tx/*/; do [ -f "$d/state" ] && echo "$(awk \'NR == 1 { print $1 }\' "$d/state")"; done')).stdout.split('\n').filter(Boolean);

  it('plan prints the before/after table; apply loads the allowlist, verified with real connections: bastion in, workstation refused; twice = no change; rollback', async () => {
    const node = nodes.main;
    assert.equal(await probe(workstation, node.ip, 22), 'connected', 'before: the workstation reaches SSH');
    const plan = await cli(bastion, 'plan', node);
    assert.equal(plan.code, 1, describeRun(plan)); // 1: the plan changes something
    assert.match(plan.stdout, /load \/etc\/iptables\/rules\.v4 into the kernel/);
    assert.match(plan.stdout, /~ ssh +tcp\/22 +IPv4: every address -> 10\.77\.0\.229\/32 \(1 address\)/);
    assert.match(plan.stdout, /nobody is locked out/);

    // fail2ban runs on the node (iptables-multiport): a ban now, whose f2b-sshd chain the ruleset load removes
    await mustExecIn(node, 'fail2ban-client set sshd banip 10.77.0.250 >/dev/null');
    assert.match(await mustExecIn(node, 'iptables -S'), /^-A f2b-sshd -s 10\.77\.0\.250\/32 -j REJECT/m, 'the ban is in the kernel before');

    const started = performance.now();
    const timeline: string[] = [];
    const r = await applyWatching(node, 120, (line) => timeline.push(`${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s ${line}`), ['--probe-from', `ssh://root@${workstation.ip}`]);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.code, 0, r.stdout);
    for (const step of ['installed iptables-persistent', 'loaded /etc/iptables/rules.v4 into the kernel', 'loaded /etc/iptables/rules.v6 into the kernel',
      'verified tcp 22:', `verified tcp 22 refused from ${workstation.ip}`, `verified tcp 8006 refused from ${workstation.ip}`, 'verified live ruleset', 'confirmed']) {
      assert.ok(r.stdout.includes(step), `progress "${step}":\n${r.stdout}`);
    }
    assert.match(r.stdout, /FW-04 FAIL -> PASS/);
    console.log(`# apply + verify of the iptables allowlist on one node: ${seconds.toFixed(1)} s\n${timeline.map((l) => `#   ${l}`).join('\n')}`);
    // real packets: the bastion gets in on 22 and 8006 (IPv4 and IPv6), the workstation does not
    assert.equal(await probe(bastion, node.ip, 22), 'connected');
    assert.equal(await probe(bastion, node.ip, 8006), 'connected');
    assert.equal(await probe(bastion, node.ip6!, 22), 'connected');
    assert.equal(await probe(workstation, node.ip, 22), 'timeout');
    assert.equal(await probe(workstation, node.ip, 8006), 'timeout');
    assert.equal(await probe(workstation, node.ip6!, 22), 'timeout');
    assert.equal(await inputPolicy(node), '-P INPUT DROP');
    assert.equal((await execIn(node, 'systemctl is-enabled netfilter-persistent')).stdout.trim(), 'enabled');
    // fail2ban was restarted inside the transaction: its chain, the jump to it and the ban are back beside the allowlist
    const f2b = await mustExecIn(node, 'iptables -S');
    assert.match(f2b, /^-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd$/m, f2b);
    assert.match(f2b, /^-A f2b-sshd -s 10\.77\.0\.250\/32 -j REJECT/m, f2b);
    assert.match(await mustExecIn(node, 'fail2ban-client status sshd'), /Banned IP list:\s*10\.77\.0\.250/);
    assert.doesNotMatch(await mustExecIn(node, 'cat /etc/iptables/rules.v4'), /f2b/, 'the ban chains are not persisted');

    const again = await cli(bastion, 'apply', node);
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stdout, /nothing to change/);
    assert.deepEqual(await txStates(node), ['confirmed']);

    const back = await cli(bastion, 'rollback', node);
    assert.equal(back.code, 0, describeRun(back));
    assert.equal(await inputPolicy(node), '-P INPUT ACCEPT');
    assert.equal(await probe(workstation, node.ip, 22), 'connected', 'after the rollback the workstation reaches SSH again');
    assert.equal(await probe(bastion, node.ip, 22), 'connected');
  });

  it('refused at plan: an admin source typo, and pvesec run from a non-admin address; nothing changes', async () => {
    const node = nodes.cut;
    // the typo: .228 for .229 (the workstation instead of the bastion)
    const typo = writeConfig('typo.yaml', [workstation.ip]);
    const r = await cli(bastion, 'plan', node, { cfg: typo });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /FW-04 FAIL: firewall change refused: the change would lock out pvesec itself \(10\.77\.0\.229\) on tcp\/22/);
    const fromStranger = await cli(stranger, 'apply', node);
    assert.match(fromStranger.stdout, /nothing to change/, describeRun(fromStranger));
    const plan = await cli(stranger, 'plan', node);
    assert.match(plan.stdout, /lock out pvesec itself \(10\.77\.0\.227\)/, describeRun(plan));
    assert.equal(await inputPolicy(node), '-P INPUT ACCEPT');
    assert.deepEqual(await txStates(node), []);
  });

  it('connection cut right after activation: the node reverts at the deadline, the workstation gets in again', async () => {
    const node = nodes.cut;
    // netfilter-persistent already there (the package step would outlast a short window), and fail2ban stopped
    // (its restart and read-back after the load would too; the main scenario covers fail2ban)
    await mustExecIn(node, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables-persistent >/dev/null 2>&1; systemctl stop fail2ban');
    const deadlineSec = 6;
    const r = await applyWatching(node, deadlineSec, (line, kill) => {
      if (line.includes('loaded /etc/iptables/rules.v6')) kill();
    });
    assert.ok(r.killed, r.stdout);
    assert.equal(await inputPolicy(node), '-P INPUT DROP', 'the allowlist is active inside the window');
    await sleep((deadlineSec + 6) * 1000);
    let states: string[] = [];
    for (let i = 0; i < 20 && !(states = await txStates(node)).includes('reverted'); i++) await sleep(1000);
    assert.deepEqual(states, ['reverted']);
    assert.equal(await inputPolicy(node), '-P INPUT ACCEPT');
    assert.equal(await inputPolicy(node, 'ip6tables'), '-P INPUT ACCEPT');
    assert.equal(await probe(workstation, node.ip, 22), 'connected');
  });

  it('reboot inside the window: the old persisted rules are loaded after boot, not the allowlist', async () => {
    const node = nodes.reboot;
    // the node already persists hand-written rules with netfilter-persistent (one marker rule)
    await mustExecIn(node, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables-persistent >/dev/null 2>&1');
    await writeFileIn(node, '/etc/iptables/rules.v4', '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 10.77.0.250/32 -j DROP\nCOMMIT\n');
    await mustExecIn(node, 'netfilter-persistent reload >/dev/null 2>&1; systemctl enable netfilter-persistent >/dev/null 2>&1');
    const r = await applyWatching(node, 120, (line, kill) => {
      if (line.includes('loaded /etc/iptables/rules.v6')) kill();
    });
    assert.ok(r.killed, r.stdout);
    assert.equal(await inputPolicy(node), '-P INPUT DROP');
    const old = bootId(node);
    await rebootHost(node);
    await waitForBoot(node, old);
    assert.equal(await inputPolicy(node), '-P INPUT ACCEPT', 'after boot: the old rules');
    assert.match(await mustExecIn(node, 'iptables -S INPUT'), /^-A INPUT -s 10\.77\.0\.250\/32 -j DROP$/m);
    assert.deepEqual(await txStates(node), ['reverted']);
    assert.equal(await probe(workstation, node.ip, 22), 'connected');
  });

  it('two firewall managers (pve-firewall active + persisted iptables rules): refused with the conflict explained', async () => {
    const node = nodes.dual;
    // a stand-in unit named pve-firewall (active, nothing else) and an enabled datacenter + host firewall
    await writeFileIn(node, '/etc/systemd/system/pve-firewall.service', '[Unit]\nDescription=stand-in: pve-firewall state only\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n');
    await mustExecIn(node, `mkdir -p /etc/pve/firewall /etc/pve/nodes/${node.name} /etc/iptables && systemctl daemon-reload && systemctl enable --now pve-firewall >/dev/null 2>&1`);
    await writeFileIn(node, '/etc/pve/firewall/cluster.fw', '[OPTIONS]\nenable: 1\n');
    await writeFileIn(node, '/etc/iptables/rules.v4', '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n');
    const r = await cli(bastion, 'plan', node, { cfg: writeConfig('auto.yaml', [bastion.ip], 'auto') });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /two firewall managers: the Proxmox firewall is active .*persisted: \/etc\/iptables\/rules\.v4/);
    assert.deepEqual(await txStates(node), []);
  });

  /** `pvesec plan --out` of the member, with rules.v4 edited by `edit` (a plan file made or changed elsewhere: apply gates it again). */
  async function editedPlan(node: Host, name: string, edit: (rules: string) => string): Promise<string> {
    const file = join(dir, `${name}.json`);
    if (!existsSync(join(dir, 'member-plan.json'))) {
      const r = await cli(bastion, 'plan', node, { extra: ['--out', join(dir, 'member-plan.json')] });
      assert.equal(r.code, 1, describeRun(r));
    }
    const plan = JSON.parse(readFileSync(join(dir, 'member-plan.json'), 'utf8')) as { nodes: { ops: { kind: string; path?: string; content?: string }[] }[] };
    const op = plan.nodes[0].ops.find((o) => o.kind === 'write-file' && o.path === '/etc/iptables/rules.v4')!;
    const edited = edit(op.content!);
    assert.notEqual(edited, op.content, 'the edit changed the ruleset');
    op.content = edited;
    writeFileSync(file, JSON.stringify(plan));
    return file;
  }

  const applyFile = (file: string, extra: string[] = []): Promise<RunResult> => runInClient(bastion, [process.execPath, CLI, 'apply', file, '--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30',
    '--config', config, '--yes', '--confirm-timeout', '120', ...extra], { timeoutMs: 240_000 });

  it("gate faults on the cluster member: a ruleset blocking the peer's corosync is refused (ranges named, nothing written); --force past the gate with one blocking the peer's SSH is verified from the peer, fails and is reverted; --force never passes pvesec's own lockout", async () => {
    const node = nodes.member;
    await mustExecIn(node, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables-persistent >/dev/null 2>&1');
    const rulesBefore = await execIn(node, 'cat /etc/iptables/rules.v4');
    const drop = (needle: string) => (rules: string) => rules.split('\n').filter((l) => !l.startsWith(needle)).join('\n');

    // peer corosync blocked: refused before anything is armed
    const corosync = await editedPlan(node, 'no-corosync', drop(`-A INPUT -s ${peer.ip}/32 -p udp -m udp --dport 5404:5405`));
    const refused = await applyFile(corosync);
    assert.equal(refused.code, 2, describeRun(refused));
    assert.match(refused.stdout, new RegExp(`refused: firewall change refused: the change would lock out peer ${peer.name} ring0 on udp/5404-5405 \\(${peer.ip.replace(/\./g, '\\.')}/32\\)`), describeRun(refused));
    assert.deepEqual(await txStates(node), [], 'no transaction');
    assert.equal(await inputPolicy(node), '-P INPUT ACCEPT');
    assert.equal((await execIn(node, 'cat /etc/iptables/rules.v4')).stdout, rulesBefore.stdout, 'rules.v4 not written');

    // --force: the same refusal for a ruleset that also loses pvesec itself (the bastion)
    const self = await editedPlan(node, 'no-bastion', drop(`-A INPUT -s ${bastion.ip}/32`));
    const own = await applyFile(self, ['--force']);
    assert.equal(own.code, 2, describeRun(own));
    assert.match(own.stdout, /would lock out .*pvesec itself \(10\.77\.0\.229\) on tcp\/22 .*--force never overrides the loss of the address pvesec connects from/, describeRun(own));
    assert.deepEqual(await txStates(node), []);

    // --force past the gate with the peer's SSH dropped: named loudly, applied, the peer's root login fails -> reverted
    const noSsh = await editedPlan(node, 'no-peer-ssh', drop(`-A INPUT -s ${peer.ip}/32 -p tcp -m tcp --dport 22 `));
    const unforced = await applyFile(noSsh);
    assert.equal(unforced.code, 2, describeRun(unforced));
    assert.match(unforced.stdout, new RegExp(`lock out peer ${peer.name} ring0 on tcp/22`));
    const forced = await applyFile(noSsh, ['--force']);
    assert.equal(forced.code, 1, describeRun(forced));
    assert.match(forced.stdout, new RegExp(`FORCED\\s+--force: applied although this loses access: ${node.name}: peer ${peer.name} ring0 on tcp/22`), forced.stdout);
    assert.match(forced.stdout, /loaded \/etc\/iptables\/rules\.v4 into the kernel/);
    assert.match(forced.stdout, new RegExp(`rolled back: verification failed: root from ${peer.name}`), forced.stdout);
    assert.deepEqual(await txStates(node), ['reverted']);
    assert.equal(await inputPolicy(node), '-P INPUT ACCEPT');
    assert.equal((await execIn(node, 'cat /etc/iptables/rules.v4')).stdout, rulesBefore.stdout, 'rules.v4 as before');
    assert.equal(await probe(bastion, node.ip, 22), 'connected', 'the admin still connects');
    assert.equal(await probe(peer, node.ip, 22), 'connected', 'and the peer again');
  });

  it('cluster member: the peer keeps SSH (its root logs in, verified by apply) and migration, with real connections; the workstation does not', async () => {
    const node = nodes.member;
    await mustExecIn(node, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables-persistent >/dev/null 2>&1');
    const r = await cli(bastion, 'apply', node);
    assert.equal(r.code, 0, describeRun(r));
    assert.ok(r.stdout.includes(`verified root from ${peer.name}`), r.stdout);
    const rules = await mustExecIn(node, 'iptables -S INPUT');
    assert.match(rules, new RegExp(`^-A INPUT -s ${peer.ip.replace(/\./g, '\\.')}/32 -p udp -m udp --dport 5404:5405 -j ACCEPT$`, 'm'));
    // a listener on a migration port: the peer connects, the workstation and the bastion (admin: SSH and web only) do not
    await mustExecIn(node, 'setsid sh -c "timeout 60 nc -lk -p 60010 >/dev/null 2>&1" </dev/null >/dev/null 2>&1 &');
    await sleep(500);
    assert.equal(await probe(peer, node.ip, 60010), 'connected');
    assert.equal(await probe(peer, node.ip, 22), 'connected');
    assert.equal(await probe(workstation, node.ip, 60010), 'timeout');
    assert.equal(await probe(bastion, node.ip, 60010), 'timeout');
    assert.equal(await probe(peer, node.ip, 8006), 'timeout', 'peers get SSH, corosync and migration, not the web UI');
  });
});
