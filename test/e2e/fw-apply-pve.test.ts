/**
 * End to end, pve mode of the firewall remedy (issue 10) on systemd test hosts with the pve-firewall
 * STAND-IN (test/harness/pve-firewall-standin.ts: it compiles the .fw files with pvesec's own engine and
 * loads them into the host's netfilter; it checks the plumbing and that real netfilter agrees with the
 * simulator, not Proxmox's compiler, which the oracle tests do).
 *
 * The node is collected over SSH from the bastion (`pvesec collect`), planPveFirewall runs on the bundle,
 * its ops are carried out on the node the way the transaction runtime does (files, validator, reload);
 * then real TCP connections from the bastion (admin) and a workstation (declared non-admin) must agree
 * with the simulator's verdicts on a fresh collection. Refusals: no quorum (read-only /etc/pve), an
 * admin_sources typo (pvesec itself would lose SSH), a peer whose corosync a cluster rule would block, and
 * apply's own gate: a plan made at the bastion applied from the workstation is refused before arming.
 * apply itself: a confirmed run with --probe-from the workstation, one rolled back because its vantage point
 * (the node itself) still connects.
 * Hosts: fp230 (node, systemd), bastion fp234 (client), workstation fp235 (th-init host: sshd for --probe-from) (10.77.0.230-235).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupClusters } from '../../src/audit/run.js';
import { readBundle } from '../../src/collect/bundle.js';
import { DEFAULT_CONFIG, type PvesecConfig } from '../../src/config/schema.js';
import { parsePacket } from '../../src/engines/firewall/packet.js';
import { planPveFirewall } from '../../src/checks/fw/remedy-pve.js';
import { ManualOnly, type PlannedOp, type RemedyInput } from '../../src/harden/plan-types.js';
import { FactContext } from '../../src/model/fact.js';
import { nodeFirewallFact } from '../../src/model/facts/firewall.js';
import { claimBlock, CLI, downAll, e2eSystemdSkipReason, ensureAdminKey, ensureCliBuilt, execIn, keys, knownHostsFile, mustExecIn, runInClient, tempDir, upClient, upHost, writeFileIn, type Host, type RunResult } from '../harness/hosts.js';
import { describeRun } from '../harness/cli.js';
import { addUser } from '../harness/node-setup.js';
import { PveFirewallStandIn } from '../harness/pve-firewall-standin.js';

import { expectedOutcome, probe, type Outcome } from '../harness/tcp-probe.js';

const skip = e2eSystemdSkipReason();



/** The datacenter firewall as an operator left it: off, with a comment and a rule of their own. */
const CLUSTER_FW_OFF = `[OPTIONS]

# off until the migration is done (ticket 4711)
enable: 0

[RULES]

IN ACCEPT -source 10.77.0.50 -p tcp -dport 8007 # pbs
`;

