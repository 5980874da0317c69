import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySnapshot, type MemorySnapshotSpec } from '../../collect/memory.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { ClusterModel, FactContext, Unavailable } from '../fact.js';
import {
  aptConfigFact, auditRulesPersistedFact, compareKernelReleases, fail2banFact, installedKernelsFact, kernelFlavour,
  logForwardingFact, sysctlPersistedFact,
} from './system.js';
import { persistedValue } from '../../parse/sysctl.js';
import { watchCovering } from '../../parse/audit-rules.js';
import { dpkgStatus, f2b, stockFail2ban } from '../../../test/fixtures/system/helpers.js';

function ctx(spec: MemorySnapshotSpec): FactContext {
  const node = { name: 'pve1', snapshot: memorySnapshot(spec) };
  return new FactContext(node, new ClusterModel('pve1', [node], node, false), DEFAULT_CONFIG);
}

test('fail2ban: [INCLUDES] read from the node, with Debian paths as fallback when not collected', () => {
  const collected = ctx({ files: { ...stockFail2ban(), '/etc/fail2ban/paths-debian.conf': f2b('paths-debian.conf').replace('/var/log/auth.log', '/var/log/secure'), '/etc/fail2ban/paths-common.conf': f2b('paths-common.conf') } }).get(fail2banFact);
  assert.equal(collected.jails.find((j) => j.name === 'sshd')?.options.get('logpath')?.value, '/var/log/secure');
  assert.equal(collected.jails.find((j) => j.name === 'sshd')?.options.get('logpath')?.file, '/etc/fail2ban/jail.conf');
  const fallback = ctx({ files: stockFail2ban() }).get(fail2banFact);
  assert.equal(fallback.jails.find((j) => j.name === 'sshd')?.options.get('logpath')?.value, '/var/log/auth.log');
  assert.equal(fallback.jails.find((j) => j.name === 'sshd')?.options.get('backend')?.value, 'auto');
  assert.throws(() => ctx({}).get(fail2banFact), Unavailable);
  const half = ctx({ files: { ...stockFail2ban(), '/etc/fail2ban/paths-debian.conf': f2b('paths-debian.conf') } }).get(fail2banFact);
  assert.equal(half.jails.find((j) => j.name === 'sshd')?.options.get('backend')?.value, 'auto', 'paths-common.conf falls back too');
  assert.deepEqual(half.diagnostics, []);
});

test('fail2ban: filter failregex with the jail\'s filter options', () => {
  const m = ctx({ files: { ...stockFail2ban(), '/etc/fail2ban/filter.d/proxmox.conf': f2b('filter.d/proxmox.conf'),
    '/etc/fail2ban/filter.d/proxmox.local': '[Definition]\nfailregex = pve(?:daemon|proxy)\\[\\d+\\]: authentication failure; rhost=<HOST> user=%(user)s\n[Init]\nuser = \\S+\n' } }).get(fail2banFact);
  assert.deepEqual(m.failregex('proxmox'), ['pve(?:daemon|proxy)\\[\\d+\\]: authentication failure; rhost=<HOST> user=\\S+']);
  assert.deepEqual(m.failregex('proxmox[user=root@pam]'), ['pve(?:daemon|proxy)\\[\\d+\\]: authentication failure; rhost=<HOST> user=root@pam']);
  assert.deepEqual(m.failregex('nonexistent'), []);
});

test('apt config: lexical order, ignored extensions, apt.conf last', () => {
  const cfg = ctx({ files: {
    '/etc/apt/apt.conf.d/20auto-upgrades': 'APT::Periodic::Unattended-Upgrade "1";\n',
    '/etc/apt/apt.conf.d/10periodic': 'APT::Periodic::Unattended-Upgrade "0";\n',
    '/etc/apt/apt.conf.d/99off.dpkg-dist': 'APT::Periodic::Unattended-Upgrade "0";\n',
    '/etc/apt/apt.conf': 'APT::Periodic::Update-Package-Lists "7";\n',
  } }).get(aptConfigFact);
  assert.equal(cfg.get('APT::Periodic::Unattended-Upgrade')?.file, '/etc/apt/apt.conf.d/20auto-upgrades');
  assert.equal(cfg.get('APT::Periodic::Update-Package-Lists')?.value, '7');
});

