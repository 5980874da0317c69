// Test helpers for remedies and plans: a node tree (the same MemorySnapshotSpec the check tests use)
// with planned operations applied the way the node would apply them, so the real check modules can be
// run again on the result. What a file write does is exact (the new bytes); what a package install,
// a service start or `sysctl -p` / `augenrules --load` do is reduced to what the collector would see
// afterwards (a dpkg status stanza, a systemctl-states line, the loaded values): those are the only
// simulated parts, and each is spelled out below.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { MemoryFile, MemorySnapshotSpec } from '../collect/memory.js';
import type { FileStat, Snapshot } from '../collect/snapshot.js';
import { COMMANDS, FILES } from '../collect/sources.js';
import { DEFAULT_CONFIG, type PvesecConfig } from '../config/schema.js';
import type { Finding } from '../core/types.js';
import { memorySnapshot } from '../collect/memory.js';
import { groupClusters, runChecks } from '../audit/run.js';
import { ALL_CHECKS } from '../checks/registry.js';
import { FactContext } from '../model/fact.js';
import type { Op } from './ops.js';
import type { RemedyInput } from './plan-types.js';

export const TEST_NOW = new Date('2026-11-25T12:00:00Z');

function fileText(f: string | Buffer | MemoryFile | undefined): string | undefined {
  if (f === undefined) return undefined;
  if (typeof f === 'string') return f;
  if (Buffer.isBuffer(f)) return f.toString('utf8');
  return f.content.toString();
}

function commandText(c: string | { output: string } | undefined): string {
  return c === undefined ? '' : typeof c === 'string' ? c : c.output;
}

