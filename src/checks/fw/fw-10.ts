import { COMMANDS, FILES } from '../../collect/sources.js';
import { handWrittenChains, ip6tablesFact, iptablesFact, persistedRuleset, unitState, unitStatesFact } from '../../model/facts/network.js';
import type { Evidence } from '../../core/types.js';
import type { Ruleset } from '../../parse/iptables-save.js';
import { fail, keyed, pass, skip, type Check, type Verdict } from '../types.js';
import { NETFILTER_REFERENCES } from './common.js';
import { ruleKey } from './shadow.js';

export const fw10: Check = {
  meta: {
    id: 'FW-10',
    section: 'FW',
    title: 'Hand-written iptables rules are persisted',
    severity: 'medium',
    scope: 'node',
    rationale: 'Rules added with iptables are lost at the next reboot unless saved to /etc/iptables/rules.v4/v6 and restored by netfilter-persistent; a stale saved file brings back old rules instead.',
    fix: 'apt install iptables-persistent && netfilter-persistent save && systemctl enable netfilter-persistent',
    reads: [COMMANDS.iptablesSave.name, COMMANDS.ip6tablesSave.name, FILES.iptablesRulesV4, FILES.iptablesRulesV6, 'systemctl-states'],
    references: NETFILTER_REFERENCES,
  },
  evaluate(ctx) {
    const families: { family: 'ip' | 'ip6'; command: string; path: string; live: Ruleset | undefined }[] = [
      { family: 'ip', command: COMMANDS.iptablesSave.name, path: FILES.iptablesRulesV4, live: ctx.get(iptablesFact) },
      { family: 'ip6', command: COMMANDS.ip6tablesSave.name, path: FILES.iptablesRulesV6, live: ctx.tryGet(ip6tablesFact) },
    ];
    const verdicts: Verdict[] = [];
    const ok: Evidence[] = [];
    let anyRules = false;
    for (const f of families) {
      if (!f.live) continue;
      const live = canonical(f.live, f.command);
      const saved = persistedRuleset(ctx, f.family);
      const persisted = saved ? canonical(saved, f.path) : [];
      if (!live.length && !persisted.length) continue;
      anyRules = true;
      if (!saved) {
        verdicts.push(keyed(f.path, fail(`${live.length} hand-written ${f.command} lines are not persisted: ${f.path} does not exist`, [{ source: f.command, line: live[0].line, text: live[0].key }, { source: f.path, text: 'file absent' }])));
        continue;
      }
      const liveKeys = live.map((l) => l.key);
      const savedKeys = persisted.map((l) => l.key);
      const missing = live.filter((l) => !savedKeys.includes(l.key));
      const extra = persisted.filter((l) => !liveKeys.includes(l.key));
      if (missing.length || extra.length || liveKeys.join('\n') !== savedKeys.join('\n')) {
        const parts = [
          missing.length ? `${missing.length} live line(s) not in ${f.path} (first: ${missing[0].key})` : '',
          extra.length ? `${extra.length} saved line(s) not loaded (first: ${extra[0].key})` : '',
          !missing.length && !extra.length ? 'same rules in a different order' : '',
        ].filter(Boolean);
        verdicts.push(keyed(f.path, fail(`${f.command} differs from ${f.path}: ${parts.join('; ')}`, [
          ...missing.slice(0, 3).map((l) => ({ source: f.command, line: l.line, text: l.key })),
          ...extra.slice(0, 3).map((l) => ({ source: f.path, line: l.line, text: l.key })),
        ])));
        continue;
      }
      ok.push({ source: f.path, text: `${persisted.length} hand-written lines, identical to ${f.command}` });
    }
    if (!anyRules) return skip('no hand-written iptables rules (only chains managed by pve-firewall or fail2ban): nothing to persist', families.filter((f) => f.live).map((f) => ({ source: f.command, text: 'no hand-written rules' })));
    const unit = unitState(ctx.get(unitStatesFact), 'netfilter-persistent');
    const unitEvidence = { source: 'systemctl-states', line: unit.line || undefined, text: `netfilter-persistent ${unit.active} ${unit.enabled}` };
    if (unit.enabled !== 'enabled') verdicts.push(keyed('netfilter-persistent', fail(`netfilter-persistent is ${unit.enabled}: saved rules are not restored at boot`, [unitEvidence])));
    if (verdicts.length) return verdicts;
    return pass('hand-written rules are saved and netfilter-persistent is enabled', [...ok, unitEvidence]);
  },
};

/**
 * Hand-written content of a ruleset as comparable lines: chain policies and rules (counters and
 * comments removed), chains sorted by table and name, rules in chain order. Builtin chains with an
 * ACCEPT policy and no rules are what an empty ruleset has and are left out.
 */
function canonical(ruleset: Ruleset, source: string): { key: string; line: number }[] {
  const out: { key: string; line: number }[] = [];
  const chains = handWrittenChains(ruleset, source).sort((a, b) => `${a.table} ${a.chain.name}`.localeCompare(`${b.table} ${b.chain.name}`));
  for (const c of chains) {
    if (!c.rules.length && (c.chain.policy === undefined || c.chain.policy === 'ACCEPT') && c.chain.hook) continue;
    out.push({ key: `*${c.table} :${c.chain.name} ${c.chain.policy ?? '-'}`, line: c.chain.line });
    for (const r of c.rules) out.push({ key: `*${c.table} -A ${c.chain.name} ${ruleKey(r)}`, line: r.line });
  }
  return out;
}
