/**
 * The single list of what pvesec collects from a node. The collection script, the bundle format
 * and the parsers all refer to these names. Paths are absolute on the node; in a bundle they appear
 * without the leading slash (etc/ssh/sshd_config). Globs use shell syntax and are expanded on the node.
 */
export const FILES = {
  sshdConfig: '/etc/ssh/sshd_config',
  sshdConfigDir: '/etc/ssh/sshd_config.d',
  passwd: '/etc/passwd',
  group: '/etc/group',
  /** Collected with every password hash replaced by a marker: only empty / locked / set survives. */
  shadow: '/etc/shadow',
  sudoers: '/etc/sudoers',
  sudoersDir: '/etc/sudoers.d',
  rootHome: '/root',
  dpkgStatus: '/var/lib/dpkg/status',
  hostname: '/etc/hostname',
  /** What the node name resolves to: the node's address for Proxmox (standalone nodes, ring0 host names). */
  hosts: '/etc/hosts',
  osRelease: '/etc/os-release',
  fstab: '/etc/fstab',
  // /etc/pve (cluster-wide, identical on every node of a cluster through pmxcfs)
  userCfg: '/etc/pve/user.cfg',
  domainsCfg: '/etc/pve/domains.cfg',
  tfaCfg: '/etc/pve/priv/tfa.cfg',
  pveAuthorizedKeys: '/etc/pve/priv/authorized_keys',
  datacenterCfg: '/etc/pve/datacenter.cfg',
  corosyncConf: '/etc/pve/corosync.conf',
  clusterFw: '/etc/pve/firewall/cluster.fw',
  jobsCfg: '/etc/pve/jobs.cfg',
  vzdumpCron: '/etc/pve/vzdump.cron',
  pveRootCa: '/etc/pve/pve-root-ca.pem',
  pveNodesDir: '/etc/pve/nodes',
  /** pmxcfs status (JSON): `cluster.quorate` tells whether /etc/pve is writable on a cluster node. */
  pveMembers: '/etc/pve/.members',
  // per node, under /etc/pve/nodes/<node>/: host.fw, config, pve-ssl.pem, pveproxy-ssl.pem
  pveproxyDefaults: '/etc/default/pveproxy',
  iptablesRulesV4: '/etc/iptables/rules.v4',
  iptablesRulesV6: '/etc/iptables/rules.v6',
  fail2banJailConf: '/etc/fail2ban/jail.conf',
  fail2banJailLocal: '/etc/fail2ban/jail.local',
  fail2banJailDir: '/etc/fail2ban/jail.d',
  fail2banFilterDir: '/etc/fail2ban/filter.d',
  /** The values jail.conf interpolates (%(sshd_log)s, %(sshd_backend)s ...). */
  fail2banPathsCommon: '/etc/fail2ban/paths-common.conf',
  fail2banPathsDebian: '/etc/fail2ban/paths-debian.conf',
  fail2banPathsOverrides: '/etc/fail2ban/paths-overrides.local',
  aptSourcesList: '/etc/apt/sources.list',
  aptSourcesDir: '/etc/apt/sources.list.d',
  aptConfDir: '/etc/apt/apt.conf.d',
  aptConf: '/etc/apt/apt.conf',
  rebootRequired: '/var/run/reboot-required',
  sysctlConf: '/etc/sysctl.conf',
  sysctlDir: '/etc/sysctl.d',
  auditRulesDir: '/etc/audit/rules.d',
  auditRules: '/etc/audit/audit.rules',
  rsyslogConf: '/etc/rsyslog.conf',
  rsyslogDir: '/etc/rsyslog.d',
  journalUploadConf: '/etc/systemd/journal-upload.conf',
  syslogNgConf: '/etc/syslog-ng/syslog-ng.conf',
  syslogNgDir: '/etc/syslog-ng/conf.d',
  // journald.conf(5): the main file is the first of these four that exists, drop-ins come from all four dirs
  journaldConf: '/etc/systemd/journald.conf',
  journaldConfRun: '/run/systemd/journald.conf',
  journaldConfLocal: '/usr/local/lib/systemd/journald.conf',
  journaldConfVendor: '/usr/lib/systemd/journald.conf',
  journaldDropinDir: '/etc/systemd/journald.conf.d',
  journaldRunDropinDir: '/run/systemd/journald.conf.d',
  journaldLocalDropinDir: '/usr/local/lib/systemd/journald.conf.d',
  journaldVendorDropinDir: '/usr/lib/systemd/journald.conf.d',
} as const;

export function nodeFile(node: string, name: 'host.fw' | 'config' | 'pve-ssl.pem' | 'pveproxy-ssl.pem'): string {
  return `/etc/pve/nodes/${node}/${name}`;
}

/**
 * Cluster-wide /etc/pve files: pmxcfs makes them identical on every node of a cluster, so when
 * several nodes are collected at once they come from one node per cluster (src/collect/pve-shared.ts).
 * Not among them: corosync.conf (tells which cluster a node is in), priv/authorized_keys (root's
 * keys point there; per-node checks read it) and the node's own /etc/pve/nodes/<node>/ files.
 */
