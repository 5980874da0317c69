import os from 'node:os';
import type { SshCliOptions } from './ssh-options.js';
import { collectOptions } from './audit.js';
import { parsePositiveInt } from './options.js';
import type { CommandIO } from './io.js';
import { parseTarget } from '../collect/targets.js';
import type { ConnectOptions } from '../collect/ssh.js';
import { RemoteSession, sshTargetOf } from '../harden/remote.js';
import { rollbackExitCode, rollbackNode, verifyOperatorLogin, type RollbackDeps } from '../harden/rollback-tx.js';
import { verifyTcp } from '../harden/verify.js';
import { clean } from '../report/text.js';
import { VERSION } from '../version.js';

export interface RollbackOptions extends SshCliOptions {
  tx?: string;
  force?: boolean;
  confirmTimeout?: string;
}

const DEFAULT_CONFIRM_TIMEOUT_SEC = 120;

/**
 * `pvesec rollback TARGET [--tx ID] [--force] [--confirm-timeout SEC]`: the rollback runs inside a transaction
 * of its own with a dead-man, verified over a new connection. 0 rolled back, 1 refused (a file changed since;
 * the diff is shown) or the rollback was reverted, 2 error.
 */
export async function runRollback(target: string, opts: RollbackOptions, io: CommandIO, deps: Partial<RollbackDeps> = {}): Promise<number> {
  const confirmTimeoutSec = parsePositiveInt('--confirm-timeout', opts.confirmTimeout) ?? DEFAULT_CONFIRM_TIMEOUT_SEC;
  const ssh = sshTargetOf(parseTarget(target), 'rollback');
  const c = collectOptions(opts);
  const connect: ConnectOptions = { identity: c.identity, knownHostsFile: c.knownHostsFile, acceptNew: c.acceptNew, timeoutMs: c.timeoutMs };
  const verifyConnect: ConnectOptions = { ...connect, acceptNew: false };
  let written: Promise<void> = Promise.resolve();
  const full: RollbackDeps = {
    tx: deps.tx ?? (await import('../harden/apply-tx.js')).nodeRollbackRuntime(),
    open: deps.open ?? ((t) => RemoteSession.open(t, connect)),
    verifyLogin: deps.verifyLogin ?? ((node, timeoutMs) => verifyOperatorLogin(node, { ...verifyConnect, timeoutMs })),
    verifyTcp: deps.verifyTcp ?? ((host, port, timeoutMs) => verifyTcp(host, port, timeoutMs)),
    progress: deps.progress ?? ((line) => {
      written = written.then(() => io.out(clean(line) + '\n'));
    }),
    now: deps.now ?? (() => Date.now()),
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
  const outcome = await rollbackNode(ssh, {
    txId: opts.tx, force: opts.force === true, confirmTimeoutSec,
    origin: `pvesec ${VERSION} rollback by ${os.userInfo().username}@${os.hostname()}`,
  }, full);
  await written;
  const label = ssh.input;
  switch (outcome.status) {
    case 'rolled-back':
      await io.out(`${outcome.target} rolled back (rollback transaction ${outcome.txId} verified and confirmed)\n`);
      break;
    case 'refused':
      io.err(`pvesec: ${label}: rollback refused: ${outcome.reason}${opts.force ? '' : ' (--force restores anyway)'}`);
      break;
    case 'reverted':
      io.err(`pvesec: ${label}: the rollback of ${outcome.target} was reverted${outcome.deadMan ? ' (dead-man)' : ''}: ${outcome.reason}; ${outcome.target} stays confirmed`);
      break;
    case 'error':
      io.err(`pvesec: ${label}: rollback failed: ${outcome.reason}`);
      break;
  }
  return rollbackExitCode(outcome);
}
