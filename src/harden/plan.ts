import { sha256 } from '../core/digest.js';
import type { ClusterResult } from '../audit/run.js';
import type { Check } from '../checks/types.js';
import type { PvesecConfig } from '../config/schema.js';
import type { Finding } from '../core/types.js';
import { FactContext, Unavailable, type ClusterModel, type NodeHandle } from '../model/fact.js';
import type { Snapshot } from '../collect/snapshot.js';
import { PHASES, type Op } from './ops.js';
import { ManualOnly, PLAN_SCHEMA, type ManualItem, type NodePlan, type Plan, type PlannedOp, type Remedy } from './plan-types.js';
import { REMEDIES } from './remedies.js';
import { clusterFirewallLast } from './fw-gate.js';
import { localInputDigests } from './plan-local.js';

export interface PlanInput {
  clusters: ClusterModel[];
  results: ClusterResult[];
  /** The controls that were evaluated (their fix text and the files they read). */
  checks: Check[];
  config: PvesecConfig;
  /** sha256 of the pvesec.yaml bytes (or of the empty string without one). */
  configDigest: string;
  /** The pvesec.yaml used, if any: pinned with its access matrix in Plan.localFiles. */
  configFile?: string;
  version: string;
  now: Date;
  remedies?: Remedy[];
  /** apply --force: passed to the remedies (RemedyInput.force). */
  force?: boolean;
}

/** Two remedies want different things of one file: a bug of pvesec, not of the node. */
export class PlanConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanConflict';
  }
}

export { sha256 };

/** The digest a plan pins for a path (apply compares a fresh collection with it): sha256 of the collected content, null when absent. */
export function fileDigest(snapshot: Snapshot, path: string): string | null {
  const f = snapshot.file(path);
  return f ? sha256(f.content) : null;
}

const NEEDS_FIX = new Set(['FAIL', 'WARN']);

/** The plan of every node: what the remedies change, and what stays for a human. */
export function buildPlan(input: PlanInput): Plan {
  const nodes: NodePlan[] = [];
  for (const cluster of input.clusters) {
    const result = input.results.find((r) => r.name === cluster.name && r.nodes.join('\0') === cluster.nodes.map((n) => n.name).join('\0'));
    if (!result) continue;
    const planned: NodePlan[] = [];
    for (const node of cluster.nodes) {
      const own = result.nodeFindings.find((n) => n.node === node.name)?.findings ?? [];
      // cluster-wide controls are fixed (or listed) once, on the node whose /etc/pve was read
      const findings = node === cluster.representative ? [...result.findings, ...own] : own;
      planned.push(planNode(node, cluster, findings, input));
    }
    nodes.push(...clusterFirewallLast(planned));
  }
  return { schema: PLAN_SCHEMA, createdAt: input.now.toISOString(), pvesecVersion: input.version, configDigest: input.configDigest, localFiles: localInputDigests(input.configFile, input.config), nodes };
}

