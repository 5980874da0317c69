import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertCases, runCheck } from '../testing.js';
import { fw08 } from './fw-08.js';
import { MAX_IGNORED_RULES } from '../../parse/pve-fw.js';
import { MAX_FINDINGS_PER_CHECK } from '../types.js';
import { pveNode } from '../../../test/fixtures/netfilter/helpers.js';

const CLUSTER = `[OPTIONS]
enable: 1

[RULES]
IN ACCEPT -source +management -p tcp -dport 22
IN ACCEPT -dport 8006
|IN ACCEPT -dport 3128
IN accept -p tcp -dport 443
GROUP Admins

[group admins]
IN SSH(ACCEPT) -p tcp -dport 2222

[IPSET management]
10.10.0.0/24
`;

test('FW-08 silently ignored rules, each with file:line', () => {
  assertCases(fw08, [
    { name: 'clean configuration', node: pveNode(), expect: 'PASS', message: 'are applied by Proxmox' },
    {
      name: 'ignored rules in cluster.fw, a group and host.fw',
      node: pveNode({ clusterFw: CLUSTER, hostFw: '[RULES]\nIN ACCEPT -source local_network -p tcp -dport 22\n' }),
      expect: ['FAIL', 'FAIL', 'FAIL', 'WARN', 'FAIL', 'FAIL'],
    },
    {
      name: 'ipset entry, alias and option lines that Proxmox skips',
      node: pveNode({ clusterFw: '[OPTIONS]\nenable: 1\npolicy_in: DENY\n[ALIASES]\nadmin-pc 10.1.1.300\n[IPSET management]\n0.0.0.0/0\nadmin-pc\n10.1.1.0/24\n' }),
      expect: ['WARN', 'WARN', 'WARN', 'WARN'], message: /cluster\.fw:3: line ignored by Proxmox: can't parse option 'policy_in: DENY'[^]*:5: .*admin-pc[^]*:7: .*prefix length 0[^]*:8: .*no such alias 'admin-pc'/,
    },
    { name: 'cluster.fw not collected', node: { files: { '/etc/hostname': 'pve1\n' } }, expect: 'SKIP' },
  ]);
  const findings = runCheck(fw08, { node: pveNode({ clusterFw: CLUSTER, hostFw: '[RULES]\nIN ACCEPT -source local_network -p tcp -dport 22\n' }) });
  const msgs = findings.map((f) => f.message);
  assert.match(msgs[0], /cluster\.fw:5: .*ipset 'management'/, 'management ipset defined later in the file');
  assert.match(msgs[1], /cluster\.fw:6: .*requires -p/);
  assert.match(msgs[2], /cluster\.fw:8: .*upper case/);
  assert.match(msgs[3], /GROUP Admins refers to no security group.*named "admins"/);
  assert.match(msgs[4], /in \[group admins\].*conflicts with macro SSH/);
  assert.match(msgs[5], /nodes\/pve1\/host\.fw:2: .*local_network/);
  assert.deepEqual(findings[0].evidence, [{ source: '/etc/pve/firewall/cluster.fw', line: 5, text: 'IN ACCEPT -source +management -p tcp -dport 22' }]);
});

// A real case's cluster.fw and host.fw (pve-firewall oracle, generated case 0001), saved with CRLF line endings.
const REAL_CLUSTER = readFileSync(new URL('../../../test/fixtures/pve-firewall/generated-0001/cluster.fw', import.meta.url), 'utf8');
const REAL_HOST = readFileSync(new URL('../../../test/fixtures/pve-firewall/generated-0001/host.fw', import.meta.url), 'utf8');
const crlf = (s: string) => s.replace(/\n/g, '\r\n');

test('FW-08 CRLF cluster.fw: one FAIL at line 1, Proxmox ignores the whole file (enable never read: firewall off)', () => {
  const findings = runCheck(fw08, { node: pveNode({ clusterFw: crlf(REAL_CLUSTER), hostFw: REAL_HOST }) });
  const cluster = findings.filter((f) => f.message.includes('/etc/pve/firewall/cluster.fw'));
  assert.equal(cluster.length, 1, cluster.map((f) => f.message).join('\n'));
  assert.equal(cluster[0].status, 'FAIL');
  assert.match(cluster[0].message, /^\/etc\/pve\/firewall\/cluster\.fw:1: CRLF line endings: Proxmox ignores the whole file: .*\[OPTIONS\], \[ALIASES\], \[RULES\] match no section header.*`enable` is never read and the firewall is off cluster-wide.*1 ipset, 2 security groups read/);
  assert.deepEqual(cluster[0].evidence, [{ source: '/etc/pve/firewall/cluster.fw', line: 1, text: `${REAL_CLUSTER.split('\n').length - 1} lines end in CR LF` }]);
  // The same files with LF endings: the rules Proxmox really skips, and no CRLF finding.
  const lf = runCheck(fw08, { node: pveNode({ clusterFw: REAL_CLUSTER, hostFw: REAL_HOST }) });
  assert.ok(lf.every((f) => !/CRLF/.test(f.message)));
  assert.ok(lf.some((f) => /cluster\.fw:27: /.test(f.message)));
});

