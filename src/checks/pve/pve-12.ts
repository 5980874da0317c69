import type { Check } from '../types.js';
import { fail, pass } from '../types.js';
import { accessFact } from '../../model/facts/permissions.js';
import { findToken } from '../../parse/user-cfg.js';
import { FILES } from '../../collect/sources.js';
import { ADMIN_GUIDE, listNames, userCfgLinesEvidence } from './common.js';

export const pve12: Check = {
  meta: {
    id: 'PVE-12', section: 'PVE', title: 'No latent or silently dropped ACL entries', severity: 'medium', scope: 'cluster',
    rationale: 'An ACL naming a user or group that does not exist yet grants access to whoever is created with that name later; ACL lines Proxmox drops (role or token defined later in user.cfg) and role: lines that extend a built-in role do not do what the file says.',
    fix: 'Remove stale entries: pveum acl delete PATH --users USER --roles ROLE (for a group or a token: --groups GROUP or --tokens USER!TOKEN instead of --users USER); re-create dropped ones so that Proxmox writes them in a valid order: pveum acl modify PATH --users USER --roles ROLE',
    reads: [FILES.userCfg],
    references: [ADMIN_GUIDE],
  },
  evaluate(ctx) {
    const { cfg, diagnostics, release } = ctx.get(accessFact);
    const issues: { text: string; line: number }[] = [];
    const seen = new Set<string>();
    for (const e of cfg.aclEntries) {
      const missing = e.kind === 'user' ? !cfg.users.has(e.member)
        : e.kind === 'group' ? !cfg.groups.has(e.member)
          : !findToken(cfg, e.member);
      const key = `${e.line}:${e.kind}:${e.member}`;
      if (!missing || seen.has(key)) continue;
      seen.add(key);
      const label = e.kind === 'group' ? `group @${e.member}` : `${e.kind} ${e.member}`;
      issues.push({ text: `line ${e.line}: ${label} on ${e.path} does not exist`, line: e.line });
    }
    for (const d of cfg.droppedAcls) issues.push({ text: `line ${d.line}: dropped by Proxmox (${d.reason})`, line: d.line });
    // Privileges this release does not know are dropped from the role: it grants less than the line says.
    for (const d of diagnostics) {
      const priv = /ignore invalid privilege '([^']*)'/.exec(d.message)?.[1];
      if (priv !== undefined && d.line !== undefined) issues.push({ text: `line ${d.line}: privilege ${priv} does not exist in ${release.release === 'pve8' ? 'PVE 8' : 'PVE 9'} and is dropped from the role`, line: d.line });
    }
    // A role: line with a built-in name silently adds privileges to every holder of that role (even NoAccess).
    for (const r of cfg.roles.values()) {
      if (r.builtin && r.line !== undefined) issues.push({ text: `line ${r.line}: role:${r.name} changes the built-in role for every holder`, line: r.line });
    }
    issues.sort((a, b) => a.line - b.line);
    if (issues.length === 0) return pass(`all ${cfg.aclEntries.length} ACL entries name existing users, groups and tokens; no line is dropped`);
    return fail(`${issues.length} latent or dropped ACL entr${issues.length === 1 ? 'y' : 'ies'}: ${listNames(issues.map((i) => i.text), 5)}`,
      userCfgLinesEvidence(ctx, issues.map((i) => i.line)));
  },
};
