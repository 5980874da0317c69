import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { sysctlLiveFact, sysctlPersistedFact } from '../../model/facts/system.js';
import { persistedValue } from '../../parse/sysctl.js';
import { fail, keyed, pass, skip, type Check, type Verdict } from '../types.js';

/** The required values (ip_forward is deliberately absent: a hypervisor routes for its guests). */
export const SYSCTL_BASELINE: [string, string][] = [
  ['net.ipv4.conf.all.accept_redirects', '0'],
  ['net.ipv6.conf.all.accept_redirects', '0'],
  ['net.ipv4.conf.all.send_redirects', '0'],
  ['net.ipv4.tcp_syncookies', '1'],
  ['net.ipv4.conf.all.log_martians', '1'],
  ['net.ipv4.icmp_echo_ignore_broadcasts', '1'],
  ['kernel.dmesg_restrict', '1'],
];

const LIVE = COMMANDS.sysctl.name;
const UNAME = COMMANDS.unameR.name;

/**
 * Baseline keys whose kernel default already is the required value: a node that keeps the default gets
 * it back at every boot, so it needs no sysctl.d line. The other baseline keys default to the insecure
 * value (accept_redirects 1 and send_redirects 1: net/ipv4/devinet.c and net/ipv6/addrconf.c;
 * log_martians 0), so a value set only live is lost at reboot.
 * `kernels`: the default is a build option, known only for these kernel releases (`uname -r`).
 */
export const KERNEL_DEFAULTS: Record<string, { value: string; source: string; kernels?: { pattern: RegExp; names: string } }> = {
  // tcp_sk_init() sets 1; the sysctl exists only with CONFIG_SYN_COOKIES (Documentation/networking/ip-sysctl.rst: "Default: 1")
  'net.ipv4.tcp_syncookies': { value: '1', source: 'net/ipv4/tcp_ipv4.c' },
  // icmp_sk_init() sets 1 since Linux 2.6.14 (commit 7ce312467edc "disable broadcast ECHO/TIMESTAMP by default")
  'net.ipv4.icmp_echo_ignore_broadcasts': { value: '1', source: 'net/ipv4/icmp.c' },
  // CONFIG_SECURITY_DMESG_RESTRICT=y: Debian's kernels (debian/config/config), Ubuntu's since 20.10 (commit
  // 25e6c851704a), which Proxmox's kernels are built from (proxmox/pve-kernel does not change it)
  'kernel.dmesg_restrict': {
    value: '1', source: 'CONFIG_SECURITY_DMESG_RESTRICT=y',
    kernels: { pattern: /-(pve|amd64|arm64|686|686-pae)$/, names: 'Proxmox (-pve) and Debian kernels' },
  },
};

/** Whether `want` is the running kernel's default for key; undefined when that depends on an unknown kernel build. */
function isKernelDefault(key: string, want: string, release: string | undefined): boolean | undefined {
  const d = KERNEL_DEFAULTS[key];
  if (!d || d.value !== want) return false;
  if (!d.kernels) return true;
  return release === undefined ? undefined : d.kernels.pattern.test(release);
}

export const krn01: Check = {
  meta: {
    id: 'KRN-01',
    section: 'KRN',
    title: 'Kernel network and information-leak parameters are hardened, live and persisted',
    severity: 'medium',
    scope: 'node',
    rationale: 'ICMP redirects let a neighbour reroute the host\'s traffic, SYN cookies keep it reachable under a SYN flood, martian logging shows spoofing, and dmesg_restrict hides kernel addresses from unprivileged users. A value set only live is lost at the next reboot, unless it is the kernel\'s own default (tcp_syncookies, icmp_echo_ignore_broadcasts, and dmesg_restrict on Proxmox and Debian kernels). (net.ipv4.ip_forward is not required to be 0: a hypervisor routes.)',
    fix: 'cat > /etc/sysctl.d/90-pvesec.conf <<EOF\n' + SYSCTL_BASELINE.map(([k, v]) => `${k} = ${v}`).join('\n') + '\nEOF\nsysctl --system',
    reads: [LIVE, FILES.sysctlDir + '/*.conf', FILES.sysctlConf, UNAME],
    references: [
      { title: 'sysctl.d(5)', url: 'https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html' },
      { title: 'Linux kernel: IP sysctl', url: 'https://docs.kernel.org/networking/ip-sysctl.html' },
    ],
  },
  evaluate(ctx): Verdict[] {
    const release = ctx.snapshot.command(UNAME)?.output.split('\n')[0].trim() || undefined;
    const live = ctx.tryGet(sysctlLiveFact);
    const liveWhy = live ? undefined : ctx.snapshot.whyMissing(LIVE);
    let persisted: ReturnType<typeof sysctlPersistedFact.derive> | undefined;
    let persistedWhy: string | undefined;
    try {
      persisted = ctx.get(sysctlPersistedFact);
    } catch (e) {
      persistedWhy = (e as Error).message;
    }
    return SYSCTL_BASELINE.map(([key, want]) => keyed(key, judge(key, want)));

    function judge(key: string, want: string): Verdict {
      const evidence: Evidence[] = [];
      const l = live?.get(key);
      if (l) evidence.push({ source: LIVE, line: l.line, text: `${key} = ${l.value}` });
      const p = persisted ? persistedValue(persisted, key) : undefined;
      if (p) evidence.push({ source: p.file, line: p.line, text: `${p.key} = ${p.value}` });
      if (live && !l) return skip(`${key}: not present in ${LIVE} (${key.includes('ipv6') ? 'IPv6 disabled?' : 'not supported by this kernel'})`, evidence);
      if (l && l.value !== want) {
        const why = p && p.value === want ? `, although ${p.file}:${p.line} sets ${want} (not applied: run sysctl --system)` : p ? `; ${p.file}:${p.line} persists ${p.value}` : '';
        return fail(`${key} = ${l.value} live (expected ${want})${why}`, evidence);
      }
      if (p && p.value !== want) return fail(`${key} is persisted as ${p.value} in ${p.file}:${p.line} (expected ${want}): wrong after the next reboot`, evidence);
      if (!l) return skip(`${key}: live value unknown (${liveWhy})`, evidence);
      if (!persisted) return skip(`${key} = ${want} live; persistence unknown (${persistedWhy})`, evidence);
      if (!p) {
        const byDefault = isKernelDefault(key, want, release);
        const d = KERNEL_DEFAULTS[key];
        if (byDefault) {
          if (d.kernels) evidence.push({ source: UNAME, line: 1, text: release! });
          const where = d.kernels ? ` of ${d.kernels.names}` : '';
          return pass(`${key} = ${want} live, the kernel default (${d.source}${where}): no ${FILES.sysctlDir} line needed`, evidence);
        }
        const why = byDefault === undefined ? ` (whether ${want} is this kernel's default is unknown: ${ctx.snapshot.whyMissing(UNAME)})`
          : d?.kernels && d.value === want ? ` (${want} is the default only of ${d.kernels.names}; this one is ${release})` : '';
        return fail(`${key} = ${want} live but not persisted under ${FILES.sysctlDir} or ${FILES.sysctlConf}${why}`, evidence);
      }
      return pass(`${key} = ${want} live and persisted in ${p.file}:${p.line}`, evidence);
    }
  },
};
