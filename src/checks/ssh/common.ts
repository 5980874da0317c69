import type { Evidence, Reference } from '../../core/types.js';
import { basisNote, directiveEvidence, normalizeSshdValue, sshdValue, requireSshdValue, type SshdState, type SshdValue } from '../../model/facts/ssh.js';
import { fail, pass, warn, type Verdict } from '../types.js';
import type { SshdDirective } from '../../parse/sshd-config.js';

export const SSHD_READS = ['sshd -T', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/*.conf'];

export const SSHD_REFERENCES: Reference[] = [
  { title: 'sshd_config(5)', url: 'https://man.openbsd.org/sshd_config' },
  { title: 'Proxmox VE Administration Guide', url: 'https://pve.proxmox.com/pve-docs/pve-admin-guide.html' },
];

/** Directives inside Match blocks (of the files) that set a keyword, with the Match line that guards them. */
export function conditionalDirectives(state: SshdState, key: string): SshdDirective[] {
  return (state.files?.directives ?? []).filter((d) => d.keyword === key && d.match.length > 0);
}

export function matchLabel(d: SshdDirective): string {
  return d.match.map((m) => m.text).join(' / ');
}

export function conditionalValue(d: SshdDirective): string {
  return normalizeSshdValue(d.keyword, d.args);
}

/** Evidence for a conditional directive: the Match line, then the directive. */
export function conditionalEvidence(d: SshdDirective): Evidence[] {
  return [...d.match.map((m) => ({ source: m.file, line: m.line, text: m.text })), directiveEvidence(d)];
}

/** Where a value came from, for messages: "sshd -T; set at FILE:LINE", "/etc/ssh/sshd_config:30", "not set, OpenSSH default". */
export function where(v: SshdValue): string {
  if (v.origin === 'default') return 'not set, OpenSSH default';
  if (v.origin === 'sshd -T') return v.setBy ? `sshd -T; set at ${v.setBy.source}:${v.setBy.line}` : 'sshd -T';
  const e = v.evidence[0];
  return `${e.source}:${e.line}`;
}

/**
 * A yes/no style keyword that must have a safe value globally and in every Match block.
 * Returns the global value and the Match blocks that set an unsafe value.
 */
export function flagState(state: SshdState, key: string, safe: (v: string) => boolean) {
  const global = requireSshdValue(state, key);
  const unsafeMatches = conditionalDirectives(state, key).filter((d) => !safe(conditionalValue(d)));
  return { global, globalSafe: safe(global.value), unsafeMatches };
}

export { sshdValue, requireSshdValue };

/** sshd's DisableForwarding yes turns off X11, agent, TCP and streamlocal forwarding at once. */
export function forwardingDisabled(state: SshdState): SshdValue | undefined {
  const v = sshdValue(state, 'disableforwarding');
  return v && v.value === 'yes' && !v.isDefault ? v : undefined;
}

const DISPLAY: Record<string, string> = {
  permitrootlogin: 'PermitRootLogin', passwordauthentication: 'PasswordAuthentication',
  kbdinteractiveauthentication: 'KbdInteractiveAuthentication', pubkeyauthentication: 'PubkeyAuthentication',
  permitemptypasswords: 'PermitEmptyPasswords', x11forwarding: 'X11Forwarding', allowagentforwarding: 'AllowAgentForwarding',
  allowtcpforwarding: 'AllowTcpForwarding', logingracetime: 'LoginGraceTime', maxauthtries: 'MaxAuthTries',
  clientaliveinterval: 'ClientAliveInterval', kexalgorithms: 'KexAlgorithms', ciphers: 'Ciphers', macs: 'MACs',
  allowusers: 'AllowUsers', allowgroups: 'AllowGroups', denyusers: 'DenyUsers', denygroups: 'DenyGroups',
  authenticationmethods: 'AuthenticationMethods', disableforwarding: 'DisableForwarding',
};

export function displayName(key: string): string {
  return DISPLAY[key] ?? key;
}

/**
 * Verdict for a keyword that must be safe everywhere: FAIL when the global value or any Match
 * block sets an unsafe value, else PASS. `extraOk` lets a control accept the global value for
 * another reason (e.g. DisableForwarding yes).
 */
export function flagVerdict(state: SshdState, key: string, safe: (v: string) => boolean, extraOk?: SshdValue): Verdict {
  const name = displayName(key);
  const note = basisNote(state);
  if (extraOk) return pass(`${displayName(extraOk.key)} ${extraOk.value} (${where(extraOk)}) disables it${note}`, extraOk.evidence);
  const { global, globalSafe, unsafeMatches } = flagState(state, key, safe);
  if (!globalSafe) return fail(`${name} ${global.value} (${where(global)})${note}`, global.evidence);
  if (unsafeMatches.length) {
    const d = unsafeMatches[0];
    const more = unsafeMatches.length > 1 ? ` and ${unsafeMatches.length - 1} more Match block(s)` : '';
    return fail(`${name} ${conditionalValue(d)} in "${matchLabel(d)}" (${d.file}:${d.line})${more}; globally ${global.value}${note}`,
      unsafeMatches.flatMap(conditionalEvidence));
  }
  return pass(`${name} ${global.value} (${where(global)})${note}`, global.evidence);
}

export type AlgoClass = 'ok' | 'warn' | 'fail';

/** Verdict for an algorithm list: FAIL naming the broken ones, WARN naming the weaker ones, else PASS. */
export function algoVerdict(state: SshdState, key: string, classify: (algo: string) => AlgoClass): Verdict {
  const v = requireSshdValue(state, key);
  const name = displayName(key);
  const note = basisNote(state);
  const algos = v.value.split(',').map((a) => a.trim()).filter(Boolean);
  const bad = algos.filter((a) => classify(a) === 'fail');
  const weak = algos.filter((a) => classify(a) === 'warn');
  if (bad.length) return fail(`${name} offers ${bad.join(', ')}${weak.length ? `; also weaker ${weak.join(', ')}` : ''} (${where(v)})${note}`, v.evidence);
  if (weak.length) return warn(`${name} offers weaker ${weak.join(', ')} (${where(v)})${note}`, v.evidence);
  return pass(`${name} ${v.value} (${where(v)})${note}`, v.evidence);
}

/**
 * Verdict for a numeric keyword that must satisfy `ok` globally and in every Match block that sets
 * it. `describeBad` explains a failing value.
 */
export function numberVerdict(state: SshdState, key: string, ok: (n: number) => boolean, describeBad: (n: number) => string, goodNote = ''): Verdict {
  const name = displayName(key);
  const note = basisNote(state);
  const v = requireSshdValue(state, key);
  const n = Number(v.value);
  if (!Number.isFinite(n)) return fail(`${name} ${v.value} (${where(v)}) is not a number${note}`, v.evidence);
  if (!ok(n)) return fail(`${name} ${v.value} (${where(v)}): ${describeBad(n)}${note}`, v.evidence);
  const bad = conditionalDirectives(state, key).filter((d) => !ok(Number(conditionalValue(d))));
  if (bad.length) {
    const d = bad[0];
    return fail(`${name} ${conditionalValue(d)} in "${matchLabel(d)}" (${d.file}:${d.line}): ${describeBad(Number(conditionalValue(d)))}; globally ${v.value}${note}`, conditionalEvidence(d));
  }
  return pass(`${name} ${v.value} (${where(v)})${goodNote}${note}`, v.evidence);
}