/** `key = value` lines of a sysctl.d file (comments and blanks skipped; a/b/c spelled a.b.c). */
function sysctlPairs(text: string): [string, string][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith(';'))
    .map((l) => l.replace(/^-/, '').split('='))
    .filter((p) => p.length >= 2)
    .map(([k, ...v]) => [k.trim().replace(/\//g, '.'), v.join('=').trim()]);
}

/** The tree after `ops` ran on the node (a new spec; the input is not changed). */
export function applyOps(spec: MemorySnapshotSpec, ops: Op[]): MemorySnapshotSpec {
  const files = { ...spec.files };
  const dirs = { ...spec.dirs };
  const commands = { ...spec.commands };
  const errors = { ...spec.errors };
  const setStates = (unit: string, active: string, enabled?: string) => {
    const name = unit.replace(/\.service$/, '');
    const lines = commandText(commands[COMMANDS.systemctlStates.name]).split('\n').filter(Boolean);
    const i = lines.findIndex((l) => l.split(' ')[0] === name);
    const old = i >= 0 ? lines[i].split(' ') : [name, 'inactive', 'disabled'];
    const line = `${name} ${active} ${enabled ?? (old[2] === 'not-found' ? 'disabled' : old[2])}`;
    if (i >= 0) lines[i] = line;
    else lines.push(line);
    commands[COMMANDS.systemctlStates.name] = lines.join('\n') + '\n';
  };
  for (const op of ops) {
    switch (op.kind) {
      case 'write-file':
        files[op.path] = { content: op.content, mode: op.mode, owner: op.owner, group: op.group };
        break;
      case 'make-dir':
        dirs[op.path] = { mode: op.mode, type: 'dir' };
        break;
      case 'install-packages': {
        // dpkg adds one stanza per package; a package's own files (jail.conf, 50unattended-upgrades) are not invented here
        const old = fileText(files[FILES.dpkgStatus]) ?? '';
        const add = op.packages.map((p) => `Package: ${p}\nStatus: install ok installed\nArchitecture: all\nVersion: 0-test\nDescription: ${p}\n`).join('\n');
        files[FILES.dpkgStatus] = old.trimEnd() ? `${old.trimEnd()}\n\n${add}` : add;
        break;
      }
      case 'service':
        setStates(op.unit, 'active', op.action === 'enable-now' ? 'enabled' : undefined);
        break;
      case 'run':
        if (op.argv[0] === 'sysctl' && op.argv[1] === '-p') {
          // the kernel takes the file's values: `sysctl -a` shows them
          const live = new Map(sysctlPairs(commandText(commands[COMMANDS.sysctl.name])));
          for (const [k, v] of sysctlPairs(fileText(files[op.argv[2]]) ?? '')) live.set(k, v);
          commands[COMMANDS.sysctl.name] = [...live].map(([k, v]) => `${k} = ${v}`).join('\n') + '\n';
        }
        if (op.argv[0] === 'augenrules' && op.argv[1] === '--load') {
          // augenrules concatenates rules.d/*.rules in name order and loads them: auditctl -l lists the rules
          const parts = Object.keys(files).filter((p) => path.posix.dirname(p) === FILES.auditRulesDir && p.endsWith('.rules')).sort();
          const rules = parts.flatMap((p) => (fileText(files[p]) ?? '').split('\n')).map((l) => l.trim())
            .filter((l) => l.startsWith('-w ') || l.startsWith('-a '));
          commands[COMMANDS.auditRules.name] = rules.length ? rules.join('\n') + '\n' : 'No rules\n';
          delete errors[COMMANDS.auditRules.name];
        }
        break;
      case 'change-shell': {
        // usermod -s rewrites the 7th field of the user's passwd line
        const passwd = fileText(files[FILES.passwd]) ?? '';
        const lines = passwd.split('\n').map((l) => (l.split(':')[0] === op.user && l.split(':').length === 7 ? [...l.split(':').slice(0, 6), op.shell].join(':') : l));
        const old = files[FILES.passwd];
        files[FILES.passwd] = typeof old === 'object' && !Buffer.isBuffer(old) ? { ...old, content: lines.join('\n') } : lines.join('\n');
        break;
      }
      case 'load-ruleset':
        // the kernel runs the file: iptables-save prints it back
        commands[op.family === 4 ? COMMANDS.iptablesSave.name : COMMANDS.ip6tablesSave.name] = fileText(files[op.path]) ?? '';
        break;
      default:
        break; // validators, other account ops: nothing the checks here read
    }
  }
  return { ...spec, files, dirs, commands, errors };
}

/** Runs every control of the catalogue (or `ids`) on one node tree: id -> statuses. */
export function statusesOf(spec: MemorySnapshotSpec, config: Partial<PvesecConfig> = {}, ids?: string[], now = TEST_NOW): Map<string, string[]> {
  const findings = auditFindings(spec, config, ids, now);
  const out = new Map<string, string[]>();
  for (const f of findings) out.set(f.id, [...(out.get(f.id) ?? []), f.status]);
  return out;
}

export function auditFindings(spec: MemorySnapshotSpec, config: Partial<PvesecConfig> = {}, ids?: string[], now = TEST_NOW): Finding[] {
  const clusters = groupClusters([memorySnapshot({ target: 'node0', ...spec })]);
  const checks = ids ? ALL_CHECKS.filter((c) => ids.includes(c.meta.id)) : ALL_CHECKS;
  const results = runChecks(clusters, checks, { ...DEFAULT_CONFIG, ...config }, now);
  return results.flatMap((r) => [...r.findings, ...r.nodeFindings.flatMap((n) => n.findings)]);
}

/** What a remedy sees for one node tree: its model, the config, its findings. */
export function remedyInput(spec: MemorySnapshotSpec, config: Partial<PvesecConfig> = {}, now = TEST_NOW): RemedyInput {
  const full = { ...DEFAULT_CONFIG, ...config };
  const [cluster] = groupClusters([memorySnapshot({ target: 'node0', ...spec })]);
  const ctx = new FactContext(cluster.nodes[0], cluster, full, now);
  return { ctx, config: full, findings: auditFindings(spec, config, undefined, now) };
}

/** A collected snapshot (a bundle read from disk) as a literal tree, to apply ops to. */
export function specOf(s: Snapshot): MemorySnapshotSpec {
  const files: Record<string, MemoryFile> = {};
  for (const f of s.files.values()) files[f.path] = { content: f.content, mode: f.stat?.mode, uid: f.stat?.uid, gid: f.stat?.gid, owner: f.stat?.owner, group: f.stat?.group, mtime: f.stat?.mtime };
  const dirs: Record<string, Partial<FileStat>> = {};
  for (const [p, st] of s.dirs) dirs[p] = st ?? {};
  const commands: Record<string, { output: string; exitCode?: number }> = {};
  for (const [n, c] of s.commands) commands[n] = { output: c.output, exitCode: c.exitCode };
  return { target: s.origin.target, files, dirs, commands, errors: Object.fromEntries(s.errors), meta: { ...s.meta } };
}

/** The Debian trees the test hosts boot (scripts/setup.sh builds them): real fail2ban, apt, sh to check planned files with. */
export const TESTHOST_CACHE = `${process.env.TH_VAR ?? '/var/tmp/testhost'}/cache`;

/** Why planned files cannot be tried in the test-host tree `name` here, or false. */
export function rootfsSkipReason(name: string): string | false {
  if (process.getuid?.() !== 0) return 'needs root (overlay mount, chroot)';
  if (!existsSync(`${TESTHOST_CACHE}/${name}/etc/debian_version`)) return `no test-host tree ${TESTHOST_CACHE}/${name}: run scripts/setup.sh`;
  return false;
}

/**
 * Writes `files` into a throw-away overlay of a test-host tree (the tree itself is not changed) and runs
 * `script` there with sh, chrooted, in a private mount and network namespace. Returns exit status and output.
 */
export function runInRootfs(name: string, files: { path: string; content: string; mode: number }[], script: string, opts: { timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const work = mkdtempSync(path.join(tmpdir(), 'pvesec-rootfs-'));
  try {
    for (const d of ['upper', 'work', 'root', 'files']) mkdirSync(path.join(work, d));
    for (const f of files) {
      const p = path.join(work, 'files', f.path);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, f.content, { mode: f.mode });
    }
    const m = path.join(work, 'root');
    const setup = [
      `mount -t overlay overlay -o lowerdir=${TESTHOST_CACHE}/${name},upperdir=${work}/upper,workdir=${work}/work ${m}`,
      `mount -t proc proc ${m}/proc`,
      `cp -a ${work}/files/. ${m}/`,
      `exec chroot ${m} /bin/sh -s`,
    ].join(' && ');
    // own network namespace too: a daemon started there (fail2ban) can never touch this machine's firewall
    const r = spawnSync('unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', setup], { input: script, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
