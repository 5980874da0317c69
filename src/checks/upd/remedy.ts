import path from 'node:path';
import { FILES } from '../../collect/sources.js';
import { isInstalled, packagesFact, unitStatesFact } from '../../model/facts/system-base.js';
import { aptConfigFact } from '../../model/facts/system.js';
import { aptReadsPart, type AptConfig } from '../../parse/apt-conf.js';
import { byteOrder } from '../../parse/fail2ban.js';
import { ManualOnly, type PlannedOp, type Remedy } from '../../harden/plan-types.js';
import { isProxmoxOrigin, isSecurityOrigin } from './upd-02.js';

/** Read after the package's 20auto-upgrades and 50unattended-upgrades: its scalars win, its origins add to theirs. */
export const UPD_FILE = `${FILES.aptConfDir}/90pvesec-unattended-upgrades`;
const CONTROLS = ['UPD-01', 'UPD-02', 'UPD-03'];
export const SECURITY_ORIGIN = 'origin=Debian,codename=${distro_codename}-security,label=Debian-Security';
export const PROXMOX_ORIGIN = 'origin=Proxmox';
const SCALARS: [string, string][] = [
  ['APT::Periodic::Update-Package-Lists', '1'],
  ['APT::Periodic::Unattended-Upgrade', '1'],
  ['Unattended-Upgrade::Automatic-Reboot', 'false'],
];
const TIMERS = ['apt-daily.timer', 'apt-daily-upgrade.timer'];

/** A setting of ours that a file APT reads later would override. */
function overriddenBy(cfg: AptConfig | undefined): string | undefined {
  const ours = path.posix.basename(UPD_FILE);
  for (const [key] of SCALARS) {
    const v = cfg?.get(key);
    if (v && path.posix.dirname(v.file) === FILES.aptConfDir && byteOrder(path.posix.basename(v.file), ours) > 0) return `${v.file}:${v.line} sets ${key} and is read after ${UPD_FILE}`;
    if (v && v.file === '/etc/apt/apt.conf') return `${v.file}:${v.line} sets ${key} and is read after ${FILES.aptConfDir}`;
  }
  return undefined;
}

export function updFileText(cfg: AptConfig | undefined): string {
  const origins = [...(cfg?.list('Unattended-Upgrade::Origins-Pattern') ?? []), ...(cfg?.list('Unattended-Upgrade::Allowed-Origins') ?? [])].map((o) => o.value);
  const add = [
    ...(origins.some(isSecurityOrigin) ? [] : [SECURITY_ORIGIN]),
    ...(origins.some(isProxmoxOrigin) ? [] : [PROXMOX_ORIGIN]),
  ];
  return [
    '// Written by pvesec (UPD-01, UPD-02, UPD-03): daily unattended upgrades from the Debian security',
    '// archive and the Proxmox repository; the hypervisor is never rebooted automatically.',
    ...SCALARS.map(([k, v]) => `${k} "${v}";`),
    ...(add.length ? ['Unattended-Upgrade::Origins-Pattern {', ...add.map((o) => `  "${o}";`), '};'] : []),
    '',
  ].join('\n');
}

export const updRemedy: Remedy = {
  controls: CONTROLS,
  plan({ ctx }): PlannedOp[] {
    const pkgs = ctx.get(packagesFact);
    if (!ctx.snapshot.sawDir(FILES.aptConfDir)) throw new ManualOnly(`${FILES.aptConfDir} was not collected: the APT configuration is unknown`);
    const cfg = ctx.get(aptConfigFact);
    const later = overriddenBy(cfg);
    if (later) throw new ManualOnly(later);
    if (!aptReadsPart(path.posix.basename(UPD_FILE))) throw new Error(`${UPD_FILE}: APT would not read this name`);
    const states = ctx.tryGet(unitStatesFact);
    const masked = TIMERS.find((t) => states?.get(t)?.enabled === 'masked');
    if (masked) throw new ManualOnly(`${masked} is masked: unmask it deliberately (systemctl unmask ${masked}) if the node may upgrade itself`);
    const ops: PlannedOp[] = [];
    if (!isInstalled(pkgs, 'unattended-upgrades')) {
      ops.push({ kind: 'install-packages', id: 'install:unattended-upgrades', phase: 'packages', controls: CONTROLS, cutsAccess: false, packages: ['unattended-upgrades'], summary: 'install unattended-upgrades' });
    }
    ops.push(
      { kind: 'write-file', id: `write:${UPD_FILE}`, phase: 'activate', controls: CONTROLS, cutsAccess: false, path: UPD_FILE, content: updFileText(cfg), mode: 0o644, owner: 'root', group: 'root',
        summary: 'unattended-upgrades: daily, Debian security + Proxmox origins, no automatic reboot' },
      { kind: 'validate', id: 'validate:apt-config-dump', phase: 'activate', controls: CONTROLS, cutsAccess: false, argv: ['apt-config', 'dump'],
        why: 'a syntax error in apt.conf.d stops every apt command', summary: 'apt-config dump (APT accepts its configuration)' },
    );
    for (const t of TIMERS) {
      const st = states?.get(t);
      if (st && st.enabled === 'disabled') ops.push({ kind: 'service', id: `service:enable-now:${t}`, phase: 'activate', controls: ['UPD-01'], cutsAccess: false, unit: t, action: 'enable-now', summary: `enable ${t}` });
    }
    return ops;
  },
};
