import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIptablesSave, type FilterRule } from '../../parse/iptables-save.js';
import { analyseChain, covers, MAX_COVER_COMPARISONS, ruleKey, TERMINAL, type ShadowFinding } from './shadow.js';

function inputChain(rules: string[]): FilterRule[] {
  const text = `*filter\n:INPUT ACCEPT [0:0]\n:f2b - [0:0]\n${rules.map((r) => `-A INPUT ${r}`).join('\n')}\nCOMMIT\n`;
  return parseIptablesSave(text, 'iptables-save').value.tables[0].chains.get('INPUT')!.rules;
}

/** The definition: each rule against every earlier one, first match wins (what the index must reproduce). */
function naive(rules: FilterRule[]): ShadowFinding[] {
  const out: ShadowFinding[] = [];
  for (let j = 0; j < rules.length; j++) {
    const later = rules[j];
    for (let i = 0; i < j; i++) {
      const earlier = rules[i];
      if (ruleKey(earlier) === ruleKey(later)) {
        out.push({ kind: 'duplicate', rule: later, by: earlier });
        break;
      }
      if (later.target && TERMINAL.has(later.target) && earlier.target && TERMINAL.has(earlier.target) && !earlier.goto && covers(earlier.match, later.match)) {
        out.push({ kind: 'shadowed', rule: later, by: earlier });
        break;
      }
    }
  }
  return out;
}

const summary = (fs: ShadowFinding[]) => fs.map((f) => `${f.rule.index} ${f.kind} by ${f.by.index}`);

test('indexed shadow analysis finds exactly what comparing every pair finds', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const srcs = ['', '-s 10.0.0.1/32 ', '-s 10.0.0.2/32 ', '-s 10.0.0.0/24 ', '! -s 10.0.0.1/32 ', '-s 10.0.0.1/32,10.0.0.2/32 ', '-s fd00::1/128 '];
  const ports = ['', '-p tcp -m tcp --dport 22 ', '-p tcp -m tcp --dport 8006 ', '-p tcp -m tcp --dport 20:30 ', '-p tcp -m tcp ! --dport 22 ',
    '-p tcp -m multiport --dports 22,22 ', '-p tcp -m multiport --dports 22,8006 ', '-p udp -m udp --dport 22 ', '-p tcp '];
  const extra = ['', '', '-i eth0 ', '-m set --match-set admins src ', '-m conntrack --ctstate NEW '];
  const targets = ['-j ACCEPT', '-j DROP', '-j REJECT', '-j f2b', '-g f2b', '-j LOG', '-j RETURN'];
  for (let round = 0; round < 300; round++) {
    const rules = Array.from({ length: 1 + rand(25) }, () => `${srcs[rand(srcs.length)]}${ports[rand(ports.length)]}${extra[rand(extra.length)]}${targets[rand(targets.length)]}`);
    const chain = inputChain(rules);
    assert.deepEqual(summary(analyseChain(chain)), summary(naive(chain)), rules.join('\n'));
  }
});

test('a chain of 40,000 rules on distinct ports and hosts is analysed without comparing every pair', () => {
  const rules = Array.from({ length: 40_000 }, (_, i) => `-s 10.${(i >> 8) & 255}.${i & 255}.1/32 -p tcp -m tcp --dport ${1 + (i % 60_000)} -j ACCEPT`);
  rules.push(rules[123], '-s 10.0.5.1/32 -p tcp -m tcp --dport 6 -j DROP');
  const found = analyseChain(inputChain(rules));
  assert.deepEqual(summary(found), ['40001 duplicate by 124', '40002 shadowed by 6']);
  assert.equal(found.incomplete, undefined, '40,000 x 40,000 pairs would exceed the comparison budget: the index must avoid them');
});

test('a chain defeating the index stops at the comparison budget and says how many rules were left unchecked', () => {
  // Every rule a different subnet and no port: each may cover any later one, so all pairs are candidates.
  const n = Math.ceil(Math.sqrt(2 * MAX_COVER_COMPARISONS)) + 500;
  const rules = Array.from({ length: n }, (_, i) => `-s 10.${(i >> 8) & 255}.${i & 255}.0/24 -j DROP`);
  const found = analyseChain(inputChain(rules));
  assert.ok(found.incomplete !== undefined && found.incomplete > 0 && found.incomplete < n, `incomplete: ${found.incomplete}`);
});
