import type { Evidence } from '../../core/types.js';
import { accountsFact, adminsFact, userSshState, type HostUser } from '../../model/facts/accounts.js';
import type { AuthorizedKey } from '../../parse/authorized-keys.js';
import { fail, pass, skip, warn, type Check } from '../types.js';
import { ACC_REFERENCES } from './common.js';

function grade(k: AuthorizedKey): 'ok' | 'warn' | 'fail' {
  if (k.family === 'dsa') return 'fail';
  if (k.family === 'rsa') return k.bits < 2048 ? 'fail' : k.bits < 3072 ? 'warn' : 'ok';
  return 'ok';
}

export const acc04: Check = {
  meta: {
    id: 'ACC-04',
    section: 'ACC',
    title: 'Authorized keys of root and admins are strong',
    severity: 'medium',
    scope: 'node',
    rationale: 'DSA and short RSA keys are factorable or disabled in current OpenSSH; RSA 2048 is below the 128-bit level. Ed25519, ECDSA and FIDO (sk-) keys are preferred.',
    fix: 'Generate a new key (`ssh-keygen -t ed25519`, or `-t ed25519-sk` with a FIDO token), add it, then delete the weak line from authorized_keys (for root on Proxmox: /etc/pve/priv/authorized_keys).',
    reads: ['/root/.ssh/authorized_keys', '/etc/pve/priv/authorized_keys', '~admin/.ssh/authorized_keys'],
    references: ACC_REFERENCES,
  },
  evaluate(ctx) {
    const acc = ctx.get(accountsFact);
    const { admins, sudoersNote } = ctx.get(adminsFact);
    const users: HostUser[] = [...acc.users.filter((u) => u.uid === 0 && u.name === 'root'), ...admins.map((a) => a.user)];
    const states = users.map((u) => userSshState(ctx, u));
    const entries = states.flatMap((st) => st.keyFiles.flatMap((f) => f.keys.map((k) => ({ u: st.user, f: f.path, k }))));
    const unreadable = states.flatMap((st) => st.unreadable);
    if (!states.some((st) => st.keyFiles.length > 0)) {
      return skip(unreadable.length ? unreadable.join('; ') : `no authorized_keys of ${users.map((u) => u.name).join(', ')} collected`);
    }
    const label = (e: (typeof entries)[number]) => `${e.u.name}: ${e.k.type} ${e.k.bits} bits${e.k.comment ? ` "${e.k.comment}"` : ''} (${e.f}:${e.k.line})`;
    const ev = (list: typeof entries): Evidence[] => list.map((e) => ({ source: e.f, line: e.k.line, text: `${e.k.type} ${e.k.bits} bits ${e.k.fingerprint} ${e.k.comment}`.trim() }));
    const bad = entries.filter((e) => grade(e.k) === 'fail');
    const weak = entries.filter((e) => grade(e.k) === 'warn');
    if (bad.length) return fail(`weak keys: ${bad.map(label).join(', ')}${weak.length ? `; RSA 2048: ${weak.map(label).join(', ')}` : ''}`, ev([...bad, ...weak]));
    if (weak.length) return warn(`RSA keys below 3072 bits: ${weak.map(label).join(', ')}`, ev(weak));
    if (unreadable.length) return skip(`the keys seen are strong, but ${unreadable.join('; ')}`, ev(entries));
    if (sudoersNote) return skip(`the keys seen are strong, but admins granted in sudoers are unknown: ${sudoersNote}`, ev(entries));
    const families = [...new Set(entries.map((e) => e.k.family))].join(', ');
    return pass(`${entries.length} key(s) of ${[...new Set(entries.map((e) => e.u.name))].join(', ') || 'nobody'}${families ? ` (${families})` : ''} are strong`, ev(entries));
  },
};
