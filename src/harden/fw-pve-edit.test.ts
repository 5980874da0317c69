import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseClusterFw, parseHostFw } from '../parse/pve-fw.js';
import { FwEditError, setAlias, setIpset, setOption, setPvesecRules } from './fw-pve-edit.js';

const fixture = (p: string) => readFileSync(new URL(`../../test/fixtures/pve-firewall/${p}`, import.meta.url), 'utf8');

/** The lines of `before` that are not in `removed` appear in `after` in the same order, unchanged. */
function keepsLines(before: string, after: string, removed: string[] = []): void {
  const want = before.split('\n').filter((l) => !removed.includes(l));
  const got = after.split('\n');
  let j = 0;
  for (const l of want) {
    while (j < got.length && got[j] !== l) j++;
    assert.ok(j < got.length, `line ${JSON.stringify(l)} was lost or moved`);
    j++;
  }
}

test('setOption rewrites the value in place and keeps every other byte (upstream ipset1 cluster.fw)', () => {
  const before = fixture('upstream-test-ipset1/cluster.fw');
  const after = setOption(setOption(before, 'cluster', 'enable', '1'), 'cluster', 'policy_in', 'DROP');
  keepsLines(before, after);
  const conf = parseClusterFw(after).value;
  assert.equal(conf.options.get('enable')?.value, 1);
  assert.equal(conf.options.get('policy_in')?.value, 'DROP');
  assert.equal(setOption(after, 'cluster', 'policy_in', 'DROP'), after, 'a second run changes nothing');
});

test('setOption replaces an existing value (generated-0001: policy_in REJECT -> DROP) and every line setting the key', () => {
  const before = fixture('generated-0001/cluster.fw');
  const after = setOption(before, 'cluster', 'policy_in', 'DROP');
  assert.equal(after, before.replace('policy_in: REJECT', 'policy_in: DROP'));
  const twice = 'enable: 0\n[OPTIONS]\nenable: 0\nENABLE: 0\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n';
  assert.equal(setOption(twice, 'cluster', 'enable', '1'), 'enable: 0\n[OPTIONS]\nenable: 1\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n');
});

test('setOption adds [OPTIONS] at the top of a file without it, and to an empty host.fw', () => {
  const host = fixture('upstream-test-ipset1/host.fw');
  const after = setOption(host, 'host', 'enable', '1');
  assert.ok(after.startsWith('[OPTIONS]\n\nenable: 1\n\n'));
  assert.ok(after.endsWith(host));
  assert.equal(parseHostFw(after).value.options.get('enable')?.value, 1);
  assert.equal(parseHostFw(after).value.rules.length, parseHostFw(host).value.rules.length);
  assert.equal(setOption('', 'host', 'enable', '1'), '[OPTIONS]\n\nenable: 1\n\n');
});

test('host.fw: a [group x] line is not a section there, so the option goes into the real [OPTIONS]', () => {
  const host = '[OPTIONS]\nenable: 0\n[group x]\nnosmurfs: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n';
  assert.equal(setOption(host, 'host', 'enable', '1'), host.replace('enable: 0', 'enable: 1'));
  assert.equal(setOption(host, 'host', 'tcpflags', '1'), host.replace('nosmurfs: 1\n', 'nosmurfs: 1\ntcpflags: 1\n'));
});

