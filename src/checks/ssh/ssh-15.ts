import type { Evidence } from '../../core/types.js';
import { conflictingOverrides, directiveEvidence, modelDrift, normalizeSshdValue, sshdDrift, sshdFilesFact, sshdRefusal } from '../../model/facts/ssh.js';
import { fail, keyed, notice, pass, skip, type Check, type Verdict } from '../types.js';
import { SSHD_READS, SSHD_REFERENCES } from './common.js';

export const ssh15: Check = {
  meta: {
    id: 'SSH-15',
    section: 'SSH',
    title: 'sshd_config is valid and matches what sshd reports; overridden lines are reported',
    severity: 'high',
    scope: 'node',
    rationale: 'An invalid file makes the next restart of ssh fail (a remote lockout); a drop-in read first (first value wins) silently overrides a hardening line written further down sshd_config, as cloud-init\'s 50-cloud-init.conf does with PasswordAuthentication.',
    fix: 'Run `sshd -t` and fix the reported file:line; keep hardening settings in /etc/ssh/sshd_config.d/10-pvesec.conf (read before the others) and delete contradicting lines; then `systemctl reload ssh`.',
    reads: [...SSHD_READS, 'sshd -t'],
    references: SSHD_REFERENCES,
  },
  evaluate(ctx) {
    const state = ctx.get(sshdFilesFact);
    const failures: string[] = [];
    const evidence: Evidence[] = [];
    // sshd -t when collected; otherwise the sshd model (src/engines/sshd) on the files
    const refusal = sshdRefusal(state);
    if (refusal) {
      failures.push(refusal.reason);
      evidence.push(...refusal.evidence);
    }
    const compared = state.files !== undefined && state.sshdT !== undefined;
    if (state.files && state.sshdT) {
      // the sshd model's sshd -T for the files when it can judge them, else the keyword-level comparison
      const drift = modelDrift(state) ?? sshdDrift(state.files, state.sshdT);
      if (drift.length) {
        failures.push(`the files define ${drift.map((d) => `${d.key} ${d.files}`).join(', ')} but sshd -T reports ${drift.map((d) => `${d.key} ${d.sshd}`).join(', ')}`);
        evidence.push(...drift.flatMap((d) => d.evidence));
      }
    }
    const main = mainVerdict();
    const overrides = state.files ? conflictingOverrides(state.files) : [];
    if (!overrides.length) return main;
    const text = overrides.map((o) => `${o.directive.name} ${o.directive.args.join(' ')} at ${o.directive.file}:${o.directive.line} has no effect: ${o.by.file}:${o.by.line} sets ${normalizeSshdValue(o.by.keyword, o.by.args)} first`);
    return [main, keyed('overridden lines', notice(`${overrides.length} line(s) overridden by an earlier one (first value wins): ${text.join('; ')}`,
      overrides.flatMap((o) => [directiveEvidence(o.directive), directiveEvidence(o.by)])))];

    function mainVerdict(): Verdict {
      if (refusal) return { ...fail(`${failures.join('; ')}; sshd will not start on the next restart or reboot`, evidence), severity: 'critical' };
      if (failures.length) return fail(failures.join('; '), evidence);
      if (!state.files) return skip(`cannot compare: ${ctx.snapshot.whyMissing('/etc/ssh/sshd_config')}`);
      if (!compared) {
        const judged = state.load ? `OpenSSH ${state.load.versions.join('/')} would load the files (sshd model)` : 'the files parse without error';
        return skip(`${judged}, but without sshd -T they cannot be compared with what sshd reports (${state.sshdTNote ?? 'sshd -T not collected'})`);
      }
      const valid = state.test ? 'sshd -t passes' : 'sshd -T parsed the files';
      return pass(`${valid}; the ${state.files.files.length} file(s) define the configuration sshd -T reports`, [{ source: 'sshd -T', text: `${state.sshdT!.size} keys` }]);
    }
  },
};
