import { basisNote, peerConnections, peersFact, sshdFact } from '../../model/facts/ssh.js';
import { fail, pass, warn, type Check } from '../types.js';
import { conditionalDirectives, conditionalEvidence, conditionalValue, matchLabel, requireSshdValue, SSHD_READS, SSHD_REFERENCES, where } from './common.js';

/** An address no Match block of a real config names (TEST-NET-3): stands for "any other address". */
const ELSEWHERE = '198.51.100.23';

const SAFE = new Set(['no', 'without-password', 'prohibit-password', 'forced-commands-only']);

export const ssh01: Check = {
  meta: {
    id: 'SSH-01',
    section: 'SSH',
    title: 'root cannot log in over SSH with a password',
    severity: 'critical',
    scope: 'node',
    rationale: 'A password login for root is the first thing brute-force bots try. Proxmox cluster nodes still need key-based root SSH between each other (migration, replication, the GUI shell).',
    fix: 'In /etc/ssh/sshd_config.d/10-pvesec.conf put "PermitRootLogin prohibit-password" (or "PermitRootLogin no" followed by "Match Address <peer addresses>" / "  PermitRootLogin prohibit-password"), then `sshd -t && systemctl reload ssh`.',
    reads: [...SSHD_READS, '/etc/pve/corosync.conf'],
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    const note = basisNote(state);
    const global = requireSshdValue(state, 'permitrootlogin');
    if (!SAFE.has(global.value)) return fail(`PermitRootLogin ${global.value} (${where(global)}) allows root password logins${note}`, global.evidence);
    const unsafe = conditionalDirectives(state, 'permitrootlogin').filter((d) => !SAFE.has(conditionalValue(d)));
    if (unsafe.length) {
      const d = unsafe[0];
      return fail(`PermitRootLogin ${conditionalValue(d)} in "${matchLabel(d)}" (${d.file}:${d.line}) allows root password logins from there${note}`, unsafe.flatMap(conditionalEvidence));
    }
    const peers = ctx.get(peersFact);
    const refused = peerConnections(peers)
      .map(({ peer, conn }) => ({ peer, addr: conn.addr, v: requireSshdValue(state, 'permitrootlogin', conn) }))
      .filter((p) => p.v.value === 'no');
    if (refused.length) {
      const names = [...new Set(refused.map((r) => `${r.peer.name} (${r.addr})`))].join(', ');
      return warn(`PermitRootLogin no also refuses root key logins from cluster peers ${names}: migration and the GUI shell between nodes break${note}`,
        [...refused[0].v.evidence, { source: '/etc/pve/corosync.conf', line: refused[0].peer.line, text: `node ${refused[0].peer.name}` }]);
    }
    // The operator's declared policy (pvesec.yaml root_login) is narrower than "no password": root keys only from the peers.
    const policy = ctx.config.root_login;
    if (policy !== 'prohibit-password') {
      const elsewhere = requireSshdValue(state, 'permitrootlogin', { user: 'root', addr: ELSEWHERE, host: ELSEWHERE, groups: ['root'] });
      if (elsewhere.value !== 'no') {
        return warn(`pvesec.yaml root_login: ${policy}, but root may log in with a key from any address (PermitRootLogin ${elsewhere.value}, ${where(elsewhere)})${note}`, elsewhere.evidence);
      }
    }
    const peerNote = peers.length ? `; root key login from ${peers.length} peer(s) stays possible` : '';
    return pass(`PermitRootLogin ${global.value} (${where(global)})${peerNote}${note}`, global.evidence);
  },
};
