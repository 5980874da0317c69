/**
 * Remedy of PVE-08 (issue 11): the datacenter.cfg `webauthn` setting, written by Proxmox itself with
 * `pvesh set /cluster/options --webauthn 'rp=…,origin=…,id=…'` (a pve-call; its inverse puts the previous
 * value back, or deletes the key). docs/identity.md, "WebAuthn settings (PVE-08)".
 *
 * The origin is what admins type in their browser, which pvesec cannot see: it comes from pvesec.yaml
 * (`webauthn: {origin, id?, rp?}`), or, when that is absent, on a standalone node from its served certificate
 * only when a trusted one names exactly one FQDN of the node. The setting is validated with PVE-08's own
 * judgement before it is planned, and refused when it would break registered WebAuthn keys.
 */
import type { PvesecConfig } from '../../config/schema.js';
import { ManualOnly, type PlannedOp, type Remedy, type RemedyInput } from '../../harden/plan-types.js';
import { FactContext } from '../../model/fact.js';
import { datacenterFact, tfaFact } from '../../model/facts/pve.js';
import { servedCertFact } from '../../model/facts/tls.js';
import { parsePropertyString } from '../../parse/section-config.js';
import { listNames } from './common.js';
import { judgeWebauthn, originCoverage, webauthnOriginHost, type WebauthnSetting } from './pve-08.js';

/** Where the origin of a planned setting came from, for the plan's summary. */
type Source = 'pvesec.yaml' | 'certificate';

interface Desired { rp: string; origin: string; id: string; source: Source }

/** The port pveproxy serves the web UI on: the origin derived from a certificate assumes it. */
const PVEPROXY_PORT = 8006;

/** The property string Proxmox stores (`rp=…,origin=…,id=…`), keeping an allow-subdomains the current setting has. */
export function webauthnValue(d: { rp: string; origin: string; id: string }, current?: string): string {
  const allow = current === undefined ? undefined : parsePropertyString(current).get('allow-subdomains');
  return `rp=${d.rp},origin=${d.origin},id=${d.id}${allow !== undefined ? `,allow-subdomains=${allow}` : ''}`;
}

/** The exact command a human runs, with a placeholder where pvesec cannot know the name. */
function commandFor(d?: { rp: string; origin: string; id: string }, current?: string): string {
  const v = d ? webauthnValue(d, current) : `rp=NAME,origin=https://NAME:${PVEPROXY_PORT},id=NAME`;
  return `pvesh set /cluster/options --webauthn '${v}'`;
}

function fromConfig(w: NonNullable<PvesecConfig['webauthn']>): Desired {
  const origin = w.origin.replace(/\/$/, '');
  const host = webauthnOriginHost(origin) ?? '';
  const id = (w.id ?? host).toLowerCase();
  return { origin, id, rp: w.rp ?? id, source: 'pvesec.yaml' };
}

/**
 * The one origin the served certificates make unambiguous, on a standalone node only (in a cluster every node
 * serves the web UI, and which name admins use, or whether every node was collected, is not known): DNS names
 * (no wildcard) whose first label is the node's name, with a dot (an FQDN), served by a certificate browsers
 * trust. Several or none: undefined, with the candidates seen.
 */
function fromCertificates(ctx: FactContext): { desired?: Desired; candidates: string[] } {
  if (ctx.cluster.clustered) return { candidates: [] };
  const nodes = new Set(ctx.cluster.nodes.map((n) => n.name.toLowerCase()));
  const names = new Set<string>();
  for (const node of ctx.cluster.nodes) {
    const cert = new FactContext(node, ctx.cluster, ctx.config, ctx.now).tryGet(servedCertFact);
    for (const n of cert?.leaf.dnsNames ?? []) {
      const name = n.toLowerCase();
      if (name.includes('.') && !name.includes('*') && nodes.has(name.split('.')[0])) names.add(name);
    }
  }
  const trusted = [...names].filter((n) => {
    const { covering, untrusted } = originCoverage(ctx, n);
    return covering.length > untrusted.length;
  }).sort();
  if (trusted.length !== 1) return { candidates: trusted };
  const name = trusted[0];
  return { desired: { origin: `https://${name}:${PVEPROXY_PORT}`, id: name, rp: name, source: 'certificate' }, candidates: trusted };
}

