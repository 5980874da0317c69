import { basisNote, sshdFact } from '../../model/facts/ssh.js';
import { fail, pass, type Check } from '../types.js';
import { conditionalDirectives, conditionalEvidence, conditionalValue, matchLabel, requireSshdValue, SSHD_READS, SSHD_REFERENCES, where } from './common.js';

/** AuthenticationMethods requires publickey when every alternative list contains it. */
export function requiresPublickey(methods: string): boolean {
  if (!methods || methods === 'any') return false;
  return methods.split(/\s+/).every((alt) => alt.split(',').some((m) => m === 'publickey'));
}

export const ssh03: Check = {
  meta: {
    id: 'SSH-03',
    section: 'SSH',
    title: 'Keyboard-interactive authentication is off (or only a second factor after a key)',
    severity: 'high',
    scope: 'node',
    rationale: 'With UsePAM, keyboard-interactive is a password prompt through PAM: it reopens password logins even when PasswordAuthentication is no.',
    fix: 'Put "KbdInteractiveAuthentication no" in /etc/ssh/sshd_config.d/10-pvesec.conf, or keep it for a TOTP second factor with "AuthenticationMethods publickey,keyboard-interactive"; then `sshd -t && systemctl reload ssh`.',
    reads: SSHD_READS,
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFact);
    const note = basisNote(state);
    const kbd = requireSshdValue(state, 'kbdinteractiveauthentication');
    const methods = requireSshdValue(state, 'authenticationmethods');
    if (kbd.value !== 'no' && !requiresPublickey(methods.value)) {
      return fail(`KbdInteractiveAuthentication ${kbd.value} (${where(kbd)}) with AuthenticationMethods ${methods.value}: PAM password prompts are accepted${note}`,
        [...kbd.evidence, ...methods.evidence]);
    }
    // A Match block may turn it back on (or, when it is on, drop the publickey requirement) for some connections.
    const reenabled = conditionalDirectives(state, 'kbdinteractiveauthentication').filter((d) => conditionalValue(d) !== 'no');
    const relaxed = kbd.value === 'no' ? [] : conditionalDirectives(state, 'authenticationmethods').filter((d) => !requiresPublickey(conditionalValue(d)));
    const risky = [...reenabled, ...relaxed];
    if (risky.length) {
      const d = risky[0];
      return fail(`${d.name} ${d.args.join(' ')} in "${matchLabel(d)}" (${d.file}:${d.line}) allows keyboard-interactive passwords there${note}`, conditionalEvidence(d));
    }
    if (kbd.value === 'no') return pass(`KbdInteractiveAuthentication no (${where(kbd)})${note}`, kbd.evidence);
    return pass(`KbdInteractiveAuthentication ${kbd.value} only after a key: AuthenticationMethods ${methods.value} (${where(methods)})${note}`, [...kbd.evidence, ...methods.evidence]);
  },
};
