import { adminsFact } from '../../model/facts/accounts.js';
import { fail, pass, skip, type Check } from '../types.js';
import { ACC_REFERENCES, passwdEvidence } from './common.js';

export const acc02: Check = {
  meta: {
    id: 'ACC-02',
    section: 'ACC',
    title: 'Admins have a full login shell',
    severity: 'low',
    scope: 'node',
    rationale: 'An admin with nologin/false cannot use the emergency path over SSH; /bin/sh (dash) lacks history and line editing, which invites mistakes as root.',
    fix: 'chsh -s /bin/bash alice',
    reads: ['/etc/passwd', '/etc/group', '/etc/sudoers'],
    references: ACC_REFERENCES,
  },
  evaluate(ctx) {
    const { admins, sudoersNote } = ctx.get(adminsFact);
    if (!admins.length) return skip(`no admin account found (group sudo, sudoers ALL rules, admin_users)${sudoersNote ? `; ${sudoersNote}` : ''}`);
    const bad = admins.filter((a) => a.user.shellKind !== 'full');
    if (bad.length) {
      return fail(`admin shell not a full shell: ${bad.map((a) => `${a.user.name} has ${a.user.shell || '(empty)'}`).join(', ')}`, bad.map((a) => passwdEvidence(a.user)));
    }
    if (sudoersNote) return skip(`${admins.map((a) => `${a.user.name} (${a.user.shell})`).join(', ')} have full shells, but other admins may be granted in sudoers: ${sudoersNote}`, admins.map((a) => passwdEvidence(a.user)));
    return pass(`admins ${admins.map((a) => `${a.user.name} (${a.user.shell})`).join(', ')} have full shells`, admins.map((a) => passwdEvidence(a.user)));
  },
};
