/**
 * Benchmarks of the harden workflow on a systemd test host (b70 = 10.77.0.70; the client is the bench's):
 *   - `pvesec plan` of one node over SSH (target 1.5 s), and a plain `pvesec audit` of it for reference;
 *   - `pvesec apply` + verification of the host baseline on a fresh node (target 20 s; packages come from
 *     the image's offline repository, so no download is counted). AUD and KRN are left out: a test host
 *     may not start auditd or set the non-network sysctls (its /proc/sys is read-only outside net.*);
 *   - the dead-man revert: from the moment PID 1 fires the timer to the recorded `reverted` (target 3 s).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beginScript, newTxId, stepScript } from '../src/harden/node/scripts.js';
import type { Op } from '../src/harden/ops.js';
import {
  CLI, execIn, keys, knownHostsFile, mustExecIn, runInClient, upHost, type Host,
} from '../test/harness/hosts.js';

export interface HardenMeasurement {
  name: string;
  value: number;
  unit: 'ms';
  target?: number;
  detail?: string;
}

const BASELINE = 'ACC-*,SSH-*,BF-*,UPD-*,BAK-*';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function nodeScript(host: Host, script: string): Promise<string> {
  const r = await execIn(host, ['sh', '-s'], { input: script, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`node script exit ${r.code}: ${(r.stdout + r.stderr).trim().slice(-400)}`);
  return r.stdout;
}

/** Seconds from the timer firing (journal of the revert unit) to the state time the revert recorded. */
async function deadManRevert(host: Host): Promise<{ ms: number; lateMs: number }> {
  const id = newTxId();
  const base = { controls: ['SSH-10'], cutsAccess: true, summary: 'bench' };
  const ops: Op[] = [
    { ...base, kind: 'write-file', id: 'write:bench', path: '/etc/ssh/sshd_config.d/05-pvesec-bench.conf', content: 'LoginGraceTime 30\n', mode: 0o644, owner: 'root', group: 'root' },
    { ...base, kind: 'validate', id: 'validate:sshd-t', argv: ['sshd', '-t'], why: 'sshd must accept it' },
    { ...base, kind: 'service', id: 'service:ssh', unit: 'ssh', action: 'reload' },
  ];
  const timeoutSec = 3;
  await nodeScript(host, beginScript({ id, timeoutSec, controls: ['SSH-10'], origin: 'pvesec bench' }));
  const deadline = Date.now() / 1000 + timeoutSec;
  await nodeScript(host, stepScript(id, ops));
  for (let i = 0; i < 150; i++) {
    const state = (await mustExecIn(host, `cut -d' ' -f1 /var/lib/pvesec/tx/${id}/state`)).trim();
    if (state !== 'armed') break;
    await sleep(100);
  }
  const fired = Number((await mustExecIn(host, `journalctl -o short-unix --no-pager -u pvesec-revert-${id}.service | grep -m1 'Started pvesec-revert' | cut -d' ' -f1`)).trim());
  const [state, done] = (await mustExecIn(host, `cut -d' ' -f1,2 /var/lib/pvesec/tx/${id}/state`)).trim().split(' ');
  if (state !== 'reverted' || !(fired > 0) || !(Number(done) > 0)) throw new Error(`dead-man revert: state ${state}, fired ${fired}, done ${done}`);
  return { ms: (Number(done) - fired) * 1000, lateMs: (fired - deadline) * 1000 };
}

export async function benchHarden(client: Host, tmp: string): Promise<HardenMeasurement[]> {
  const node = await upHost('b70', 70, { init: 'systemd' });
  // a Proxmox node has /etc/pve (BAK-01 wants it in the archive); the test host's rootfs has none
  await mustExecIn(node, "mkdir -p /etc/pve && printf 'keyboard: en-us\\n' > /etc/pve/datacenter.cfg");
  const knownHosts = await knownHostsFile([node], tmp);
  const config = join(tmp, 'pvesec-harden.yaml');
  writeFileSync(config, [
    'admin_users:',
    '  - name: alice',
    `    authorized_keys: [${JSON.stringify(readFileSync(keys.adminPub, 'utf8').trim())}]`,
    `admin_sources: [${client.ip}/32]`,
    '',
  ].join('\n'));
  const ssh = ['--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30', '--config', config];
  const rows: HardenMeasurement[] = [];

  const planFile = join(tmp, 'plan.json');
  const planTimes: number[] = [];
  const auditTimes: number[] = [];
  // plan and a plain audit of the same node take turns, so both meet the same load
  for (let i = 0; i < 4; i++) {
    const r = await runInClient(client, [process.execPath, CLI, 'plan', `ssh://root@${node.ip}`, ...ssh, '--control', BASELINE, '--format', 'json', '--out', planFile], { timeoutMs: 120_000 });
    if (r.code !== 1) throw new Error(`plan: exit ${r.code}: ${r.stderr.trim().slice(0, 400)}`);
    const a = await runInClient(client, [process.execPath, CLI, 'audit', `ssh://root@${node.ip}`, ...ssh, '--format', 'json'], { timeoutMs: 120_000 });
    if (a.code !== 0 && a.code !== 1) throw new Error(`audit: exit ${a.code}: ${a.stderr.trim().slice(0, 400)}`);
    if (i > 0) { // the first round warms the page cache and sshd
      planTimes.push(r.durationMs);
      auditTimes.push(a.durationMs);
    }
  }
  const range = (xs: number[]) => `min ${Math.round(Math.min(...xs))} max ${Math.round(Math.max(...xs))}`;
  rows.push({ name: 'plan 1 node over SSH (median of 3)', value: median(planTimes), unit: 'ms', target: 1500, detail: range(planTimes) });
  rows.push({ name: 'audit of that node over SSH, all controls (median of 3, for reference)', value: median(auditTimes), unit: 'ms', detail: range(auditTimes) });

  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { nodes: { ops: unknown[]; fixes: string[] }[] };
  const r = await runInClient(client, [process.execPath, CLI, 'apply', planFile, ...ssh, '--yes', '--admin-identity', keys.admin, '--confirm-timeout', '120'], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`apply: exit ${r.code}: ${(r.stdout + r.stderr).trim().slice(-800)}`);
  rows.push({ name: 'apply + verify of the host baseline, 1 node', value: r.durationMs, unit: 'ms', target: 20_000,
    detail: `${plan.nodes[0].ops.length} ops, ${plan.nodes[0].fixes.length} controls (${BASELINE})` });

  const reverts: { ms: number; lateMs: number }[] = [];
  for (let i = 0; i < 3; i++) reverts.push(await deadManRevert(node));
  rows.push({ name: 'dead-man revert after the timer fires (median of 3)', value: median(reverts.map((x) => x.ms)), unit: 'ms', target: 3000,
    detail: `timer fired ${reverts.map((x) => Math.round(x.lateMs)).join('/')} ms after the deadline` });
  return rows;
}
