import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAudit } from '../src/commands/audit.js';
import type { CommandIO } from '../src/commands/io.js';

// The configuration backup the hardening guides advise, made on a node:
//   tar -czf pve-config.tar.gz /etc/pve /etc/ssh /etc/apt
// It holds no /etc/hostname; the node name is the one pmxcfs shows as the /etc/pve/local link.
// Each example node is backed up that way (its own files, with the links pmxcfs shows in /etc/pve)
// and audited; the archives are built here, never committed.

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pvesec-plain-backup-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const NODES = [
  { example: 'examples/fresh-install', node: 'pve' },
  { example: 'examples/hardened-cluster/pve1', node: 'pve1' },
  { example: 'examples/hardened-cluster/pve2', node: 'pve2' },
  { example: 'examples/hardened-cluster/pve3', node: 'pve3' },
];
const TLS = ['TLS-01', 'TLS-02', 'TLS-03', 'TLS-04'];

interface JsonFinding { id: string; status: string; message: string; node?: string; evidence: { source?: string }[] }
interface JsonReport { findings: JsonFinding[]; clusters: { name: string; nodes: string[] }[]; targets: { node?: string }[] }

/** The node's root as the backup sees it: /etc/pve, /etc/ssh, /etc/apt, and what pmxcfs adds to /etc/pve. */
function nodeRoot(example: string, node: string, o: { localLink?: 'link' | 'none' | 'copy' } = {}): string {
  const root = mkdtempSync(path.join(tmp, 'root-'));
  for (const dir of ['pve', 'ssh', 'apt']) cpSync(path.join(example, 'etc', dir), path.join(root, 'etc', dir), { recursive: true });
  const pve = path.join(root, 'etc/pve');
  for (const sub of ['qemu-server', 'lxc']) mkdirSync(path.join(pve, 'nodes', node, sub), { recursive: true });
  const mode = o.localLink ?? 'link';
  if (mode === 'link') {
    // pmxcfs's create_symlinks: local, qemu-server, openvz (dangling), lxc
    symlinkSync(`nodes/${node}`, path.join(pve, 'local'));
    for (const sub of ['qemu-server', 'openvz', 'lxc']) symlinkSync(`nodes/${node}/${sub}`, path.join(pve, sub));
  } else if (mode === 'copy') {
    cpSync(path.join(pve, 'nodes', node), path.join(pve, 'local'), { recursive: true }); // what `cp -rL` or a zip makes of the link
  }
  return root;
}

/** `tar -czf pve-config.tar.gz /etc/pve /etc/ssh /etc/apt`, run from the node's root (tar drops the leading /). */
function plainBackup(root: string, name = 'pve-config.tar.gz'): string {
  const dir = mkdtempSync(path.join(tmp, 'backup-'));
  const file = path.join(dir, name);
  execFileSync('tar', ['-czf', file, '-C', root, 'etc/pve', 'etc/ssh', 'etc/apt']);
  return file;
}

async function audit(targets: string[], controls = TLS.join(',')): Promise<{ report: JsonReport; stdout: string; stderr: string[] }> {
  let stdout = '';
  const stderr: string[] = [];
  const io: CommandIO = { out: async (t) => void (stdout += t), err: (l) => void stderr.push(l), stdoutIsTTY: false, env: {} };
  await runAudit(targets, { format: 'json', control: controls }, io, { now: new Date('2026-11-25T12:00:00Z') });
  return { report: JSON.parse(stdout) as JsonReport, stdout, stderr };
}

/** The report without the targets as typed (a bundle's path is the target the user gave, not a node name). */
const shownPaths = (stdout: string): boolean => {
  const r = JSON.parse(stdout) as { targets: { target?: string }[] };
  return JSON.stringify({ ...r, targets: r.targets.map((t) => ({ ...t, target: undefined })) }).includes(tmp);
};

const verdicts = (r: JsonReport) => r.findings.filter((f) => TLS.includes(f.id)).map((f) => `${f.id} ${f.status}: ${f.message}`);

