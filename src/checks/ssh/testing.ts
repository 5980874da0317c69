// Test builders for SSH and ACC check tables (excluded from the build like src/checks/testing.ts).
import { readFileSync } from 'node:fs';
import type { MemorySnapshotSpec } from '../../collect/memory.js';

const fixture = (name: string) => readFileSync(new URL(`../../parse/fixtures/${name}`, import.meta.url), 'utf8');

/** Debian 12 (OpenSSH 9.2p1) default /etc/ssh/sshd_config and its real `sshd -T`. */
export const DEBIAN12_CONFIG = fixture('debian12-sshd_config');
export const DEBIAN12_T = fixture('debian12-sshd-T.txt');
export const DEBIAN13_CONFIG = fixture('debian13-sshd_config');
export const DEBIAN13_T = fixture('debian13-sshd-T.txt');
export const PVE_PASSWD = fixture('pve-passwd');
export const PVE_GROUP = fixture('pve-group');
export const DEBIAN_SUDOERS = fixture('debian12-sudoers');
export const pubkey = (name: string) => fixture(`keys/${name}.pub`).trim();

type Overrides = Record<string, string | string[] | null>;

/** `sshd -T` output with keys replaced; an array repeats the key, null removes it, a new key is appended. */
export function sshdT(overrides: Overrides = {}, base = DEBIAN12_T): string {
  const lines = base.trimEnd().split('\n');
  const out: string[] = [];
  const done = new Set<string>();
  for (const l of lines) {
    const key = l.split(' ')[0];
    if (!(key in overrides)) {
      out.push(l);
      continue;
    }
    if (done.has(key)) continue;
    done.add(key);
    const v = overrides[key];
    if (v === null) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.push(`${key} ${x}`);
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (done.has(k) || v === null) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.push(`${k} ${x}`);
  }
  return out.join('\n') + '\n';
}

/** What a hardened node reports in `sshd -T`, and the drop-in that produces it. */
export const HARDENED_T: Overrides = {
  permitrootlogin: 'without-password',
  passwordauthentication: 'no',
  kbdinteractiveauthentication: 'no',
  pubkeyauthentication: 'yes',
  permitemptypasswords: 'no',
  x11forwarding: 'no',
  allowagentforwarding: 'no',
  allowtcpforwarding: 'no',
  logingracetime: '30',
  maxauthtries: '3',
  clientaliveinterval: '300',
  allowgroups: ['sudo', 'root'],
  kexalgorithms: 'sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256',
  ciphers: 'chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
  macs: 'hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com',
};

export const HARDENED_DROPIN = `# managed by pvesec hardening
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitEmptyPasswords no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
LoginGraceTime 30s
MaxAuthTries 3
ClientAliveInterval 5m
AllowGroups sudo root
KexAlgorithms ${HARDENED_T.kexalgorithms}
Ciphers ${HARDENED_T.ciphers}
MACs ${HARDENED_T.macs}
`;

export interface SshNodeOptions {
  /** sshd -T overrides applied on the Debian 12 dump; false: not collected. */
  t?: Overrides | false;
  /** Drop-ins under /etc/ssh/sshd_config.d by file name; main: replaces /etc/ssh/sshd_config (false: not collected). */
  dropins?: Record<string, string>;
  main?: string | false;
  /** sshd -t result; default: passes. */
  test?: { output: string; exitCode: number } | false;
  hostname?: string;
  extra?: MemorySnapshotSpec;
}

export function sshNode(o: SshNodeOptions = {}): MemorySnapshotSpec {
  const files: Record<string, string> = {};
  if (o.main !== false) files['/etc/ssh/sshd_config'] = o.main ?? DEBIAN12_CONFIG;
  for (const [name, text] of Object.entries(o.dropins ?? {})) files[`/etc/ssh/sshd_config.d/${name}`] = text;
  if (o.hostname) files['/etc/hostname'] = o.hostname + '\n';
  const commands: Record<string, string | { output: string; exitCode?: number }> = {};
  if (o.t !== false) commands['sshd -T'] = sshdT(o.t ?? {});
  if (o.test !== false) commands['sshd -t'] = o.test ?? { output: '', exitCode: 0 };
  const extra = o.extra ?? {};
  return { ...extra, files: { ...files, ...extra.files }, commands: { ...commands, ...extra.commands } };
}

/** A hardened node: the drop-in on disk and the matching sshd -T. */
export function hardenedNode(t: Overrides = {}, dropinExtra = '', o: SshNodeOptions = {}): MemorySnapshotSpec {
  return sshNode({ ...o, t: { ...HARDENED_T, ...t }, dropins: { '10-pvesec.conf': HARDENED_DROPIN + dropinExtra, ...o.dropins } });
}

export const COROSYNC_CONF = `logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.0.0.11
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.0.0.12
  }
  node {
    name: pve3
    nodeid: 3
    quorum_votes: 1
    ring0_addr: 10.0.0.13
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: lab
  config_version: 3
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}
`;

/** Adds cluster membership (corosync.conf, hostname) to a node spec. */
export function inCluster(spec: MemorySnapshotSpec, name = 'pve1'): MemorySnapshotSpec {
  return { ...spec, files: { ...spec.files, '/etc/pve/corosync.conf': COROSYNC_CONF, '/etc/hostname': name + '\n' } };
}

export const DPKG_WITH_SUDO = `Package: sudo
Status: install ok installed
Priority: optional
Section: admin
Installed-Size: 6199
Maintainer: Sudo Maintainers <sudo@packages.debian.org>
Architecture: amd64
Version: 1.9.13p3-1+deb12u1
Description: Provide limited super user privileges to specific users

Package: openssh-server
Status: install ok installed
Priority: optional
Section: net
Architecture: amd64
Source: openssh
Version: 1:9.2p1-2+deb12u7
Description: secure shell (SSH) server, for secure access from remote machines
`;

/** Host accounts of a PVE node: alice and bob in group sudo (bob with /bin/sh), sudoers of Debian. */
export function accountFiles(over: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    '/etc/passwd': PVE_PASSWD,
    '/etc/group': PVE_GROUP,
    '/etc/sudoers': DEBIAN_SUDOERS,
    '/var/lib/dpkg/status': DPKG_WITH_SUDO,
    ...over,
  };
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
}
