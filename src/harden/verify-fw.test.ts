import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { probeScript } from './verify.js';

/** Runs the --probe-from command here (as the vantage point would, `sh -s`): its exit code. */
function probeExit(port: number): number | null {
  return spawnSync('sh', ['-s'], { input: probeScript('127.0.0.1', port, 2), timeout: 10_000 }).status;
}

test('--probe-from command: exit 0 when a NEW connection gets through, non-zero when refused', async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    assert.equal(probeExit(port), 0);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  assert.notEqual(probeExit(port), 0, 'nothing listens any more: refused');
});
