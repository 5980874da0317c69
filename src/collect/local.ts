import { spawn } from 'node:child_process';
import { BundleError, snapshotFromArchive } from './bundle.js';
import { CollectError, DEFAULT_TIMEOUT_MS, type CollectOptions } from './index.js';
import { collectionScript, REMOTE_WRAPPER } from './script.js';
import type { Snapshot } from './snapshot.js';
import { clean } from '../report/text.js';

/** Collects this machine with the same script as over SSH (through `sudo -n` when not root). */
export async function collectLocal(opts: CollectOptions = {}, script = collectionScript({ backupGlob: opts.backupGlob, sshdUsers: opts.sshdUsers })): Promise<Snapshot> {
  const output = await runLocal(script, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, undefined, opts.onRunning);
  try {
    return await snapshotFromArchive(output, { kind: 'local', target: 'local' }, 'local');
  } catch (e) {
    const why = e instanceof BundleError ? e.message.replace(/^local: /, '') : String(e);
    throw new CollectError(`local: unusable collection stream (${why})`);
  }
}

/** Runs a collection script with `sh -s` on stdin and returns its stdout. */
export function runLocal(script: string, timeoutMs: number, command: string[] = ['sh', '-c', REMOTE_WRAPPER], onStarted?: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 65536) stderr += d.toString('utf8');
    });
    child.stdin.on('error', () => undefined); // the script may exit before reading all of stdin
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CollectError(`local: cannot run the collection script: ${e.message.split('\n')[0]}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const why = clean(stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '');
      if (timedOut) return reject(new CollectError(`local: collection timed out after ${Math.round(timeoutMs / 1000)} s`));
      if (signal) return reject(new CollectError(`local: collection script killed by ${signal}`));
      if (code !== 0) return reject(new CollectError(`local: collection script failed (exit ${code})${why ? `: ${why}` : ''}`));
      resolve(Buffer.concat(chunks));
    });
    child.stdin.end(script);
    child.once('spawn', () => onStarted?.());
  });
}
