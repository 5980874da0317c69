/**
 * `pvesec tfa enforce REALM --target ssh://root@NODE`: TOTP enforced on a realm (`pveum realm modify REALM
 * --tfa type=oath`, inverse `--delete tfa`) in a node transaction, only when nobody would be locked out
 * (src/identity/realm.ts decides; a refusal lists the users without a factor). Confirmed only when the
 * re-collected domains.cfg shows the realm enforcing it. 0 enforced (or already), 1 rolled back, 2 refused or error.
 */
import { FILES } from '../collect/sources.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import type { TxRuntime } from '../harden/apply.js';
import { defaultCollector, type Collector } from '../harden/apply-audit.js';
import { fileDigest } from '../harden/plan.js';
import { planRealmTfa, RealmRefused } from '../identity/realm.js';
import { Unavailable } from '../model/fact.js';
import { accessFact } from '../model/facts/permissions.js';
import { realmsFact, tfaFact } from '../model/facts/pve.js';
import { parseDomainsCfg } from '../parse/domains-cfg.js';
import { collectOptions } from './audit.js';
import type { CommandIO } from './io.js';
import { parsePositiveInt, UsageError } from './options.js';
import { auditForPveTx, runPveTransaction } from './pve-tx.js';
import type { SshCliOptions } from './ssh-options.js';

export interface TfaEnforceOptions extends SshCliOptions {
  target?: string;
  confirmTimeout?: string;
}

export interface TfaEnforceDeps {
  tx?: TxRuntime;
  collect?: Collector;
  now?: () => Date;
}

export async function runTfaEnforce(realmName: string, opts: TfaEnforceOptions, io: CommandIO, deps: TfaEnforceDeps = {}): Promise<number> {
  if (!opts.target) throw new UsageError('tfa enforce: give --target ssh://root@NODE');
  const confirmTimeoutSec = parsePositiveInt('--confirm-timeout', opts.confirmTimeout) ?? 120;
  const now = deps.now?.() ?? new Date();
  const collectOpts = collectOptions(opts);
  const collect = deps.collect ?? (await defaultCollector());
  const audited = await auditForPveTx(opts.target, DEFAULT_CONFIG, collectOpts, collect, now, io);
  if (!audited) return 2;
  const { before, ctx } = audited;
  let ops;
  try {
    ops = planRealmTfa({ realm: realmName, realms: ctx.get(realmsFact), cfg: ctx.get(accessFact).cfg, tfa: ctx.get(tfaFact), now });
  } catch (e) {
    if (e instanceof RealmRefused) {
      io.err(`pvesec: ${before.node}: ${e.message}; nothing changed`);
      return 2;
    }
    if (e instanceof Unavailable || (e as Error).name === 'ParseError') {
      io.err(`pvesec: ${before.node}: cannot read the realms, users or second factors: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  if (!ops.length) {
    await io.out(`realm ${realmName} enforces TOTP already: nothing to change\n`);
    return 0;
  }
  const tx = deps.tx ?? (await import('../harden/apply-tx.js')).nodeTxRuntime();
  const { outcome, exitCode } = await runPveTransaction({
    target: opts.target, node: before.node, ops: ops.map((o) => ({ ...o, phase: 'activate' as const })),
    // the decision rests on who has a factor: a factor removed meanwhile makes apply refuse
    fileDigests: Object.fromEntries([FILES.domainsCfg, FILES.userCfg, FILES.tfaCfg].map((f) => [f, fileDigest(before.snapshot, f)])),
    config: DEFAULT_CONFIG, collectOpts, collect, confirmTimeoutSec, what: `tfa enforce ${realmName}`, now,
    verify: (after) => {
      const text = after.text(FILES.domainsCfg);
      const realm = text === undefined ? undefined : parseDomainsCfg(text, FILES.domainsCfg).value.find((r) => r.name === realmName);
      if (realm?.tfa?.type !== 'oath') throw new Error(`the re-collected domains.cfg does not show realm ${realmName} enforcing TOTP`);
    },
  }, io, tx);
  if (outcome?.status !== 'applied') {
    if (outcome && 'reason' in outcome) io.err(`pvesec: ${outcome.node}: TFA not enforced on ${realmName}: ${outcome.reason}`);
    return exitCode === 0 ? 2 : exitCode;
  }
  await io.out(`realm ${realmName} enforces TOTP (every enabled user has a factor)\n`);
  return 0;
}
