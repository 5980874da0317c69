import type { Check } from '../types.js';
import { fail, pass, warn } from '../types.js';
import type { Evidence } from '../../core/types.js';
import { datacenterFact, tfaFact } from '../../model/facts/pve.js';
import { rootCaFact, servedCertFact, type ServedCert } from '../../model/facts/tls.js';
import { FactContext } from '../../model/fact.js';
import { certCoversName, isIssuedBy } from '../../parse/x509.js';
import { FILES } from '../../collect/sources.js';
import { listNames, TFA_DOC } from './common.js';

/** A datacenter.cfg `webauthn` setting (present or proposed). */
export interface WebauthnSetting { rp?: string; origin?: string; id?: string }

/** How a setting fares against the nodes and their served certificates (PVE-08's verdict, and what the remedy validates). */
export interface WebauthnJudgement {
  status: 'PASS' | 'FAIL' | 'WARN';
  message: string;
  /** The certificate the message is about (an untrusted one covering the origin host). */
  cert?: ServedCert;
}

/** The host of an https:// origin (lowercase); undefined when the origin is not an https URL. */
export function webauthnOriginHost(origin: string | undefined): string | undefined {
  try {
    const url = new URL(origin ?? '');
    return url.protocol === 'https:' ? url.hostname.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a relying-party id fits an origin host: the host itself or a domain suffix of it. */
export function webauthnIdFits(id: string | undefined, host: string): boolean {
  const i = (id ?? '').toLowerCase();
  return i !== '' && (host === i || host.endsWith(`.${i}`));
}

/** The nodes whose served certificate covers a host name, and which of those certificates browsers would not trust. */
export function originCoverage(ctx: FactContext, host: string): { covering: { node: string; cert: ServedCert }[]; untrusted: { node: string; cert: ServedCert }[] } {
  const covering = [];
  for (const node of ctx.cluster.nodes) {
    const cert = new FactContext(node, ctx.cluster, ctx.config, ctx.now).tryGet(servedCertFact);
    if (cert && certCoversName(cert.leaf, host)) covering.push({ node: node.name, cert });
  }
  const ca = ctx.tryGet(rootCaFact);
  const untrusted = covering.filter(({ cert }) => cert.leaf.selfSigned || (ca ? isIssuedBy(cert.leaf, ca) : !cert.custom));
  return { covering, untrusted };
}

/** PVE-08's judgement of a webauthn setting: https origin, id a suffix of its host, the host served with a trusted certificate. */
export function judgeWebauthn(ctx: FactContext, w: WebauthnSetting): WebauthnJudgement {
  const host = webauthnOriginHost(w.origin);
  if (!host) return { status: 'FAIL', message: `webauthn origin "${w.origin ?? ''}" is not an https:// URL` };
  if (!webauthnIdFits(w.id, host)) return { status: 'FAIL', message: `webauthn id "${w.id ?? ''}" does not match origin host ${host}` };
  const id = (w.id ?? '').toLowerCase();
  const names = ctx.cluster.nodes.map((n) => n.name.toLowerCase());
  const { covering, untrusted } = originCoverage(ctx, host);
  const hostLabel = host.split('.')[0];
  if (covering.length === 0 && !names.includes(hostLabel)) {
    return { status: 'FAIL', message: `webauthn origin host ${host} is neither a node name (${listNames(names)}) nor in any node's served certificate` };
  }
  if (covering.length === 0) return { status: 'WARN', message: `webauthn origin host ${host} is not in the served certificate of any node: browsers will not trust it` };
  if (untrusted.length === covering.length) {
    return { status: 'WARN', message: `webauthn origin ${host} is served with a self-signed or pve-root-ca certificate (${untrusted.map((u) => u.node).join(', ')}): browsers will not trust it`, cert: covering[0].cert };
  }
  return { status: 'PASS', message: `webauthn id ${id} matches origin ${host}, served with a trusted certificate on ${covering.filter((c) => !untrusted.includes(c)).map((c) => c.node).join(', ')}` };
}

export const pve08: Check = {
  meta: {
    id: 'PVE-08', section: 'PVE', title: 'WebAuthn settings match the nodes and a trusted certificate', severity: 'medium', scope: 'cluster',
    rationale: 'Browsers only use WebAuthn credentials for the relying-party id they were made for, over a trusted https origin: a wrong id/origin or an untrusted certificate makes registered keys unusable.',
    fix: 'pvesh set /cluster/options --webauthn rp=pve.example.com,origin=https://pve.example.com:8006,id=pve.example.com, with a certificate for that name (pvenode acme cert order or a custom one)',
    reads: [FILES.datacenterCfg, FILES.tfaCfg, '/etc/pve/nodes/*/pveproxy-ssl.pem', '/etc/pve/nodes/*/pve-ssl.pem', FILES.pveRootCa],
    references: [TFA_DOC],
  },
  evaluate(ctx) {
    const dc = ctx.get(datacenterFact);
    const w = dc.webauthn;
    if (!w) {
      const users = [...ctx.get(tfaFact).values()].filter((u) => u.webauthn.some((e) => e.enabled)).map((u) => u.user);
      if (users.length) return fail(`no webauthn settings in datacenter.cfg but ${users.length} user(s) have WebAuthn entries: ${listNames(users)}`, [{ source: FILES.datacenterCfg, text: 'no webauthn setting' }]);
      return pass('WebAuthn is not configured (datacenter.cfg has no webauthn) and no user has a WebAuthn entry');
    }
    const ev: Evidence[] = [{ source: FILES.datacenterCfg, line: w.line, text: `webauthn: rp=${w.rp ?? ''},origin=${w.origin ?? ''},id=${w.id ?? ''}` }];
    const j = judgeWebauthn(ctx, w);
    const verdict = j.status === 'PASS' ? pass : j.status === 'WARN' ? warn : fail;
    return verdict(j.message, j.cert ? [...ev, { source: j.cert.file, text: j.cert.leaf.issuer }] : ev);
  },
};
