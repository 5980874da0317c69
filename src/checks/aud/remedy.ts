import { FILES } from '../../collect/sources.js';
import { isInstalled, packagesFact, unitState, unitStatesFact } from '../../model/facts/system-base.js';
import { auditRulesPersistedFact } from '../../model/facts/system.js';
import { ManualOnly, type PlannedOp, type Remedy } from '../../harden/plan-types.js';
import { AUDITED_PATHS } from './aud-02.js';

export const AUDIT_RULES_FILE = `${FILES.auditRulesDir}/pvesec.rules`;
const CONTROLS = ['AUD-01', 'AUD-02'];

/**
 * AUD-02's paths plus the rest of the account files and the whole sshd configuration. No trailing slash:
 * auditctl makes an existing directory a directory watch by itself, and the kernel refuses a watch on a
 * path ending in `/` that does not exist (EINVAL), e.g. /etc/sudoers.d/ before sudo is installed.
 */
export const WATCHED = [...new Set([...AUDITED_PATHS, '/etc/ssh', '/etc/shadow', '/etc/gshadow'].map((p) => p.replace(/\/+$/, '')))];

export const AUDIT_RULES_TEXT = [
  '## Written by pvesec (AUD-02): record every write and attribute change of the files that grant access',
  '## to this node and the cluster (ausearch -k pvesec).',
  ...WATCHED.map((p) => `-w ${p} -p wa -k pvesec`),
  '',
].join('\n');

/**
 * auditd with a pvesec rules file. augenrules merges rules.d/*.rules (and moves -D, -b, -e to their
 * places), so the file name does not decide precedence. auditctl has no parse-only mode: the gate is
 * the load itself (augenrules --load fails on a bad rule) followed by a read-back of every watch.
 */
export const audRemedy: Remedy = {
  controls: CONTROLS,
  plan({ ctx }): PlannedOp[] {
    const pkgs = ctx.get(packagesFact);
    const persisted = ctx.tryGet(auditRulesPersistedFact);
    if (persisted?.immutable) throw new ManualOnly('the audit rules are made immutable (-e 2): new rules load only at the next boot');
    const existing = ctx.snapshot.text(AUDIT_RULES_FILE);
    if (existing !== undefined && existing !== AUDIT_RULES_TEXT) throw new ManualOnly(`${AUDIT_RULES_FILE} exists and was not written by pvesec`);
    const ops: PlannedOp[] = [];
    const states = ctx.tryGet(unitStatesFact);
    const st = states ? unitState(states, 'auditd') : undefined;
    const running = isInstalled(pkgs, 'auditd') && st?.active === 'active' && st.enabled === 'enabled';
    if (!isInstalled(pkgs, 'auditd')) ops.push({ kind: 'install-packages', id: 'install:auditd', phase: 'packages', controls: CONTROLS, cutsAccess: false, packages: ['auditd'], summary: 'install auditd' });
    // `-w /etc/pve -p wa` lists as itself or, on newer auditctl, as `-F dir=/etc/pve`
    const check = 'rules=$(auditctl -l) || exit 1; ' + WATCHED.map((p) => `printf '%s\\n' "$rules" | grep -qE -- '[ =]${p.replace(/\./g, '\\.')}/?( |$)' || { echo 'not loaded: ${p}' >&2; exit 1; }`).join('; ');
    ops.push(
      { kind: 'write-file', id: `write:${AUDIT_RULES_FILE}`, phase: 'activate', controls: ['AUD-02'], cutsAccess: false, path: AUDIT_RULES_FILE, content: AUDIT_RULES_TEXT, mode: 0o640, owner: 'root', group: 'root',
        summary: `audit watches on ${WATCHED.join(', ')}` },
      ...(running ? [] : [<PlannedOp>{ kind: 'service', id: 'service:enable-now:auditd', phase: 'activate', controls: ['AUD-01'], cutsAccess: false, unit: 'auditd', action: 'enable-now', summary: 'enable and start auditd' }]),
      { kind: 'run', id: 'run:augenrules-load', phase: 'activate', controls: ['AUD-02'], cutsAccess: false, argv: ['augenrules', '--load'], summary: 'load the audit rules (augenrules --load)' },
      { kind: 'validate', id: 'validate:auditctl-l', phase: 'activate', controls: ['AUD-02'], cutsAccess: false, argv: ['sh', '-c', check],
        why: 'every pvesec watch must be loaded in the kernel', summary: 'read back the loaded watches (auditctl -l)' },
    );
    return ops;
  },
};
