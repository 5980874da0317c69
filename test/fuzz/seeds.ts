/**
 * Real files used as fuzz seeds: the example bundles and the parsers' test fixtures, mapped to the
 * parser that reads them by path. Parsers without a mapping get a generic mix of real files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Seed roots; only one node of the cluster example (the three share most files). */
const SEED_DIRS = ['examples/fresh-install', 'examples/hardened-cluster/pve1', 'src/parse/fixtures', 'test/fixtures'];
const MAX_SEED_BYTES = 64 * 1024;

export interface SeedFile {
  /** Path relative to the repository, e.g. examples/fresh-install/etc/ssh/sshd_config */
  rel: string;
  text: string;
}

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile() && st.size <= MAX_SEED_BYTES && !/\.(ts|md|json|jsonl)$/.test(name)) out.push(p);
  }
}

let cache: SeedFile[] | undefined;
export function allSeedFiles(): SeedFile[] {
  if (cache) return cache;
  const files: string[] = [];
  for (const d of SEED_DIRS) walk(path.join(ROOT, d), files);
  cache = files.sort().map((f) => ({ rel: path.relative(ROOT, f), text: readFileSync(f, 'utf8') }));
  return cache;
}

/** Which real files feed which parser (matched against the repository-relative path). */
const SEED_MAP: Record<string, RegExp> = {
  parseIpAddr: /ip_-o_addr_show$|ip-o-addr-show/,
  parseEtcHosts: /etc\/hosts$|-hosts$/,
  parseAptConf: /apt\.conf\.d\//,
  parseSourcesList: /sources\.list/,
  parseDeb822Sources: /\.sources$/,
  parseAptSourceFile: /sources\.list/,
  parseAptUpgradable: /apt_list_--upgradable/,
  parseAuditRules: /auditctl_-l|audit\/(rules\.d\/)?.*rules$/,
  parseAuthLog: /auth-failures|auth\.log/,
  parseAuthorizedKeys: /authorized_keys|keys\/.*\.pub$/,
  parseConfigBackups: /config-backups/,
  parseCorosyncConf: /corosync\.conf$/,
  parseDatacenterCfg: /datacenter\.cfg$/,
  parseDomainsCfg: /domains\.cfg$/,
  parseDpkgStatus: /dpkg\/status$/,
  parseFail2banIni: /fail2ban\/.*\.(conf|local)$/,
  parseGroup: /etc\/group$|pve-group$/,
  parseIptablesSave: /ip6?tables-save|rules\.v[46]$/,
  parseJobsCfg: /jobs\.cfg$/,
  parseVzdumpCron: /vzdump\.cron$/,
  parseJournalUploadConf: /journal-upload\.conf$/,
  parseJournaldConf: /journald\.conf$|journald\.conf\.d\/[^/]+\.conf$|journald(-syslog)?\.conf$/,
  parseFindmnt: /findmnt/,
  parseNftRuleset: /\.nft$|nft_list_ruleset/,
  parseNodeConfig: /nodes\/[^/]+\/config$/,
  parsePasswd: /etc\/passwd$|pve-passwd$/,
  parseClusterFw: /cluster\.fw$/,
  parseHostFw: /host\.fw$/,
  parseFwRule: /\.fw$/,
  parsePveversion: /pveversion/,
  parseRsyslogConf: /rsyslog/,
  parseSectionConfig: /domains\.cfg$|jobs\.cfg$/,
  parseShadow: /etc\/shadow$/,
  parseShellVars: /default\/pveproxy$/,
  parseSshdConfig: /sshd_config/,
  parseSshdT: /sshd_-T$|sshd-T/,
  parseSshdTest: /sshd_-t$/,
  parseSudoers: /sudoers/,
  parseSysctlA: /sysctl_-a$/,
  parseSysctlConf: /sysctl\.(d\/|conf$)/,
  parseSyslogNgConf: /syslog-ng/,
  parseSystemctlStates: /systemctl-states$/,
  parseTfaCfg: /tfa\.cfg$/,
  parseUserCfg: /user\.cfg$|pve-access-control\/.*\.cfg$/,
  parsePemCertificates: /\.pem$/,
  parseListening: /ss_-tulpn$/,
  parseSs: /ss_-tulpn$/,
};

