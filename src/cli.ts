#!/usr/bin/env node
// Entry point. `pvesec --version` is answered before anything is loaded; otherwise commander is
// loaded, and each command loads its modules (checks, collectors, renderers) only when it runs.
import type { Command } from 'commander';
import { VERSION } from './version.js';
import { sshOptions } from './commands/ssh-options.js';
import { clean } from './report/text.js';

/** Exit code for usage errors, failed collections and unexpected errors (see README "Exit codes"). */
const EXIT_ERROR = 2;

type Commander = typeof import('commander');

function buildProgram({ Command }: Commander): Command {
  const program = new Command('pvesec')
    .description('Audit Proxmox VE nodes and clusters against a hardening baseline')
    .version(VERSION, '-V, --version', 'print the version')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Usage errors as one line: "pvesec: unknown command 'audti' (Did you mean audit?)".
    .configureOutput({ outputError: (str, write) => write(`pvesec: ${str.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n`) });

  sshOptions(
    program.command('audit')
      .description('collect the targets and report every control (exit 0 clean, 1 failing findings, 2 errors)')
      .argument('<target...>', 'ssh://[user@]host[:port], local, a bundle directory, or a .tar/.tar.gz/.tgz bundle'),
  )
    .option('--config <file>', 'pvesec.yaml to use (default ./pvesec.yaml when present)')
    .option('--format <format>', 'text, json, sarif or junit', 'text')
    .option('--output <file>', 'write the report to a file instead of stdout')
    .option('--only <statuses>', 'show only these statuses, e.g. FAIL,WARN')
    .option('--control <patterns>', "evaluate only these controls, e.g. 'SSH-*,FW-01'")
    .option('--fail-on <severity>', 'exit 1 on a FAIL at or above: critical, high, medium, low, info, none', 'high')
    .option('--no-color', 'no colours in the text report (also NO_COLOR=1)')
    .action(async (targets: string[], opts) => {
      const { runAudit } = await import('./commands/audit.js');
      const { processIO } = await import('./commands/io.js');
      return finish(await runAudit(targets, opts, processIO()));
    });

  sshOptions(
    program.command('plan')
      .description('audit the targets and show what hardening would change (exit 0 nothing to change, 1 changes planned, 2 errors)')
      .argument('<target...>', 'ssh://[user@]host[:port], local, a bundle directory, or a .tar/.tar.gz/.tgz bundle'),
  )
    .option('--config <file>', 'pvesec.yaml to use (default ./pvesec.yaml when present)')
    .option('--control <patterns>', "plan only for these controls, e.g. 'BF-*,KRN-01'")
    .option('--format <format>', 'text or json', 'text')
    .option('--out <file>', 'also write the plan (pvesec.plan/v1 JSON) for `pvesec apply`')
    .action(async (targets: string[], opts) => {
      const { runPlan } = await import('./commands/plan.js');
      const { processIO } = await import('./commands/io.js');
      return finish(await runPlan(targets, opts, processIO()));
    });

  sshOptions(
    program.command('collect')
      .description('collect targets into offline bundles (.tar.gz) to audit later')
      .argument('<target...>', 'ssh://[user@]host[:port], local, or an existing bundle'),
  )
    .option('--out <file>', 'bundle file to write (one target)')
    .option('--out-dir <dir>', 'directory for one <node>.tar.gz per node (several targets)')
    .action(async (targets: string[], opts) => {
      const { runCollect } = await import('./commands/collect.js');
      const { processIO } = await import('./commands/io.js');
      return finish(await runCollect(targets, opts, processIO()));
    });

  sshOptions(
    program.command('apply')
      .description('apply a plan (or plan the targets first) with a dead-man auto-revert, verified over new connections (exit 0 applied, 1 rolled back, 2 error)')
      .argument('<plan-or-targets...>', 'a plan.json written by `pvesec plan --out`, or ssh://[user@]host[:port] targets to plan and apply'),
  )
    .option('--config <file>', 'pvesec.yaml to use (default ./pvesec.yaml when present)')
    .option('--control <patterns>', "plan only these controls, e.g. 'SSH-*,BF-01' (targets only)")
    .option('--yes', 'apply without asking')
    .option('--force', 'firewall changes: apply even when the exposure gate says admin ranges or cluster peers lose access (they are named); never when the address pvesec connects from would, and a failed verification still reverts')
    .option('--confirm-timeout <sec>', 'seconds until a node reverts itself unless the change is verified and confirmed (default 120)')
    .option('--admin-identity <file>', 'private key that proves the declared admins log in (default: agent, then ~/.ssh keys)')
    .option('--probe-from <target>', 'after a firewall change, a non-admin vantage point (ssh://host) whose new connections to SSH and 8006 must be refused (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (inputs: string[], opts) => {
      const { runApply } = await import('./commands/apply.js');
      const { processIO } = await import('./commands/io.js');
      return finish(await runApply(inputs, opts, processIO()));
    });

  sshOptions(
    program.command('rollback')
      .description("revert a confirmed transaction byte for byte (default: the node's last), under a dead-man and verified over a new connection; refuses when a file was changed since")
      .argument('<target>', 'ssh://[user@]host[:port]'),
    { oneNode: true },
  )
    .option('--tx <id>', 'transaction id (pvesec history lists them)')
    .option('--force', 'restore even the files changed since the transaction')
    .option('--confirm-timeout <sec>', 'seconds until the node undoes the rollback unless it is verified and confirmed (default 120)')
    .action(async (target: string, opts) => {
      const { runRollback } = await import('./commands/rollback.js');
      const { processIO } = await import('./commands/io.js');
      return finish(await runRollback(target, opts, processIO()));
    });

  const token = program.command('token').description('Proxmox API tokens (privilege separation, expiry, one ACL)');
  sshOptions(
    token.command('create')
      .description('create an API token with privilege separation and an expiry, and its ACL, in one transaction; the secret is shown once (exit 0 created, 1 rolled back, 2 refused or error)')
      .argument('<tokenid>', 'USER@REALM!NAME, e.g. ci@pve!deploy'),
    { oneNode: true },
  )
    .requiredOption('--target <target>', 'the node: ssh://root@host')
    .requiredOption('--role <role>', 'the one role the token gets')
    .requiredOption('--path <path>', 'where the role applies (/vms/100, /pool/prod, /storage/nfs1)')
    .option('--expire <date>', 'expiry date YYYY-MM-DD (end of that day, UTC)')
    .option('--expire-days <n>', 'expiry in days from now (default 90)')
    .option('--comment <text>', 'token comment')
    .option('--config <file>', 'pvesec.yaml to use (default ./pvesec.yaml when present)')
    .option('--confirm-timeout <sec>', 'seconds until the node undoes the change unless it is verified and confirmed (default 120)')
    .action(async (tokenId: string, opts) => {
      const { runTokenCreate } = await import('./commands/token.js');
      const { processIO } = await import('./commands/io.js');
      return finish(await runTokenCreate(tokenId, opts, processIO()));
    });

  sshOptions(
    program.command('history')
      .description("list the node's pvesec transactions (id, time, controls, files, state)")
      .argument('<target>', 'ssh://[user@]host[:port]'),
    { oneNode: true },
  )
    .option('--format <format>', 'text or json', 'text')
    .action(async (target: string, opts) => {
      const { runHistory } = await import('./commands/history.js');
      const { processIO } = await import('./commands/io.js');
      return finish(await runHistory(target, opts, processIO()));
    });

  program.command('controls')
    .description('list the controls of the baseline')
    .option('--format <format>', 'text or json', 'text')
    .action(async (opts: { format?: string }) => {
      const { renderControls } = await import('./commands/controls.js');
      await write(renderControls(opts.format));
    });

  program.command('explain')
    .description('show what a control checks, why, what it reads and how to fix it')
    .argument('<id>', 'control id, e.g. SSH-02')
    .action(async (id: string) => {
      const { explainControl } = await import('./commands/explain.js');
      await write(explainControl(id));
    });

  return program;
}

