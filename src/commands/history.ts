import type { SshCliOptions } from './ssh-options.js';
import { collectOptions } from './audit.js';
import { UsageError } from './options.js';
import type { CommandIO } from './io.js';
import { parseTarget } from '../collect/targets.js';
import { lastLine, RemoteSession, sshTargetOf } from '../harden/remote.js';
import { failureReason, type TxAdmin, type TxRecord } from '../harden/apply-tx.js';
import { clean } from '../report/text.js';

export interface HistoryOptions extends SshCliOptions {
  format?: string;
}

/** One line per transaction: id, time, state, controls, files; then how many older ones were pruned. */
export function renderHistory(records: TxRecord[], pruned: { pruned: number; retained: number } = { pruned: 0, retained: 0 }): string {
  const note = pruned.pruned > 0 ? `${pruned.pruned} older finished transaction(s) pruned (the node keeps the newest ${pruned.retained})\n` : '';
  if (records.length === 0) return 'no pvesec transactions on this node\n' + note;
  const lines = records.map((r) =>
    `${r.id}  ${r.time || '-'}  ${r.state.padEnd(12)}  ${r.controls.join(',') || '-'}  ${r.files.length} file(s)${r.files.length ? `: ${r.files.join(' ')}` : ''}${r.reason ? `  (${r.reason})` : ''}`);
  return lines.map(clean).join('\n') + '\n' + note;
}

/** `pvesec history TARGET`: 0 listed, 2 error. */
export async function runHistory(target: string, opts: HistoryOptions, io: CommandIO, deps: { tx?: TxAdmin } = {}): Promise<number> {
  const format = (opts.format ?? 'text').toLowerCase();
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format: "${opts.format}" is not one of text, json`);
  const ssh = sshTargetOf(parseTarget(target), 'history');
  const c = collectOptions(opts);
  const tx = deps.tx ?? (await import('../harden/apply-tx.js')).nodeTxAdmin();
  const session = await RemoteSession.open(ssh, { identity: c.identity, knownHostsFile: c.knownHostsFile, acceptNew: c.acceptNew, timeoutMs: c.timeoutMs });
  try {
    const r = await session.runScript(tx.historyScript(), { timeoutMs: c.timeoutMs ?? 30_000 });
    if (r.code !== 0) {
      io.err(`pvesec: ${session.label}: history failed (exit ${r.code ?? 'none'}): ${clean(failureReason(r.stdout) ?? lastLine(r.stderr))}`);
      return 2;
    }
    const records = tx.parseHistory(r.stdout);
    const pruned = tx.parsePruned(r.stdout);
    await io.out(format === 'json' ? JSON.stringify({ node: ssh.input, transactions: records, pruned: pruned.pruned }, null, 2) + '\n' : renderHistory(records, pruned));
    return 0;
  } finally {
    session.close();
  }
}
