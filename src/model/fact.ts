import type { Snapshot } from '../collect/snapshot.js';
import type { PvesecConfig } from '../config/schema.js';
import { ParseError } from '../parse/diagnostics.js';

/**
 * Thrown by a fact (or a check) when the data it needs was not collected or could not be parsed.
 * The check runner turns it into a SKIP finding carrying this reason: a check never passes on data
 * it did not see.
 */
export class Unavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Unavailable';
  }
}

/** One node as seen by the model. */
export interface NodeHandle {
  /** Proxmox node name (short hostname); when nameUnknown is set, a neutral label for reports only. */
  name: string;
  snapshot: Snapshot;
  /** Set when nothing collected tells the node's name (model/identity.ts): one line saying why. */
  nameUnknown?: string;
}

/**
 * A typed piece of knowledge derived from snapshots, computed once and cached.
 * scope 'node': derived from one node's snapshot. scope 'cluster': derived from the cluster's
 * /etc/pve (read from one representative node), shared by every node of that cluster.
 */
export interface Fact<T> {
  readonly key: string;
  readonly scope: 'node' | 'cluster';
  readonly derive: (ctx: FactContext) => T;
}

export function nodeFact<T>(key: string, derive: (ctx: FactContext) => T): Fact<T> {
  return { key, scope: 'node', derive };
}

export function clusterFact<T>(key: string, derive: (ctx: FactContext) => T): Fact<T> {
  return { key, scope: 'cluster', derive };
}

type Cached = { ok: true; value: unknown } | { ok: false; error: unknown };

export class ClusterModel {
  readonly cache = new Map<string, Cached>();
  constructor(
    /** Cluster name from corosync.conf, or the node name for a standalone node. */
    readonly name: string,
    readonly nodes: NodeHandle[],
    /** The node whose /etc/pve is read for cluster-wide facts. */
    readonly representative: NodeHandle,
    readonly clustered: boolean,
  ) {}
}

/**
 * What facts and checks see: the node under evaluation (the representative node for cluster
 * checks), its cluster, and the operator's configuration.
 */
export class FactContext {
  private readonly nodeCache = new Map<string, Cached>();

  constructor(
    readonly node: NodeHandle,
    readonly cluster: ClusterModel,
    readonly config: PvesecConfig,
    readonly now: Date = new Date(),
  ) {}

  get snapshot(): Snapshot {
    return this.node.snapshot;
  }

  /**
   * The Proxmox node name, for whatever is located or matched by it (/etc/pve/nodes/<node>/...,
   * the node's corosync entry); Unavailable when the name is unknown, so those checks SKIP.
   */
  nodeName(): string {
    if (this.node.nameUnknown !== undefined) throw new Unavailable(this.node.nameUnknown);
    return this.node.name;
  }

  /** The value of a fact, or throws Unavailable (parse errors become Unavailable with file:line). */
  get<T>(fact: Fact<T>): T {
    const cache = fact.scope === 'cluster' ? this.cluster.cache : this.nodeCache;
    let entry = cache.get(fact.key);
    if (!entry) {
      const ctx = fact.scope === 'cluster' && this.node !== this.cluster.representative
        ? new FactContext(this.cluster.representative, this.cluster, this.config, this.now)
        : this;
      try {
        entry = { ok: true, value: fact.derive(ctx) };
      } catch (error) {
        entry = { ok: false, error: toUnavailable(error) };
      }
      cache.set(fact.key, entry);
    }
    if (!entry.ok) throw entry.error;
    return entry.value as T;
  }

  /** Like get, but undefined instead of throwing when the data is unavailable. */
  tryGet<T>(fact: Fact<T>): T | undefined {
    try {
      return this.get(fact);
    } catch (e) {
      if (e instanceof Unavailable) return undefined;
      throw e;
    }
  }

  /** Text of a collected file, or Unavailable naming why it is missing. */
  requireFile(path: string): string {
    const text = this.snapshot.text(path);
    if (text === undefined) throw new Unavailable(this.snapshot.whyMissing(path));
    return text;
  }

  /** Output of a collected command, or Unavailable naming why it is missing. */
  requireCommand(name: string): { output: string; exitCode?: number } {
    const c = this.snapshot.command(name);
    if (!c) throw new Unavailable(this.snapshot.whyMissing(name));
    return c;
  }
}

export function toUnavailable(error: unknown): unknown {
  if (error instanceof Unavailable) return error;
  if (error instanceof ParseError) return new Unavailable(`cannot parse ${error.message}`);
  return error;
}