describe('firewall remedy, pve mode, with the pve-firewall stand-in (e2e)', { skip, timeout: 900_000 }, () => {
  let node: Host;
  let bastion: Host;
  let ws: Host;
  let standIn: PveFirewallStandIn;
  let knownHosts: string;
  const dir = tempDir('pvesec-e2e-fwpve-');
  const PORTS = [22, 8006, 3128, 60000, 9999];
  let config: PvesecConfig;

  async function listening(port: number): Promise<boolean> {
    const lines = (await mustExecIn(node, 'ss -Hltn')).split('\n').map((l) => l.trim().split(/\s+/)[3] ?? '');
    return lines.some((local) => local.endsWith(`:${port}`) && (local.startsWith('0.0.0.0') || local.startsWith('*') || local.startsWith('[::]')));
  }

  /** `pvesec collect` from the bastion, read back; the address pvesec connects from as the node saw it is added (issue 10's collect change records it). */
  async function collect(name: string): Promise<RemedyInput> {
    const out = join(dir, `${name}.tar.gz`);
    const r = await runInClient(bastion, [process.execPath, CLI, 'collect', `ssh://root@${node.ip}`, '--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '15', '--out', out], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, `collect: ${r.stderr}`);
    const snap = await readBundle(out);
    const seen = await runInClient(bastion, ['ssh', '-F', '/dev/null', '-i', keys.root, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'BatchMode=yes', `root@${node.ip}`, 'echo $SSH_CONNECTION'], { timeoutMs: 20_000 });
    const meta = snap.meta as { sshConnection?: string };
    meta.sshConnection ??= seen.stdout.trim();
    const [cluster] = groupClusters([snap]);
    return { ctx: new FactContext(cluster.nodes[0], cluster, config), config, findings: [] };
  }

  function refusal(input: RemedyInput): string {
    try {
      planPveFirewall(input);
    } catch (e) {
      if (e instanceof ManualOnly) return e.reason;
      throw e;
    }
    return 'not refused';
  }

  /** The ops as the node runtime carries them out: files, then the validator and the reload (exit codes checked). */
  async function carryOut(ops: PlannedOp[]): Promise<void> {
    for (const op of ops) {
      if (op.kind === 'write-file') await writeFileIn(node, op.path, op.content);
      else if (op.kind === 'validate') await mustExecIn(node, op.argv);
      else if (op.kind === 'service') {
        const r = await execIn(node, ['systemctl', op.action === 'enable-now' ? 'enable' : op.action, ...(op.action === 'enable-now' ? ['--now'] : []), op.unit]);
        if (r.code !== 0) assert.fail(`${op.id}: ${r.stderr} ${(await execIn(node, 'journalctl -u pve-firewall -n 20 --no-pager')).stdout} ${standIn.errors.join('; ')}`);
      }
      else assert.fail(`unexpected op ${op.kind}`);
    }
  }

  before(async () => {
    await claimBlock('e2e-fw-apply-pve');
    await ensureCliBuilt();
    // the workstation is a th-init host: its sshd lets apply's --probe-from try connections from there
    [node, bastion, ws] = await Promise.all([upHost('fp230', 230, { init: 'systemd' }), upClient('fp234', 234), upHost('fp235', 235)]);
    knownHosts = await knownHostsFile([node, ws], dir);
    await writeFileIn(node, '/etc/pve/firewall/cluster.fw', CLUSTER_FW_OFF);
    standIn = new PveFirewallStandIn([node]);
    await standIn.install();
    standIn.start();
    await mustExecIn(node, 'systemctl start pve-firewall && systemctl is-active pve-firewall');
    config = { ...DEFAULT_CONFIG, admin_sources: [`${bastion.ip}/32`], non_admin_networks: [`${ws.ip}/32`] };
    writeFileSync(join(dir, 'pvesec.yaml'), `admin_users: [alice]\nadmin_sources: [${bastion.ip}/32]\nnon_admin_networks: [${ws.ip}/32]\n`);
    await ensureAdminKey();
    await addUser(node, 'alice', { sudo: true });
    // before: no filtering at all
    assert.equal(await probe(ws, node.ip, 22), 'connected');
  }, { timeout: 400_000 });

  after(async () => {
    standIn?.stop();
    await downAll();
  }, { timeout: 120_000 });

  it('refuses: no quorum, an admin_sources typo (pvesec itself would lose SSH), a peer whose corosync a cluster rule blocks', { timeout: 240_000 }, async () => {
    // a cluster node without quorum: pmxcfs keeps /etc/pve read-only
    await writeFileIn(node, '/etc/pve/corosync.conf', `nodelist {\n  node {\n    name: fp230\n    nodeid: 1\n    ring0_addr: ${node.ip}\n  }\n  node {\n    name: fp231\n    nodeid: 2\n    ring0_addr: 10.77.0.231\n  }\n}\n\ntotem {\n  cluster_name: lab\n  config_version: 2\n  ip_version: ipv4-6\n  version: 2\n}\n`);
    await writeFileIn(node, '/etc/pve/.members', '{"nodename": "fp230", "version": 4, "cluster": {"name": "lab", "version": 2, "nodes": 2, "quorate": 0}}\n');
    assert.match(refusal(await collect('noquorum')), /this node has no quorum \(\/etc\/pve\/\.members: quorate 0\)/);

    // quorate again, but a rule of the operator drops corosync: enabling the firewall would cut the peer off
    await writeFileIn(node, '/etc/pve/.members', '{"nodename": "fp230", "version": 5, "cluster": {"name": "lab", "version": 2, "nodes": 2, "quorate": 1}}\n');
    await writeFileIn(node, '/etc/pve/firewall/cluster.fw', `${CLUSTER_FW_OFF}IN DROP -p udp -dport 5404:5405 # "nobody needs this"\n`);
    assert.match(refusal(await collect('corosync')), /peer fp231 ring0 loses corosync udp\/5404-5405 \(IPv4\) from 10\.77\.0\.231\/32: ACCEPT -> DROP by \/etc\/pve\/firewall\/cluster\.fw:\d+ `IN DROP -p udp -dport 5404:5405/);
    await mustExecIn(node, 'rm /etc/pve/corosync.conf /etc/pve/.members');
    await writeFileIn(node, '/etc/pve/firewall/cluster.fw', CLUSTER_FW_OFF);

    // admin_sources typo: .243 instead of the bastion's .234, from which pvesec runs
    const typo = config;
    config = { ...config, admin_sources: ['10.77.0.243/32'] };
    try {
      assert.match(refusal(await collect('typo')), new RegExp(`pvesec itself \\(${bastion.ip.replace(/\./g, '\\.')}\\) loses ssh tcp/22`));
    } finally {
      config = typo;
    }
    // nothing was loaded by any of these
    assert.equal(await probe(ws, node.ip, 22), 'connected');
  });

  it('plans, carries out and loads the change: the bastion keeps SSH and the web UI, the workstation is dropped, as the simulator says', { timeout: 300_000 }, async (t) => {
    const input = await collect('before');
    const ops = planPveFirewall(input);
    // host.fw before cluster.fw (docs/firewall.md, "Order of the writes in a cluster")
    assert.deepEqual(ops.map((o) => o.id), ['write:/etc/pve/nodes/fp230/host.fw', 'write:/etc/pve/firewall/cluster.fw', 'validate:pve-firewall-compile', 'service:pve-firewall']);
    const clusterOp = ops[1];
    assert.ok(clusterOp.kind === 'write-file');
    // every line of the operator's file is still there; the workstation shares the LAN, so local_network is narrowed
    for (const line of CLUSTER_FW_OFF.split('\n').filter((l) => l && l !== 'enable: 0')) assert.ok(clusterOp.content.split('\n').includes(line), `kept: ${line}`);
    assert.match(clusterOp.content, /^local_network 10\.77\.0\.230\/32 /m);
    assert.match(clusterOp.content, /^10\.77\.0\.234\/32 # pvesec admin source$/m);

    const loadsBefore = standIn.loads.length;
    await carryOut(ops);
    for (let i = 0; i < 50 && standIn.loads.length === loadsBefore; i++) await sleep(100);
    assert.ok(standIn.loads.length > loadsBefore, `the stand-in loaded the rules (errors: ${standIn.errors.join('; ')})`);
    assert.match(await mustExecIn(node, 'iptables-save'), /PVEFW-HOST-IN/);

    // a fresh collection: the simulator's verdicts for both clients on each port, then real connections
    const afterInput = await collect('after');
    const sim = afterInput.ctx.get(nodeFirewallFact).sim;
    const mismatches: string[] = [];
    const table: string[] = [];
    for (const client of [bastion, ws]) {
      for (const port of PORTS) {
        const d = sim.decide(parsePacket({ direction: 'in', src: client.ip, dst: node.ip, proto: 'tcp', dport: port, sport: 40000, iface: 'eth0' }));
        const outcome = await probe(client, node.ip, port);
        table.push(`${client.name} -> ${port}: simulator ${d.verdict}, kernel ${outcome}`);
        if (expectedOutcome(d.verdict, await listening(port)) !== outcome) mismatches.push(`${client.name} -> ${node.ip}:${port}: simulator ${d.verdict} (${d.rule?.text ?? d.reason}), kernel ${outcome}`);
      }
    }
    t.diagnostic(table.join('\n'));
    assert.deepEqual(mismatches, [], 'simulator and kernel disagree');
    assert.equal(await probe(bastion, node.ip, 22), 'connected');
    assert.equal(await probe(bastion, node.ip, 8006), 'connected');
    assert.equal(await probe(ws, node.ip, 22), 'timeout');
    assert.equal(await probe(ws, node.ip, 8006), 'timeout');

    // planned again on the result: nothing to change
    assert.deepEqual(planPveFirewall(afterInput), []);
  });

  it('the stand-in\'s compile fails on a file Proxmox would partly skip, so a transaction with it reverts', { timeout: 60_000 }, async () => {
    const good = await mustExecIn(node, 'cat /etc/pve/firewall/cluster.fw');
    await writeFileIn(node, '/etc/pve/firewall/cluster.fw', `${good}IN ACCEPT -p tcp -dport 22 -source +managment\n`);
    const r = await execIn(node, ['pve-firewall', 'compile']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /cluster\.fw:\d+: .*managment/);
    await writeFileIn(node, '/etc/pve/firewall/cluster.fw', good);
    assert.equal((await execIn(node, ['pve-firewall', 'compile'])).code, 0);
  });

  // ---------------------------------------------------------------- pvesec apply (main's apply, these ops)

  const FW_FILES = ['/etc/pve/firewall/cluster.fw', '/etc/pve/nodes/fp230/host.fw'];

  async function digestsOn(paths: string[]): Promise<Record<string, string | null>> {
    const out: Record<string, string | null> = {};
    for (const p of paths) {
      const r = await execIn(node, ['cat', p]);
      out[p] = r.code === 0 ? createHash('sha256').update(r.stdout).digest('hex') : null;
    }
    return out;
  }

  async function planFile(ops: PlannedOp[]): Promise<string> {
    const cfg = join(dir, 'pvesec.yaml');
    const file = join(dir, `plan-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({
      schema: 'pvesec.plan/v1', createdAt: new Date().toISOString(), pvesecVersion: 'e2e', configDigest: createHash('sha256').update(readFileSync(cfg)).digest('hex'),
      nodes: [{ node: node.name, target: `ssh://root@${node.ip}`, ops, fileDigests: await digestsOn(FW_FILES), fixes: ['FW-01', 'FW-02', 'FW-03', 'FW-06'], manual: [] }],
    }, null, 2));
    return file;
  }

  const applyArgv = (plan: string, timeoutSec: number) => [process.execPath, CLI, 'apply', plan, '--yes', '--config', join(dir, 'pvesec.yaml'), '--identity', keys.root,
    '--known-hosts', knownHosts, '--admin-identity', keys.admin, '--confirm-timeout', String(timeoutSec), '--timeout', '30'];

  /** Back to the operator's files (the stand-in reloads: nothing filtered). */
  async function reset(): Promise<void> {
    await writeFileIn(node, '/etc/pve/firewall/cluster.fw', CLUSTER_FW_OFF);
    await mustExecIn(node, 'rm -f /etc/pve/nodes/fp230/host.fw');
    for (let i = 0; i < 50 && (await probe(ws, node.ip, 22)) !== 'connected'; i++) await sleep(200);
    assert.equal(await probe(ws, node.ip, 22), 'connected');
  }

  it('pvesec apply with these ops: written, compiled, reloaded, verified over new connections (sshd from the bastion, refused from the workstation with --probe-from, the live pve-firewall), confirmed; the workstation is dropped', { timeout: 240_000 }, async () => {
    await reset();
    const ops = planPveFirewall(await collect('apply'));
    const r = await runInClient(bastion, [...applyArgv(await planFile(ops), 120), '--probe-from', `ssh://root@${ws.ip}`], { timeoutMs: 200_000 });
    assert.equal(r.code, 0, describeRun(r));
    for (const step of ['wrote /etc/pve/firewall/cluster.fw', 'wrote /etc/pve/nodes/fp230/host.fw', `verified tcp 22: ${node.ip} answers`,
      `verified tcp 22 refused from ${ws.ip}: ${ws.ip} cannot connect to ${node.ip} (exit`, `verified tcp 8006 refused from ${ws.ip}: ${ws.ip} cannot connect to ${node.ip}:8006`,
      'verified live pve-firewall: pve-firewall running and enabled; cluster.fw and host.fw as fp230 reads them now accept exactly the sources the plan simulated, on every service',
      'confirmed']) assert.ok(r.stdout.includes(step), `progress "${step}":\n${r.stdout}`);
    assert.match(r.stdout, /FW-01 FAIL -> PASS/);
    assert.equal(await probe(bastion, node.ip, 22), 'connected');
    assert.equal(await probe(ws, node.ip, 22), 'timeout');
  });

  it('--probe-from a vantage point that still connects after the restart (the node itself, over lo): rolled back at once, the .fw files back, nothing filtered', { timeout: 240_000 }, async () => {
    await reset();
    const pre = await digestsOn(FW_FILES);
    const ops = planPveFirewall(await collect('still-open'));
    const r = await runInClient(bastion, [...applyArgv(await planFile(ops), 120), '--probe-from', `ssh://root@${node.ip}`], { timeoutMs: 200_000 });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, new RegExp(`fp230: rolled back: verification failed: tcp (22|8006) refused from ${node.ip.replace(/\./g, '\\.')}: ${node.ip.replace(/\./g, '\\.')} still connects to`), describeRun(r));
    assert.doesNotMatch(r.stdout, /^fp230: confirmed/m);
    assert.deepEqual(await digestsOn(FW_FILES), pre, 'cluster.fw and host.fw are back to their pre-state');
    for (let i = 0; i < 50 && (await probe(ws, node.ip, 22)) !== 'connected'; i++) await sleep(200);
    assert.equal(await probe(ws, node.ip, 22), 'connected', 'the stand-in unloaded the rules after the revert');
  });

  it('a plan made at the bastion, applied from the workstation (non-admin): apply gates the planned .fw files again on its own collection and refuses before arming; nothing changes', { timeout: 240_000 }, async () => {
    await reset();
    const pre = await digestsOn(FW_FILES);
    const txBefore = (await execIn(node, 'ls /var/lib/pvesec/tx 2>/dev/null')).stdout;
    // the plan's gate ran with the bastion's address: it passes there
    const ops = planPveFirewall(await collect('elsewhere'));
    assert.ok(ops.some((o) => o.kind === 'write-file' && o.path === FW_FILES[0]), 'the plan writes cluster.fw');
    const r = await runInClient(ws, applyArgv(await planFile(ops), 120), { timeoutMs: 200_000 });
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stdout + r.stderr, new RegExp(`fp230: refused: firewall change refused: the change would lock out pvesec itself \\(${ws.ip.replace(/\./g, '\\.')}\\) on tcp/22`), describeRun(r));
    assert.doesNotMatch(r.stdout, /armed|wrote /, 'nothing armed, nothing written');
    assert.equal((await execIn(node, 'ls /var/lib/pvesec/tx 2>/dev/null')).stdout, txBefore, 'no transaction begun');
    assert.deepEqual(await digestsOn(FW_FILES), pre, 'cluster.fw and host.fw unchanged');
    assert.equal(await probe(ws, node.ip, 22), 'connected', 'nothing filters the workstation');
  });

  it('the client killed right after the reload, before confirm: the node reverts the files at the deadline and the stand-in unloads the rules', { timeout: 240_000 }, async () => {
    await reset();
    const pre = await digestsOn(FW_FILES);
    const ops = planPveFirewall(await collect('deadman'));
    const plan = await planFile(ops);
    const r = await new Promise<RunResult & { killed: boolean }>((resolve) => {
      const started = performance.now();
      // a window long enough for the stand-in's compile and reload (each a round trip through this process)
      const child = spawn('ip', ['netns', 'exec', `th-${bastion.name}`, ...applyArgv(plan, 15)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      let killed = false;
      child.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        // the restrict step's progress (written, compiled, reloaded) arrives when the step is done: cut there
        if (!killed && /pve-firewall/.test(stdout)) {
          killed = true;
          process.kill(-child.pid!, 'SIGKILL');
        }
      });
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started, timedOut: false, killed }));
    });
    assert.ok(r.killed, describeRun(r));
    assert.equal(await probe(ws, node.ip, 22), 'timeout', 'the change is live inside the window');
    const killedAt = Date.now();
    for (let i = 0; i < 60 && (await probe(ws, node.ip, 22)) !== 'connected'; i++) await sleep(500);
    assert.deepEqual(await digestsOn(FW_FILES), pre, 'cluster.fw and host.fw are back to their pre-state');
    assert.equal(await probe(ws, node.ip, 22), 'connected', 'the stand-in unloaded the rules after the revert');
    const tx = await mustExecIn(node, 'for d in /var/lib/pvesec/tx/*/; do echo "$(basename "$d") $(head -n 1 "$d/state")"; done');
    assert.match(tx.trim().split('\n').pop()!, / reverted/, tx);
    assert.ok(Date.now() - killedAt < 40_000);
    assert.equal(await probe(bastion, node.ip, 22), 'connected');
  });
});
