import { adminsFact, accountsFact } from '../../model/facts/accounts.js';
import { basisNote, peerConnections, peersFact, sshdFact, sshdValue, type SshdState, type SshdValue } from '../../model/facts/ssh.js';
import { matchPatternList, matchAddressList, type SshdConnection } from '../../parse/sshd-config.js';
import type { Evidence } from '../../core/types.js';
import { fail, pass, warn, type Check } from '../types.js';
import { SSHD_READS, SSHD_REFERENCES } from './common.js';

interface AccessLists {
  allowUsers?: SshdValue;
  allowGroups?: SshdValue;
  denyUsers?: SshdValue;
  denyGroups?: SshdValue;
}

function lists(state: SshdState, conn?: SshdConnection): AccessLists {
  const get = (k: string) => {
    const v = sshdValue(state, k, conn);
    return v && !v.isDefault && v.values.length ? v : undefined;
  };
  return { allowUsers: get('allowusers'), allowGroups: get('allowgroups'), denyUsers: get('denyusers'), denyGroups: get('denygroups') };
}

/** USER or USER@HOST pattern (sshd auth.c match_user); the host part is checked only when the address is known. */
function userPatternMatches(pattern: string, user: string, addr?: string): boolean {
  const at = pattern.indexOf('@');
  if (at === -1) return matchPatternList(user, pattern, false);
  if (!matchPatternList(user, pattern.slice(0, at), false)) return false;
  const hostPart = pattern.slice(at + 1);
  return addr === undefined ? true : matchAddressList(addr, hostPart) || matchPatternList(addr, hostPart, false);
}

/** sshd's allowed_user(): DenyUsers, AllowUsers, DenyGroups, AllowGroups in that order. */
export function sshdAdmits(l: AccessLists, user: string, groups: string[], addr?: string): boolean {
  if (l.denyUsers?.values.some((p) => userPatternMatches(p, user, addr))) return false;
  if (l.allowUsers && !l.allowUsers.values.some((p) => userPatternMatches(p, user, addr))) return false;
  if (l.denyGroups?.values.some((p) => groups.some((g) => matchPatternList(g, p, false)))) return false;
  if (l.allowGroups && !l.allowGroups.values.some((p) => groups.some((g) => matchPatternList(g, p, false)))) return false;
  return true;
}

function evidenceOf(l: AccessLists): Evidence[] {
  return [l.allowUsers, l.allowGroups, l.denyUsers, l.denyGroups].flatMap((v) => v?.evidence ?? []);
}

function describe(l: AccessLists): string {
  return [
    l.allowUsers && `AllowUsers ${l.allowUsers.values.join(' ')}`,
    l.allowGroups && `AllowGroups ${l.allowGroups.values.join(' ')}`,
  ].filter(Boolean).join(', ');
}

export const ssh06: Check = {
  meta: {
    id: 'SSH-06',
    section: 'SSH',
    title: 'AllowUsers/AllowGroups restrict SSH logins and still admit an admin',
    severity: 'medium',
    scope: 'node',
    rationale: 'An allow-list keeps service and forgotten accounts off SSH. It must still admit an administrator (and root from the other cluster nodes), or the next reload locks everyone out.',
    fix: 'Create a group for SSH users (`groupadd sshusers; usermod -aG sshusers alice`), put "AllowGroups sshusers root" in /etc/ssh/sshd_config.d/10-pvesec.conf (root is needed between cluster nodes), then `sshd -t && systemctl reload ssh` while keeping a session open.',
    reads: [...SSHD_READS, '/etc/passwd', '/etc/group', '/etc/sudoers', '/etc/pve/corosync.conf'],
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    const note = basisNote(state);
    const global = lists(state);
    const conditional = (state.files?.directives ?? []).some((d) => d.match.length > 0 && /^(allow|deny)(users|groups)$/.test(d.keyword));
    if (!global.allowUsers && !global.allowGroups && !conditional) {
      return warn(`no AllowUsers or AllowGroups: every account with a valid credential may log in over SSH${note}`);
    }
    const acc = ctx.get(accountsFact);
    const { admins } = ctx.get(adminsFact);
    const candidates = admins.length ? admins.map((a) => a.user) : acc.users.filter((u) => u.uid === 0);
    const admitted = candidates.filter((u) => sshdAdmits(lists(state, { user: u.name, groups: u.groups }), u.name, u.groups));
    const ev = evidenceOf(global);
    if (admitted.length === 0) {
      const who = candidates.map((u) => u.name).join(', ') || 'none';
      return fail(`${describe(global) || 'the Match-block allow-lists'} admit no admin (admins: ${who}): the next sshd reload locks administrators out${note}`, ev);
    }
    const root = acc.byName.get('root');
    const rootGroups = root?.groups ?? ['root'];
    const blocked = peerConnections(ctx.get(peersFact))
      .filter(({ conn }) => !sshdAdmits(lists(state, conn), 'root', rootGroups, conn.addr));
    if (blocked.length) {
      const names = [...new Set(blocked.map((b) => `${b.peer.name} (${b.conn.addr})`))].join(', ');
      return warn(`${describe(global)} refuses root from cluster peers ${names}: migration and the GUI shell between nodes break${note}`, ev);
    }
    return pass(`${describe(global) || 'Match-block allow-lists'} admit ${admitted.map((u) => u.name).join(', ')}${note}`, ev);
  },
};
