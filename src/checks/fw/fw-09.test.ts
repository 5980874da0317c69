import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCases, runCheck } from '../testing.js';
import { fw09 } from './fw-09.js';
import { HANDWRITTEN_V4, netfilter, pveNode } from '../../../test/fixtures/netfilter/helpers.js';

const insertAfter = (text: string, anchor: string, line: string) => text.replace(anchor + '\n', `${anchor}\n${line}\n`);
const SSH_LAN = '-A INPUT -s 192.168.10.0/24 -p tcp -m tcp --dport 22 -j ACCEPT';

test('FW-09 shadowed and duplicate hand-written rules', () => {
  assertCases(fw09, [
    { name: 'only pve-firewall chains', node: pveNode(), expect: 'PASS', message: 'no hand-written rules' },
    { name: 'guide-style ruleset without overlap', node: pveNode({ iptables: HANDWRITTEN_V4 }), expect: 'PASS', message: '12 hand-written rules' },
    {
      name: 'host rule after the subnet rule that already accepts it',
      node: pveNode({ iptables: insertAfter(HANDWRITTEN_V4, SSH_LAN, '-A INPUT -s 192.168.10.5/32 -p tcp -m tcp --dport 22 -j ACCEPT') }),
      expect: 'FAIL', message: 'iptables-save: filter INPUT rule 5 (ACCEPT) is shadowed by rule 4 (ACCEPT)',
    },
    {
      name: 'DROP after a broader ACCEPT is never reached',
      node: pveNode({ iptables: insertAfter(HANDWRITTEN_V4, SSH_LAN, '-A INPUT -s 192.168.10.66/32 -p tcp -m tcp --dport 22 -m comment --comment "block the old jump host" -j DROP') }),
      expect: 'FAIL', message: 'rule 5 (DROP) is shadowed by rule 4 (ACCEPT)',
    },
    {
      name: 'duplicate line (comment differs)',
      node: pveNode({ iptables: insertAfter(HANDWRITTEN_V4, SSH_LAN, `${SSH_LAN.replace(' -j', ' -m comment --comment "ssh again" -j')}`) }),
      expect: 'WARN', message: 'rule 5 (ACCEPT) duplicates rule 4',
    },
    {
      name: 'an earlier rule with an unmodelled match does not shadow',
      node: pveNode({ iptables: insertAfter(HANDWRITTEN_V4, '-A INPUT -p icmp -m icmp --icmp-type 8 -m limit --limit 5/sec -j ACCEPT', '-A INPUT -p icmp -m icmp --icmp-type 8 -j DROP') }),
      expect: 'PASS',
    },
    {
      name: 'nft: port set accepted from a named set covers a later ssh rule',
      node: pveNode({ nft: netfilter('handwritten.nft') }),
      expect: 'FAIL', message: 'nft list ruleset: inet filter input rule 6 (ACCEPT) is shadowed by rule 4 (ACCEPT)',
    },
    {
      name: 'iptables-save failed (stderr is collected with stdout)',
      node: { ...pveNode({ ip6tables: '' }), commands: { 'iptables-save': { output: 'iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n', exitCode: 4 } } },
      expect: 'SKIP', message: 'iptables-save failed (exit 4): iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id',
    },
    {
      name: 'real test host (iptables-nft): the nft mirror of the same rules is not reported twice',
      node: pveNode({ iptables: netfilter('testhost.iptables-save'), ip6tables: netfilter('testhost.ip6tables-save'), nft: netfilter('testhost.nft') }),
      expect: ['FAIL'], message: 'iptables-save: filter INPUT rule 4 (ACCEPT) is shadowed by rule 3 (ACCEPT)',
    },
    { name: 'no ruleset collected', node: pveNode({ iptables: '', ip6tables: '', errors: { 'iptables-save': 'needs root' } }), expect: 'SKIP', message: 'iptables-save: needs root' },
  ]);
  const [f] = runCheck(fw09, { node: pveNode({ iptables: insertAfter(HANDWRITTEN_V4, SSH_LAN, '-A INPUT -s 192.168.10.5/32 -p tcp -m tcp --dport 22 -j ACCEPT') }) });
  assert.deepEqual(f.evidence.map((e) => [e.source, e.line]), [['iptables-save', 10], ['iptables-save', 11]]);
});