/**
 * The engine commands (fw, perms) pull in their engines at import time; they are registered only when
 * the command line names them or asks for the overall help, so `audit` and `--version` stay quick.
 */
async function registerEngineCommands(program: Command, first: string | undefined): Promise<void> {
  const wantsAll = first === undefined || first === 'help' || first === '--help' || first === '-h';
  if (wantsAll || first === 'fw') (await import('./commands/fw.js')).registerFwCommand(program);
  if (wantsAll || first === 'perms') (await import('./commands/perms.js')).registerPermsCommand(program);
  if (wantsAll || first === 'tfa') (await import('./commands/tfa.js')).registerTfaCommand(program);
}

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

function finish(code: number): void {
  process.exitCode = code;
}

async function main(argv: string[]): Promise<number> {
  // dist/ is a bundle (scripts/build.mjs): a stack printed for PVESEC_DEBUG=1 names src/*.ts lines through
  // its source maps. Only then, since mapping makes Node read the map of every chunk it loads.
  if (process.env.PVESEC_DEBUG === '1') process.setSourceMapsEnabled(true);
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    await write(`${VERSION}\n`);
    return 0;
  }
  const commander = await import('commander');
  const { CommanderError } = commander;
  try {
    const program = buildProgram(commander);
    await registerEngineCommands(program, argv[2]);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; commander already printed the message.
      return e.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    const err = e as Error;
    if (err?.name === 'UsageError') {
      process.stderr.write(`pvesec: ${clean(err.message)}\n`);
    } else {
      const message = (err?.message ?? String(e)).split('\n')[0];
      process.stderr.write(`pvesec: error: ${clean(message)}\n`);
      if (process.env.PVESEC_DEBUG === '1' && err?.stack) process.stderr.write(err.stack + '\n');
    }
    return EXIT_ERROR;
  }
}

// A reader that stops early (`pvesec audit ... | head`) is not an error worth a message.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

// SSH sockets or timers left behind by a failed collection must not keep the process alive.
main(process.argv).then((code) => process.exit(code));
