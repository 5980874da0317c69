import { FILES } from '../../collect/sources.js';
import { isInstalled, packagesFact } from '../../model/facts/system-base.js';
import { fail2banFact } from '../../model/facts/system.js';
import { parseFail2banTime, splitFilterSpec, type Fail2banJail } from '../../parse/fail2ban.js';
import type { Evidence } from '../../core/types.js';
import type { FactContext } from '../../model/fact.js';
import { fail, pass, warn, type Check, type Verdict } from '../types.js';
import { F2B_READS, F2B_REFERENCES, jailLogSource, optionEvidence } from './common.js';

const MAX_RETRY = 5;
const MIN_FINDTIME = 600;
const MIN_BANTIME = 3600;

function isSshJail(j: Fail2banJail): boolean {
  const filter = j.options.get('filter')?.value;
  return j.name === 'sshd' || (filter !== undefined && splitFilterSpec(filter).name === 'sshd');
}

/** Problems of one sshd jail (empty: it passes); `uncertain` when only unknown data stands in the way. */
function assess(ctx: FactContext, j: Fail2banJail): { problems: string[]; uncertain: string[]; evidence: Evidence[]; summary: string } {
  const problems: string[] = [];
  const uncertain: string[] = [];
  const evidence: Evidence[] = [...optionEvidence(j, 'enabled')];
  const num = (key: string) => {
    const raw = j.options.get(key)?.value;
    evidence.push(...optionEvidence(j, key));
    return raw === undefined ? undefined : key === 'maxretry' ? (/^\s*\d+\s*$/.test(raw) ? Number(raw) : undefined) : parseFail2banTime(raw);
  };
  const maxretry = num('maxretry') ?? 5; // fail2ban's built-in defaults when unset
  const findtime = num('findtime') ?? 600;
  const bantime = num('bantime') ?? 600;
  if (maxretry > MAX_RETRY) problems.push(`maxretry ${maxretry} > ${MAX_RETRY}`);
  if (findtime < MIN_FINDTIME) problems.push(`findtime ${findtime}s < ${MIN_FINDTIME}s`);
  if (bantime >= 0 && bantime < MIN_BANTIME) problems.push(`bantime ${bantime}s < ${MIN_BANTIME}s`);
  const log = jailLogSource(ctx, j);
  evidence.push(...log.evidence.filter((e) => !evidence.some((x) => x.source === e.source && x.line === e.line)));
  if (!log.ok) (log.certain ? problems : uncertain).push(log.why);
  const ban = bantime < 0 ? 'permanent' : `${bantime}s`;
  return { problems, uncertain, evidence, summary: `maxretry ${maxretry}, findtime ${findtime}s, bantime ${ban}, ${log.ok ? log.how : 'log source unverified'}` };
}

export const bf02: Check = {
  meta: {
    id: 'BF-02',
    section: 'BF',
    title: 'An sshd jail bans repeated SSH login failures',
    severity: 'medium',
    scope: 'node',
    rationale: 'A jail only protects when it is enabled, strict enough, and actually reads the log: on PVE 8/9 there is no /var/log/auth.log unless rsyslog is installed, so a file-based jail never sees a failure (or keeps fail2ban from starting).',
    fix: 'In /etc/fail2ban/jail.local:\n[sshd]\nenabled = true\nbackend = systemd\nmaxretry = 5\nfindtime = 10m\nbantime = 1h\nthen `systemctl restart fail2ban && fail2ban-client status sshd`.',
    reads: [...F2B_READS, '/var/lib/dpkg/status'],
    references: F2B_REFERENCES,
  },
  evaluate(ctx): Verdict {
    const pkgs = ctx.tryGet(packagesFact);
    if (pkgs && !isInstalled(pkgs, 'fail2ban')) return fail('fail2ban is not installed: no sshd jail', [{ source: FILES.dpkgStatus, text: 'no installed fail2ban package' }]);
    const cfg = ctx.get(fail2banFact);
    const jails = cfg.jails.filter(isSshJail);
    const enabled = jails.filter((j) => j.enabled);
    if (!enabled.length) {
      const ev = jails.flatMap((j) => optionEvidence(j, 'enabled'));
      return fail(jails.length ? `the sshd jail is not enabled` : 'no sshd jail is configured', ev);
    }
    const results = enabled.map((j) => ({ j, ...assess(ctx, j) }));
    const good = results.find((r) => !r.problems.length && !r.uncertain.length);
    if (good) return pass(`jail [${good.j.name}]: ${good.summary}`, good.evidence);
    const unsure = results.find((r) => !r.problems.length);
    if (unsure) return warn(`jail [${unsure.j.name}]: ${unsure.uncertain.join('; ')}`, unsure.evidence);
    const r = results[0];
    return fail(`jail [${r.j.name}]: ${r.problems.join('; ')}`, r.evidence);
  },
};
