import type { Check } from '../types.js';
import { fail, pass, warn } from '../types.js';
import { datacenterFact, tfaFact } from '../../model/facts/pve.js';
import { rootCaFact, servedCertFact } from '../../model/facts/tls.js';
import { FactContext } from '../../model/fact.js';
import { certCoversName, isIssuedBy } from '../../parse/x509.js';
import { FILES } from '../../collect/sources.js';
import { listNames, TFA_DOC } from './common.js';

export const pve08: Check = {
  meta: {
    id: 'PVE-08', section: 'PVE', title: 'WebAuthn settings match the nodes and a trusted certificate', severity: 'medium', scope: 'cluster',
    rationale: 'Browsers only use WebAuthn credentials for the relying-party id they were made for, over a trusted https origin: a wrong id/origin or an untrusted certificate makes registered keys unusable.',
    fix: 'pvesh set /cluster/options --webauthn rp=pve.example.com,origin=https://pve.example.com:8006,id=pve.example.com, with a certificate for that name (pvenode acme cert order or a custom one)',
    reads: [FILES.datacenterCfg, FILES.tfaCfg, '/etc/pve/nodes/<node>/pveproxy-ssl.pem', '/etc/pve/nodes/<node>/pve-ssl.pem', FILES.pveRootCa],
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
    const ev = [{ source: FILES.datacenterCfg, line: w.line, text: `webauthn: rp=${w.rp ?? ''},origin=${w.origin ?? ''},id=${w.id ?? ''}` }];
    let host: string | undefined;
    try {
      const url = new URL(w.origin ?? '');
      host = url.protocol === 'https:' ? url.hostname.toLowerCase() : undefined;
    } catch {
      host = undefined;
    }
    if (!host) return fail(`webauthn origin "${w.origin ?? ''}" is not an https:// URL`, ev);
    const id = (w.id ?? '').toLowerCase();
    if (!id || (host !== id && !host.endsWith(`.${id}`))) return fail(`webauthn id "${w.id ?? ''}" does not match origin host ${host}`, ev);
    const names = ctx.cluster.nodes.map((n) => n.name.toLowerCase());
    const covering = [];
    for (const node of ctx.cluster.nodes) {
      const cert = new FactContext(node, ctx.cluster, ctx.config, ctx.now).tryGet(servedCertFact);
      if (cert && certCoversName(cert.leaf, host)) covering.push({ node: node.name, cert });
    }
    const hostLabel = host.split('.')[0];
    if (covering.length === 0 && !names.includes(hostLabel)) {
      return fail(`webauthn origin host ${host} is neither a node name (${listNames(names)}) nor in any node's served certificate`, ev);
    }
    if (covering.length === 0) return warn(`webauthn origin host ${host} is not in the served certificate of any node: browsers will not trust it`, ev);
    const ca = ctx.tryGet(rootCaFact);
    const untrusted = covering.filter(({ cert }) => cert.leaf.selfSigned || (ca ? isIssuedBy(cert.leaf, ca) : !cert.custom));
    if (untrusted.length === covering.length) {
      return warn(`webauthn origin ${host} is served with a self-signed or pve-root-ca certificate (${untrusted.map((u) => u.node).join(', ')}): browsers will not trust it`, [...ev, { source: covering[0].cert.file, text: covering[0].cert.leaf.issuer }]);
    }
    return pass(`webauthn id ${id} matches origin ${host}, served with a trusted certificate on ${covering.filter((c) => !untrusted.includes(c)).map((c) => c.node).join(', ')}`, ev);
  },
};
