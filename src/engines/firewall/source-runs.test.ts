import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpRange, type IpRange } from '../../parse/ip-address.js';
import { AddressSet } from './addr.js';
import { parsePacket, type Packet } from './packet.js';
import { addRule, evaluate, newChain, type Chain, type Decision, type Program, type Rule, type Target } from './program.js';

/**
 * evaluate() skips through runs of source-filtered rules with an address index (program.ts,
 * SourceRun). The same rules with a no-op rule between every two of them form no run, so the plain
 * walk decides them: both must decide every packet alike (verdict, deciding rule, trace, assumptions).
 */

/** A deterministic pseudo-random sequence (the same cases on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const range = (t: string): IpRange => parseIpRange(t) as IpRange;

interface RuleSpec {
  src?: { cidrs: string[]; neg: boolean };
  dport?: [number, number];
  opaque?: boolean;
  target: Target;
}

function build(family: 4 | 6, chains: Record<string, RuleSpec[]>, broken: boolean): Program {
  const program: Program = { family, chains: new Map(), entry: { in: 'INPUT' } };
  for (const name of Object.keys(chains)) newChain(program, name, name === 'INPUT' ? 'DROP' : undefined);
  for (const [name, specs] of Object.entries(chains)) {
    const chain = program.chains.get(name) as Chain;
    specs.forEach((s, k) => {
      if (broken) addRule(chain, { text: 'no-op', target: { kind: 'CONTINUE' } });
      addRule(chain, {
        text: `${name} #${k}`,
        proto: s.dport ? { nums: [6], neg: false } : undefined,
        dport: s.dport ? { ranges: [...s.dport], neg: false } : undefined,
        src: s.src ? { set: AddressSet.of(s.src.cidrs.map(range)), neg: s.src.neg } : undefined,
        opaque: s.opaque ? ['-m something'] : undefined,
        target: s.target,
      });
    });
  }
  return program;
}

const texts = (rules: Rule[]) => rules.map((r) => r.text).filter((t) => t !== 'no-op');
const shape = (d: Decision) => ({ verdict: d.verdict, rule: d.rule?.text, trace: texts(d.trace), assumptions: d.assumptions.map((a) => a.replace(/rule \d+/, 'rule N')) });

function randomCase(seed: number, family: 4 | 6) {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const host = (i: number) => (family === 4 ? `10.0.${i >> 8}.${i & 255}` : `fd00::${i.toString(16)}`);
  const net = (i: number) => (family === 4 ? `10.0.${i % 4}.0/${pick([24, 25, 30])}` : `fd00::${(i % 4) * 64}/${pick([120, 122, 126])}`);
  const spec = (chain: string): RuleSpec => {
    const x = r();
    const src = x < 0.75 ? { cidrs: Array.from({ length: 1 + Math.floor(r() * 2) }, () => (r() < 0.8 ? host(Math.floor(r() * 1024)) : net(Math.floor(r() * 16)))), neg: r() < 0.05 } : undefined;
    const targets: Target[] = [{ kind: 'ACCEPT' }, { kind: 'DROP' }, { kind: 'RETURN' }, { kind: 'CONTINUE' }, { kind: 'MARK_RETURN' }];
    if (chain === 'INPUT') targets.push({ kind: 'JUMP', chain: 'SUB' }, { kind: 'GOTO', chain: 'SUB' });
    return { src, dport: r() < 0.3 ? [20 + Math.floor(r() * 4), 22 + Math.floor(r() * 4)] : undefined, opaque: r() < 0.02, target: pick(targets) };
  };
  // blocks of source-only rules (the runs the index is built for) between a few rules of any kind
  const rules = (chain: string, blocks: number): RuleSpec[] => Array.from({ length: blocks }, () => [
    ...Array.from({ length: 16 + Math.floor(r() * 30) }, () => ({ ...spec(chain), src: { cidrs: [r() < 0.9 ? host(Math.floor(r() * 1024)) : net(Math.floor(r() * 16))], neg: false }, opaque: false })),
    ...Array.from({ length: Math.floor(r() * 4) }, () => spec(chain)),
  ]).flat();
  const chains = { INPUT: rules('INPUT', 8), SUB: rules('SUB', 3) };
  const packets: Packet[] = Array.from({ length: 400 }, () => parsePacket({
    direction: 'in', src: host(Math.floor(r() * 1100)), dst: family === 4 ? '10.9.9.9' : 'fd09::9', proto: 'tcp',
    dport: 20 + Math.floor(r() * 8), sport: 40000,
  }));
  return { chains, packets };
}

for (const family of [4, 6] as const) {
  test(`firewall: the source-run index decides like the rule-by-rule walk (IPv${family}, random chains with jumps, RETURNs, negated and opaque rules)`, () => {
    for (let seed = 1; seed <= 12; seed++) {
      const { chains, packets } = randomCase(seed * 7919 + family, family);
      const indexed = build(family, chains, false);
      const walked = build(family, chains, true);
      for (const p of packets) {
        assert.deepEqual(shape(evaluate(indexed, p)), shape(evaluate(walked, p)), `seed ${seed}, packet from ${p.src.text} to port ${p.dport}`);
      }
    }
  });
}

test('firewall: 20,000 consecutive one-address rules (corosync peers) are decided without trying each of them per packet', () => {
  const program: Program = { family: 4, chains: new Map(), entry: { in: 'INPUT' } };
  const input = newChain(program, 'INPUT', 'DROP');
  const peer = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    addRule(input, { text: `peer ${i}`, proto: { nums: [17], neg: false }, dport: { ranges: [5404, 5405], neg: false }, src: { set: AddressSet.of([range(peer(i))]), neg: false }, target: { kind: 'ACCEPT' } });
  }
  // Every peer and as many non-peers: 40,000 packets over a 20,000-rule chain (the plain walk: 4e8 rule tests).
  for (let i = 0; i < 2 * n; i++) {
    const p = parsePacket({ direction: 'in', src: peer(i), dst: '10.9.9.9', proto: 'udp', dport: 5405, sport: 40000 });
    const d = evaluate(program, p);
    if (i < n) assert.equal(d.rule?.text, `peer ${i}`);
    else assert.equal(d.verdict, 'DROP');
  }
});
