import path from 'node:path';
import { COMMANDS } from '../../collect/sources.js';
import { isInstalled, packagesFact } from '../../model/facts/system-base.js';
import { fail2banFact } from '../../model/facts/system.js';
import { byteOrder, parseFail2banTime, type Fail2banJail } from '../../parse/fail2ban.js';
import type { FactContext } from '../../model/fact.js';
import { ManualOnly, type PlannedOp, type Remedy, type RemedyInput } from '../../harden/plan-types.js';

export const JAIL_FILE = '/etc/fail2ban/jail.d/pvesec.local';
export const WEB_FILTER = 'proxmox-webui';
export const FILTER_FILE = `/etc/fail2ban/filter.d/${WEB_FILTER}.conf`;
const CONTROLS = ['BF-01', 'BF-02', 'BF-03'];

/**
 * pvedaemon's line for a failed web-UI or API login, as the journal backend shows it:
 * `pvedaemon[1187]: authentication failure; rhost=::ffff:203.0.113.7 user=root@pam msg=...`.
 * The IPv4-mapped prefix is outside <ADDR>, so the ban is on the IPv4 address the firewall sees.
 */
export const WEB_FILTER_TEXT = `# Written by pvesec (BF-03): Proxmox VE web UI / API login failures, as pvedaemon logs them.
[Definition]
failregex = pvedaemon\\[\\d+\\]: authentication (?:verification )?failure; rhost=(?:::ffff:)?<ADDR> user=.* msg=.*
ignoreregex =
journalmatch = _SYSTEMD_UNIT=pvedaemon.service
`;

// one `fail2ban-client status` (a Python start) per try: its "Jail list:" names every running jail
const JAILS_RUNNING = `for i in 1 2 3 4 5 6 7 8 9 10; do `
  + `l=$(fail2ban-client status 2>/dev/null | sed -n 's/^.*Jail list:[[:space:]]*//p'); `
  + `case ", $l," in *", sshd,"*) case ", $l," in *", ${WEB_FILTER},"*) exit 0 ;; esac ;; esac; sleep 1; done; `
  + `fail2ban-client status; echo "the jails sshd and ${WEB_FILTER} are not both running" >&2; exit 1`;

/** The ports sshd listens on (sshd -T), as a fail2ban port list; `ssh` when unknown. */
function sshPorts(ctx: FactContext): string {
  const out = ctx.snapshot.command(COMMANDS.sshdEffective.name)?.output ?? '';
  const ports = [...new Set([...out.matchAll(/^port (\d+)$/gm)].map((m) => m[1]))];
  return ports.length && !(ports.length === 1 && ports[0] === '22') ? ports.join(',') : 'ssh';
}

/** An existing jail's value when it is at least as strict as ours, else ours (a plan never loosens a setting). */
function stricter(jail: Fail2banJail | undefined) {
  const num = (k: string, parse: (v: string) => number | undefined) => {
    const v = jail?.options.get(k)?.value;
    return v === undefined ? undefined : parse(v);
  };
  const maxretry = num('maxretry', (v) => (/^\s*\d+\s*$/.test(v) ? Number(v) : undefined));
  const findtime = num('findtime', parseFail2banTime);
  const bantime = num('bantime', parseFail2banTime);
  return {
    maxretry: (want: number) => (maxretry !== undefined && maxretry >= 1 && maxretry < want ? String(maxretry) : String(want)),
    findtime: (want: number) => (findtime !== undefined && findtime > want ? String(findtime) : String(want)),
    bantime: (want: number) => (bantime !== undefined && (bantime < 0 || bantime > want) ? String(bantime) : String(want)),
  };
}

/** The addresses never banned: what the jail already ignores, localhost, and every admin source. */
function ignoreList(jail: Fail2banJail | undefined, adminSources: string[]): string {
  const old = (jail?.options.get('ignoreip')?.value ?? '').split(/[\s,]+/).filter((s) => s && !s.includes('%('));
  return [...new Set(['127.0.0.1/8', '::1', ...old, ...adminSources])].join(' ');
}

