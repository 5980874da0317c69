/**
 * A real NEW TCP connection from a client's network namespace, as the firewall e2e files use it to prove a
 * verdict: the kernel's answer is `connected`, `refused` (RST) or `timeout` (dropped). The probe runs with
 * this machine's node binary inside the namespace (the clients have no rootfs of their own).
 */
import assert from 'node:assert/strict';
import { runInClient, type Host } from './hosts.js';

export type Outcome = 'connected' | 'refused' | 'timeout';

const PROBE = `const net = require('node:net');
const [host, port, waitMs] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
const done = (o) => { console.log(o); process.exit(0); };
setTimeout(() => done('timeout'), Number(waitMs));
s.on('connect', () => done('connected'));
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error ' + e.code));`;

/** Opens one connection from `client` to ip:port; no answer within waitMs counts as dropped. */
export async function probe(client: Host, ip: string, port: number, waitMs = 1500): Promise<Outcome> {
  const r = await runInClient(client, [process.execPath, '-e', PROBE, ip, String(port), String(waitMs)], { timeoutMs: waitMs + 13_000 });
  const out = r.stdout.trim();
  assert.ok(out === 'connected' || out === 'refused' || out === 'timeout', `probe from ${client.name} to ${ip}:${port}: ${out} ${r.stderr}`);
  return out;
}

/** The outcome a verdict should give: ACCEPT reaches the socket (or its RST when nothing listens). */
export function expectedOutcome(verdict: string, listening: boolean): Outcome {
  if (verdict === 'ACCEPT') return listening ? 'connected' : 'refused';
  return verdict === 'REJECT' ? 'refused' : 'timeout';
}
