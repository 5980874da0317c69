import path from 'node:path';
import { FILES } from '../../collect/sources.js';
import { sysctlPersistedFact } from '../../model/facts/system.js';
import { parseSysctlConf } from '../../parse/sysctl.js';
import { byteOrder } from '../../parse/fail2ban.js';
import { ManualOnly, type PlannedOp, type Remedy } from '../../harden/plan-types.js';
import { krn01, SYSCTL_BASELINE } from './krn-01.js';

export const SYSCTL_FILE = `${FILES.sysctlDir}/90-pvesec.conf`;

/** The name systemd-sysctl sorts a persisted setting's file by (/etc/sysctl.conf reads as 99-sysctl.conf). */
const orderName = (file: string) => (file === FILES.sysctlConf ? '99-sysctl.conf' : path.posix.basename(file));

/**
 * KRN-01: the baseline keys that FAIL, in one pvesec drop-in (keys an earlier pvesec drop-in already
 * holds stay, so a re-plan never drops one). Loaded with `sysctl -p FILE`, not `sysctl --system`: only
 * these keys change live, and live kernel values are the one thing a file revert cannot take back.
 * Then each key is read back.
 */
export const krnRemedy: Remedy = {
  controls: ['KRN-01'],
  plan({ ctx }): PlannedOp[] {
    const verdicts = krn01.evaluate(ctx);
    const list = Array.isArray(verdicts) ? verdicts : [verdicts];
    const failing = SYSCTL_BASELINE.filter((_, i) => list[i]?.status === 'FAIL' || list[i]?.status === 'WARN');
    if (!failing.length) throw new ManualOnly('no baseline kernel parameter can be set here (each is unknown or unsupported)');
    const persisted = ctx.get(sysctlPersistedFact);
    const ours = path.posix.basename(SYSCTL_FILE);
    for (const [key, want] of failing) {
      // a later file (or a glob after ours) that sets another value wins at the next boot
      const later = persisted.filter((s) => byteOrder(orderName(s.file), ours) > 0 && s.value !== want
        && (s.key === key || (s.glob && new RegExp('^' + s.key.replace(/\./g, '\\.').replace(/\*/g, '[^.]*').replace(/\?/g, '[^.]') + '$').test(key))));
      if (later.length) throw new ManualOnly(`${later[0].file}:${later[0].line} sets ${later[0].key} = ${later[0].value} and is read after ${SYSCTL_FILE}`);
    }
    const values = new Map<string, string>();
    const existing = ctx.snapshot.file(SYSCTL_FILE);
    if (existing) for (const s of parseSysctlConf(existing.content, existing.path).value) if (!s.glob) values.set(s.key, s.value);
    for (const [key, want] of failing) values.set(key, want);
    const rank = (k: string) => { const i = SYSCTL_BASELINE.findIndex(([b]) => b === k); return i < 0 ? SYSCTL_BASELINE.length : i; };
    const keys = [...values].sort((a, b) => rank(a[0]) - rank(b[0]));
    const content = ['# Written by pvesec (KRN-01): kernel network and information-leak parameters.', ...keys.map(([k, v]) => `${k} = ${v}`), ''].join('\n');
    const ops: PlannedOp[] = [
      { kind: 'write-file', id: `write:${SYSCTL_FILE}`, phase: 'activate', controls: ['KRN-01'], cutsAccess: false, path: SYSCTL_FILE, content, mode: 0o644, owner: 'root', group: 'root',
        summary: `sysctl drop-in: ${failing.map(([k, v]) => `${k} = ${v}`).join(', ')}` },
      { kind: 'run', id: `run:sysctl-p:${SYSCTL_FILE}`, phase: 'activate', controls: ['KRN-01'], cutsAccess: false, argv: ['sysctl', '-p', SYSCTL_FILE], summary: `load ${SYSCTL_FILE}` },
    ];
    for (const [key, want] of failing) {
      ops.push({ kind: 'validate', id: `validate:sysctl:${key}`, phase: 'activate', controls: ['KRN-01'], cutsAccess: false,
        argv: ['sh', '-c', `test "$(sysctl -n ${key})" = ${want}`], why: `the kernel must report ${key} = ${want} after loading ${SYSCTL_FILE}`, summary: `read back ${key} = ${want}` });
    }
    return ops;
  },
};
