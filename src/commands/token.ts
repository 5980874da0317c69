import type { SshCliOptions } from './ssh-options.js';
import { collectOptions, loadConfigReporting } from './audit.js';
import { parsePositiveInt, UsageError } from './options.js';
import type { CommandIO } from './io.js';
import { auditForPveTx, runPveTransaction } from './pve-tx.js';
import { FILES } from '../collect/sources.js';
import type { TxRuntime } from '../harden/apply.js';
import { defaultCollector, type Collector } from '../harden/apply-audit.js';
import { fileDigest } from '../harden/plan.js';
import { planTokenCreate, tokenExpiry, TokenRefused } from '../identity/token.js';
import { Unavailable } from '../model/fact.js';
import { accessFact } from '../model/facts/permissions.js';
import { findToken, parseUserCfg } from '../parse/user-cfg.js';

export interface TokenCreateOptions extends SshCliOptions {
  target?: string;
  role?: string;
  path?: string;
  expire?: string;
  expireDays?: string;
  comment?: string;
  config?: string;
  confirmTimeout?: string;
}

export interface TokenCommandDeps {
  tx?: TxRuntime;
  collect?: Collector;
  now?: () => Date;
}

/** The secret a step printed for the token op (`pvesec-tx secret <op-id> <base64 of pveum's JSON>`), if any. */
export function secretOf(stdout: string, opId: string): string | undefined {
  for (const line of stdout.split('\n')) {
    const m = /^pvesec-tx secret (\S+) (\S+)$/.exec(line.trim());
    if (!m || m[1] !== opId) continue;
    try {
      const value = (JSON.parse(Buffer.from(m[2], 'base64').toString('utf8')) as { value?: unknown }).value;
      if (typeof value === 'string' && value) return value;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * `pvesec token create USER!NAME --target T --role ROLE --path PATH [--expire DATE|--expire-days N]`: the token
 * (privilege separation always, an expiry always) and its ACL in one transaction on the node, under the
 * dead-man timer; confirmed only when the re-collected user.cfg holds both. The secret is printed once, on
 * stdout, after the confirmation; pvesec writes it nowhere. 0 created, 1 rolled back, 2 refused or error.
 */
export async function runTokenCreate(tokenId: string, opts: TokenCreateOptions, io: CommandIO, deps: TokenCommandDeps = {}): Promise<number> {
  if (!opts.target) throw new UsageError('token create: give --target ssh://root@NODE');
  if (!opts.role) throw new UsageError('token create: give --role ROLE (the one role the token needs)');
  if (!opts.path) throw new UsageError('token create: give --path PATH (where the role applies, e.g. /vms/100 or /pool/prod)');
  const confirmTimeoutSec = parsePositiveInt('--confirm-timeout', opts.confirmTimeout) ?? 120;
  const now = deps.now?.() ?? new Date();
  let expire: number;
  try {
    expire = tokenExpiry({ expire: opts.expire, expireDays: opts.expireDays }, now);
  } catch (e) {
    if (e instanceof TokenRefused) throw new UsageError(`token create: ${e.message}`);
    throw e;
  }
  const loaded = loadConfigReporting(opts.config, io);
  if (!loaded) return 2;
  const config = loaded.config;
  const collectOpts = collectOptions(opts);
  const collect = deps.collect ?? (await defaultCollector());

  const audited = await auditForPveTx(opts.target, config, collectOpts, collect, now, io);
  if (!audited) return 2;
  const { before, ctx } = audited;
  let ops;
  try {
    const { cfg, engine } = ctx.get(accessFact);
    ops = planTokenCreate({ tokenId, role: opts.role, path: opts.path, expire, comment: opts.comment }, cfg, engine, now).map((o) => ({ ...o, phase: 'activate' as const }));
  } catch (e) {
    if (e instanceof TokenRefused) {
      io.err(`pvesec: token create refused: ${e.message}`);
      return 2;
    }
    if (e instanceof Unavailable) {
      io.err(`pvesec: ${before.node}: cannot read the Proxmox users (${e.reason}): is it a Proxmox VE node, collected as root?`);
      return 2;
    }
    throw e;
  }
  const tokenOp = ops[0];
  const tx0 = deps.tx ?? (await import('../harden/apply-tx.js')).nodeTxRuntime();
  let secret: string | undefined;
  // the step's output carries the secret once; it is taken here and never reaches a progress line or a file
  const tx: TxRuntime = { ...tx0, progressLines: (stdout) => { secret ??= secretOf(stdout, tokenOp.id); return tx0.progressLines(stdout); } };
  const result = await runPveTransaction({
    target: opts.target, node: before.node, ops, fileDigests: { [FILES.userCfg]: fileDigest(before.snapshot, FILES.userCfg) },
    config, collectOpts, collect, confirmTimeoutSec, what: 'token create', now,
    verify: (after) => {
      // after the step: the re-collected user.cfg must hold the token, privilege-separated, and its grant
      const text = after.text(FILES.userCfg);
      const cfg = text === undefined ? undefined : parseUserCfg(text).value;
      const tok = cfg && findToken(cfg, tokenId);
      if (!tok || !tok.privsep || tok.expire !== expire) throw new Error(`the re-collected user.cfg does not hold ${tokenId} with privilege separation and expiry ${expire}`);
      if (!cfg.aclEntries.some((e) => e.kind === 'token' && e.member === tokenId && e.role === opts.role)) throw new Error(`the re-collected user.cfg does not grant ${opts.role} to ${tokenId}`);
    },
  }, io, tx);
  const outcome = result.outcome;
  if (outcome?.status !== 'applied') {
    if (outcome && 'reason' in outcome) io.err(`pvesec: ${outcome.node}: token not created: ${outcome.reason}`);
    return result.exitCode === 0 ? 2 : result.exitCode;
  }
  if (!secret) {
    io.err(`pvesec: ${outcome.node}: ${tokenId} was created but its secret was not received: remove it (pveum user token remove ${tokenId.replace('!', ' ')}) and create it again`);
    return 2;
  }
  await io.out(`token ${tokenId} created (privilege separation, expires ${new Date(expire * 1000).toISOString().slice(0, 10)}, ${opts.role} on ${opts.path})\n`
    + `secret (shown once; pvesec keeps no copy): ${secret}\n`
    + `use it as: Authorization: PVEAPIToken=${tokenId}=<secret>\n`);
  return 0;
}
