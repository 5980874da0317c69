import type { Command } from 'commander';

/** The options of every command that can collect from live nodes, as commander hands them over. */
export interface SshCliOptions {
  identity?: string;
  knownHosts?: string;
  acceptNew?: boolean;
  concurrency?: string;
  timeout?: string;
}

/**
 * Adds the collection options (key, host-key checking, concurrency, timeout) to a command; a command
 * that talks to one node (`oneNode`) has no --concurrency.
 */
export function sshOptions(cmd: Command, opts: { oneNode?: boolean } = {}): Command {
  cmd
    .option('--identity <file>', 'SSH private key (default: agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa)')
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against (default ~/.ssh/known_hosts)')
    .option('--accept-new', 'accept and record the key of a host not yet known (trust on first use)');
  if (!opts.oneNode) cmd.option('--concurrency <n>', 'nodes collected at the same time (default 8)');
  return cmd.option('--timeout <sec>', 'connection and collection timeout per node in seconds (default 30)');
}