test('FW-08 CRLF host.fw: one FAIL at line 1, its options and rules have no effect', () => {
  const findings = runCheck(fw08, { node: pveNode({ clusterFw: REAL_CLUSTER, hostFw: crlf(REAL_HOST) }) });
  const host = findings.filter((f) => f.message.includes('host.fw'));
  assert.deepEqual(host.map((f) => f.status), ['FAIL']);
  assert.match(host[0].message, /^\/etc\/pve\/nodes\/pve1\/host\.fw:1: CRLF line endings: Proxmox ignores the whole file: .*\[OPTIONS\], \[RULES\] match no section header, so all 12 lines are skipped .*no host rule applies/);
});

test('FW-08 CRLF on some lines only: the headers Proxmox misses and the lines below them', () => {
  const mixed = '[OPTIONS]\nenable: 1\n[IPSET management]\n10.0.0.0/24\n[RULES]\r\nIN ACCEPT -source +management -p tcp -dport 8006\r\n';
  const [f] = runCheck(fw08, { node: pveNode({ clusterFw: mixed }) });
  assert.equal(f.status, 'FAIL');
  assert.match(f.message, /cluster\.fw:1: CRLF line endings: with the CR kept, Proxmox does not recognise \[RULES\] \(line 5\) and skips or misreads the 2 lines below/);
});

test('FW-08 a run of identical ignored lines is one FAIL that says how many lines and where they end', () => {
  const clusterFw = '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n' + '{\n'.repeat(5000) + 'IN ACCEPT -dport 80\n{\n';
  const findings = runCheck(fw08, { node: pveNode({ clusterFw }) });
  assert.deepEqual(findings.map((f) => f.message), [
    '/etc/pve/firewall/cluster.fw:6: "{" is ignored by Proxmox: unable to parse rule: expected "TYPE ACTION [options]" (5000 identical lines, 6-5005)',
    '/etc/pve/firewall/cluster.fw:5006: "IN ACCEPT -dport 80" is ignored by Proxmox: -dport requires -p (protocol)',
    '/etc/pve/firewall/cluster.fw:5007: "{" is ignored by Proxmox: unable to parse rule: expected "TYPE ACTION [options]"',
  ]);
  assert.deepEqual(findings[0].evidence, [{ source: '/etc/pve/firewall/cluster.fw', line: 6, text: '{' }]);
});

test('FW-08 past the ignored rules a file keeps: each line still counts, with its text, and the total is exact', () => {
  const n = MAX_IGNORED_RULES + 500;
  const clusterFw = '[OPTIONS]\nenable: 1\n[RULES]\n' + Array.from({ length: n }, (_, i) => (i % 2 ? '}' : '{')).join('\n') + '\n';
  const findings = runCheck(fw08, { node: pveNode({ clusterFw }) });
  const omitted = findings.at(-1)!;
  assert.equal(findings.length, MAX_FINDINGS_PER_CHECK);
  assert.match(omitted.message, new RegExp(`^${n - (MAX_FINDINGS_PER_CHECK - 1)} more findings not listed \\(${n - (MAX_FINDINGS_PER_CHECK - 1)} FAIL\\)`));
  assert.equal(findings[0].message, '/etc/pve/firewall/cluster.fw:4: "{" is ignored by Proxmox: unable to parse rule: expected "TYPE ACTION [options]"');
});

test('FW-08 an ignored line past the kept ones is reported with its line and text when there is room', () => {
  // disabled ignored lines (alternating, so no run merges) fill what the file keeps and are not reported
  const lines = ['[OPTIONS]', 'enable: 1', '[RULES]'];
  for (let i = 0; i < MAX_IGNORED_RULES; i++) lines.push(i % 2 ? '|}' : '|{');
  lines.push('{', '}');
  const findings = runCheck(fw08, { node: pveNode({ clusterFw: lines.join('\n') + '\n' }) });
  assert.deepEqual(findings.map((f) => f.message), [
    `/etc/pve/firewall/cluster.fw:${4 + MAX_IGNORED_RULES}: "{" is ignored by Proxmox (one of the ignored lines past the first ${MAX_IGNORED_RULES} of the file, not parsed one by one)`,
    `/etc/pve/firewall/cluster.fw:${5 + MAX_IGNORED_RULES}: "}" is ignored by Proxmox (one of the ignored lines past the first ${MAX_IGNORED_RULES} of the file, not parsed one by one)`,
  ]);
});
