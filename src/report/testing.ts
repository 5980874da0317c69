// Test fixture for the renderers: a two-node cluster, a standalone node and a target that failed,
// run through memorySnapshot + groupClusters + runChecks exactly as `pvesec audit` does.
import type { Check } from '../checks/types.js';
import { fail, info, notice, pass, warn } from '../checks/types.js';
import { memorySnapshot, type MemorySnapshotSpec } from '../collect/memory.js';
import { DEFAULT_CONFIG, type PvesecConfig } from '../config/schema.js';
import { groupClusters, runChecks } from '../audit/run.js';
import { Unavailable } from '../model/fact.js';
import { buildReport, type AuditReport } from './model.js';

const refs = [{ title: 'Proxmox VE Administration Guide', url: 'https://pve.proxmox.com/pve-docs/pve-admin-guide.html' }];

/** `sshd -T` prints `key value` lines in lowercase; evidence is the command and the line number. */
function sshdOption(output: string, key: string): { value: string; line: number; text: string } | undefined {
  const lines = output.split('\n');
  const i = lines.findIndex((l) => l.startsWith(key + ' '));
  return i < 0 ? undefined : { value: lines[i].slice(key.length + 1).trim(), line: i + 1, text: lines[i] };
}

export const fixturePassword: Check = {
  meta: {
    id: 'SSH-02', section: 'SSH', title: 'Password authentication is disabled', severity: 'critical', scope: 'node',
    rationale: 'Passwords can be guessed; keys cannot.', fix: "Set 'PasswordAuthentication no' in /etc/ssh/sshd_config.d/10-pvesec.conf, then systemctl reload ssh",
    reads: ['sshd -T'], references: refs,
  },
  evaluate(ctx) {
    const opt = sshdOption(ctx.requireCommand('sshd -T').output, 'passwordauthentication');
    if (!opt) throw new Unavailable('sshd -T does not print passwordauthentication');
    const ev = [{ source: 'sshd -T', line: opt.line, text: opt.text }];
    return opt.value === 'no' ? pass('PasswordAuthentication no', ev) : fail(`PasswordAuthentication ${opt.value}`, ev);
  },
};

export const fixtureX11: Check = {
  meta: {
    id: 'SSH-12', section: 'SSH', title: 'X11 forwarding is off', severity: 'low', scope: 'node',
    rationale: 'X11 forwarding exposes the client display.', fix: "Set 'X11Forwarding no'.", reads: ['sshd -T', '/etc/ssh/sshd_config'], references: [],
  },
  evaluate(ctx) {
    const opt = sshdOption(ctx.requireCommand('sshd -T').output, 'x11forwarding');
    if (!opt) throw new Unavailable('sshd -T does not print x11forwarding');
    const file = ctx.snapshot.text('/etc/ssh/sshd_config') ?? '';
    const line = file.split('\n').findIndex((l) => /^X11Forwarding/i.test(l)) + 1;
    const ev = line > 0 ? [{ source: '/etc/ssh/sshd_config', line, text: file.split('\n')[line - 1] }] : [{ source: 'sshd -T', line: opt.line, text: opt.text }];
    return opt.value === 'no' ? pass('X11Forwarding no', ev) : warn(`X11Forwarding ${opt.value}`, ev);
  },
};

export const fixtureFirewall: Check = {
  meta: {
    id: 'FW-01', section: 'FW', title: 'Proxmox firewall enabled at datacenter level', severity: 'high', scope: 'cluster',
    rationale: 'Without it no host or guest rule applies.', fix: "Add 'enable: 1' under [OPTIONS] in /etc/pve/firewall/cluster.fw",
    reads: ['/etc/pve/firewall/cluster.fw'], references: refs,
  },
  evaluate(ctx) {
    const lines = ctx.requireFile('/etc/pve/firewall/cluster.fw').split('\n');
    const i = lines.findIndex((l) => /^enable:/.test(l));
    const ev = i < 0 ? [{ source: '/etc/pve/firewall/cluster.fw' }] : [{ source: '/etc/pve/firewall/cluster.fw', line: i + 1, text: lines[i] }];
    return i >= 0 && lines[i].trim() === 'enable: 1' ? pass('enable: 1', ev) : fail(i < 0 ? 'no enable option (default 0)' : lines[i].trim(), ev);
  },
};

export const fixtureRootKey: Check = {
  meta: {
    id: 'ACC-05', section: 'ACC', title: 'Root key-based emergency path', severity: 'info', scope: 'node',
    rationale: 'Know whether root can still get in with a key.', fix: 'Nothing to fix.', reads: ['/root/.ssh/authorized_keys'], references: [],
  },
  evaluate(ctx) {
    const keys = ctx.requireFile('/root/.ssh/authorized_keys').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    return notice(`root has ${keys.length} authorized key(s)`, [{ source: '/root/.ssh/authorized_keys', line: 1, text: keys[0]?.split(' ').slice(0, 1).join(' ') }]);
  },
};