export const PVE_SHARED_FILES: readonly string[] = [
  FILES.userCfg, FILES.domainsCfg, FILES.tfaCfg, FILES.datacenterCfg, FILES.clusterFw, FILES.jobsCfg,
  FILES.vzdumpCron, FILES.pveRootCa,
];

/** Whether a path (file, directory or error key) is cluster-wide /etc/pve data for a node named ownNode. */
export function isPveShared(p: string, ownNode: string): boolean {
  if (PVE_SHARED_FILES.includes(p)) return true;
  const prefix = FILES.pveNodesDir + '/';
  if (!p.startsWith(prefix)) return false;
  const node = p.slice(prefix.length).split('/')[0];
  return node !== '' && node !== ownNode;
}

/** Systemd units whose state is collected into the `systemctl-states` command. */
export const UNITS = [
  'ssh', 'fail2ban', 'auditd', 'rsyslog', 'syslog-ng', 'systemd-journal-upload', 'unattended-upgrades',
  'apt-daily-upgrade.timer', 'netfilter-persistent', 'pve-firewall', 'proxmox-firewall', 'pveproxy',
  'pvedaemon', 'spiceproxy', 'corosync', 'pve-cluster', 'nftables',
] as const;

/**
 * Commands run on the node. The key is the name used everywhere (and, with spaces and slashes
 * replaced by `_`, the file name under commands/ in a bundle); `sh` is what the script runs.
 * `root`: needs root to give a complete answer (collected through sudo -n for a non-root login).
 */
export const COMMANDS = {
  sshdEffective: { name: 'sshd -T', sh: '/usr/sbin/sshd -T', root: true },
  sshdTest: { name: 'sshd -t', sh: '/usr/sbin/sshd -t', root: true },
  /**
   * `sshd -T -C` for the connections the SSH controls ask about: each declared admin (config admin_users)
   * and root from each corosync peer address. One `### SPEC` line, the output, `### exit N` per spec.
   */
  sshdConnections: { name: 'sshd -T -C', sh: '', root: true },
  iptablesSave: { name: 'iptables-save', sh: 'iptables-save', root: true },
  ip6tablesSave: { name: 'ip6tables-save', sh: 'ip6tables-save', root: true },
  nftRuleset: { name: 'nft list ruleset', sh: 'nft list ruleset', root: true },
  aptUpgradable: { name: 'apt list --upgradable', sh: 'apt list --upgradable 2>/dev/null', root: false },
  /** Downloaded package indexes, `<mtime-epoch> <file>` per line: tells whether `apt list --upgradable` knows anything. */
  aptLists: { name: 'apt-lists', sh: "find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -printf '%T@ %f\\n'", root: false },
  sysctl: { name: 'sysctl -a', sh: 'sysctl -a 2>/dev/null', root: false },
  mounts: { name: 'findmnt -l -n -o TARGET,SOURCE,FSTYPE,OPTIONS', sh: 'findmnt -l -n -o TARGET,SOURCE,FSTYPE,OPTIONS', root: false },
  listening: { name: 'ss -tulpn', sh: 'ss -tulpn', root: true },
  auditRules: { name: 'auditctl -l', sh: 'auditctl -l', root: true },
  /** One line per unit of UNITS: `<unit> <is-active> <is-enabled>`. */
  systemctlStates: { name: 'systemctl-states', sh: '', root: false },
  /** Recent SSH and web-UI authentication failures, from auth.log or the journal (last 7 days, at most 2000 lines). */
  authFailures: { name: 'auth-failures', sh: '', root: true },
  pveversion: { name: 'pveversion -v', sh: 'pveversion -v', root: false },
  unameR: { name: 'uname -r', sh: 'uname -r', root: false },
  hostname: { name: 'hostname', sh: 'hostname', root: false },
  /** Interface addresses: the network containing the node's IP is pve-firewall's local_network. */
  ipAddr: { name: 'ip -o addr show', sh: 'ip -o addr show', root: false },
  /**
   * The algorithms this OpenSSH build supports, one name per line (`ssh -Q`; sshd is built from the
   * same tables): what an sshd drop-in may name without sshd -t refusing it.
   */
  sshQueryKex: { name: 'ssh -Q kex', sh: 'ssh -Q kex', root: false },
  sshQueryCipher: { name: 'ssh -Q cipher', sh: 'ssh -Q cipher', root: false },
  sshQueryMac: { name: 'ssh -Q mac', sh: 'ssh -Q mac', root: false },
  sshQueryKey: { name: 'ssh -Q key', sh: 'ssh -Q key', root: false },
  /** Newest /root/pve-config-*.tar.gz (or configured glob): `<mtime-epoch> <size> <path>` then its member list. */
  configBackups: { name: 'config-backups', sh: '', root: true },
  /** What /var/log/journal is (`directory`, `absent`, `not a directory`): with Storage=auto it decides whether the journal persists. */
  journalDir: { name: 'journal-dir', sh: '', root: false },
} as const;

export type CommandKey = keyof typeof COMMANDS;
