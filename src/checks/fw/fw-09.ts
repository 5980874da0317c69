import { handWrittenChains, iptablesFact, liveRulesets, type HandWrittenChain } from '../../model/facts/network.js';
import { COMMANDS } from '../../collect/sources.js';
import { fail, keyed, pass, skip, warn, type Check, type Verdict } from '../types.js';
import { filterRuleEvidence, NETFILTER_REFERENCES, plural } from './common.js';
import { analyseChain, MAX_COVER_COMPARISONS } from './shadow.js';

export const fw09: Check = {
  meta: {
    id: 'FW-09',
    section: 'FW',
    title: 'Hand-written iptables/nft rules have no shadowed or duplicate rule',
    severity: 'medium',
    scope: 'node',
    rationale: 'A rule that an earlier rule of the same chain already fully matches is never reached: an ACCEPT or DROP the operator relies on has no effect (often an ordering mistake), and duplicates hide which line really decides.',
    fix: 'Delete the duplicate, or move the more specific rule above the broader one (`iptables -D CHAIN N`, `iptables -I CHAIN M ...`), then persist with `netfilter-persistent save` (or edit /etc/nftables.conf).',
    reads: [COMMANDS.iptablesSave.name, COMMANDS.ip6tablesSave.name, COMMANDS.nftRuleset.name],
    references: NETFILTER_REFERENCES,
  },
  evaluate(ctx) {
    const seen = liveRulesets(ctx);
    if (!seen.length) ctx.get(iptablesFact); // throws why iptables-save is missing
    const chains: HandWrittenChain[] = seen.flatMap(([name, r]) => handWrittenChains(r, name));
    const verdicts: Verdict[] = [];
    let count = 0;
    for (const c of chains) {
      count += c.rules.length;
      const found = analyseChain(c.rules);
      if (found.incomplete) {
        verdicts.push(keyed(`${c.source} ${c.table} ${c.chain.name}: not checked`, skip(`${c.source}: ${c.table} ${c.chain.name}: the last ${plural(found.incomplete, 'rule')} of ${c.rules.length} were not checked for shadowing (more than ${MAX_COVER_COMPARISONS} rule comparisons)`)));
      }
      for (const f of found) {
        const what = f.kind === 'duplicate'
          ? `duplicates rule ${f.by.index}`
          : `is shadowed by rule ${f.by.index} (${f.by.target}), which matches every packet it would`;
        verdicts.push(keyed(`${c.source} ${c.table} ${c.chain.name}: ${f.rule.text}`, (f.kind === 'duplicate' ? warn : fail)(`${c.source}: ${c.table} ${c.chain.name} rule ${f.rule.index} (${f.rule.target ?? 'no target'}) ${what}`,
          [filterRuleEvidence(c.source, f.by), filterRuleEvidence(c.source, f.rule)])));
      }
    }
    if (verdicts.length) return verdicts;
    const names = seen.map(([n]) => n).join(', ');
    if (!count) return pass(`no hand-written rules in ${names}`, seen.map(([n]) => ({ source: n, text: 'only chains managed by pve-firewall or fail2ban' })));
    return pass(`${plural(count, 'hand-written rule')} in ${names}: none shadowed or duplicated`, seen.map(([n]) => ({ source: n, text: `${plural(chains.filter((c) => c.source === n).reduce((k, c) => k + c.rules.length, 0), 'hand-written rule')}` })));
  },
};