function planNode(node: NodeHandle, cluster: ClusterModel, findings: Finding[], input: PlanInput): NodePlan {
  const ctx = new FactContext(node, cluster, input.config, input.now);
  const failing = [...new Map(findings.filter((f) => NEEDS_FIX.has(f.status)).map((f) => [f.id, f])).values()];
  const failingIds = new Set(failing.map((f) => f.id));
  const fixOf = (id: string) => input.checks.find((c) => c.meta.id === id)?.meta.fix ?? '';
  const manual: ManualItem[] = [];
  const collected: Ranked[] = [];
  const fixes = new Set<string>();
  let seq = 0;
  for (const remedy of input.remedies ?? REMEDIES) {
    const asked = remedy.controls.filter((id) => failingIds.has(id));
    if (!asked.length) continue;
    let ops: PlannedOp[];
    try {
      ops = remedy.plan({ ctx, config: input.config, findings, ...(input.force ? { force: true } : {}) });
    } catch (e) {
      if (!(e instanceof ManualOnly || e instanceof Unavailable)) throw e;
      for (const id of asked) manual.push({ id, status: failing.find((f) => f.id === id)!.status, reason: e.reason, fix: fixOf(id) });
      continue;
    }
    const badId = ops.find((o) => !/^[^\s\x00-\x1f\x7f]{1,300}$/.test(o.id));
    if (badId) throw new Error(`remedy of ${remedy.controls.join(',')}: operation id ${JSON.stringify(badId.id)} has whitespace (progress events name operations by id)`);
    // a write replaces what is at the path: never a symbolic link (root's authorized_keys points into /etc/pve/priv)
    const link = ops.flatMap((o) => (o.kind === 'write-file' && node.snapshot.file(o.path)?.stat?.type === 'symlink' ? [o.path] : []))[0];
    if (link) {
      const reason = `the remedy would replace the symbolic link ${link} -> ${node.snapshot.file(link)!.stat!.linkTarget ?? '?'}`;
      for (const id of asked) manual.push({ id, status: failing.find((f) => f.id === id)!.status, reason, fix: fixOf(id) });
      continue;
    }
    const named = new Set(ops.flatMap((o) => o.controls));
    for (const id of asked) {
      if (named.has(id)) fixes.add(id);
      else manual.push({ id, status: failing.find((f) => f.id === id)!.status, reason: 'its remedy found nothing to change here', fix: fixOf(id) });
    }
    const firstActivation = ops.findIndex((o) => o.kind === 'service' || o.kind === 'run' || o.kind === 'load-ruleset');
    ops.forEach((op, i) => collected.push({ op, seq: seq++, rank: rankOf(op, firstActivation >= 0 && i > firstActivation) }));
  }
  for (const f of failing) {
    if (!fixes.has(f.id) && !manual.some((m) => m.id === f.id)) manual.push({ id: f.id, status: f.status, reason: 'no automatic remedy', fix: fixOf(f.id) });
  }
  const catalogue = (id: string) => { const i = input.checks.findIndex((c) => c.meta.id === id); return i < 0 ? input.checks.length : i; };
  manual.sort((a, b) => catalogue(a.id) - catalogue(b.id));
  const ops = order(merge(collected.filter((r) => !unchanged(r.op, node.snapshot))));
  return {
    node: node.name,
    target: node.snapshot.origin.target,
    ops,
    fileDigests: digests(ops, [...fixes], input.checks, node.snapshot),
    fixes: [...fixes].sort((a, b) => catalogue(a) - catalogue(b)),
    manual,
  };
}

interface Ranked { op: PlannedOp; seq: number; rank: number }

/**
 * Within a phase: accounts first (files may be owned by a new user), then directories, files, group
 * changes, the validators that gate an activation, the activations, and the read-back validators.
 */
function rankOf(op: Op, afterActivation: boolean): number {
  switch (op.kind) {
    case 'install-packages': return 0;
    case 'create-user': return 1;
    case 'make-dir': return 2;
    case 'write-file': return 3;
    case 'add-to-group': case 'lock-password': case 'change-shell': return 4;
    case 'validate': return afterActivation ? 7 : 5;
    case 'service': case 'run': case 'load-ruleset': case 'pve-call': return 6;
  }
}

/** A write that leaves the collected file as it is (same bytes, mode and owner) changes nothing. */
function unchanged(op: PlannedOp, snapshot: Snapshot): boolean {
  if (op.kind !== 'write-file') return false;
  const f = snapshot.file(op.path);
  if (!f || !f.content.equals(Buffer.from(op.content))) return false;
  const st = f.stat;
  return st !== undefined && st.type === 'file' && (st.mode & 0o7777) === op.mode && (st.owner === undefined || st.owner === op.owner) && (st.group === undefined || st.group === op.group);
}

function union<T>(a: T[], b: T[]): T[] {
  return [...new Set([...a, ...b])];
}

/** The payload of an op (what it does), for finding identical ones. */
function payload(op: PlannedOp): string {
  const { id: _id, controls: _c, cutsAccess: _a, summary: _s, phase: _p, ...rest } = op;
  return JSON.stringify(rest);
}