test('sysctl: systemd-sysctl order by file name, /etc/sysctl.conf as 99-sysctl.conf, its symlink not read twice', () => {
  const s = ctx({ files: {
    '/etc/sysctl.conf': 'kernel.dmesg_restrict = 0\n',
    '/etc/sysctl.d/99-zz-last.conf': 'net.ipv4.tcp_syncookies = 1\n',
    '/etc/sysctl.d/10-early.conf': 'kernel.dmesg_restrict = 1\nnet.ipv4.tcp_syncookies = 0\n',
    '/etc/sysctl.d/README.sysctl': 'kernel.dmesg_restrict = 5\n',
  } }).get(sysctlPersistedFact);
  assert.equal(persistedValue(s, 'kernel.dmesg_restrict')?.file, '/etc/sysctl.conf');
  assert.equal(persistedValue(s, 'net.ipv4.tcp_syncookies')?.file, '/etc/sysctl.d/99-zz-last.conf');
  const linked = ctx({ files: { '/etc/sysctl.conf': 'kernel.dmesg_restrict = 1\n', '/etc/sysctl.d/99-sysctl.conf': 'kernel.dmesg_restrict = 1\n' } }).get(sysctlPersistedFact);
  assert.equal(linked.length, 1);
  assert.deepEqual(ctx({}).get(sysctlPersistedFact), [], 'a collection without these paths has nothing persisted');
  assert.throws(() => ctx({ meta: { privilege: 'unknown' } }).get(sysctlPersistedFact), Unavailable);
});

test('audit: rules.d parts merged like augenrules (-D hoisted)', () => {
  const r = ctx({ files: {
    '/etc/audit/rules.d/50-pve.rules': '-w /etc/pve -p wa -k pve\n',
    '/etc/audit/rules.d/audit.rules': '-D\n-b 8192\n',
  } }).get(auditRulesPersistedFact);
  assert.ok(watchCovering(r.rules, '/etc/pve'));
});

test('log forwarding: rsyslog include chain, journal-upload URL, syslog-ng conf.d', () => {
  const f = ctx({ files: {
    '/etc/rsyslog.conf': '$IncludeConfig /etc/rsyslog.d/*.conf\n',
    '/etc/rsyslog.d/10-remote.conf': 'include(file="/etc/rsyslog.d/remote/*.conf")\n',
    '/etc/rsyslog.d/remote/siem.conf': '*.* @@siem.example.com:6514\n',
    '/etc/rsyslog.d/20-off.conf.bak': '*.* @ignored.example.com\n',
    '/etc/systemd/journal-upload.conf': '[Upload]\n# URL=\n',
    '/etc/syslog-ng/syslog-ng.conf': '@include "/etc/syslog-ng/conf.d/*.conf"\nsource s { system(); };\n',
    '/etc/syslog-ng/conf.d/remote.conf': 'destination d_r { network("10.0.0.5" port(514)); };\nlog { source(s); destination(d_r); };\n',
  } }).get(logForwardingFact);
  assert.deepEqual(f.rsyslog.forwards.map((x) => [x.target, x.file]), [['siem.example.com', '/etc/rsyslog.d/remote/siem.conf']]);
  assert.equal(f.journalUpload.configured, true);
  assert.equal(f.journalUpload.url, undefined);
  assert.deepEqual(f.syslogNg.destinations.map((d) => [d.target, d.file, d.line]), [['10.0.0.5', '/etc/syslog-ng/conf.d/remote.conf', 1]]);
});

test('kernels: packages to releases, flavours and ordering', () => {
  const k = ctx({ files: { '/var/lib/dpkg/status': dpkgStatus({
    'proxmox-kernel-6.8.12-9-pve-signed': '6.8.12-9', 'proxmox-kernel-6.8': '6.8.12-9', 'pve-kernel-5.15.158-2-pve': '5.15.158-2',
    'linux-image-6.1.0-13-amd64': '6.1.0-13', 'linux-image-6.1.0-13-amd64-dbg': '6.1.0-13', 'linux-image-amd64': '6.1.0-13',
  }) } }).get(installedKernelsFact);
  assert.deepEqual(k.map((x) => x.release).sort(), ['5.15.158-2-pve', '6.1.0-13-amd64', '6.8.12-9-pve']);
  assert.equal(kernelFlavour('6.1.0-13-cloud-amd64'), 'cloud-amd64');
  assert.ok(compareKernelReleases('6.14.11-4-pve', '6.8.12-9-pve') > 0);
  assert.ok(compareKernelReleases('6.8.12-10-pve', '6.8.12-9-pve') > 0);
  assert.equal(compareKernelReleases('6.8.12-9-pve', '6.8.12-9-pve'), 0);
});
