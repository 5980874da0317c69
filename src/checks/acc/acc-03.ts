import path from 'node:path';
import type { Evidence } from '../../core/types.js';
import { adminsFact, userSshState } from '../../model/facts/accounts.js';
import { fail, keyed, pass, skip, type Check, type Verdict } from '../types.js';
import { ACC_REFERENCES, octal } from './common.js';

export const acc03: Check = {
  meta: {
    id: 'ACC-03',
    section: 'ACC',
    title: 'Every admin has an authorized key with strict permissions',
    severity: 'high',
    scope: 'node',
    rationale: 'Without a key an admin needs passwords (or root) to get in; with loose permissions (StrictModes) sshd ignores the keys, or another user can add theirs.',
    fix: 'As the admin: `install -d -m 700 ~/.ssh && install -m 600 /dev/null ~/.ssh/authorized_keys`, add the public key, `chmod go-w ~`; as root fix ownership with `chown -R alice: ~alice/.ssh`.',
    reads: ['/etc/passwd', '/etc/group', '/etc/sudoers', '~/.ssh (stat)', '~/.ssh/authorized_keys (stat)'],
    references: ACC_REFERENCES,
  },
  evaluate(ctx) {
    const { admins } = ctx.get(adminsFact);
    if (!admins.length) return skip('no admin account found (group sudo, sudoers ALL rules, admin_users)');
    return admins.map((a) => keyed(a.user.name, judge(a)));

    function judge(a: (typeof admins)[number]): Verdict {
      const u = a.user;
      const st = userSshState(ctx, u);
      if (!st.homeSeen) return skip(`${u.name}: ${ctx.snapshot.whyMissing(u.home)}`);
      const problems: string[] = [];
      const evidence: Evidence[] = [];
      const unknown: string[] = [];
      if (st.home) {
        evidence.push({ source: u.home, text: `mode ${octal(st.home.mode)} uid ${st.home.uid}` });
        if (st.home.mode & 0o022) problems.push(`home ${u.home} is group/world-writable (${octal(st.home.mode)})`);
      } else unknown.push(u.home);
      const sshDir = path.posix.join(u.home, '.ssh');
      if (st.sshDir) {
        evidence.push({ source: sshDir, text: `mode ${octal(st.sshDir.mode)} uid ${st.sshDir.uid}` });
        if (st.sshDir.mode & 0o077) problems.push(`${sshDir} is ${octal(st.sshDir.mode)} (want 0700)`);
        if (st.sshDir.uid !== u.uid) problems.push(`${sshDir} is owned by uid ${st.sshDir.uid}`);
      } else if (st.sshDirSeen) unknown.push(sshDir);
      for (const f of st.keyFiles) {
        if (!f.stat) {
          unknown.push(f.path);
          continue;
        }
        evidence.push({ source: f.path, text: `mode ${octal(f.stat.mode)} uid ${f.stat.uid}, ${f.keys.length} key(s)` });
        if (f.stat.mode & 0o177) problems.push(`${f.path} is ${octal(f.stat.mode)} (want 0600 or stricter)`);
        if (f.stat.uid !== u.uid) problems.push(`${f.path} is owned by uid ${f.stat.uid}`);
      }
      const keys = st.keyFiles.reduce((n, f) => n + f.keys.length, 0);
      if (keys === 0 && st.unreadable.length && !problems.length) return skip(`${u.name}: ${st.unreadable[0]}`, evidence);
      if (keys === 0) problems.unshift(`no authorized key (${st.keyPaths.join(', ')})`);
      if (problems.length) return fail(`${u.name}: ${problems.join('; ')}`, evidence);
      if (unknown.length) return skip(`${u.name}: ${keys} key(s), but the permissions of ${unknown.join(', ')} were not collected`, evidence);
      const kf = st.keyFiles.filter((f) => f.keys.length).map((f) => `${path.posix.basename(f.path)} ${octal(f.stat!.mode)}`).join(', ');
      return pass(`${u.name}: ${keys} key(s), ~/.ssh ${octal(st.sshDir!.mode)}, ${kf}, home ${octal(st.home!.mode)}`, evidence);
    }
  },
};
