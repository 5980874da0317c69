import type { z as Z } from 'zod';
import { lazyValue, zodLib } from '../../core/lazy-require.js';
import type { Diagnostic } from '../../parse/diagnostics.js';
import { PacketError } from './packet.js';
import { topologyFromPeers, topologyFromText, type PveEnvironment } from './pve-common.js';
import { decideJson, parsePveConfig, pveSimulator, type Backend, type Simulator } from './simulator.js';

/**
 * Batch simulation in the oracle's formats: a directory's cluster.fw / host.fw / corosync.conf, an
 * env.json, packets as JSON lines in, `{"id","verdict","rule"}` lines out (same order).
 */

/** env.json's schema, built with zod on first use (`--help` and the other `fw` commands never load zod). */
function buildEnvSchema(z: typeof Z) {
  return z.object({
    node: z.string().min(1),
    host_ip: z.string().optional(),
    local_network: z.string().optional(),
    peers: z.record(z.string(), z.string()).default({}),
    /** Name of a corosync.conf file in the directory, used instead of `peers`. */
    corosync: z.string().optional(),
  });
}

export const envSchema = lazyValue(() => buildEnvSchema(zodLib().z));
export type EnvJson = Z.infer<ReturnType<typeof buildEnvSchema>>;

export interface BatchFiles {
  clusterFw?: string;
  hostFw?: string;
  /** Text of the corosync.conf named by env.corosync (or found in the directory). */
  corosyncConf?: string;
}

export interface BatchResult {
  id: string;
  verdict: string;
  rule: string;
}

export function environmentOf(env: EnvJson, files: BatchFiles, now = new Date()): PveEnvironment {
  const corosync = env.corosync !== undefined || (files.corosyncConf !== undefined && !Object.keys(env.peers).length)
    ? (files.corosyncConf !== undefined ? topologyFromText(files.corosyncConf) : undefined)
    : topologyFromPeers(env.peers);
  return { node: env.node, hostIp: env.host_ip, localNetwork: env.local_network, corosync, now };
}

export function batchSimulator(files: BatchFiles, env: EnvJson, opts: { now?: Date; backend?: Backend } = {}): { sim: Simulator; diagnostics: Diagnostic[] } {
  const { config, diagnostics } = parsePveConfig(files.clusterFw ?? '', files.hostFw, env.node);
  return { sim: pveSimulator(config, environmentOf(env, files, opts.now), opts.backend), diagnostics };
}

/** Decides every packet; an invalid packet throws PacketError naming its line and field. */
export function runBatch(sim: Simulator, packets: { line: number; value: unknown }[]): BatchResult[] {
  return packets.map(({ line, value }) => {
    try {
      const { packet, decision } = decideJson(sim, value);
      return { id: packet.id ?? String(line), verdict: decision.verdict, rule: decision.rule?.text ?? decision.reason };
    } catch (e) {
      if (e instanceof PacketError) throw new PacketError(e.field, `line ${line}: ${e.message}`);
      throw e;
    }
  });
}

/** Parses JSON lines (blank lines skipped); a malformed line throws with its line number. */
export function parseJsonLines(text: string, file = 'packets'): { line: number; value: unknown }[] {
  const out: { line: number; value: unknown }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      out.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (e) {
      throw new PacketError('json', `${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}