function jailText(ctx: FactContext, input: RemedyInput, jails: Fail2banJail[]): string {
  const sshd = jails.find((j) => j.name === 'sshd');
  const web = jails.find((j) => j.name === WEB_FILTER);
  const s = stricter(sshd);
  const w = stricter(web);
  return `# Written by pvesec (BF-01, BF-02, BF-03). The jails read the journal (PVE logs no auth.log);
# ignoreip holds the admin sources of pvesec.yaml, so an administrator cannot ban themselves.
[sshd]
enabled = true
backend = systemd
port = ${sshPorts(ctx)}
maxretry = ${s.maxretry(5)}
findtime = ${s.findtime(600)}
bantime = ${s.bantime(3600)}
ignoreip = ${ignoreList(sshd, input.config.admin_sources)}

[${WEB_FILTER}]
enabled = true
backend = systemd
filter = ${WEB_FILTER}
port = https,http,8006
maxretry = ${w.maxretry(3)}
findtime = ${w.findtime(600)}
bantime = ${w.bantime(3600)}
ignoreip = ${ignoreList(web, input.config.admin_sources)}
`;
}

/**
 * fail2ban with an sshd jail and a web-UI jail in one pvesec-owned drop-in. A jail.d/*.local file is
 * read after jail.conf, jail.d/*.conf and jail.local, so it wins unless a later .local exists.
 */
export const bfRemedy: Remedy = {
  controls: CONTROLS,
  plan({ ctx, config, findings }): PlannedOp[] {
    const input = { ctx, config, findings };
    const pkgs = ctx.get(packagesFact);
    const installed = isInstalled(pkgs, 'fail2ban');
    const jails = installed ? (ctx.tryGet(fail2banFact)?.jails ?? []) : [];
    const later = ctx.snapshot.listDir(path.posix.dirname(JAIL_FILE), (n) => n.endsWith('.local'))
      .map((f) => path.posix.basename(f.path)).filter((n) => byteOrder(n, path.posix.basename(JAIL_FILE)) > 0);
    if (later.length) throw new ManualOnly(`/etc/fail2ban/jail.d/${later[0]} is read after ${JAIL_FILE} and could override its jails`);
    const existingFilter = ctx.snapshot.text(FILTER_FILE);
    if (existingFilter !== undefined && existingFilter !== WEB_FILTER_TEXT) throw new ManualOnly(`${FILTER_FILE} exists and was not written by pvesec`);
    const need = ['fail2ban', 'python3-systemd'].filter((p) => !isInstalled(pkgs, p));
    const ops: PlannedOp[] = [];
    if (need.length) {
      ops.push({ kind: 'install-packages', id: `install:${need.join(',')}`, phase: 'packages', controls: CONTROLS, cutsAccess: false, packages: need,
        summary: `install ${need.join(', ')} (fail2ban reads the journal through python3-systemd)` });
    }
    ops.push(
      { kind: 'write-file', id: `write:${FILTER_FILE}`, phase: 'restrict', controls: ['BF-03'], cutsAccess: false, path: FILTER_FILE, content: WEB_FILTER_TEXT,
        mode: 0o644, owner: 'root', group: 'root', summary: 'fail2ban filter: pvedaemon authentication failures' },
      { kind: 'write-file', id: `write:${JAIL_FILE}`, phase: 'restrict', controls: CONTROLS, cutsAccess: true, path: JAIL_FILE, content: jailText(ctx, input, jails),
        mode: 0o644, owner: 'root', group: 'root', summary: config.admin_sources.length ? 'fail2ban jails sshd and proxmox-webui (journal backend, admin sources never banned)'
          : 'fail2ban jails sshd and proxmox-webui (journal backend); admin_sources is empty in pvesec.yaml, so only localhost is never banned' },
      { kind: 'validate', id: 'validate:fail2ban-client-t', phase: 'restrict', controls: CONTROLS, cutsAccess: false, argv: ['fail2ban-client', '-t'],
        why: 'fail2ban must accept its configuration before it is (re)started', summary: 'fail2ban-client -t' },
      // the package's postinst already started fail2ban on its stock configuration: reload in any case
      { kind: 'service', id: 'service:reload-or-restart:fail2ban', phase: 'restrict', controls: CONTROLS, cutsAccess: true, unit: 'fail2ban', action: 'reload-or-restart', summary: 'load the new jails (fail2ban reload-or-restart)' },
      { kind: 'service', id: 'service:enable-now:fail2ban', phase: 'restrict', controls: ['BF-01'], cutsAccess: true, unit: 'fail2ban', action: 'enable-now', summary: 'enable fail2ban at boot and keep it running' },
      // the server starts in the background: give it a few seconds to answer for both jails
      { kind: 'validate', id: 'validate:fail2ban-jails-running', phase: 'restrict', controls: CONTROLS, cutsAccess: false, argv: ['sh', '-c', JAILS_RUNNING],
        why: 'both jails must be running after the reload', summary: `read back: fail2ban runs the jails sshd and ${WEB_FILTER}` },
    );
    return ops;
  },
};
