// `pvesec tfa list|add`: second factors of Proxmox VE users (issue 11). Only commander is loaded up
// front; collection, the permission engine, otpauth and qrcode load when a subcommand runs.
import type { Command } from 'commander';
import { sshOptions, type SshCliOptions } from './ssh-options.js';
import type { CommandIO } from './io.js';
import type { Collector } from './audit.js';
import { UsageError } from './options.js';

export interface TfaCommandDeps {
  setExitCode?: (code: number) => void;
}

export function registerTfaCommand(program: Command, deps: TfaCommandDeps = {}): void {
  const setExitCode = deps.setExitCode ?? ((code: number) => void (process.exitCode = code));
  const io = async () => (await import('./io.js')).processIO();
  const tfa = program.command('tfa').description('second factors of Proxmox VE users: list them, enrol TOTP or recovery keys, enforce TOTP on a realm');

  sshOptions(tfa.command('list')
    .description('every user: factors by type, realm enforcement, who enforcing TFA would lock out, admins without WebAuthn (no secrets shown)')
    .argument('<target>', 'ssh://[user@]host[:port], local, a bundle directory, or a .tar/.tar.gz/.tgz bundle'), { oneNode: true })
    .option('--format <format>', 'text or json', 'text')
    .action(async (target: string, opts: TfaListOptions) => setExitCode(await runTfaList(target, opts, await io())));

  sshOptions(tfa.command('add')
    .description('enrol a TOTP factor (code checked locally first) or recovery keys for a user, through pvesh on the node as root@pam')
    .argument('<user>', 'user@realm, e.g. alice@pve or root@pam'), { oneNode: true })
    .requiredOption('--target <target>', 'the node: ssh://[user@]host[:port] (root, or sudo -n)')
    .option('--type <type>', 'totp or recovery', 'totp')
    .option('--description <text>', 'description of the factor shown in Proxmox')
    .option('--secret-from-stdin', 'use an existing base32 secret (e.g. from oathkeygen), read as the first line of stdin')
    .action(async (user: string, opts) => {
      const { runTfaAdd } = await import('./tfa-add.js');
      setExitCode(await runTfaAdd(user, opts, await io()));
    });

  sshOptions(tfa.command('enforce')
    .description('enforce TOTP on a realm in a node transaction, only when every enabled user of it has a factor (else refused with the list; exit 0 enforced, 1 rolled back, 2 refused or error)')
    .argument('<realm>', 'the realm, e.g. pve or pam'), { oneNode: true })
    .requiredOption('--target <target>', 'the node: ssh://root@host')
    .option('--confirm-timeout <sec>', 'seconds until the node undoes the change unless it is verified and confirmed (default 120)')
    .action(async (realm: string, opts) => {
      const { runTfaEnforce } = await import('./tfa-enforce.js');
      setExitCode(await runTfaEnforce(realm, opts, await io()));
    });
}

export interface TfaListOptions extends SshCliOptions {
  format?: string;
}

export interface TfaListDeps {
  collect?: Collector;
  now?: Date;
}

/** `pvesec tfa list TARGET`: 0 listed, 2 error. */
export async function runTfaList(target: string, opts: TfaListOptions, io: CommandIO, deps: TfaListDeps = {}): Promise<number> {
  const format = (opts.format ?? 'text').toLowerCase();
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format: "${opts.format}" is not one of text, json`);
  const { collectOptions, defaultCollector } = await import('./audit.js');
  const collect = deps.collect ?? (await defaultCollector());
  const [result] = await collect([target], collectOptions(opts));
  if (!result?.snapshot) {
    io.err(`pvesec: ${result?.error ?? `${target}: collection failed`}`);
    return 2;
  }
  const [{ groupClusters }, { FactContext, Unavailable }, { DEFAULT_CONFIG }, pve, perms, { tfaListing, renderTfaListing }] = await Promise.all([
    import('../audit/run.js'), import('../model/fact.js'), import('../config/schema.js'), import('../model/facts/pve.js'),
    import('../model/facts/permissions.js'), import('../identity/tfa-list.js'),
  ]);
  const [cluster] = groupClusters([result.snapshot]);
  const now = deps.now ?? new Date();
  const ctx = new FactContext(cluster.representative, cluster, DEFAULT_CONFIG, now);
  let listing;
  try {
    listing = tfaListing({
      cfg: ctx.get(perms.accessFact).cfg,
      realms: ctx.get(pve.realmsFact),
      tfa: ctx.get(pve.tfaFact),
      admins: ctx.get(perms.administratorsFact),
      webauthn: ctx.get(pve.datacenterFact).webauthn,
      now,
    });
  } catch (e) {
    if (e instanceof Unavailable || (e as Error).name === 'ParseError') {
      io.err(`pvesec: ${target}: cannot list second factors: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  await io.out(format === 'json' ? JSON.stringify({ target, node: cluster.representative.name, ...listing }, null, 2) + '\n' : renderTfaListing(listing));
  return 0;
}
