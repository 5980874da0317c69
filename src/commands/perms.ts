// `pvesec perms of|who|matrix|query|diff`: the permission engine on the command line. Only commander
// is loaded up front; the engine and collectors load when a subcommand runs (fast CLI start).
import type { Command } from 'commander';
import type { CommandIO } from './io.js';
import type { Collector } from './perms/source.js';

export interface PermsCommandDeps {
  io?: CommandIO;
  collect?: Collector;
  stdin?: NodeJS.ReadableStream;
  /** Where the exit code goes (default process.exitCode). */
  setExitCode?: (code: number) => void;
}

function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--user-cfg <file>', 'a user.cfg file (e.g. a copy of /etc/pve/user.cfg)')
    .option('--target <target>', 'a bundle directory or .tar.gz, ssh://[user@]host[:port], or local')
    .option('--pve-version <version>', 'Proxmox VE release whose privileges and built-in roles apply: 8 or 9 (default: the node\'s pveversion, else 9)')
    .option('--identity <file>', 'SSH private key for an ssh:// target')
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against')
    .option('--accept-new', 'accept and record the key of a host not yet known')
    .option('--timeout <sec>', 'connection and collection timeout in seconds');
}

export function registerPermsCommand(program: Command, deps: PermsCommandDeps = {}): void {
  const setExitCode = deps.setExitCode ?? ((code: number) => void (process.exitCode = code));
  const ctx = async () => ({ io: deps.io ?? (await import('./io.js')).processIO(), collect: deps.collect, stdin: deps.stdin });
  const run = async () => import('./perms/run.js');

  const perms = program.command('perms')
    .description('who can do what where: Proxmox VE permissions computed from user.cfg exactly as Proxmox does');

  sourceOptions(perms.command('of')
    .description('effective privileges of a user or token, on every evaluated path or one, with the reason')
    .argument('<id>', 'user@realm or user@realm!token'))
    .option('--path <path>', 'only this path, with the level-by-level explanation')
    .option('--format <format>', 'text or json', 'text')
    .action(async (id: string, opts) => setExitCode(await (await run()).runOf(id, opts, await ctx())));

  sourceOptions(perms.command('who')
    .description('every user and token holding a privilege on a path, with the reason')
    .argument('<privilege>', 'e.g. VM.PowerMgmt')
    .argument('<path>', 'e.g. /vms/100'))
    .option('--format <format>', 'text or json', 'text')
    .action(async (priv: string, path: string, opts) => setExitCode(await (await run()).runWho(priv, path, opts, await ctx())));

  sourceOptions(perms.command('matrix')
    .description('every identity over every path Proxmox evaluates (top-level paths, ACL paths, pool members)'))
    .option('--format <format>', 'table, json or csv', 'table')
    .action(async (opts) => setExitCode(await (await run()).runMatrix(opts, await ctx())));

  sourceOptions(perms.command('query')
    .description('batch mode: JSON lines {"id","path"} on stdin, {"id","path","privs","roles"} lines on stdout in the same order'))
    .action(async (opts) => setExitCode(await (await run()).runQuery(opts, await ctx())));

  perms.command('diff')
    .description('grants gained and lost per identity and path between two user.cfg files or bundles (exit 1 when they differ)')
    .argument('[before]', 'user.cfg file, bundle or target (or --target)')
    .argument('[after]', 'user.cfg file, bundle or target (or --user-cfg)')
    .option('--target <target>', 'the current state: a bundle directory or .tar.gz, ssh://[user@]host[:port], or local (instead of BEFORE)')
    .option('--user-cfg <file>', 'the proposed user.cfg (instead of AFTER)')
    .option('--pve-version <version>', 'Proxmox VE release: 8 or 9 (default: each bundle\'s pveversion, else 9)')
    .option('--identity <file>', 'SSH private key for ssh:// targets')
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against')
    .option('--accept-new', 'accept and record the key of a host not yet known')
    .option('--timeout <sec>', 'connection and collection timeout in seconds')
    .option('--format <format>', 'text or json', 'text')
    .action(async (a: string | undefined, b: string | undefined, opts) => setExitCode(await (await run()).runDiff(a, b, opts, await ctx())));
}
