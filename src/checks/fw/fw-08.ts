import { FILES } from '../../collect/sources.js';
import { allHostFirewalls, clusterFirewallFact } from '../../model/facts/network.js';
import { fileLine } from '../../model/file-lines.js';
import { describeRun, MAX_IGNORED_RULES, type ClusterFw, type FwRule, type HostFw } from '../../parse/pve-fw.js';
import { fail, keyed, pass, VerdictList, warn, type Check } from '../types.js';
import { FW_REFERENCES, fwRuleEvidence, plural } from './common.js';
import { crlfFinding } from './crlf.js';

export const fw08: Check = {
  meta: {
    id: 'FW-08',
    section: 'FW',
    title: 'No firewall rule is silently ignored by Proxmox',
    severity: 'medium',
    scope: 'cluster',
    rationale: 'pve-firewall drops a rule it cannot verify with only a log line (and likewise skips bad ipset entries, aliases and options): -dport without -p, an alias or ipset that is unknown or defined further down the file (also +management and local_network unless defined explicitly), a lowercase action, a macro contradicted by -p/-dport. An ignored ACCEPT is a lockout waiting to happen; an ignored DROP is an open port the operator believes closed.',
    fix: 'Correct each listed line (add -p tcp, define the alias/ipset above its first use or fix its case, write ACCEPT/DROP/REJECT in capitals, drop the option that contradicts the macro), then check `pve-firewall compile` prints no warning.',
    reads: [FILES.clusterFw, '/etc/pve/nodes/*/host.fw'],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const cluster = ctx.get(clusterFirewallFact);
    const hosts = allHostFirewalls(ctx.snapshot, cluster.conf);
    // in this order: cluster [RULES], security groups, host.fw files (lists of a million lines are not copied)
    const ruleLists: FwRule[][] = [cluster.conf.rules, ...[...cluster.conf.groups.values()].map((g) => g.rules), ...hosts.map((h) => h.fw.conf.rules)];
    // a hostile file can make a million ignored lines: past the cap they are counted, not built
    const verdicts = new VerdictList();
    // CRLF line endings: one finding per file; the lines it made Proxmox skip are not listed one by one.
    const crlfLost = new Set<string>();
    const lost = (file: string, line: number | undefined) => crlfLost.size > 0 && (crlfLost.has(file) || crlfLost.has(`${file}:${line}`));
    const confs: [ClusterFw | HostFw, 'cluster' | 'host'][] = [[cluster.conf, 'cluster'], ...hosts.map((h): [HostFw, 'host'] => [h.fw.conf, 'host'])];
    for (const [conf, kind] of confs) {
      const finding = crlfFinding(conf, kind);
      if (!finding) continue;
      verdicts.add('FAIL', () => keyed(`${conf.file}: CR LF line endings`, fail(finding.message, finding.evidence)));
      if (finding.wholeFile) crlfLost.add(conf.file);
      for (const line of conf.crlf!.affectedLines) crlfLost.add(`${conf.file}:${line}`);
    }
    for (const rules of ruleLists) {
      for (const rule of rules) {
        if (!rule.enabled || lost(rule.file, rule.line)) continue;
        if (rule.ignored) {
          if (verdicts.full) verdicts.count('FAIL');
          else verdicts.add('FAIL', () => {
            const where = rule.group ? ` in [group ${rule.group}]` : '';
            const run = describeRun(rule);
            return keyed(`${rule.file}${rule.group ? ` [group ${rule.group}]` : ''}: ${rule.text.trim()}`, fail(`${rule.file}:${rule.line}${where}: "${rule.text.trim()}" is ignored by Proxmox: ${rule.ignored}${run ? ` (${run})` : ''}`, [fwRuleEvidence(rule)]));
          });
        } else if (rule.type === 'group' && !cluster.conf.groups.has(rule.action)) {
          const other = cluster.conf.groups.has(rule.action.toLowerCase()) ? ` (the group is named "${rule.action.toLowerCase()}": references are case-sensitive)` : '';
          verdicts.add('WARN', () => keyed(`${rule.file}: ${rule.text.trim()}`, warn(`${rule.file}:${rule.line}: GROUP ${rule.action} refers to no security group, the rule has no effect${other}`, [fwRuleEvidence(rule)])));
        }
      }
    }
    // Ignored rule lines past what the parser keeps of a file (MAX_IGNORED_RULES): counted, their text read back.
    for (const conf of [cluster.conf, ...hosts.map((h) => h.fw.conf)]) {
      for (const line of conf.ignoredNotKept ?? []) {
        if (lost(conf.file, line)) continue;
        if (verdicts.full) verdicts.count('FAIL');
        else verdicts.add('FAIL', () => {
          const text = fileLine(ctx.snapshot, conf.file, line)?.trim() ?? '';
          return keyed(`${conf.file}: ${text}`, fail(`${conf.file}:${line}: "${text}" is ignored by Proxmox (one of the ignored lines past the first ${MAX_IGNORED_RULES} of the file, not parsed one by one)`, [{ source: conf.file, line, text }]));
        });
      }
    }
    // Other lines pve-firewall skips with only a log message: ipset entries, aliases, options, lines outside a section.
    for (const diagnostics of [cluster.diagnostics, ...hosts.map((h) => h.fw.diagnostics)]) {
      for (const d of diagnostics) {
        if (d.message.startsWith('rule ignored by Proxmox') || lost(d.file, d.line)) continue;
        if (verdicts.full) verdicts.count('WARN');
        else verdicts.add('WARN', () => {
          const text = d.line !== undefined ? fileLine(ctx.snapshot, d.file, d.line)?.trim() : undefined;
          return keyed(`${d.file}: ${text ?? `line ${d.line ?? '?'}`}`, warn(`${d.file}:${d.line ?? '?'}: line ignored by Proxmox: ${d.message}`, [{ source: d.file, line: d.line, text: text ?? d.message }]));
        });
      }
    }
    if (verdicts.length) return verdicts.done();
    const files = [cluster.present ? FILES.clusterFw : undefined, ...hosts.map((h) => h.fw.path)].filter(Boolean);
    const enabled = ruleLists.reduce((n, rules) => n + rules.filter((r) => r.enabled).length, 0);
    return pass(`all ${plural(enabled, 'enabled rule')} in ${files.length ? files.join(', ') : 'the firewall configuration'} are applied by Proxmox`,
      files.map((f) => ({ source: f!, text: 'no ignored rule' })));
  },
};
