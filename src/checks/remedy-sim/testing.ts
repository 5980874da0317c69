// Test support for the remedies (excluded from the build like every testing.ts): the plan a node gets from
// a list of remedies, and what the operations do to a node's collected file tree, so that the real checks
// can run again on the result. A stand-in for the node-side runtime, kept to what the checks read.
import assert from 'node:assert/strict';
import { memorySnapshot, type MemoryFile, type MemorySnapshotSpec } from '../../collect/memory.js';
import type { Snapshot } from '../../collect/snapshot.js';
import { DEFAULT_CONFIG, type PvesecConfig } from '../../config/schema.js';
import type { Finding } from '../../core/types.js';
import { groupClusters, runChecks } from '../../audit/run.js';
import { dumpConfig, testConfig, type SshdVersion } from '../../engines/sshd/index.js';
import { PHASES } from '../../harden/ops.js';
import { ManualOnly, type PlannedOp, type Remedy, type RemedyInput } from '../../harden/plan-types.js';
import { FactContext } from '../../model/fact.js';
import type { Check } from '../types.js';
import { DEBIAN_SUDOERS } from '../ssh/testing.js';

export const NOW = new Date('2026-11-25T12:00:00Z');

export interface NodeCase {
  /** The node under test first, then the other nodes of its cluster. */
  nodes: MemorySnapshotSpec[];
  config?: Partial<PvesecConfig>;
  /** Changes a literal spec cannot express (symbolic links). */
  mutate?: (s: Snapshot) => void;
}

/** Audits the nodes with the given checks and returns the remedy input of the first node. */
export function remedyInput(c: NodeCase, checks: Check[]): RemedyInput {
  const snaps = c.nodes.map((s, i) => memorySnapshot({ target: `node${i}`, ...s }));
  if (c.mutate) c.mutate(snaps[0]);
  const config: PvesecConfig = { ...DEFAULT_CONFIG, ...c.config };
  const clusters = groupClusters(snaps);
  const cluster = clusters.find((cl) => cl.nodes.some((n) => n.snapshot === snaps[0]))!;
  const node = cluster.nodes.find((n) => n.snapshot === snaps[0])!;
  const results = runChecks([cluster], checks, config, NOW)[0];
  const findings = [...results.findings, ...results.nodeFindings[cluster.nodes.indexOf(node)].findings];
  return { ctx: new FactContext(node, cluster, config, NOW), config, findings };
}

export interface PlanResult {
  ops: PlannedOp[];
  manual: Map<string, string>;
  /** Controls FAIL or WARN before. */
  targeted: string[];
}

/**
 * What a plan builder makes of the remedies: each remedy with a FAIL/WARN control is asked; operations
 * with the same id must be identical (they are merged), and run in phase order.
 */
export function planWith(remedies: Remedy[], input: RemedyInput): PlanResult {
  const targeted = [...new Set(input.findings.filter((f) => f.status === 'FAIL' || f.status === 'WARN').map((f) => f.id))];
  const byId = new Map<string, PlannedOp>();
  const manual = new Map<string, string>();
  for (const r of remedies) {
    if (!r.controls.some((c) => targeted.includes(c))) continue;
    try {
      for (const op of r.plan(input)) {
        const seen = byId.get(op.id);
        if (seen) assert.deepEqual(op, seen, `two different operations with id ${op.id}`);
        else byId.set(op.id, op);
      }
    } catch (e) {
      if (!(e instanceof ManualOnly)) throw e;
      for (const c of r.controls) if (targeted.includes(c)) manual.set(c, e.reason);
    }
  }
  const ops = [...byId.values()];
  ops.sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase));
  return { ops, manual, targeted };
}

const text = (f: string | Buffer | MemoryFile | undefined): string | undefined =>
  f === undefined ? undefined : typeof f === 'string' ? f : Buffer.isBuffer(f) ? f.toString('utf8') : f.content.toString();

function sshdVersion(spec: MemorySnapshotSpec): SshdVersion {
  const m = /Package: openssh-server\n(?:.+\n)*?Version: (?:\d+:)?(\d+)\./.exec(text(spec.files?.['/var/lib/dpkg/status']) ?? '');
  return m && Number(m[1]) >= 10 ? '10.0' : '9.2';
}

function sshTree(files: Record<string, string | Buffer | MemoryFile>): Record<string, string> {
  const tree: Record<string, string> = {};
  for (const [p, f] of Object.entries(files)) if (p.startsWith('/etc/ssh/')) tree[p] = text(f)!;
  return tree;
}

/**
 * The node after the operations, as a new collection would see it. Validators are run against the
 * result with the sshd model (`sshd -t`; `sshd -T -C` and its expected lines); their failures are
 * returned. `sshd -T` and `sshd -t` are recomputed for the new files, `sshd -T -C` answers dropped.
 */
