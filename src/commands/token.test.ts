import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { memorySnapshot } from '../collect/memory.js';
import type { Collector } from '../harden/apply-audit.js';
import { pveNode } from '../checks/pve/testing.js';
import { runTokenCreate, secretOf } from './token.js';
import { recordingIO } from './testing.js';

// The token's transaction itself (the node, the stand-in pveum) is the e2e's part; here: what is refused
// before anything is armed, and how the secret is taken from the step's output.

const dir = mkdtempSync(path.join(os.tmpdir(), 'pvesec-token-cmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = path.join(dir, 'pvesec.yaml');
writeFileSync(config, '{}\n');
const NOW = new Date('2026-12-07T05:00:00Z');
const collector = (files: Record<string, string | undefined> = {}): Collector => async (targets) =>
  targets.map((target) => ({ target, snapshot: memorySnapshot({ target, ...pveNode(files) }) }));

test('token create: refusals are one line, exit 2, and nothing is armed on the node', async () => {
  for (const [id, opts, why] of [
    ['bob@pam!monitoring', { role: 'PVEAuditor', path: '/' }, /token create refused: token bob@pam!monitoring exists already/],
    ['dave@pve!ci', { role: 'PVEAuditor', path: '/' }, /user dave@pve does not exist/],
    ['carol@pve!ci', { role: 'PVEDatastoreUser', path: '/storage' }, /would hold nothing on \/storage/],
  ] as const) {
    const io = recordingIO();
    let opened = 0;
    const code = await runTokenCreate(id, { target: 'ssh://root@pve1', config, ...opts }, io, {
      now: () => NOW, collect: collector(),
      tx: new Proxy({} as never, { get: () => { opened++; return () => ''; } }),
    });
    assert.equal(code, 2, io.stderr.join('\n'));
    assert.equal(io.stderr.length, 1, io.stderr.join('\n'));
    assert.match(io.stderr[0], why);
    assert.equal(opened, 0, 'no transaction script was made');
    assert.equal(io.stdout, '');
  }
});

test('token create: bad options are usage errors before anything is collected', async () => {
  const never: Collector = async () => assert.fail('nothing is collected');
  await assert.rejects(runTokenCreate('carol@pve!ci', { target: 'ssh://root@pve1', role: 'PVEAuditor', path: '/', expire: '2026-13-01', config }, recordingIO(), { collect: never, now: () => NOW }), /expected a date YYYY-MM-DD/);
  await assert.rejects(runTokenCreate('carol@pve!ci', { target: 'ssh://root@pve1', role: 'PVEAuditor', config }, recordingIO(), { collect: never, now: () => NOW }), /give --path/);
});

test('token create: a node without user.cfg is named, exit 2', async () => {
  const io = recordingIO();
  const code = await runTokenCreate('carol@pve!ci', { target: 'ssh://root@pve1', role: 'PVEAuditor', path: '/', config }, io, { collect: collector({ '/etc/pve/user.cfg': undefined }), now: () => NOW });
  assert.equal(code, 2);
  assert.match(io.stderr.join('\n'), /cannot read the Proxmox users/);
});

test("secretOf: the value of pveum's JSON from the secret event of the token op only", () => {
  const b64 = Buffer.from('{"full-tokenid":"ci@pve!deploy","info":{"privsep":1},"value":"0c1d2e3f-aaaa-bbbb-cccc-0123456789ab"}').toString('base64');
  const out = `pvesec-tx pve pveum acl modify /\npvesec-tx secret other:op ${b64}\npvesec-tx secret token:ci@pve!deploy ${b64}\n`;
  assert.equal(secretOf(out, 'token:ci@pve!deploy'), '0c1d2e3f-aaaa-bbbb-cccc-0123456789ab');
  assert.equal(secretOf(out, 'token:x@pve!y'), undefined);
  assert.equal(secretOf(`pvesec-tx secret token:a@pve!b ${Buffer.from('not json').toString('base64')}\n`, 'token:a@pve!b'), undefined);
});
