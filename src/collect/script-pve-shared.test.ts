/**
 * The collection script with and without the cluster-wide /etc/pve files, run for real against a
 * fake /etc/pve: an overlay over /etc in a private mount + UTS namespace (node name pve2), so the
 * machine's own /etc is never touched. Skipped where namespaces cannot be made (not root).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { snapshotFromArchive } from './bundle.js';
import { fakeNodeSkipReason, runOnFakeNode } from './testing.js';
import { collectionScript, pveSharedScript } from './script.js';
import type { Snapshot } from './snapshot.js';
import { FILES, nodeFile, PVE_SHARED_FILES } from './sources.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pvesec-pve-shared-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FAKE_PVE: Record<string, string> = {
  'corosync.conf': `totem {\n  cluster_name: lab\n  config_version: 2\n  version: 2\n}\n\nnodelist {\n  node {\n    name: pve1\n    nodeid: 1\n    ring0_addr: 10.10.10.11\n  }\n  node {\n    name: pve2\n    nodeid: 2\n    ring0_addr: 10.10.10.12\n  }\n}\n`,
  'user.cfg': 'user:root@pam:1:0:::root@example.com:::\nuser:alice@pve:1:0:::alice@example.com:::\n\nacl:1:/:alice@pve:Administrator:\n',
  'domains.cfg': 'pam: pam\n\tcomment Linux PAM standard authentication\n\npve: pve\n\tcomment Proxmox VE authentication server\n\tdefault 0\n',
  'datacenter.cfg': 'keyboard: en-us\nconsole: html5\n',
  'jobs.cfg': 'vzdump: backup-1\n\tschedule 21:00\n\tall 1\n\tenabled 1\n\tstorage local\n',
  'firewall/cluster.fw': '[OPTIONS]\n\nenable: 1\npolicy_in: DROP\n',
  'priv/authorized_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyOfRootOnPve1xxxxxxxxxxxxxxxxxxxxx root@pve1\n',
  'priv/tfa.cfg': '{"users":{}}\n',
  'nodes/pve1/host.fw': '[OPTIONS]\n\nenable: 1\n',
  'nodes/pve1/config': 'description: pve1\n',
  'nodes/pve2/host.fw': '[OPTIONS]\n\nenable: 0\n',
  'nodes/pve2/config': 'description: pve2\n',
};

/** Runs a script as root with /etc/pve = FAKE_PVE and the host name pve2. */
function runInFakeNode(script: string): Buffer {
  const upper = path.join(tmp, 'upper');
  const work = path.join(tmp, 'work');
  rmSync(upper, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(FAKE_PVE)) {
    mkdirSync(path.dirname(path.join(upper, 'pve', rel)), { recursive: true });
    writeFileSync(path.join(upper, 'pve', rel), text);
  }
  mkdirSync(work);
  const setup = `mount -t overlay overlay -o lowerdir=/etc,upperdir=${upper},workdir=${work} /etc && hostname pve2 && exec sh -s`;
  return runOnFakeNode(setup, script);
}

const skip = fakeNodeSkipReason();

describe('collection script: cluster-wide /etc/pve on or off (fake /etc/pve)', { skip }, () => {
  let full: Snapshot;
  let nodeOnly: Snapshot;
  let shared: Snapshot;

  before(async () => {
    const origin = { kind: 'local', target: 'local' } as const;
    full = await snapshotFromArchive(runInFakeNode(collectionScript()), origin, 'local');
    nodeOnly = await snapshotFromArchive(runInFakeNode(collectionScript({ sharedPve: false })), origin, 'local');
    shared = await snapshotFromArchive(runInFakeNode(pveSharedScript()), origin, 'local');
  });

  it('default: every /etc/pve file, meta without pveShared', () => {
    assert.equal(full.meta.hostname, 'pve2');
    for (const rel of Object.keys(FAKE_PVE)) assert.equal(full.text(`/etc/pve/${rel}`), FAKE_PVE[rel], rel);
    assert.equal(full.meta.pveShared, undefined);
  });

  it('sharedPve false: corosync.conf, priv/authorized_keys and its own node directory only; meta says pveShared false', () => {
    assert.equal(nodeOnly.meta.pveShared, false);
    assert.equal(nodeOnly.text(FILES.corosyncConf), FAKE_PVE['corosync.conf']);
    assert.equal(nodeOnly.text(FILES.pveAuthorizedKeys), FAKE_PVE['priv/authorized_keys']);
    assert.equal(nodeOnly.text(nodeFile('pve2', 'host.fw')), FAKE_PVE['nodes/pve2/host.fw']);
    assert.equal(nodeOnly.text(nodeFile('pve2', 'config')), FAKE_PVE['nodes/pve2/config']);
    for (const p of [...PVE_SHARED_FILES, nodeFile('pve1', 'host.fw'), nodeFile('pve1', 'config')]) {
      assert.equal(nodeOnly.file(p), undefined, p);
      assert.equal(nodeOnly.errors.has(p), false, p);
    }
    assert.deepEqual(nodeOnly.subdirs('/etc/pve/nodes'), ['pve2']);
    // the rest of the node is collected as always
    assert.ok(nodeOnly.file(FILES.hostname) ?? nodeOnly.file(FILES.passwd));
    assert.ok(nodeOnly.command('hostname'));
  });

  it('the second-trip script: only the cluster-wide files and every node directory', () => {
    for (const [rel, text] of Object.entries(FAKE_PVE)) {
      const p = `/etc/pve/${rel}`;
      const expected = PVE_SHARED_FILES.includes(p) || rel.startsWith('nodes/');
      assert.equal(shared.text(p), expected ? text : undefined, p);
    }
    assert.deepEqual(shared.subdirs('/etc/pve/nodes'), ['pve1', 'pve2']);
    assert.equal(shared.commands.size, 0);
    assert.equal(shared.file(FILES.passwd), undefined);
    assert.equal(shared.file('/etc/shadow'), undefined);
  });
});

it('the generated scripts name the cluster-wide files only where they belong', () => {
  const nodeScript = collectionScript({ sharedPve: false });
  const fullScript = collectionScript();
  for (const p of PVE_SHARED_FILES) {
    assert.ok(fullScript.includes(`addf '${p}'`), p);
    assert.ok(!nodeScript.includes(`addf '${p}'`), p);
    assert.ok(pveSharedScript().includes(`addf '${p}'`), p);
  }
  assert.ok(nodeScript.includes(`addf '${FILES.corosyncConf}'`));
  assert.ok(nodeScript.includes(`addf '${FILES.pveAuthorizedKeys}'`));
  assert.ok(!pveSharedScript().includes(`addf '${FILES.sshdConfig}'`));
  for (const shell of ['dash', 'bash']) {
    if (spawnSync('sh', ['-c', `command -v ${shell}`]).status !== 0) continue;
    for (const s of [nodeScript, pveSharedScript()]) assert.equal(spawnSync(shell, ['-n'], { input: s }).status, 0, shell);
  }
});