function desiredSetting(input: RemedyInput): Desired {
  if (input.config.webauthn) return fromConfig(input.config.webauthn);
  const { desired, candidates } = fromCertificates(input.ctx);
  if (desired) return desired;
  const seen = input.ctx.cluster.clustered
    ? 'in a cluster the name admins use is not pvesec\'s guess'
    : candidates.length
      ? `the served certificates name several node FQDNs (${listNames(candidates)}): which one admins use is not pvesec's guess`
      : 'no trusted served certificate names a node FQDN';
  throw new ManualOnly(`no webauthn origin declared (webauthn: {origin: https://NAME:${PVEPROXY_PORT}} in pvesec.yaml) and ${seen}; set it in pvesec.yaml, or by hand: ${commandFor()}`);
}

/**
 * Users whose registered WebAuthn keys the change would break: the relying-party id differs from the current
 * setting's (WebAuthn binds a key to the id it was made for). tfa.cfg does not record the id per key, so every
 * entry is taken as registered under the current setting; a current setting without an id counts as a
 * different id (in doubt, refuse). Without any webauthn setting no WebAuthn login works today, so no key can
 * break: nobody is listed.
 */
export function keysBrokenBy(ctx: FactContext, newId: string): { oldId?: string; users: string[] } | undefined {
  const current = ctx.get(datacenterFact).webauthn;
  if (!current) return undefined;
  const oldId = current.id?.toLowerCase() ?? '';
  if (oldId === newId.toLowerCase()) return undefined;
  const users = usersWithWebauthn(ctx);
  return users.length ? { ...(oldId ? { oldId } : {}), users } : undefined;
}

/** Users with WebAuthn entries while datacenter.cfg has no webauthn setting: their keys may need registering again. */
function keysWithoutSetting(ctx: FactContext): string[] {
  return ctx.get(datacenterFact).webauthn ? [] : usersWithWebauthn(ctx);
}

/** Users with WebAuthn entries in tfa.cfg (enabled or not), sorted. */
function usersWithWebauthn(ctx: FactContext): string[] {
  return [...ctx.get(tfaFact).values()].filter((u) => u.webauthn.length > 0).map((u) => u.user).sort();
}

function planWebauthn(input: RemedyInput): PlannedOp[] {
  const { ctx } = input;
  const d = desiredSetting(input);
  const setting: WebauthnSetting = { rp: d.rp, origin: d.origin, id: d.id };
  const judged = judgeWebauthn(ctx, setting);
  if (judged.status !== 'PASS') throw new ManualOnly(`the webauthn setting from ${d.source} (origin ${d.origin}, id ${d.id}) would not pass PVE-08: ${judged.message}`);

  const dc = ctx.get(datacenterFact);
  const current = dc.values.get('webauthn')?.value;
  const cur = dc.webauthn;
  if (cur && cur.rp === d.rp && cur.origin === d.origin && cur.id === d.id) {
    throw new ManualOnly(`datacenter.cfg already has this webauthn setting (${current ?? ''}): what fails is elsewhere`);
  }
  const broken = keysBrokenBy(ctx, d.id);
  if (broken) {
    const [from, under, keep] = broken.oldId
      ? [broken.oldId, broken.oldId, `keep id ${broken.oldId} (webauthn.id in pvesec.yaml)`]
      : ['none (the setting has no id)', 'the current setting', 'leave the setting as it is'];
    throw new ManualOnly(`changing the WebAuthn relying-party id from ${from} to ${d.id} would break the WebAuthn keys registered under ${under} by ${listNames(broken.users)}: ${keep}, or change it by hand (${commandFor(d, current)}) and have each of them register the key again: Datacenter > Permissions > Two Factor, remove the old WebAuthn entry, Add > WebAuthn over ${d.origin}`);
  }
  const value = webauthnValue(d, current);
  const orphans = keysWithoutSetting(ctx);
  const note = orphans.length ? `; WebAuthn keys of ${listNames(orphans)} were registered under a setting datacenter.cfg no longer has: re-register any that fail` : '';
  const cmd = ['pvesh', 'set', '/cluster/options'];
  return [{
    kind: 'pve-call', id: 'pvesh:cluster-options:webauthn', phase: 'activate', controls: ['PVE-08'], cutsAccess: false,
    summary: `datacenter.cfg webauthn: ${value} (origin from ${d.source}; was: ${current ?? 'not set'})${note}`,
    argv: [...cmd, '--webauthn', value],
    inverse: [current !== undefined ? [...cmd, '--webauthn', current] : [...cmd, '--delete', 'webauthn']],
  }];
}

export const webauthnRemedy: Remedy = { controls: ['PVE-08'], plan: planWebauthn };
