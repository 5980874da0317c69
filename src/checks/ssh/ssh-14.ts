import { adminsFact } from '../../model/facts/accounts.js';
import { basisNote, sshdFact, sshdValue } from '../../model/facts/ssh.js';
import { fail, pass, type Check } from '../types.js';
import { conditionalDirectives, conditionalEvidence, conditionalValue, forwardingDisabled, matchLabel, requireSshdValue, SSHD_READS, SSHD_REFERENCES, where } from './common.js';

// A user name no real account has: stands for "any other non-root user" when evaluating Match User blocks.
const PROBE_USER = 'pvesec-probe-user';

export const ssh14: Check = {
  meta: {
    id: 'SSH-14',
    section: 'SSH',
    title: 'TCP forwarding is off for non-root users',
    severity: 'low',
    scope: 'node',
    rationale: 'TCP forwarding turns any SSH account into a tunnel into the management network. root between cluster nodes may keep it (migration tunnels).',
    fix: 'Put "AllowTcpForwarding no" in /etc/ssh/sshd_config.d/10-pvesec.conf, and if root needs it between nodes add at the end of sshd_config "Match User root Address <peer addresses>" / "  AllowTcpForwarding yes"; then `sshd -t && systemctl reload ssh`.',
    reads: [...SSHD_READS, '/etc/passwd', '/etc/group'],
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    const note = basisNote(state);
    const off = forwardingDisabled(state);
    if (off) return pass(`DisableForwarding yes (${where(off)})${note}`, off.evidence);
    const global = requireSshdValue(state, 'allowtcpforwarding');
    const admins = ctx.tryGet(adminsFact)?.admins.map((a) => ({ name: a.user.name, groups: a.user.groups })) ?? [];
    const users = [...admins, { name: PROBE_USER, groups: [] as string[] }];
    const allowed = users.filter((u) => {
      const v = sshdValue(state, 'allowtcpforwarding', { user: u.name, groups: u.groups });
      const d = sshdValue(state, 'disableforwarding', { user: u.name, groups: u.groups });
      return v?.value !== 'no' && d?.value !== 'yes';
    });
    if (allowed.length) {
      const who = allowed.map((u) => (u.name === PROBE_USER ? 'every other non-root user' : u.name)).join(', ');
      return fail(`AllowTcpForwarding ${global.value} (${where(global)}) for ${who}${note}`, global.evidence);
    }
    const exceptions = conditionalDirectives(state, 'allowtcpforwarding').filter((d) => conditionalValue(d) !== 'no');
    const nonRoot = exceptions.filter((d) => !d.match.every((m) => m.criteria.some((c) => c.kind === 'user' && c.pattern === 'root')));
    if (nonRoot.length) {
      const d = nonRoot[0];
      return fail(`AllowTcpForwarding ${conditionalValue(d)} in "${matchLabel(d)}" (${d.file}:${d.line}) re-enables forwarding for non-root users${note}`, conditionalEvidence(d));
    }
    const rootNote = exceptions.length ? `; root keeps it via "${matchLabel(exceptions[0])}"` : '';
    const basis = global.value === 'no' ? `AllowTcpForwarding no (${where(global)})` : `AllowTcpForwarding no for non-root users via Match blocks (globally ${global.value})`;
    return pass(`${basis}${rootNote}${note}`, global.value === 'no' ? global.evidence : conditionalDirectives(state, 'allowtcpforwarding').flatMap(conditionalEvidence));
  },
};