for (const { example, node } of NODES) {
  test(`plain backup of ${example}: node ${node} from /etc/pve/local, TLS-01..04 read /etc/pve/nodes/${node}/`, async () => {
    const backup = plainBackup(nodeRoot(example, node));
    const { report, stdout, stderr } = await audit([backup]);
    assert.deepEqual(report.targets.map((t) => t.node), [node]);
    assert.deepEqual(report.clusters.flatMap((c) => c.nodes), [node]);
    assert.deepEqual(stderr, []);
    assert.equal(shownPaths(stdout), false, 'no path of the auditing machine as a node name');
    const tls = report.findings.filter((f) => TLS.includes(f.id));
    assert.deepEqual(tls.map((f) => [f.id, f.node]), TLS.map((id) => [id, node]));
    for (const f of tls) {
      assert.notEqual(f.status, 'SKIP', `${f.id}: ${f.message}`);
      for (const e of f.evidence) if (e.source?.startsWith('/etc/pve/nodes/')) assert.ok(e.source.startsWith(`/etc/pve/nodes/${node}/`), `${f.id} reads ${e.source}`);
    }
    assert.ok(tls.some((f) => f.evidence.some((e) => e.source?.startsWith(`/etc/pve/nodes/${node}/`))));
    // the same verdicts as the full pvesec bundle of that node, which names it through /etc/hostname
    assert.deepEqual(verdicts(report), verdicts((await audit([example])).report));
  });
}

test('the three hardened-cluster backups together form the cluster pve1, pve2, pve3', async () => {
  const backups = ['pve1', 'pve2', 'pve3'].map((n) => plainBackup(nodeRoot(`examples/hardened-cluster/${n}`, n)));
  const { report } = await audit(backups);
  assert.deepEqual(report.clusters.map((c) => [c.name, c.nodes]), [['prod-cluster', ['pve1', 'pve2', 'pve3']]]);
  assert.deepEqual(report.findings.filter((f) => f.status === 'SKIP').map((f) => `${f.node} ${f.id}`), []);
});

test('a copy that followed the /etc/pve/local link names the node whose directory it copies', async () => {
  const backup = plainBackup(nodeRoot('examples/hardened-cluster/pve2', 'pve2', { localLink: 'copy' }));
  const { report } = await audit([backup]);
  assert.deepEqual(report.targets.map((t) => t.node), ['pve2']);
  assert.equal(report.findings.find((f) => f.id === 'TLS-03')?.status, 'PASS');
});

test('without the link, a standalone node is named after its only /etc/pve/nodes directory', async () => {
  const backup = plainBackup(nodeRoot('examples/fresh-install', 'pve', { localLink: 'none' }));
  const { report, stderr } = await audit([backup]);
  assert.deepEqual([report.targets.map((t) => t.node), stderr], [['pve'], []]);
  assert.equal(report.findings.find((f) => f.id === 'TLS-01')?.status, 'FAIL');
});

test('no link and several nodes: the name is unknown, said once, node-scoped controls needing it SKIP; no local path shown', async () => {
  const backup = plainBackup(nodeRoot('examples/hardened-cluster/pve3', 'pve3', { localLink: 'none' }), 'pve3-etc.tar.gz');
  const { report, stdout, stderr } = await audit([backup], 'TLS-*,SSH-02');
  assert.deepEqual(report.targets.map((t) => t.node), ['pve3-etc.tar.gz']);
  assert.deepEqual(stderr, [
    'pvesec: pve3-etc.tar.gz: node name unknown: no /etc/pve/local link, /etc/hostname nor `hostname` output; ' +
    '/etc/pve/nodes holds 3 nodes (pve1, pve2, pve3) and no SSH host key to match them; the controls that need it are skipped',
  ]);
  assert.equal(shownPaths(stdout), false, 'no path of the auditing machine as a node name');
  for (const id of TLS) {
    const f = report.findings.find((x) => x.id === id)!;
    assert.deepEqual([f.status, f.message.startsWith('node name unknown: ')], ['SKIP', true], id);
  }
  // controls that do not need the name still run
  assert.notEqual(report.findings.find((f) => f.id === 'TLS-05')?.status, 'SKIP');
  assert.notEqual(report.findings.find((f) => f.id === 'SSH-02')?.status, 'SKIP');
});
