import { COMMANDS, FILES, nodeFile } from '../../collect/sources.js';
import { clusterFact, nodeFact, Unavailable, type FactContext } from '../fact.js';
import { fileLine } from '../file-lines.js';
import { parseUserCfg, type UserConfig } from '../../parse/user-cfg.js';
import { parseDomainsCfg, type Realm } from '../../parse/domains-cfg.js';
import { parseTfaCfg, type TfaConfig } from '../../parse/tfa-cfg.js';
import { parseDatacenterCfg, type DatacenterCfg } from '../../parse/datacenter-cfg.js';
import { parseJobsCfg, parseVzdumpCron, type CronJob, type Job } from '../../parse/jobs-cfg.js';
import { parseNodeConfig, type NodeConfig } from '../../parse/node-config.js';
import type { Diagnostic } from '../../parse/diagnostics.js';
import { parsePveversion, type PveVersion } from '../../parse/pveversion.js';

/**
 * Text of an /etc/pve file that Proxmox may legitimately not have created yet (no TFA configured,
 * no backup job ...): undefined when it is absent from a readable /etc/pve, Unavailable when it
 * (or its directory) could not be read or /etc/pve was not collected at all.
 */
export function optionalPveFile(ctx: FactContext, path: string): string | undefined {
  const text = ctx.snapshot.text(path);
  if (text !== undefined) return text;
  const s = ctx.snapshot;
  for (let p = path; p.length > 1; p = p.slice(0, p.lastIndexOf('/')) || '/') {
    if (s.errors.has(p)) throw new Unavailable(s.whyMissing(p));
  }
  if (!s.sawDir('/etc/pve')) throw new Unavailable(s.whyMissing('/etc/pve'));
  if (path.startsWith('/etc/pve/priv/') && !s.sawDir('/etc/pve/priv') && s.meta.privilege === 'user') {
    throw new Unavailable(`${path}: /etc/pve/priv is readable by root only (collected without root)`);
  }
  return undefined;
}

export interface Located<T> {
  value: T;
  diagnostics: Diagnostic[];
}

/** /etc/pve/user.cfg parsed with Proxmox's semantics (cluster-wide). */
export const userCfgFact = clusterFact<Located<UserConfig>>('pve.user.cfg', (ctx) =>
  parseUserCfg(ctx.requireFile(FILES.userCfg), FILES.userCfg));

/** Authentication realms; pam and pve always exist in Proxmox even when domains.cfg omits them. */
export const realmsFact = clusterFact<Realm[]>('pve.domains.cfg', (ctx) => {
  const text = optionalPveFile(ctx, FILES.domainsCfg);
  const realms = text === undefined ? [] : parseDomainsCfg(text, FILES.domainsCfg).value;
  for (const builtin of ['pam', 'pve'] as const) {
    if (!realms.some((r) => r.name === builtin)) realms.push({ name: builtin, type: builtin, line: 0, isDefault: false, props: new Map() });
  }
  return realms;
});

/** Second factors per user from priv/tfa.cfg (absent file = nobody has one). Secrets never kept. */
export const tfaFact = clusterFact<TfaConfig>('pve.tfa.cfg', (ctx) => {
  const text = optionalPveFile(ctx, FILES.tfaCfg);
  return text === undefined ? new Map() : parseTfaCfg(text, FILES.tfaCfg).value;
});

export const datacenterFact = clusterFact<DatacenterCfg>('pve.datacenter.cfg', (ctx) => {
  const text = optionalPveFile(ctx, FILES.datacenterCfg);
  return text === undefined ? { values: new Map() } : parseDatacenterCfg(text, FILES.datacenterCfg).value;
});

/** Scheduled jobs of jobs.cfg plus the legacy vzdump.cron entries. */
export const backupJobsFact = clusterFact<{ jobs: Job[]; cron: CronJob[] }>('pve.jobs', (ctx) => {
  const jobsText = optionalPveFile(ctx, FILES.jobsCfg);
  const cronText = optionalPveFile(ctx, FILES.vzdumpCron);
  return {
    jobs: jobsText === undefined ? [] : parseJobsCfg(jobsText, FILES.jobsCfg).value,
    cron: cronText === undefined ? [] : parseVzdumpCron(cronText, FILES.vzdumpCron).value,
  };
});

/** This node's /etc/pve/nodes/<node>/config (ACME settings); absent = nothing configured. */
export const nodeConfigFact = nodeFact<NodeConfig & { file: string }>('pve.node.config', (ctx) => {
  const file = nodeFile(ctx.nodeName(), 'config');
  const text = optionalPveFile(ctx, file);
  const cfg = text === undefined ? { acmeDomains: [], values: new Map() } : parseNodeConfig(text, file).value;
  return { ...cfg, file };
});

/** Whether a user is expired at `now` (expire is epoch seconds, 0 = never). */
export function isExpired(expire: number, now: Date): boolean {
  return expire > 0 && expire * 1000 <= now.getTime();
}

/** Evidence for a user.cfg line; a legacy inline key field (a TOTP secret) is masked. */
export function userCfgEvidence(ctx: FactContext, line: number): { source: string; line: number; text?: string } {
  if (line <= 0) return { source: FILES.userCfg, line, text: 'root@pam (implicit)' };
  const raw = fileLine(ctx.cluster.representative.snapshot, FILES.userCfg, line)?.trim();
  if (raw === undefined) return { source: FILES.userCfg, line };
  const f = raw.split(':');
  if (f[0].trim() === 'user' && f.length > 8 && f[8].trim() !== '' && !/^x(!.*)?$/.test(f[8].trim())) f[8] = '<redacted>';
  return { source: FILES.userCfg, line, text: f.join(':').slice(0, 200) };
}

/** `pveversion -v` of this node. */
export const pveVersionFact = nodeFact<PveVersion>('pve.version', (ctx) =>
  parsePveversion(ctx.requireCommand(COMMANDS.pveversion.name).output, COMMANDS.pveversion.name).value);
