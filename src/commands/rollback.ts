import type { SshCliOptions } from './ssh-options.js';
import { collectOptions } from './audit.js';
import type { CommandIO } from './io.js';
import { parseTarget } from '../collect/targets.js';
import { lastLine, RemoteSession, sshTargetOf } from '../harden/remote.js';
import { TX_EXIT } from '../harden/apply.js';
import { failureReason, type TxAdmin } from '../harden/apply-tx.js';
import { clean } from '../report/text.js';

export interface RollbackOptions extends SshCliOptions {
  tx?: string;
  force?: boolean;
}

/** `pvesec rollback TARGET [--tx ID] [--force]`: 0 reverted, 1 refused (a file changed since; the diff is shown), 2 error. */
export async function runRollback(target: string, opts: RollbackOptions, io: CommandIO, deps: { tx?: TxAdmin } = {}): Promise<number> {
  const ssh = sshTargetOf(parseTarget(target));
  const c = collectOptions(opts);
  const tx = deps.tx ?? (await import('../harden/apply-tx.js')).nodeTxAdmin();
  const session = await RemoteSession.open(ssh, { identity: c.identity, knownHostsFile: c.knownHostsFile, acceptNew: c.acceptNew, timeoutMs: c.timeoutMs });
  try {
    const r = await session.runScript(tx.rollbackScript(opts.tx, opts.force === true), { timeoutMs: 120_000 });
    const shown = tx.rollbackOutput(r.stdout);
    if (shown) await io.out(shown.split('\n').map(clean).join('\n') + (shown.endsWith('\n') ? '' : '\n'));
    const why = clean(failureReason(r.stdout) ?? lastLine(r.stderr));
    if (r.code === 0) return 0;
    if (r.code === TX_EXIT.refused) {
      io.err(`pvesec: ${session.label}: rollback refused${why ? `: ${why}` : ''}${opts.force ? '' : ' (--force restores anyway)'}`);
      return 1;
    }
    io.err(`pvesec: ${session.label}: rollback failed (exit ${r.code ?? 'none'})${why ? `: ${why}` : ''}`);
    return 2;
  } finally {
    session.close();
  }
}
