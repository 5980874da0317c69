/**
 * Large inputs of the shapes that once made an audit quadratic (issue 8 §3): one file (or command
 * output) of a bundle replaced by `bytes` of one repeated shape. Shared by the fuzz regression test
 * (test/fuzz/big-inputs.test.ts) and the benchmark (bench/big-inputs.ts).
 * Each shape is deterministic: the same size always yields the same text.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './seeds.js';

export interface BigShape {
  name: string;
  /** Absolute node path of the replaced file, or `commands/<file>` for a command output. */
  target: string;
  /** Text of about `bytes` bytes (at least one unit). */
  make(bytes: number): string;
}

/** The bundle the shapes are planted into: a hardened node whose checks read every one of these files. */
export const BASE_BUNDLE = path.join(ROOT, 'examples/hardened-cluster/pve1');

/** head, then unit(0), unit(1), ... until `bytes`, then tail. */
function fill(bytes: number, unit: (i: number) => string, head = '', tail = ''): string {
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; size < bytes || i === 0; i++) {
    const u = unit(i);
    parts.push(u);
    size += u.length;
  }
  parts.push(tail);
  return parts.join('');
}

const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

export const BIG_SHAPES: BigShape[] = [
  {
    // Every line a diagnostic of FW-08 ("line ignored by Proxmox"), each with its evidence line.
    name: 'cluster.fw: junk lines',
    target: '/etc/pve/firewall/cluster.fw',
    make: (b) => fill(b, (i) => `junk${i} !!?? ${i % 7 ? 'x' : ''}\n`, '[OPTIONS]\nenable: 1\n'),
  },
  {
    name: 'cluster.fw: { and } lines',
    target: '/etc/pve/firewall/cluster.fw',
    make: (b) => fill(b, (i) => (i % 2 ? '}\n' : '{\n'), '[OPTIONS]\nenable: 1\n[RULES]\n'),
  },
  {
    name: 'host.fw: { and } lines',
    target: '/etc/pve/nodes/pve1/host.fw',
    make: (b) => fill(b, (i) => (i % 2 ? '}\n' : '{\n'), '[OPTIONS]\nenable: 1\n'),
  },
  {
    // Rules pve-firewall ignores (lowercase action, -dport without -p): one FW-08 FAIL each.
    name: 'cluster.fw: ignored rules',
    target: '/etc/pve/firewall/cluster.fw',
    make: (b) => fill(b, (i) => `IN accept -source ${ip(i)} -dport ${1 + (i % 60000)}\n`, '[OPTIONS]\nenable: 1\n\n[RULES]\n'),
  },
  {
    // Valid rules, ipsets and aliases: what a large real cluster.fw looks like.
    name: 'cluster.fw: valid rules, aliases, ipsets',
    target: '/etc/pve/firewall/cluster.fw',
    make: (b) => {
      const n = Math.max(1, Math.floor(b / 120));
      const aliases = Array.from({ length: Math.ceil(n / 10) }, (_, i) => `host${i} ${ip(i)} # alias ${i}\n`).join('');
      const ipset = Array.from({ length: Math.ceil(n / 10) }, (_, i) => `${ip(100_000 + i)}/32 # member ${i}\n`).join('');
      return fill(b, (i) => `IN ACCEPT -source host${i % Math.ceil(n / 10)} -p tcp -dport ${1 + (i % 60000)} -log nolog # rule ${i}\n`,
        `[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[ALIASES]\n${aliases}\n[IPSET management]\n10.20.30.0/24\n\n[IPSET big]\n${ipset}\n[RULES]\n`);
    },
  },
  {
    // Administrators with no second factor: PVE checks report each user.cfg line as evidence.
    name: 'user.cfg: admins',
    target: '/etc/pve/user.cfg',
    make: (b) => fill(b, (i) => `user:admin${i}@pve:1:0:Admin:${i}:admin${i}@example.com::x:\nacl:1:/:admin${i}@pve:Administrator:\n`,
      'user:root@pam:1:0:::root@localhost::x:\n'),
  },
  {
    name: 'user.cfg: groups, tokens, ACLs',
    target: '/etc/pve/user.cfg',
    make: (b) => fill(b, (i) => `user:u${i}@pve:1:0:::::x:\ntoken:u${i}@pve!t:0:0::\ngroup:g${i}:u${i}@pve::\n` +
      `acl:1:/vms/${100 + i}:@g${i}:PVEVMAdmin:\nacl:0:/pool/p${i % 50}:u${i}@pve!t:PVEAuditor:\n`,
    'user:root@pam:1:0:::root@localhost::x:\n'),
  },
  {
    name: 'tfa.cfg: many users',
    target: '/etc/pve/priv/tfa.cfg',
    make: (b) => {
      const users = fill(b, (i) => `${i ? ',' : ''}"u${i}@pve":{"totp":[{"id":"totp-${i}","description":"phone","created":1710311544,` +
        `"entry":"otpauth://totp/u${i}%40pve?secret=redacted&digits=6"}]}`);
      return `{"users":{${users}}}\n`;
    },
  },
  {
    name: 'sshd_config: Match blocks',
    target: '/etc/ssh/sshd_config',
    make: (b) => fill(b, (i) => `Match User u${i} Address ${ip(i)}/32\n    PasswordAuthentication yes\n    PermitRootLogin no\n`,
      'PermitRootLogin prohibit-password\nPasswordAuthentication no\nInclude /etc/ssh/sshd_config.d/*.conf\n'),
  },
  {
    name: 'sshd -T: repeated keys',
    target: 'commands/sshd_-T',
    make: (b) => fill(b, (i) => `allowusers u${i}@${ip(i)}\n`, 'permitrootlogin prohibit-password\npasswordauthentication no\n'),
  },
  {
    name: 'corosync.conf: nodes',
    target: '/etc/pve/corosync.conf',
    make: (b) => fill(b, (i) => `  node {\n    name: n${i}\n    nodeid: ${i + 1}\n    quorum_votes: 1\n    ring0_addr: ${ip(i)}\n  }\n`,
      'totem {\n  cluster_name: prod-cluster\n  config_version: 3\n  version: 2\n  secauth: on\n}\n\nnodelist {\n' +
      '  node {\n    name: pve1\n    nodeid: 100000\n    quorum_votes: 1\n    ring0_addr: 10.10.10.11\n  }\n', '}\n'),
  },
  {
    name: 'corosync.conf: { and } lines',
    target: '/etc/pve/corosync.conf',
    make: (b) => fill(b, (i) => (i % 2 ? '}\n' : 'a {\n'), 'totem {\n  cluster_name: prod-cluster\n}\n'),
  },
  {
    name: 'iptables-save: rules',
    target: 'commands/iptables-save',
    make: (b) => fill(b, (i) => `-A PVEFW-HOST-IN -s ${ip(i)}/32 -p tcp -m tcp --dport ${1 + (i % 60000)} -j ACCEPT\n`,
      '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:PVEFW-HOST-IN - [0:0]\n-A INPUT -j PVEFW-HOST-IN\n', 'COMMIT\n'),
  },
  {
    name: 'nft list ruleset: rules',
    target: 'commands/nft_list_ruleset',
    make: (b) => fill(b, (i) => `\t\tip saddr ${ip(i)} tcp dport ${1 + (i % 60000)} accept\n`,
      'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n', '\t}\n}\n'),
  },
  {
    name: 'passwd: users',
    target: '/etc/passwd',
    make: (b) => fill(b, (i) => `u${i}:x:${10000 + i}:${10000 + i}:User ${i}:/home/u${i}:/bin/bash\n`, 'root:x:0:0:root:/root:/bin/bash\n'),
  },
  {
    name: 'group: members',
    target: '/etc/group',
    make: (b) => fill(b, (i) => `g${i}:x:${10000 + i}:u${i},root\n`, 'root:x:0:\nsudo:x:27:alice\n'),
  },
  {
    name: 'shadow: users',
    target: '/etc/shadow',
    make: (b) => fill(b, (i) => `u${i}::19700:0:99999:7:::\n`, 'root:*:19700:0:99999:7:::\n'),
  },
  {
    name: 'sudoers: rules',
    target: '/etc/sudoers',
    make: (b) => fill(b, (i) => `u${i} ALL=(ALL:ALL) NOPASSWD: ALL\n`, 'Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n'),
  },
  {
    name: 'authorized_keys: keys',
    target: '/root/.ssh/authorized_keys',
    make: (b) => fill(b, (i) => `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${String(i).padStart(8, '0')} key${i}@example\n`),
  },
  {
    name: 'auth-failures: failed logins',
    target: 'commands/auth-failures',
    make: (b) => fill(b, (i) => `2026-11-22T14:03:51.228419+00:00 pve1 sshd-session[${1000 + (i % 60000)}]: Failed password for root from ${ip(i)} port 50522 ssh2\n`),
  },
  {
    name: 'sysctl.d: settings',
    target: '/etc/sysctl.d/99-big.conf',
    make: (b) => fill(b, (i) => `net.ipv4.conf.if${i}.accept_redirects = ${i % 2}\n`),
  },
  {
    name: 'sysctl -a: settings',
    target: 'commands/sysctl_-a',
    make: (b) => fill(b, (i) => `net.ipv4.conf.if${i}.rp_filter = ${i % 3}\n`, 'kernel.dmesg_restrict = 1\n'),
  },
  {
    name: 'audit rules: watches',
    target: '/etc/audit/rules.d/99-big.rules',
    make: (b) => fill(b, (i) => `-w /etc/f${i} -p wa -k k${i}\n`),
  },
  {
    name: 'ss -tulpn: sockets',
    target: 'commands/ss_-tulpn',
    make: (b) => fill(b, (i) => `tcp   LISTEN 0      4096       0.0.0.0:${1 + (i % 60000)}      0.0.0.0:*    users:(("d${i}",pid=${i + 2},fd=6))\n`,
      'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n'),
  },
  {
    name: 'dpkg status: packages',
    target: '/var/lib/dpkg/status',
    make: (b) => fill(b, (i) => `Package: p${i}\nStatus: install ok installed\nVersion: 1.${i}\nArchitecture: amd64\n\n`),
  },
  {
    name: 'rsyslog.conf: actions',
    target: '/etc/rsyslog.conf',
    make: (b) => fill(b, (i) => `if $programname == 'p${i}' then { action(type="omfwd" target="${ip(i)}" port="514" protocol="tcp") }\n`),
  },
  {
    name: 'etc/hosts: entries',
    target: '/etc/hosts',
    make: (b) => fill(b, (i) => `${ip(i)} h${i}.example.com h${i}\n`, '127.0.0.1 localhost\n10.10.10.11 pve1.example.com pve1\n'),
  },
];

/**
 * Writes a copy of BASE_BUNDLE into dir with shape's target replaced by `bytes` of the shape.
 * Returns the bundle directory.
 */
export function writeBigBundle(dir: string, shape: BigShape, bytes: number): string {
  rmSync(dir, { recursive: true, force: true });
  cpSync(BASE_BUNDLE, dir, { recursive: true });
  const rel = shape.target.startsWith('commands/') ? shape.target : shape.target.slice(1);
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, shape.make(bytes));
  return dir;
}