/** Lists listening sockets: its evidence carries whatever a process name holds, escape sequences included. */
export const fixtureListening: Check = {
  meta: {
    id: 'KRN-03', section: 'KRN', title: 'Only expected services listen', severity: 'medium', scope: 'node',
    rationale: 'Every listening socket is attack surface.', fix: 'Stop or firewall the service.', reads: ['ss -tulpn'], references: [],
  },
  evaluate(ctx) {
    const lines = ctx.requireCommand('ss -tulpn').output.split('\n');
    const odd = lines.map((text, i) => ({ text, line: i + 1 })).filter((l) => /users:\(\("(?!sshd|pveproxy)/.test(l.text));
    if (odd.length === 0) return pass('only sshd and pveproxy listen', []);
    return odd.map((l) => warn(`unexpected listener: ${/users:\(\("([^"]*)"/.exec(l.text)?.[1]}`, [{ source: 'ss -tulpn', line: l.line, text: l.text }]));
  },
};

export const fixtureLogins: Check = {
  meta: {
    id: 'AUD-04', section: 'AUD', title: 'Failed logins', severity: 'info', scope: 'node',
    rationale: 'Context for brute-force protection.', fix: 'Nothing to fix.', reads: ['auth-failures'], references: [],
  },
  evaluate(ctx) {
    const n = ctx.requireCommand('auth-failures').output.split('\n').filter(Boolean).length;
    return info(`${n} failed login(s) in the collected window`, []);
  },
};

export const FIXTURE_CHECKS: Check[] = [fixtureRootKey, fixturePassword, fixtureX11, fixtureFirewall, fixtureListening, fixtureLogins];

const corosync = `totem {
  cluster_name: prod
  config_version: 2
  version: 2
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.0.0.1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.0.0.2
  }
}
`;

const sshdT = (password: 'yes' | 'no', x11: 'yes' | 'no') => `port 22
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
permitrootlogin prohibit-password
passwordauthentication ${password}
kbdinteractiveauthentication no
pubkeyauthentication yes
x11forwarding ${x11}
`;

const debianSshdConfig = (x11: 'yes' | 'no') => `# This is the sshd server system-wide configuration file.
Include /etc/ssh/sshd_config.d/*.conf

KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding ${x11}
PrintMotd no
AcceptEnv LANG LC_*
Subsystem	sftp	/usr/lib/openssh/sftp-server
`;

const ss = (extra: string) => `Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess
tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=812,fd=3))
tcp   LISTEN 0      4096               *:8006            *:*    users:(("pveproxy",pid=1201,fd=6))
${extra}`;

// /etc/pve as pmxcfs shows it on every node of the cluster (only pve1's is read for cluster controls).
const userCfg = `user:root@pam:1:0:::root@localhost:::
user:alice@pve:1:0:Alice:Admin:alice@example.com:::

group:admins:alice@pve::

acl:1:/:@admins:Administrator:
`;

const domainsCfg = `pam: pam
	comment Linux PAM standard authentication

pve: pve
	comment Proxmox VE authentication server
	default 0
`;

export const FIXTURE_NODES: MemorySnapshotSpec[] = [
  {
    target: 'ssh://root@pve1',
    files: {
      '/etc/hostname': 'pve1\n',
      '/etc/pve/corosync.conf': corosync,
      '/etc/pve/firewall/cluster.fw': '[OPTIONS]\n\nenable: 1\npolicy_in: DROP\n',
      '/etc/pve/user.cfg': userCfg,
      '/etc/pve/domains.cfg': domainsCfg,
      '/etc/ssh/sshd_config': debianSshdConfig('no'),
      '/root/.ssh/authorized_keys': { content: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMl7 admin@ws\n', mode: 0o600 },
    },
    commands: {
      'sshd -T': sshdT('no', 'no'),
      // A process name an attacker chose: XML specials and a terminal escape sequence.
      'ss -tulpn': ss(`tcp   LISTEN 0      5            0.0.0.0:9000      0.0.0.0:*    users:(("x<&>'\x1b[2J",pid=1500,fd=3))\n`),
      'auth-failures': 'Nov 25 10:01:02 pve1 sshd[2211]: Failed password for root from 203.0.113.9 port 50122 ssh2\n',
    },
  },
  {
    target: 'ssh://root@pve2',
    files: {
      '/etc/hostname': 'pve2\n',
      '/etc/pve/corosync.conf': corosync,
      '/etc/pve/firewall/cluster.fw': '[OPTIONS]\n\nenable: 1\npolicy_in: DROP\n',
      '/etc/ssh/sshd_config': debianSshdConfig('yes'),
      '/root/.ssh/authorized_keys': { content: '', mode: 0o600 },
    },
    commands: { 'sshd -T': sshdT('yes', 'yes'), 'ss -tulpn': ss(''), 'auth-failures': '' },
  },
  {
    target: 'examples/lab1',
    meta: { privilege: 'user' },
    files: { '/etc/hostname': 'lab1\n', '/etc/ssh/sshd_config': debianSshdConfig('no') },
    commands: { 'ss -tulpn': ss('') },
    errors: { 'sshd -T': 'permission denied (not collected as root)' },
  },
];

export const FIXTURE_FAILED_TARGET = { target: 'ssh://root@pve9', error: 'ssh://root@pve9: connect ECONNREFUSED 10.0.0.9:22' };

export const FIXTURE_CONFIG: PvesecConfig = {
  ...DEFAULT_CONFIG,
  waivers: [{ id: 'SSH-12', node: 'pve2', reason: 'X11 needed for a legacy tool', expires: '2027-03-31' }],
};

export const FIXTURE_NOW = new Date('2026-11-25T12:00:00Z');

/** Runs `checks` on the fixture nodes (plus the failed target) and builds the report as the audit command does. */
export function fixtureReport(checks: Check[] = FIXTURE_CHECKS, opts: { failedTarget?: boolean } = {}): AuditReport {
  const snapshots = FIXTURE_NODES.map((spec) => memorySnapshot(spec));
  const clusters = groupClusters(snapshots);
  const results = runChecks(clusters, checks, FIXTURE_CONFIG, FIXTURE_NOW);
  const targets: { target: string; snapshot?: (typeof snapshots)[number]; error?: string }[] = snapshots.map((s) => ({ target: s.origin.target, snapshot: s }));
  if (opts.failedTarget !== false) targets.splice(2, 0, FIXTURE_FAILED_TARGET);
  return buildReport({ version: '0.1.0', generatedAt: FIXTURE_NOW, targets, clusters, results, controls: checks.map((c) => c.meta) });
}