export function applyOps(spec: MemorySnapshotSpec, ops: PlannedOp[]): { spec: MemorySnapshotSpec; gateFailures: string[] } {
  const files: Record<string, string | Buffer | MemoryFile> = { ...spec.files };
  const dirs = { ...spec.dirs };
  const lines = (p: string) => (text(files[p]) ?? '').split('\n').filter(Boolean);
  const setLines = (p: string, l: string[]) => {
    const old = files[p];
    const content = l.join('\n') + '\n';
    files[p] = old && typeof old === 'object' && !Buffer.isBuffer(old) ? { ...old, content } : content;
  };
  const uidOf = (name: string) => Number(lines('/etc/passwd').find((l) => l.split(':')[0] === name)?.split(':')[2] ?? NaN);
  const gidOf = (name: string) => Number(lines('/etc/group').find((l) => l.split(':')[0] === name)?.split(':')[2] ?? NaN);
  const groupsOf = (user: string): string[] | undefined => {
    const pw = lines('/etc/passwd').find((l) => l.split(':')[0] === user)?.split(':');
    if (!pw) return undefined;
    const g = lines('/etc/group').map((l) => l.split(':'));
    return [...new Set([...g.filter((x) => x[2] === pw[3]).map((x) => x[0]), ...g.filter((x) => (x[3] ?? '').split(',').includes(user)).map((x) => x[0])])];
  };
  const gateFailures: string[] = [];
  let sshChanged = false;
  for (const op of ops) {
    switch (op.kind) {
      case 'create-user': {
        const uids = lines('/etc/passwd').map((l) => Number(l.split(':')[2])).filter((u) => u >= 1000 && u < 60000);
        const uid = uids.length ? Math.max(...uids) + 1 : 1000;
        setLines('/etc/passwd', [...lines('/etc/passwd'), `${op.user}:x:${uid}:${uid}::/home/${op.user}:${op.shell}`]);
        setLines('/etc/group', [...lines('/etc/group'), `${op.user}:x:${uid}:`]);
        if (files['/etc/shadow'] !== undefined) setLines('/etc/shadow', [...lines('/etc/shadow'), `${op.user}:!:20000:0:99999:7:::`]);
        dirs[`/home/${op.user}`] = { mode: 0o700, uid, gid: uid, type: 'dir' };
        break;
      }
      case 'add-to-group':
        setLines('/etc/group', lines('/etc/group').map((l) => {
          const f = l.split(':');
          if (f[0] !== op.group) return l;
          const members = (f[3] ?? '').split(',').filter(Boolean);
          return [...f.slice(0, 3), [...members, op.user].join(',')].join(':');
        }));
        break;
      case 'install-packages':
        for (const p of op.packages) {
          files['/var/lib/dpkg/status'] = `${text(files['/var/lib/dpkg/status']) ?? ''}\nPackage: ${p}\nStatus: install ok installed\nVersion: 1.0\n`;
          if (p === 'sudo' && files['/etc/sudoers'] === undefined) files['/etc/sudoers'] = DEBIAN_SUDOERS;
        }
        break;
      case 'make-dir':
        dirs[op.path] = { mode: op.mode, uid: uidOf(op.owner), gid: gidOf(op.group), type: 'dir' };
        break;
      case 'write-file':
        files[op.path] = { content: op.content, mode: op.mode, uid: uidOf(op.owner), gid: gidOf(op.group), owner: op.owner, group: op.group };
        if (op.path.startsWith('/etc/ssh/')) sshChanged = true;
        break;
      case 'lock-password':
        setLines('/etc/shadow', lines('/etc/shadow').map((l) => {
          const f = l.split(':');
          return f[0] === op.user ? [f[0], `!${f[1]}`, ...f.slice(2)].join(':') : l;
        }));
        break;
      case 'change-shell':
        setLines('/etc/passwd', lines('/etc/passwd').map((l) => {
          const f = l.split(':');
          return f[0] === op.user && f.length === 7 ? [...f.slice(0, 6), op.shell].join(':') : l;
        }));
        break;
      case 'validate': {
        if (!op.argv[0].endsWith('sshd')) break;
        const tree = { files: sshTree(files), groups: groupsOf };
        const v = sshdVersion({ files });
        if (op.argv[1] === '-t') {
          const r = testConfig(tree, v);
          if (r.rc !== 0) gateFailures.push(`${op.id}: ${r.fatal}`);
          break;
        }
        const d = dumpConfig(tree, v, op.argv[3]);
        const out = new Set(d.lines.map(([k, val]) => `${k} ${val}`));
        if (d.rc !== 0) gateFailures.push(`${op.id}: exit 255 ${d.fatal}`);
        for (const want of op.expectOutput ?? []) if (!out.has(want)) gateFailures.push(`${op.id}: no line "${want}"`);
        break;
      }
      case 'service':
      case 'run':
        break;
    }
  }
  const commands = { ...spec.commands };
  if (sshChanged) {
    const tree = { files: sshTree(files), groups: groupsOf };
    const v = sshdVersion({ files });
    delete commands['sshd -T -C'];
    if (commands['sshd -T'] !== undefined) commands['sshd -T'] = dumpConfig(tree, v).lines.map(([k, val]) => `${k} ${val}`).join('\n') + '\n';
    if (commands['sshd -t'] !== undefined) commands['sshd -t'] = { output: '', exitCode: testConfig(tree, v).rc };
  }
  return { spec: { ...spec, files, dirs, commands }, gateFailures };
}

/** The findings of the given checks on the first node. */
export function findingsOf(c: NodeCase, checks: Check[]): Finding[] {
  return remedyInput(c, checks).findings;
}

/** Statuses by control id (several verdicts of one control joined with a comma). */
export function statuses(findings: Finding[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of findings) out[f.id] = out[f.id] ? `${out[f.id]},${f.status}` : f.status;
  return out;
}
