import { FILES } from '../../collect/sources.js';
import { isInstalled, packagesFact, unitState, unitStatesFact } from '../../model/facts/system-base.js';
import { auditRulesPersistedFact } from '../../model/facts/system.js';
import { effectiveStorage, JOURNAL_DIR, journaldConfigFiles, journaldFact, type JournaldFact } from '../../model/facts/journald.js';
import { Unavailable } from '../../model/fact.js';
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

export const JOURNALD_DROPIN = `${FILES.journaldDropinDir}/zz-pvesec.conf`;
export const JOURNALD_DROPIN_TEXT = [
  '# Written by pvesec (AUD-05): keep the journal on disk, in /var/log/journal, across reboots.',
  '[Journal]',
  'Storage=persistent',
  '',
].join('\n');

/**
 * AUD-05: a pvesec drop-in `Storage=persistent` that wins. journald reads its drop-ins sorted by file name
 * across all four directories and the last assignment wins, so the name sorts late (`zz-`); whether it
 * really decides is proven on the effective configuration with the drop-in added (a later-sorting drop-in,
 * or a malformed section header that stops journald's reading before it, leaves the control manual).
 * /var/log/journal is created by the transaction when absent (journald would create it itself, but then a
 * revert could not tell it was new, and with Storage=auto a directory left behind keeps the journal
 * persistent): a revert removes it with what was written into it.
 */
export const journalRemedy: Remedy = {
  controls: ['AUD-05'],
  plan({ ctx }): PlannedOp[] {
    let j: JournaldFact;
    try {
      j = ctx.get(journaldFact);
    } catch (e) {
      if (e instanceof Unavailable) throw new ManualOnly(e.reason);
      throw e;
    }
    if (j.journalDir.state === 'not a directory') throw new ManualOnly(`${JOURNAL_DIR} exists and is not a directory: journald cannot keep its journal there`);
    const existing = ctx.snapshot.text(JOURNALD_DROPIN);
    if (existing !== undefined && existing !== JOURNALD_DROPIN_TEXT) throw new ManualOnly(`${JOURNALD_DROPIN} exists and was not written by pvesec`);
    const after = effectiveStorage(journaldConfigFiles(ctx.snapshot, [{ path: JOURNALD_DROPIN, text: JOURNALD_DROPIN_TEXT }]));
    if (after.decidedBy?.file !== JOURNALD_DROPIN || after.storage !== 'persistent') {
      const by = after.stoppedAt ? `journald stops reading its configuration at ${after.stoppedAt.file}:${after.stoppedAt.line} (malformed section header)`
        : after.decidedBy ? `${after.decidedBy.file}:${after.decidedBy.line} (${after.decidedBy.text}) sorts after it and still decides` : 'it would not be read';
      throw new ManualOnly(`a pvesec drop-in ${JOURNALD_DROPIN} would not decide Storage=: ${by}`);
    }
    const controls = ['AUD-05'];
    const check = `f=${JOURNAL_DIR}/$(cat /etc/machine-id)/system.journal; [ -f "$f" ] || { echo "journald does not write $f" >&2; exit 1; }`;
    return [
      { kind: 'write-file', id: `write:${JOURNALD_DROPIN}`, phase: 'activate', controls, cutsAccess: false, path: JOURNALD_DROPIN, content: JOURNALD_DROPIN_TEXT,
        mode: 0o644, owner: 'root', group: 'root', summary: 'journald drop-in: Storage=persistent' },
      ...(j.journalDir.state === 'absent' ? [<PlannedOp>{ kind: 'make-dir', id: `mkdir:${JOURNAL_DIR}`, phase: 'activate', controls, cutsAccess: false, path: JOURNAL_DIR,
        mode: 0o2755, owner: 'root', group: 'systemd-journal', summary: `create ${JOURNAL_DIR} (2755 root:systemd-journal, as systemd's tmpfiles.d sets it; removed by a revert)` }] : []),
      { kind: 'service', id: 'service:restart:systemd-journald', phase: 'activate', controls, cutsAccess: false, unit: 'systemd-journald', action: 'restart',
        summary: 'restart systemd-journald (it reads Storage= only at start)' },
      { kind: 'run', id: 'run:journalctl-flush', phase: 'activate', controls, cutsAccess: false, argv: ['journalctl', '--flush'],
        summary: `move the journal kept in /run/log/journal to ${JOURNAL_DIR} (journalctl --flush)` },
      // what journald created under it gets the group, modes and ACLs (adm may read) systemd-tmpfiles gives it at boot
      ...(j.journalDir.state === 'absent' ? [<PlannedOp>{ kind: 'run', id: 'run:tmpfiles-journal', phase: 'activate', controls, cutsAccess: false,
        argv: ['systemd-tmpfiles', '--create', '--prefix', JOURNAL_DIR], summary: `systemd-tmpfiles --create --prefix ${JOURNAL_DIR} (its modes and ACLs, as at boot)` }] : []),
      { kind: 'validate', id: 'validate:journal-on-disk', phase: 'activate', controls, cutsAccess: false, argv: ['sh', '-c', check],
        why: `journald must write its system journal under ${JOURNAL_DIR}`, summary: `check that journald writes ${JOURNAL_DIR}/<machine-id>/system.journal` },
    ];
  },
};
