import { COMMANDS, FILES, nodeFile } from '../../collect/sources.js';
import { clusterFact, nodeFact, Unavailable } from '../fact.js';
import { parsePemCertificates, type CertInfo } from '../../parse/x509.js';
import { parseShellVars, type ShellVar } from '../../parse/shell-vars.js';
import { optionalPveFile } from './pve.js';

export interface ServedCert {
  /** pveproxy-ssl.pem when present (custom or ACME), else pve-ssl.pem. */
  file: string;
  custom: boolean;
  leaf: CertInfo;
  chain: CertInfo[];
}

/** The certificate pveproxy serves on port 8006 for this node. */
export const servedCertFact = nodeFact<ServedCert>('tls.served', (ctx) => {
  const customFile = nodeFile(ctx.nodeName(), 'pveproxy-ssl.pem');
  const defaultFile = nodeFile(ctx.nodeName(), 'pve-ssl.pem');
  const custom = optionalPveFile(ctx, customFile);
  const file = custom !== undefined ? customFile : defaultFile;
  const text = custom ?? ctx.snapshot.text(defaultFile);
  if (text === undefined) throw new Unavailable(ctx.snapshot.whyMissing(defaultFile));
  const chain = parsePemCertificates(text, file).value;
  return { file, custom: custom !== undefined, leaf: chain[0], chain };
});

/** The cluster's self-signed CA (/etc/pve/pve-root-ca.pem). */
export const rootCaFact = clusterFact<CertInfo>('tls.root-ca', (ctx) =>
  parsePemCertificates(ctx.requireFile(FILES.pveRootCa), FILES.pveRootCa).value[0]);

/** /etc/default/pveproxy assignments; an absent file means pveproxy's defaults. */
export const pveproxyDefaultsFact = nodeFact<{ vars: Map<string, ShellVar>; present: boolean }>('tls.pveproxy-defaults', (ctx) => {
  const path = FILES.pveproxyDefaults;
  const text = ctx.snapshot.text(path);
  if (text === undefined) {
    if (ctx.snapshot.errors.has(path)) throw new Unavailable(ctx.snapshot.whyMissing(path));
    // Absence only means "defaults" on a node that has pveproxy at all.
    const isPve = ctx.snapshot.sawDir('/etc/pve') || /^pve-manager:/m.test(ctx.snapshot.command(COMMANDS.pveversion.name)?.output ?? '');
    if (!isPve) throw new Unavailable(`${path} absent and no sign of Proxmox VE (/etc/pve and pveversion not collected)`);
    return { vars: new Map(), present: false };
  }
  return { vars: parseShellVars(text, path).value, present: true };
});
