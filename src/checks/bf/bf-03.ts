import { FILES } from '../../collect/sources.js';
import { isInstalled, packagesFact } from '../../model/facts/system-base.js';
import { fail2banFact } from '../../model/facts/system.js';
import type { Fail2banJail } from '../../parse/fail2ban.js';
import type { FactContext } from '../../model/fact.js';
import { fail, pass, warn, type Check } from '../types.js';
import { F2B_READS, F2B_REFERENCES, jailLogSource, oneLine, optionEvidence } from './common.js';

/** What pvedaemon logs for a failed web-UI login (journal line as fail2ban's systemd backend sees it). */
const SAMPLES = [
  'pve1 pvedaemon[1187]: authentication failure; rhost=::ffff:192.0.2.10 user=root@pam msg=Authentication failure',
  'pvedaemon[1187]: authentication failure; rhost=192.0.2.10 user=root@pam msg=Authentication failure',
  'pve1 pveproxy[2231]: authentication failure; rhost=::ffff:192.0.2.10 user=root@pam msg=Authentication failure',
];

/** A fail2ban regex as JavaScript: <HOST>/<ADDR> tags and Python named groups translated. */
function toJsRegex(re: string): RegExp | undefined {
  const js = re
    .replace(/<(HOST|ADDR|IP4|IP6|DNS)>/g, '(?:::f{4,6}:)?\\S+')
    .replace(/<\/?F-[A-Z0-9_-]+>/g, '')
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/%\([^)]*\)s/g, '.*?')
    .replace(/<[A-Za-z_-]+>/g, '.*?');
  try {
    return new RegExp(js);
  } catch {
    return undefined;
  }
}

/** Whether a filter's failregex catches Proxmox web-UI failures. */
export function catchesWebFailures(regexes: string[]): boolean {
  return regexes.some((r) => {
    const js = toJsRegex(r);
    if (js) return SAMPLES.some((s) => js.test(s));
    return /authentication/.test(r) && /rhost=<(HOST|ADDR)>/.test(r) && /pvedaemon|pveproxy/.test(r);
  });
}

/** Whether a fail2ban `port` value covers tcp 8006. */
export function coversPort8006(port: string | undefined): boolean {
  if (port === undefined) return true; // fail2ban's default: 0:65535
  return port.split(/[\s,]+/).filter(Boolean).some((p) => {
    if (p === 'all' || p === '8006') return true;
    const range = /^(\d+):(\d+)$/.exec(p);
    return range !== null && Number(range[1]) <= 8006 && 8006 <= Number(range[2]);
  });
}

/** A journalmatch reaches pvedaemon/pveproxy when it is absent or mentions one of them. */
function journalOk(j: Fail2banJail): boolean {
  const backend = j.options.get('backend')?.value.trim();
  if (backend !== 'systemd') return true;
  const m = j.options.get('journalmatch')?.value;
  return m === undefined || m.trim() === '' || /pvedaemon|pveproxy/.test(m);
}

function assess(ctx: FactContext, j: Fail2banJail) {
  const problems: string[] = [];
  const uncertain: string[] = [];
  const port = j.options.get('port')?.value;
  if (!coversPort8006(port)) problems.push(`port "${oneLine(port ?? '')}" does not include 8006`);
  if (!journalOk(j)) problems.push(`journalmatch "${oneLine(j.options.get('journalmatch')?.value ?? '')}" excludes pvedaemon`);
  const log = jailLogSource(ctx, j);
  if (!log.ok) (log.certain ? problems : uncertain).push(log.why);
  const evidence = [...optionEvidence(j, 'enabled'), ...optionEvidence(j, 'filter'), ...optionEvidence(j, 'port'),
    ...optionEvidence(j, 'backend'), ...optionEvidence(j, 'journalmatch')];
  return { problems, uncertain, evidence };
}

export const bf03: Check = {
  meta: {
    id: 'BF-03',
    section: 'BF',
    title: 'A fail2ban jail bans Proxmox web-UI login failures on port 8006',
    severity: 'medium',
    scope: 'node',
    rationale: 'The web UI (8006) accepts root@pam passwords; pvedaemon logs each failure ("authentication failure; rhost=...") but nothing bans the source unless a jail reads those lines.',
    fix: 'Create /etc/fail2ban/filter.d/proxmox.conf:\n[Definition]\nfailregex = pvedaemon\\[.*authentication (verification )?failure; rhost=<HOST> user=.* msg=.*\nignoreregex =\n\nand in /etc/fail2ban/jail.local:\n[proxmox]\nenabled = true\nport = https,http,8006\nfilter = proxmox\nbackend = systemd\nmaxretry = 3\nfindtime = 2d\nbantime = 1h\nthen `systemctl restart fail2ban`.',
    reads: [...F2B_READS, '/etc/fail2ban/filter.d/*.conf'],
    references: F2B_REFERENCES,
  },
  evaluate(ctx) {
    const pkgs = ctx.tryGet(packagesFact);
    if (pkgs && !isInstalled(pkgs, 'fail2ban')) return fail('fail2ban is not installed: nothing bans web-UI login failures', [{ source: FILES.dpkgStatus, text: 'no installed fail2ban package' }]);
    const cfg = ctx.get(fail2banFact);
    const candidates = cfg.jails.filter((j) => {
      const filter = j.options.get('filter')?.value;
      return filter !== undefined && catchesWebFailures(cfg.failregex(filter));
    });
    const enabled = candidates.filter((j) => j.enabled);
    if (!enabled.length) {
      if (candidates.length) return fail(`jail [${candidates[0].name}] matches web-UI failures but is not enabled`, optionEvidence(candidates[0], 'enabled'));
      const active = cfg.jails.filter((j) => j.enabled);
      return fail(`no fail2ban jail matches Proxmox web-UI login failures (pvedaemon "authentication failure; rhost="); enabled jails: ${active.map((j) => j.name).join(', ') || 'none'}`,
        active.flatMap((j) => optionEvidence(j, 'filter')));
    }
    const results = enabled.map((j) => ({ j, ...assess(ctx, j) }));
    const good = results.find((r) => !r.problems.length && !r.uncertain.length);
    if (good) return pass(`jail [${good.j.name}] bans web-UI login failures on port ${oneLine(good.j.options.get('port')?.value ?? '0:65535')}`, good.evidence);
    const unsure = results.find((r) => !r.problems.length);
    if (unsure) return warn(`jail [${unsure.j.name}]: ${unsure.uncertain.join('; ')}`, unsure.evidence);
    return fail(`jail [${results[0].j.name}]: ${results[0].problems.join('; ')}`, results[0].evidence);
  },
};
