// Test helpers for the commands: a CommandIO that records, and a collector over the report fixture.
import { memorySnapshot } from '../collect/memory.js';
import type { CollectResult } from '../collect/index.js';
import { FIXTURE_FAILED_TARGET, FIXTURE_NODES } from '../report/testing.js';
import type { Collector } from './audit.js';
import type { CommandIO } from './io.js';

export interface RecordingIO extends CommandIO {
  stdout: string;
  stderr: string[];
}

export function recordingIO(opts: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}): RecordingIO {
  const io: RecordingIO = {
    stdout: '',
    stderr: [],
    out: async (text) => void (io.stdout += text),
    err: (line) => void io.stderr.push(line),
    stdoutIsTTY: opts.tty ?? false,
    env: opts.env ?? {},
  };
  return io;
}

/** Collects the fixture nodes by target name (ssh://root@pve1, ssh://root@pve2, examples/lab1); ssh://root@pve9 fails. */
export const fixtureCollector: Collector = async (targets) =>
  targets.map((target): CollectResult => {
    if (target === FIXTURE_FAILED_TARGET.target) return { ...FIXTURE_FAILED_TARGET };
    const spec = FIXTURE_NODES.find((n) => n.target === target);
    return spec ? { target, snapshot: memorySnapshot(spec) } : { target, error: `${target}: no such bundle` };
  });
