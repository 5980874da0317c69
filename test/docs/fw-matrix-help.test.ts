import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cliArgs, ROOT } from '../../scripts/docs-samples.js';

// `fw matrix --help` says which deciding rules the text shows, and the text shows exactly those.
const pvesec = (...args: string[]) => {
  const r = spawnSync(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, COLUMNS: '400', NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('fw matrix: the help promises what the text and JSON outputs show', () => {
  const help = pvesec('fw', 'matrix', '--help').out.replace(/\s+/g, ' ');
  assert.match(help, /the text names the deciding rule of each cell that needs attention \(an admin or peer refused, a public or non-admin source accepted\), --format json that of every cell/);

  // fresh install: no filter at all, so every public cell is a let-in that needs attention, the admin cells do not
  const fresh = pvesec('fw', 'matrix', 'examples/fresh-install').out;
  const rules = fresh.split('\n').filter((l) => /^ {4}\S/.test(l));
  assert.equal(rules.length, 10, fresh);
  assert.ok(rules.every((l) => / from public IPv[46] /.test(l) && /: ACCEPT by /.test(l)), fresh);

  // hardened node: admins reach ssh and web, peers corosync, the rest is dropped: nothing needs attention
  const hardened = pvesec('fw', 'matrix', 'examples/hardened-cluster/pve1', '--config', 'examples/hardened-cluster/pvesec.yaml');
  assert.equal(hardened.code, 0, hardened.err);
  assert.ok(!hardened.out.includes('deciding rules:'), hardened.out);
  const json = JSON.parse(pvesec('fw', 'matrix', 'examples/hardened-cluster/pve1', '--config', 'examples/hardened-cluster/pvesec.yaml', '--format', 'json').out);
  const ports = json.nodes[0].cells.flatMap((c: { ports: { rule?: string }[] }) => c.ports);
  assert.ok(ports.length >= 40 && ports.every((p: { rule?: string }) => typeof p.rule === 'string' && p.rule.length > 0));
});
