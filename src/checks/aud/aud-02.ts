import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { isInstalled, packagesFact } from '../../model/facts/system-base.js';
import { auditRulesLiveFact, auditRulesPersistedFact } from '../../model/facts/system.js';
import { watchCovering, type AuditRule } from '../../parse/audit-rules.js';
import { fail, pass, warn, type Check } from '../types.js';

export const AUDITED_PATHS = ['/etc/sudoers', '/etc/sudoers.d/', '/etc/ssh/sshd_config', '/etc/passwd', '/etc/group', '/etc/pve'];

const LIVE = COMMANDS.auditRules.name;

function coverage(rules: AuditRule[]): { missing: string[]; evidence: Evidence[] } {
  const missing: string[] = [];
  const evidence: Evidence[] = [];
  for (const p of AUDITED_PATHS) {
    const r = watchCovering(rules, p);
    if (!r) missing.push(p);
    else if (!evidence.some((e) => e.source === r.file && e.line === r.line)) evidence.push({ source: r.file, line: r.line, text: r.text });
  }
  return { missing, evidence };
}

export const aud02: Check = {
  meta: {
    id: 'AUD-02',
    section: 'AUD',
    title: 'Audit rules watch sudoers, sshd_config, passwd, group and /etc/pve',
    severity: 'medium',
    scope: 'node',
    rationale: 'Writes to these files grant or change access to the node and the cluster; a watch (-p wa) records who made each change.',
    fix: 'cat > /etc/audit/rules.d/50-pvesec.rules <<EOF\n' + AUDITED_PATHS.map((p) => `-w ${p} -p wa -k pvesec`).join('\n') + '\nEOF\naugenrules --load',
    reads: [LIVE, FILES.auditRulesDir + '/*.rules'],
    references: [{ title: 'audit.rules(7)', url: 'https://manpages.debian.org/trixie/auditd/audit.rules.7.en.html' }],
  },
  evaluate(ctx) {
    const pkgs = ctx.tryGet(packagesFact);
    if (pkgs && !isInstalled(pkgs, 'auditd')) return fail('auditd is not installed: nothing records changes to these files', [{ source: FILES.dpkgStatus, text: 'no installed auditd package' }]);
    const live = ctx.tryGet(auditRulesLiveFact);
    const persisted = ctx.tryGet(auditRulesPersistedFact);
    if (!live) {
      // without the loaded rules, the files can still prove a gap (never a PASS)
      const rules = ctx.get(auditRulesPersistedFact);
      const c = coverage(rules.rules);
      if (c.missing.length) return fail(`the audit rules files do not watch ${c.missing.join(', ')} (${LIVE} not collected)`, c.evidence);
      return warn(`the audit rules files watch every required path, but the loaded rules are unknown (${ctx.snapshot.whyMissing(LIVE)})`, c.evidence);
    }
    const c = coverage(live.rules);
    if (c.missing.length) {
      const none = live.empty || !live.rules.length ? ' (no rules loaded)' : '';
      return fail(`no loaded audit rule watches ${c.missing.join(', ')} for writes and attribute changes${none}`, c.evidence.length ? c.evidence : [{ source: LIVE, text: live.empty ? 'No rules' : `${live.rules.length} rules` }]);
    }
    if (persisted) {
      const p = coverage(persisted.rules);
      if (p.missing.length) return warn(`the loaded rules watch every required path, but the rules files do not persist the watches on ${p.missing.join(', ')} (lost at reboot)`, [...c.evidence, ...p.evidence]);
    }
    return pass(`loaded audit rules watch ${AUDITED_PATHS.join(', ')} (-p wa)`, c.evidence);
  },
};
