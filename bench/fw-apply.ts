/**
 * Benchmark of issue 10's "apply + verify of the firewall on one node ≤ 10 s": `pvesec apply TARGET
 * --control 'FW-*' --yes` in iptables mode, from a bastion (the admin source) against a systemd test host,
 * process start to exit: the collection and plan, apply's own collection and exposure gate, arming the
 * dead-man, the restrict step (rules files written, both families loaded, netfilter-persistent enabled,
 * services that hold ruleset state restarted), verification over new connections with the re-audit and the
 * live-ruleset comparison, and the confirmation. Hosts: the node b71 (10.77.0.71, systemd) and the bastion
 * b72 (10.77.0.72, client), under their own harness block (the other benches use b60-b70 and b89).
 *
 * The first run installs iptables-persistent (from the image's offline repository: no download) and is
 * reported on its own line; every run after it is rolled back with `pvesec rollback` (the package stays
 * installed, docs/apply.md), so the next apply does the same firewall work without the install. Progress
 * lines are timestamped as they arrive and cut the run into phases.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { claimBlock, CLI, keys, knownHostsFile, mustExecIn, runInClient, upClient, upHost, writeFileIn, type Host } from '../test/harness/hosts.js';
import { PveFirewallStandIn } from '../test/harness/pve-firewall-standin.js';

export interface FwApplyMeasurement {
  name: string;
  value: number;
  unit: 'ms';
  target?: number;
  detail?: string;
}

const TARGET_MS = 10_000;
const WARM_RUNS = 3;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface TimedLine { ms: number; line: string }

/** A CLI run inside the client's namespace with each stdout line timestamped (ms from spawn). */
function timedRun(client: Host, argv: string[], timeoutMs: number): Promise<{ code: number | null; ms: number; lines: TimedLine[]; stderr: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('ip', ['netns', 'exec', `th-${client.name}`, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: TimedLine[] = [];
    let partial = '';
    let stderr = '';
    const hard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      const parts = (partial + b.toString()).split('\n');
      partial = parts.pop()!;
      const ms = performance.now() - started;
      for (const line of parts) lines.push({ ms, line });
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => {
      clearTimeout(hard);
      resolve({ code, ms: performance.now() - started, lines, stderr });
    });
  });
}

export interface ApplyPhases {
  /** Process start to "armed": collection + plan, apply's collection, the exposure gate, begin. */
  toArmed: number;
  /** The packages step (only when iptables-persistent is installed by this run). */
  packages?: number;
  /** The restrict step: files written, rulesets loaded, services enabled/restarted. */
  restrict: number;
  /** Last step answer to the last `verified` line: new connections, re-audit, live ruleset. */
  verify: number;
  /** Last `verified` line to `confirmed`. */
  confirm: number;
  total: number;
}

