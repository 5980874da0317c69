import { accountsFact, userSshState } from '../../model/facts/accounts.js';
import { notice, skip, type Check } from '../types.js';
import { ACC_REFERENCES } from './common.js';

export const acc05: Check = {
  meta: {
    id: 'ACC-05',
    section: 'ACC',
    title: 'Whether root keeps a key-based emergency path',
    severity: 'info',
    scope: 'node',
    rationale: 'If sudo or the admin accounts break, a root key (from a vaulted workstation, or between cluster nodes) is the remaining way in short of the console.',
    fix: 'Keep at least one vaulted break-glass key in /etc/pve/priv/authorized_keys (= /root/.ssh/authorized_keys on Proxmox VE).',
    reads: ['/root/.ssh/authorized_keys', '/etc/pve/priv/authorized_keys'],
    references: ACC_REFERENCES,
  },
  evaluate(ctx) {
    const root = ctx.get(accountsFact).byName.get('root');
    if (!root) return skip('no root entry in /etc/passwd');
    const st = userSshState(ctx, root);
    if (!st.keyFiles.length && !st.sshDirSeen) return skip(ctx.snapshot.whyMissing(`${root.home}/.ssh/authorized_keys`));
    const keys = st.keyFiles.flatMap((f) => f.keys.map((k) => ({ f: f.path, k })));
    if (!keys.length) return notice(`root has no authorized key: no key-based emergency path (${st.keyPaths.join(', ')})`, st.keyFiles.map((f) => ({ source: f.path, text: 'no key' })));
    const list = keys.map(({ k }) => `${k.type}${k.comment ? ` "${k.comment}"` : ''}`).join(', ');
    return notice(`root keeps a key-based emergency path: ${keys.length} authorized key(s): ${list}`,
      keys.map(({ f, k }) => ({ source: f, line: k.line, text: `${k.type} ${k.fingerprint} ${k.comment}`.trim() })));
  },
};
