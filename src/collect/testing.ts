// Helpers for tests that run the real collection script on this machine as a fake node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import ssh2 from 'ssh2';

const UNSHARE = ['-m', '-u', '--propagation', 'private', 'sh', '-c'];

/** Why a fake node (own mount and UTS namespace) cannot be made here, or false when it can. */
export function fakeNodeSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root';
  const probe = spawnSync('unshare', [...UNSHARE, 'mount -t tmpfs none /mnt && hostname probe'], { stdio: 'ignore' });
  return probe.status === 0 ? false : 'cannot create mount namespaces here';
}

/**
 * Runs `setup` (mounts, hostname; it must end with `exec sh -s`) in a new mount and UTS namespace with
 * `script` on stdin; returns the script's stdout (the collection tar.gz).
 */
export function runOnFakeNode(setup: string, script: string): Buffer {
  const r = spawnSync('unshare', [...UNSHARE, setup], { input: script, maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `script failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * An ed25519 key pair for an in-process SSH server or client. ssh2's own generator writes an OpenSSH key
 * that its parser rejects as "Malformed" about once in 250 (keys made by ssh-keygen always parse): draw
 * again until the pair round-trips, so tests do not fail at random.
 */
export function ed25519Pair(): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}
