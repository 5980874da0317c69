import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAudit } from './audit.js';
import { fixtureCollector, recordingIO } from './testing.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-audit-config-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

test('audit names the ./pvesec.yaml it picked up on stderr; stdout stays a clean JSON report; access_matrix relative to it', async () => {
  fs.writeFileSync(path.join(dir, 'matrix.yaml'), 'users: {}\n');
  const cfg = path.join(dir, 'pvesec.yaml');
  fs.writeFileSync(cfg, 'access_matrix: matrix.yaml\n');
  const io = recordingIO();
  const cwd = process.cwd();
  let code;
  try {
    process.chdir(dir);
    code = await runAudit(['ssh://root@pve1'], { format: 'json' }, io, { collect: fixtureCollector });
  } finally {
    process.chdir(cwd);
  }
  assert.ok(code === 0 || code === 1, `exit ${code}: ${io.stderr.join('\n')}`);
  assert.deepEqual(io.stderr, [`pvesec: using configuration ${cfg} (pvesec.yaml of the working directory; --config FILE to choose another)`]);
  const report = JSON.parse(io.stdout) as { findings: { id: string; status: string; message: string }[] };
  const pve15 = report.findings.find((f) => f.id === 'PVE-15');
  assert.ok(pve15 && pve15.status !== 'SKIP', JSON.stringify(pve15));
});

test('audit with an unreadable or invalid access matrix: exit 2 before collecting, not a SKIP', async () => {
  fs.writeFileSync(path.join(dir, 'shadow'), 'root:$y$j9T$c2VjcmV0:20000:0:99999:7:::\n');
  for (const [name, matrix] of [['missing.yaml', 'missing.yaml'], ['shadow.yaml', 'shadow']]) {
    const cfg = path.join(dir, name);
    fs.writeFileSync(cfg, `access_matrix: ${matrix}\n`);
    const io = recordingIO();
    let collected = false;
    const code = await runAudit(['ssh://root@pve1'], { config: cfg }, io, { collect: async (t, o) => ((collected = true), fixtureCollector(t, o)) });
    assert.equal(code, 2, name);
    assert.equal(collected, false, `${name}: nothing collected`);
    assert.equal(io.stdout, '');
    assert.match(io.stderr.join('\n'), /access_matrix: /);
    assert.ok(!io.stderr.join('\n').includes('c2VjcmV0'), io.stderr.join('\n'));
  }
});
