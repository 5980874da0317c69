import type { Snapshot } from './snapshot.js';

export interface CollectOptions {
  /** Private key file for SSH (else agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
  identity?: string;
  /** Accept and record unknown host keys (trust on first use). */
  acceptNew?: boolean;
  knownHostsFile?: string;
  /** Concurrent node collections (default 8). */
  concurrency?: number;
  /** Connection + collection timeout per node in ms (default 30000). */
  timeoutMs?: number;
  /** Glob of configuration backups on the node (config_backup_glob), for the config-backups command. */
  backupGlob?: string;
  /** Declared admins (config admin_users): the node's real `sshd -T -C user=NAME` is collected for each. */
  sshdUsers?: string[];
  /**
   * Called each time a node's collection script has started (over SSH: once logged in and the script
   * sent): what the caller does now overlaps with the node's work, not with the connection set-up.
   */
  onRunning?: () => void;
  /** One-line notes for the user (stderr by default), e.g. a stale SSH_AUTH_SOCK skipped. */
  note?: (line: string) => void;
}

export interface CollectResult {
  target: string;
  snapshot?: Snapshot;
  /** One line naming the host and the cause, when collection failed. */
  error?: string;
}

/** Connection + collection timeout per node when CollectOptions.timeoutMs is not set. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A collection that failed; the message is one line naming the host. */
export class CollectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectError';
  }
}
