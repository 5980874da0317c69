/** history and rollback reach a node over SSH only: another target is refused, naming the command (not "apply"). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runHistory } from './history.js';
import { runRollback } from './rollback.js';
import { recordingIO } from './testing.js';

for (const [command, run] of [
  ['history', (t: string) => runHistory(t, {}, recordingIO())],
  ['rollback', (t: string) => runRollback(t, {}, recordingIO())],
] as const) {
  for (const target of ['/x', 'local']) {
    test(`${command} ${target}: refused before connecting, naming ${command} and the target`, async () => {
      await assert.rejects(run(target), (e: Error) => {
        assert.equal(e.message, `${target}: ${command} needs an SSH target (ssh://[user@]host[:port])`);
        return true;
      });
    });
  }
}