/** One install for every package; identical ops once (their controls joined); one file written one way only. */
function merge(ops: Ranked[]): Ranked[] {
  const out: Ranked[] = [];
  const byPayload = new Map<string, Ranked>();
  const files = new Map<string, Ranked>();
  let install: Ranked | undefined;
  for (const r of ops) {
    const op = r.op;
    if (op.kind === 'install-packages') {
      if (!install) {
        install = { ...r, op: { ...op, phase: 'packages', packages: [...op.packages] } };
        out.push(install);
      } else {
        const i = install.op as Extract<PlannedOp, { kind: 'install-packages' }>;
        install.op = { ...i, packages: union(i.packages, op.packages), controls: union(i.controls, op.controls), cutsAccess: i.cutsAccess || op.cutsAccess };
      }
      continue;
    }
    if (op.kind === 'write-file') {
      const prev = files.get(op.path);
      if (prev && payload(prev.op) !== payload(op)) throw new PlanConflict(`two remedies write ${op.path} differently (${prev.op.controls.join(', ')} and ${op.controls.join(', ')})`);
    }
    // the same op in two phases stays twice: a daemon-reload in 'restrict' does not see the units of 'activate'
    const key = `${op.phase} ${payload(op)}`;
    const same = byPayload.get(key) ?? (op.kind === 'write-file' ? files.get(op.path) : undefined);
    if (same) {
      same.op = { ...same.op, controls: union(same.op.controls, op.controls), cutsAccess: same.op.cutsAccess || op.cutsAccess } as PlannedOp;
      continue;
    }
    const copy = { ...r, op: { ...op } as PlannedOp };
    byPayload.set(key, copy);
    if (op.kind === 'write-file') files.set(op.path, copy);
    out.push(copy);
  }
  if (install) {
    const i = install.op as Extract<PlannedOp, { kind: 'install-packages' }>;
    install.op = { ...i, id: `install:${i.packages.join(',')}`, summary: `install ${i.packages.join(', ')}` };
  }
  return out;
}

/** Sorted by phase, then rank, then the order the remedies gave; ids made unique (`#2` for a repeat in a later phase). */
function order(ops: Ranked[]): PlannedOp[] {
  const seen = new Map<string, number>();
  return [...ops].sort((a, b) => PHASES.indexOf(a.op.phase) - PHASES.indexOf(b.op.phase) || a.rank - b.rank || a.seq - b.seq).map((r) => {
    const n = (seen.get(r.op.id) ?? 0) + 1;
    seen.set(r.op.id, n);
    return n === 1 ? r.op : { ...r.op, id: `${r.op.id}#${n}` };
  });
}

/** Paths of the files a control read: its `reads` entries that are paths, or globs (`*` within a name) matched against what was collected. */
function readFiles(reads: string[], snapshot: Snapshot): string[] {
  const out: string[] = [];
  for (const r of reads) {
    const pattern = r.split(' ')[0];
    if (!pattern.startsWith('/')) continue;
    if (!/[*?]/.test(pattern)) {
      // absent counts too (null digest) when a full collection would have recorded why it could not read it
      const full = snapshot.meta.privilege === 'root' || snapshot.meta.privilege === 'sudo';
      if (snapshot.file(pattern) || (full && !snapshot.errors.has(pattern))) out.push(pattern);
      continue;
    }
    const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
    for (const p of snapshot.files.keys()) if (re.test(p)) out.push(p);
  }
  return out;
}

/**
 * sha256 of every file the plan writes (null: absent when collected) and of every collected file the
 * fixed controls read: apply refuses when one differs on the node.
 */
function digests(ops: PlannedOp[], fixes: string[], checks: Check[], snapshot: Snapshot): Record<string, string | null> {
  const paths = new Set<string>();
  for (const id of fixes) for (const p of readFiles(checks.find((c) => c.meta.id === id)?.meta.reads ?? [], snapshot)) paths.add(p);
  for (const op of ops) if (op.kind === 'write-file') paths.add(op.path);
  const out: Record<string, string | null> = {};
  for (const p of [...paths].sort()) out[p] = fileDigest(snapshot, p);
  return out;
}

/** Counts for the summary line. */
export function planCounts(plan: Plan): { ops: number; fixed: number; manual: number } {
  return {
    ops: plan.nodes.reduce((n, p) => n + p.ops.length, 0),
    fixed: plan.nodes.reduce((n, p) => n + p.fixes.length, 0),
    manual: plan.nodes.reduce((n, p) => n + p.manual.length, 0),
  };
}
