import type { TxRuntime } from './apply.js';

/** One transaction as `pvesec history` shows it. */
export interface TxRecord {
  id: string;
  time?: string;
  state: string;
  controls: string[];
  files: string[];
}

/** The node-side scripts behind `pvesec history` and `pvesec rollback`. */
export interface TxAdmin {
  historyScript(): string;
  parseHistory(stdout: string): TxRecord[];
  rollbackScript(txId: string | undefined, force: boolean): string;
  /** What of a rollback's output the operator reads (progress, or the diff of a refusal). */
  rollbackOutput(stdout: string): string;
}

/** The node-side transaction runtime (src/harden/node/scripts.ts) as apply uses it. */
export function nodeTxRuntime(): TxRuntime {
  throw new Error('the node transaction runtime (src/harden/node) is not part of this build yet');
}

export function nodeTxAdmin(): TxAdmin {
  throw new Error('the node transaction runtime (src/harden/node) is not part of this build yet');
}