/** The phases of one apply from its timestamped progress lines (`<node>: armed …`, step lines, `verified …`, `confirmed …`). */
export function phasesOf(lines: TimedLine[], total: number): ApplyPhases {
  const at = (re: RegExp, last = false): number => {
    const hits = lines.filter((l) => re.test(l.line));
    const hit = last ? hits[hits.length - 1] : hits[0];
    if (!hit) throw new Error(`no progress line matching ${re}:\n${lines.map((l) => l.line).join('\n')}`);
    return hit.ms;
  };
  const armed = at(/: armed /);
  const installed = lines.find((l) => /: installed /.test(l.line))?.ms;
  const verifiedFirst = at(/: verified /);
  // a step's progress arrives with its answer: the last non-verified line before verification ends the restrict step
  const stepLines = lines.filter((l) => l.ms < verifiedFirst && l.ms > armed && !/: verified /.test(l.line));
  const restrictDone = stepLines.length ? stepLines[stepLines.length - 1].ms : verifiedFirst;
  const verified = at(/: verified /, true);
  const confirmed = at(/: confirmed /);
  return {
    toArmed: armed,
    ...(installed !== undefined ? { packages: installed - armed } : {}),
    restrict: restrictDone - (installed ?? armed),
    verify: verified - restrictDone,
    confirm: confirmed - verified,
    total,
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const phaseText = (p: ApplyPhases) =>
  `to armed (collect+plan, collect, gate, begin) ${s(p.toArmed)}${p.packages !== undefined ? `, packages ${s(p.packages)}` : ''}, restrict ${s(p.restrict)}, verify ${s(p.verify)}, confirm ${s(p.confirm)}`;

export async function benchFwApply(tmp: string): Promise<FwApplyMeasurement[]> {
  await claimBlock('bench-fw-apply');
  const [node, bastion, pveNode] = await Promise.all([upHost('b71', 71, { init: 'systemd' }), upClient('b72', 72), upHost('b73', 73, { init: 'systemd' })]);
  return [...await iptablesMode(node, bastion, tmp), ...await pveMode(pveNode, bastion, tmp)];
}

async function iptablesMode(node: Host, bastion: Host, tmp: string): Promise<FwApplyMeasurement[]> {
  const knownHosts = await knownHostsFile([node], mkdtempSync(join(tmp, 'iptables-')));
  const config = join(tmp, 'pvesec-fw-apply.yaml');
  writeFileSync(config, `admin_sources: ['${bastion.ip}/32'${bastion.ip6 ? `, '${bastion.ip6}/128'` : ''}]\nfirewall: iptables\n`);
  const common = ['--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30'];
  const apply = [process.execPath, CLI, 'apply', `ssh://root@${node.ip}`, '--control', 'FW-*', '--config', config, ...common, '--yes', '--confirm-timeout', '120'];
  const rollback = [process.execPath, CLI, 'rollback', `ssh://root@${node.ip}`, ...common];

  const runs: ApplyPhases[] = [];
  for (let i = 0; i <= WARM_RUNS; i++) {
    const r = await timedRun(bastion, apply, 300_000);
    const out = r.lines.map((l) => l.line).join('\n');
    if (r.code !== 0) throw new Error(`apply: exit ${r.code}: ${(out + r.stderr).trim().slice(-800)}`);
    const phases = phasesOf(r.lines, r.ms);
    if (i === 0 && phases.packages === undefined) throw new Error(`the first apply installed no package (is iptables-persistent in the image already?):\n${out}`);
    if (i > 0 && phases.packages !== undefined) throw new Error(`run ${i + 1} installed a package again:\n${out}`);
    runs.push(phases);
    for (const l of r.lines) console.error(`bench:   ${s(l.ms).padStart(6)} ${l.line}`);
    console.error(`bench: fw-apply run ${i + 1}: ${s(r.ms)} (${phaseText(phases)}; load ${loadavg()[0].toFixed(1)})`);
    const back = await runInClient(bastion, rollback, { timeoutMs: 180_000 });
    if (back.code !== 0) throw new Error(`rollback: exit ${back.code}: ${(back.stdout + back.stderr).trim().slice(-800)}`);
  }
  const [cold, ...warm] = runs;
  const totals = warm.map((p) => p.total);
  const mid = warm.find((p) => p.total === median(totals))!;
  return [
    {
      name: `apply + verify of the iptables allowlist, 1 node, package installed (median of ${WARM_RUNS})`, value: median(totals), unit: 'ms', target: TARGET_MS,
      detail: `min ${s(Math.min(...totals))} max ${s(Math.max(...totals))}; median run: ${phaseText(mid)}`,
    },
    {
      name: 'the same, first run: installs iptables-persistent (offline repository)', value: cold.total, unit: 'ms',
      detail: phaseText(cold),
    },
  ];
}

/** The datacenter firewall as an operator left it: off, with a rule of their own. */
const CLUSTER_FW_OFF = '[OPTIONS]\n\nenable: 0\n\n[RULES]\n\nIN ACCEPT -source 10.77.0.50 -p tcp -dport 8007 # pbs\n';

/**
 * pve mode on b73 with the pve-firewall STAND-IN (test/harness/pve-firewall-standin.ts: pvesec's own
 * engine compiles the .fw files and loads them; the reload is a round trip through this process, as in the
 * e2e tests — not Proxmox's pve-firewall). cluster.fw and host.fw written, `pve-firewall compile`, reload,
 * verified, confirmed; rolled back between runs.
 */
async function pveMode(node: Host, bastion: Host, tmp: string): Promise<FwApplyMeasurement[]> {
  const dir = mkdtempSync(join(tmp, 'pve-'));
  const knownHosts = await knownHostsFile([node], dir);
  await writeFileIn(node, '/etc/pve/firewall/cluster.fw', CLUSTER_FW_OFF);
  const standIn = new PveFirewallStandIn([node]);
  await standIn.install();
  standIn.start();
  try {
    await mustExecIn(node, 'systemctl start pve-firewall && systemctl is-active pve-firewall');
    const config = join(dir, 'pvesec-fw-apply-pve.yaml');
    // a declared non-admin address on the lab network: local_network is narrowed to the node (as in the e2e test)
    writeFileSync(config, `admin_sources: ['${bastion.ip}/32']\nnon_admin_networks: ['10.77.0.74/32']\nfirewall: pve\n`);
    const common = ['--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30'];
    const apply = [process.execPath, CLI, 'apply', `ssh://root@${node.ip}`, '--control', 'FW-*', '--config', config, ...common, '--yes', '--confirm-timeout', '120'];
    const rollback = [process.execPath, CLI, 'rollback', `ssh://root@${node.ip}`, ...common];
    const runs: ApplyPhases[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      const r = await timedRun(bastion, apply, 300_000);
      const out = r.lines.map((l) => l.line).join('\n');
      if (r.code !== 0) throw new Error(`apply (pve mode): exit ${r.code}: ${(out + r.stderr).trim().slice(-800)} ${standIn.errors.join('; ')}`);
      const phases = phasesOf(r.lines, r.ms);
      runs.push(phases);
      for (const l of r.lines) console.error(`bench:   ${s(l.ms).padStart(6)} ${l.line}`);
      console.error(`bench: fw-apply pve mode run ${i + 1}: ${s(r.ms)} (${phaseText(phases)}; load ${loadavg()[0].toFixed(1)})`);
      const back = await runInClient(bastion, rollback, { timeoutMs: 180_000 });
      if (back.code !== 0) throw new Error(`rollback (pve mode): exit ${back.code}: ${(back.stdout + back.stderr).trim().slice(-800)}`);
    }
    const totals = runs.map((p) => p.total);
    const mid = runs.find((p) => p.total === median(totals))!;
    return [{
      name: `the same in pve mode, pve-firewall stand-in (median of ${WARM_RUNS})`, value: median(totals), unit: 'ms', target: TARGET_MS,
      detail: `min ${s(Math.min(...totals))} max ${s(Math.max(...totals))}; median run: ${phaseText(mid)}`,
    }];
  } finally {
    standIn.stop();
  }
}