/** Small string helpers (not file parsers): their own realistic seed values. */
export const HELPER_SEEDS: Record<string, string[]> = {
  parseFail2banTime: ['600', '10m', '1h', '-1', '1d 2h', '3w', '1mo', '2 days', '1h30m', ''],
  parseIp: ['10.10.10.11', '0.0.0.0', 'fd00::1', '::ffff:192.168.1.5', '::', 'fe80::1%vmbr0', '255.255.255.255'],
  parseIpRange: ['10.10.10.0/24', '10.0.0.1-10.0.0.9', 'fd00::/64', '0.0.0.0/0', '192.168.1.1', '::/0'],
  parseAddressList: ['+management', '+dc/management', '10.0.0.0/8,192.168.1.1', '10.0.0.1-10.0.0.9', 'bastion', 'dc/bastion', '!10.1.0.0/16'],
  parsePropertyString: ['type=oath,digits=6', 'rp=pve.example.com,origin=https://pve.example.com:8006,id=pve.example.com', 'enable=1,rate=1/second,burst=5', 'keep-daily=7,keep-weekly=4', 'account=default,domains=a.example;b.example'],
};

/** Extra synthetic seeds for formats the examples only hold in their trivial form. */
const EXTRA_SEEDS: Record<string, string[]> = {
  parseSshdTest: [
    '/etc/ssh/sshd_config: line 42: Bad configuration option: PermitRootLgin\n/etc/ssh/sshd_config: terminating, 1 bad configuration options\n',
    '/etc/ssh/sshd_config.d/50-hardening.conf line 7: unsupported option "UsePrivilegeSeparation".\n',
  ],
  parseSourcesList: ['deb http://deb.debian.org/debian bookworm main contrib\n# deb-src http://deb.debian.org/debian bookworm main\ndeb [signed-by=/usr/share/keyrings/proxmox-archive-keyring.gpg arch=amd64] http://download.proxmox.com/debian/pve bookworm pve-no-subscription\n'],
  parseJournalUploadConf: ['[Upload]\nURL=https://logs.example.com:19532\n# ServerKeyFile=/etc/ssl/private/journal-upload.pem\nTrustedCertificateFile=/etc/ssl/certs/ca.pem\n'],
  parseSyslogNgConf: ['@version: 4.8\n@include "scl.conf"\nsource s_src { system(); internal(); };\ndestination d_net { network("10.10.10.50" transport("tcp") port(514)); };\nlog { source(s_src); destination(d_net); };\n'],
};

/** Seed texts for a parser, and the path it is normally called with. */
export function seedsFor(name: string): { seeds: string[]; file: string | undefined } {
  if (HELPER_SEEDS[name]) return { seeds: HELPER_SEEDS[name], file: undefined };
  const re = SEED_MAP[name];
  const matched = re ? allSeedFiles().filter((f) => re.test(f.rel)) : [];
  const seeds = [...matched.map((f) => f.text), ...(EXTRA_SEEDS[name] ?? [])];
  if (seeds.length === 0) {
    // Unknown parser: a spread of real files of several formats.
    const all = allSeedFiles();
    for (let i = 0; i < all.length; i += Math.max(1, Math.floor(all.length / 12))) seeds.push(all[i].text);
  }
  const first = matched[0]?.rel;
  return { seeds, file: first ? nodePath(first) : undefined };
}

/** examples/fresh-install/etc/ssh/sshd_config -> /etc/ssh/sshd_config; commands/sshd_-T -> sshd -T. */
function nodePath(rel: string): string {
  const m = /^examples\/(?:fresh-install|hardened-cluster\/pve\d)\/(.*)$/.exec(rel);
  if (!m) return '/' + rel;
  if (m[1].startsWith('commands/')) return m[1].slice('commands/'.length).replace(/_/g, ' ');
  return '/' + m[1];
}