test('setIpset keeps wanted entries with their comments, drops the others, keeps comment lines (oracle lockout cluster.fw)', () => {
  const before = `[OPTIONS]\nenable: 1\n\n[IPSET management] # admin networks\n# the bastion\n192.0.2.10 # bastion\n10.10.0.0/24\n\n[RULES]\nIN ACCEPT -source +management -p tcp -dport 8006\n`;
  const after = setIpset(before, 'management', [{ cidr: '192.0.2.10' }, { cidr: '198.51.100.0/24', comment: 'pvesec admin source' }]);
  assert.equal(after, `[OPTIONS]\nenable: 1\n\n[IPSET management] # admin networks\n# the bastion\n192.0.2.10 # bastion\n198.51.100.0/24 # pvesec admin source\n\n[RULES]\nIN ACCEPT -source +management -p tcp -dport 8006\n`);
  const conf = parseClusterFw(after).value;
  assert.deepEqual(conf.ipsets.get('management')!.entries.map((e) => [e.cidr, e.comment]), [['192.0.2.10', 'bastion'], ['198.51.100.0/24', 'pvesec admin source']]);
  assert.equal(setIpset(after, 'management', [{ cidr: '192.0.2.10' }, { cidr: '198.51.100.0/24', comment: 'pvesec admin source' }]), after);

  const lockout = fixture('example-lockout/cluster.fw');
  const added = setIpset(lockout, 'management', [{ cidr: '10.77.0.234' }]);
  keepsLines(lockout, added);
  const i = added.indexOf('[IPSET management]');
  assert.ok(i > 0 && i < added.indexOf('[RULES]'), 'a new ipset goes before [RULES] (rules see only ipsets defined above them)');
  assert.deepEqual(parseClusterFw(added).value.ipsets.get('management')!.entries.map((e) => e.cidr), ['10.77.0.234']);
  assert.equal(parseClusterFw(added).diagnostics.length, parseClusterFw(lockout).diagnostics.length, 'no rule becomes skipped');
});

test('setIpset on a lowercase [ipset management] header of upstream test data edits that section', () => {
  const before = fixture('upstream-test-ipset1/cluster.fw');
  const after = setIpset(before, 'management', [{ cidr: '10.77.0.234' }]);
  keepsLines(before, after, ['192.168.128.2']);
  assert.equal(after.match(/\[ipset management\]/gi)?.length, 1);
  assert.deepEqual(parseClusterFw(after).value.ipsets.get('management')!.entries.map((e) => e.cidr), ['10.77.0.234']);
});

test('setAlias adds [ALIASES] before the ipsets and rewrites an existing alias', () => {
  const before = fixture('upstream-test-ipset1/cluster.fw');
  const after = setAlias(before, 'local_network', '10.77.0.230/31');
  keepsLines(before, after);
  assert.equal(parseClusterFw(after).value.aliases.get('local_network')?.range.text, '10.77.0.230/31');
  const none = '[OPTIONS]\nenable: 1\n\n[IPSET management]\n10.0.0.1\n';
  assert.equal(setAlias(none, 'local_network', '10.0.0.0/31'), '[OPTIONS]\nenable: 1\n\n[ALIASES]\n\nlocal_network 10.0.0.0/31\n\n[IPSET management]\n10.0.0.1\n');
  assert.equal(setAlias('[ALIASES]\nLOCAL_NETWORK 10.0.0.0/8 # lan\n', 'local_network', '10.0.0.0/31'), '[ALIASES]\nlocal_network 10.0.0.0/31\n');
});

test('setPvesecRules puts tagged rules first in [RULES] and replaces them on the next run', () => {
  const before = fixture('generated-0001/host.fw');
  const once = setPvesecRules(before, 'host', [{ rule: 'IN ACCEPT -source +management -p tcp -dport 2200', why: 'admin sources to sshd' }]);
  keepsLines(before, once);
  const rules = parseHostFw(once, 'host.fw', parseClusterFw(setIpset(fixture('generated-0001/cluster.fw'), 'management', [{ cidr: '10.0.0.1' }])).value).value.rules;
  assert.equal(rules[0].text, 'IN ACCEPT -source +management -p tcp -dport 2200 # pvesec: admin sources to sshd');
  assert.equal(rules[0].ignored, undefined);
  assert.equal(rules[0].comment, 'pvesec: admin sources to sshd');
  const twice = setPvesecRules(once, 'host', [{ rule: 'IN ACCEPT -source 10.0.0.2 -p tcp -dport 22', why: 'peers' }]);
  assert.equal(twice, once.replace('IN ACCEPT -source +management -p tcp -dport 2200 # pvesec: admin sources to sshd', 'IN ACCEPT -source 10.0.0.2 -p tcp -dport 22 # pvesec: peers'));
  assert.equal(setPvesecRules(twice, 'host', []), before);
});

test('CRLF files are refused, not edited', () => {
  assert.throws(() => setOption('[OPTIONS]\r\nenable: 0\r\n', 'cluster', 'enable', '1'), FwEditError);
});
