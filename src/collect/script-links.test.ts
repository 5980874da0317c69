/**
 * The collection script and symbolic links, run for real as root on a fake node: overlays over /etc
 * and /root and a tmpfs over /home in a private mount + UTS namespace (node name pve2), so the
 * machine's own files are never touched. Links are collected as links; nothing is read through a link
 * out of what is collected (the canaries below must never reach the stream).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { snapshotFromArchive } from './bundle.js';
import { fakeNodeSkipReason, runOnFakeNode } from './testing.js';
import { collectionScript } from './script.js';
import type { Snapshot } from './snapshot.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pvesec-script-links-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyOfRootOnPve1xxxxxxxxxxxxxxxxxxxxx root@pve1\n';
const HOST_FW = '[OPTIONS]\n\nenable: 1\n';
/** Outside every collected directory: stands for any file of the node a link could point at. */
const outside = path.join(tmp, 'elsewhere');

function file(root: string, rel: string, text: string, mode = 0o644): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text, { mode });
}

function link(root: string, rel: string, target: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  symlinkSync(target, path.join(root, rel));
}

/** Runs the collection script as root on the fake node; returns the raw stream. */
function collectFakeNode(): Buffer {
  const etc = path.join(tmp, 'etc-upper');
  const rootUp = path.join(tmp, 'root-upper');
  file(etc, 'pve/priv/token.cfg', 'root@pam!ci 5f0e8e3a-CANARY-token-4c7e\n', 0o600);
  file(etc, 'pve/priv/authorized_keys', KEY, 0o600);
  file(etc, 'pve/corosync.conf', 'totem {\n  cluster_name: lab\n}\n');
  file(etc, 'pve/nodes/pve2/host.fw', HOST_FW, 0o640);
  link(etc, 'pve/local', 'nodes/pve2');
  file(etc, 'fail2ban/jail.local', '[sshd]\nenabled = true\n');
  link(etc, 'sysctl.d/90-token.conf', '/etc/pve/priv/token.cfg');
  link(etc, 'sysctl.d/91-escape', '/');
  link(etc, 'sysctl.d/92-elsewhere.conf', path.join(outside, 'secret.conf'));
  link(etc, 'sysctl.d/93-jail.conf', '../fail2ban/jail.local');
  link(etc, 'sysctl.d/50-masked.conf', '/dev/null');
  link(etc, 'sysctl.d/94-dangling.conf', '/nonexistent/x.conf');
  link(etc, 'ssh/sshd_config.d/20-via-local.conf', '/etc/pve/local/host.fw');
  // named system files: one leads to a plain file elsewhere (read, under its own path), one into priv (not read)
  link(etc, 'fstab', path.join(outside, 'fstab'));
  link(etc, 'hosts', '/etc/pve/priv/token.cfg');
  link(rootUp, '.ssh/authorized_keys', '/etc/pve/priv/authorized_keys');
  file(outside, 'secret.conf', 'net.ipv4.ip_forward = 1 # CANARY-elsewhere\n');
  file(outside, 'fstab', 'UUID=1234 / ext4 defaults 0 1\n');
  file(outside, 'home-carol/.ssh/authorized_keys', 'ssh-ed25519 CANARY-carol\n');
  const setup = [
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${etc},workdir=${path.join(tmp, 'etc-work')} /etc`,
    `mount -t overlay overlay -o lowerdir=/root,upperdir=${rootUp},workdir=${path.join(tmp, 'root-work')} /root`,
    'mount -t tmpfs tmpfs /home',
    // alice's ~/.ssh leads into /etc/pve/priv, bob's key file to a file elsewhere, carol's home is a link
    'mkdir -p /home/alice /home/bob/.ssh && ln -s /etc/pve/priv /home/alice/.ssh',
    `ln -s ${outside}/secret.conf /home/bob/.ssh/authorized_keys && ln -s ${outside}/home-carol /home/carol`,
    'hostname pve2 && exec sh -s',
  ].join(' && ');
  mkdirSync(path.join(tmp, 'etc-work'));
  mkdirSync(path.join(tmp, 'root-work'));
  return runOnFakeNode(setup, collectionScript());
}

describe('collection script: links are collected as links, never read out of the collected files', { skip: fakeNodeSkipReason() }, () => {
  let raw: Buffer;
  let snap: Snapshot;
  let members: string;

  before(async () => {
    raw = collectFakeNode();
    snap = await snapshotFromArchive(raw, { kind: 'local', target: 'local' }, 'local');
    members = execFileSync('tar', ['-tvzf', '-'], { input: raw, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  });

  it('no canary in the stream itself (before anything on our side)', () => {
    assert.ok(!zlib.gunzipSync(raw).includes('CANARY'));
  });

  it('a link in a collected directory to a file outside it is a link member plus an error line', () => {
    assert.match(members, /^l\S+ .* etc\/sysctl\.d\/90-token\.conf -> \/etc\/pve\/priv\/token\.cfg$/m);
    assert.equal(snap.file('/etc/sysctl.d/90-token.conf'), undefined);
    assert.equal(snap.errors.get('/etc/sysctl.d/90-token.conf'), 'symbolic link to /etc/pve/priv/token.cfg (outside the collected files, not read)');
    assert.equal(snap.errors.get('/etc/sysctl.d/92-elsewhere.conf'), `symbolic link to ${outside}/secret.conf (outside the collected files, not read)`);
    assert.equal(snap.errors.get('/etc/sysctl.d/94-dangling.conf'), 'symbolic link to /nonexistent/x.conf (target missing)');
    assert.equal(snap.errors.get('/etc/hosts'), 'symbolic link to /etc/pve/priv/token.cfg (outside the collected files, not read)');
  });

  it('a link to / is not descended into', () => {
    assert.equal(snap.errors.get('/etc/sysctl.d/91-escape'), 'symbolic link to / (outside the collected files, not read)');
    assert.deepEqual([...snap.files.keys()].filter((p) => p.startsWith('/etc/sysctl.d/91-escape/')), []);
    assert.doesNotMatch(members, /etc\/sysctl\.d\/91-escape\//);
  });

  it('a link to a collected file resolves to that entry; /dev/null reads as empty', () => {
    assert.match(members, /^l\S+ .* etc\/sysctl\.d\/93-jail\.conf -> \.\.\/fail2ban\/jail\.local$/m);
    assert.equal(snap.text('/etc/sysctl.d/93-jail.conf'), '[sshd]\nenabled = true\n');
    assert.equal(snap.text('/etc/sysctl.d/50-masked.conf'), '');
  });

  it('Proxmox: root\'s authorized_keys -> /etc/pve/priv/authorized_keys is read from its own entry, with its mode', () => {
    const keys = snap.file('/root/.ssh/authorized_keys')!;
    assert.equal(keys.content.toString(), KEY);
    assert.equal(keys.stat!.type, 'symlink');
    assert.equal(keys.stat!.mode & 0o777, 0o600);
    assert.equal(snap.text('/etc/pve/priv/authorized_keys'), KEY);
  });

  it('a link through another link (/etc/pve/local) is stored with its canonical target', () => {
    assert.match(members, /^l\S+ .* etc\/ssh\/sshd_config\.d\/20-via-local\.conf -> \/etc\/pve\/nodes\/pve2\/host\.fw$/m);
    assert.equal(snap.text('/etc/ssh/sshd_config.d/20-via-local.conf'), HOST_FW);
  });

  it('a named system file that is a link: its target is collected under its own path', () => {
    assert.equal(snap.text('/etc/fstab'), 'UUID=1234 / ext4 defaults 0 1\n');
    assert.ok(snap.file(path.join(outside, 'fstab')));
    if (lstatSync('/etc/os-release', { throwIfNoEntry: false })?.isSymbolicLink()) {
      assert.equal(snap.file('/etc/os-release')!.stat!.linkTarget, readlinkSync('/etc/os-release'));
    }
    if (existsSync('/etc/os-release')) assert.equal(snap.text('/etc/os-release'), readFileSync('/etc/os-release', 'utf8'));
  });

  it('home directories: a linked home or ~/.ssh is recorded, nothing below it read', () => {
    assert.equal(snap.errors.get('/home/alice/.ssh'), 'symbolic link to /etc/pve/priv (outside the collected files, not read)');
    assert.equal(snap.file('/home/alice/.ssh/authorized_keys'), undefined);
    assert.equal(snap.errors.get('/home/bob/.ssh/authorized_keys'), `symbolic link to ${outside}/secret.conf (outside the collected files, not read)`);
    assert.equal(snap.errors.get('/home/carol'), `symbolic link to ${outside}/home-carol (outside the collected files, not read)`);
    assert.deepEqual([...snap.files.keys()].filter((p) => p.startsWith('/home/carol/')), []);
  });
});
