import { accountsFact, sudoersFact } from '../../model/facts/accounts.js';
import { isInstalled, packagesFact } from '../../model/facts/system-base.js';
import { sudoAllRule, type SudoRule } from '../../parse/sudoers.js';
import { Unavailable } from '../../model/fact.js';
import type { Evidence } from '../../core/types.js';
import { fail, pass, skip, type Check } from '../types.js';
import { ACC_REFERENCES, passwdEvidence } from './common.js';

export const acc01: Check = {
  meta: {
    id: 'ACC-01',
    section: 'ACC',
    title: 'A personal login account can become root through sudo',
    severity: 'high',
    scope: 'node',
    rationale: 'Admins should log in as themselves and escalate with sudo (logged, attributable) so that root logins can be restricted to keys between cluster nodes.',
    fix: 'apt install sudo; adduser alice; usermod -aG sudo alice; then test `ssh alice@node sudo -v` before restricting root.',
    reads: ['/etc/passwd', '/etc/group', '/etc/sudoers', '/etc/sudoers.d/*', '/var/lib/dpkg/status'],
    references: ACC_REFERENCES,
  },
  evaluate(ctx) {
    const acc = ctx.get(accountsFact);
    const sudoInstalled = isInstalled(ctx.get(packagesFact), 'sudo');
    let note = '';
    let rules: SudoRule[] | undefined;
    try {
      rules = ctx.get(sudoersFact).sudoers.rules;
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      note = ` (sudoers not readable: ${e.reason})`;
    }
    const logins = acc.users.filter((u) => u.uid >= 1000 && u.uid !== 65534 && u.shellKind !== 'nologin');
    const able = logins.flatMap((u) => {
      const ev: Evidence[] = [passwdEvidence(u)];
      if (rules) {
        const r = sudoAllRule(rules, u.name, u.groups);
        return r ? [{ u, via: `${r.text.replace(/\s+/g, ' ')} (${r.file}:${r.line})`, ev: [...ev, { source: r.file, line: r.line, text: r.text }] }] : [];
      }
      const g = acc.groups.find((x) => x.name === 'sudo');
      return g && u.groups.includes('sudo') ? [{ u, via: 'group sudo', ev: [...ev, { source: '/etc/group', line: g.line, text: `sudo:x:${g.gid}:${g.members.join(',')}` }] }] : [];
    });
    if (!sudoInstalled) {
      return fail(`sudo is not installed${able.length ? ` (${able.map((a) => a.u.name).join(', ')} would qualify)` : ''}: only root can administer this node`,
        [{ source: '/var/lib/dpkg/status', text: 'sudo: not installed' }]);
    }
    if (!logins.length) return fail('no personal admin account: there is no non-root login user (uid >= 1000 with a shell)');
    if (!rules) {
      // Group membership alone proves nothing: the rule granting %sudo (or another grant) was not seen.
      const who = able.length ? `${able.map((x) => x.u.name).join(', ')} in group sudo, but the` : 'nobody in group sudo, and the';
      return skip(`${who} sudoers rules were not seen${note}`, able.flatMap((x) => x.ev));
    }
    if (!able.length) return fail(`no personal admin account: login users ${logins.map((u) => u.name).join(', ')} cannot run ALL as root`, logins.map(passwdEvidence));
    const a = able[0];
    const more = able.length > 1 ? ` (also ${able.slice(1).map((x) => x.u.name).join(', ')})` : '';
    return pass(`${a.u.name} (uid ${a.u.uid}, ${a.u.shell}) can run ALL as root via ${a.via}${more}`, able.flatMap((x) => x.ev));
  },
};
