import fs from 'node:fs/promises';
import { clean } from '../report/text.js';
import { fsErrorText } from '../core/fs-errors.js';

/** Where a command writes: the real process streams in the CLI, buffers in tests. */
export interface CommandIO {
  out(text: string): Promise<void>;
  /** One line to stderr (a newline is added). */
  err(line: string): void;
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export function processIO(): CommandIO {
  return {
    // Resolves once the text is handed to the OS, so exiting afterwards cannot truncate piped output.
    // A reader that went away (EPIPE: `pvesec audit ... | head`) is not an error: the exit code stands.
    out: (text) => new Promise((resolve, reject) => process.stdout.write(text, (e) => (e && (e as NodeJS.ErrnoException).code !== 'EPIPE' ? reject(e) : resolve()))),
    // Every stderr line may quote a node (names, remote errors, parser warnings): escaped here once more.
    err: (line) => void process.stderr.write(clean(line) + '\n'),
    stdoutIsTTY: process.stdout.isTTY === true,
    env: process.env,
  };
}

/** Writes a report file next to its final name first, so a reader never sees half a report. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    // In words, without the errno code: callers print `cannot write FILE: <message>`.
    throw new Error(fsErrorText(e));
  }
}
