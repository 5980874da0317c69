import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runPlan } from '../commands/plan.js';
import { runApply } from '../commands/apply.js';
import { recordingIO } from '../commands/testing.js';
import { loadPlanFile, parsePlan, PlanFileError } from './plan-json.js';
import { sha256 } from './plan.js';
import { staleLocalInputs } from './plan-local.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-plan-local-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const now = new Date('2026-11-25T12:00:00Z');
const MATRIX = 'groups:\n  admins:\n    grants:\n      - { path: /, roles: [Administrator] }\n';

/** A pvesec.yaml naming an access matrix, and the plan of the example node made with it (written with --out). */
async function planned(name: string): Promise<{ config: string; matrix: string; file: string }> {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const matrix = path.join(dir, 'access-matrix.yaml');
  const config = path.join(dir, 'pvesec.yaml');
  fs.writeFileSync(matrix, MATRIX);
  fs.writeFileSync(config, 'access_matrix: access-matrix.yaml\n');
  const file = path.join(dir, 'plan.json');
  const io = recordingIO();
  const code = await runPlan(['examples/fresh-install'], { config, format: 'json', out: file }, io, { now });
  assert.equal(code, 1, io.stderr.join('\n'));
  return { config, matrix, file };
}

test('the plan pins pvesec.yaml and the access matrix it names (absolute paths, sha256 of their bytes)', async () => {
  const { config, matrix, file } = await planned('pins');
  const plan = loadPlanFile(file);
  assert.deepEqual(plan.localFiles, { [config]: sha256(fs.readFileSync(config)), [matrix]: sha256(MATRIX) });
  assert.equal(plan.configDigest, sha256(fs.readFileSync(config)));
  assert.deepEqual(staleLocalInputs(plan, plan.configDigest), []);
});

test('apply plan.json refuses (exit 2, nothing collected) when the matrix was edited, removed, or another pvesec.yaml is given', async () => {
  const { config, matrix, file } = await planned('stale');
  const apply = async (cfg: string) => {
    const io = recordingIO();
    const code = await runApply([file], { yes: true, config: cfg }, io, { collect: async () => assert.fail('nothing is collected') });
    return { code, err: io.stderr.join('\n') };
  };
  fs.writeFileSync(matrix, MATRIX.replace('Administrator', 'PVEAuditor'));
  assert.deepEqual(await apply(config), { code: 2, err: `pvesec: ${file}: ${matrix} changed since the plan was made: re-plan; nothing changed` });
  // (apply itself stops earlier on a pvesec.yaml whose matrix is missing: the config error)
  fs.rmSync(matrix);
  assert.deepEqual(staleLocalInputs(loadPlanFile(file), loadPlanFile(file).configDigest), [`${matrix} is gone since the plan was made`]);
  fs.writeFileSync(matrix, MATRIX);
  const other = path.join(path.dirname(config), 'other.yaml');
  fs.writeFileSync(other, 'access_matrix: access-matrix.yaml\nroot_login: no\n');
  assert.match((await apply(other)).err, /the pvesec\.yaml given to apply is not the one the plan was made with \(give the same --config\): re-plan/);
  fs.appendFileSync(config, 'firewall: pve\n');
  assert.match((await apply(config)).err, /pvesec\.yaml changed since the plan was made/);
});

test('plan files: localFiles is optional (older plans are not checked); its paths must be absolute', () => {
  const base = { schema: 'pvesec.plan/v1', createdAt: '2026-12-06T23:00:00.000Z', pvesecVersion: 't', configDigest: sha256(''), nodes: [] };
  assert.deepEqual(staleLocalInputs(parsePlan(JSON.stringify(base), 'old.json'), 'f'.repeat(64)), []);
  assert.throws(() => parsePlan(JSON.stringify({ ...base, localFiles: { 'pvesec.yaml': null } }), 'p.json'), (e: unknown) => e instanceof PlanFileError && /p\.json: localFiles/.test(e.message));
});
