import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { sysctlLiveFact, sysctlPersistedFact } from '../../model/facts/system.js';
import { persistedValue } from '../../parse/sysctl.js';
import { fail, pass, skip, type Check, type Verdict } from '../types.js';

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

export const krn01: Check = {
  meta: {
    id: 'KRN-01',
    section: 'KRN',
    title: 'Kernel network and information-leak parameters are hardened, live and persisted',
    severity: 'medium',
    scope: 'node',
    rationale: 'ICMP redirects let a neighbour reroute the host\'s traffic, SYN cookies keep it reachable under a SYN flood, martian logging shows spoofing, and dmesg_restrict hides kernel addresses from unprivileged users. A value set only live is lost at the next reboot. (net.ipv4.ip_forward is not required to be 0: a hypervisor routes.)',
    fix: 'cat > /etc/sysctl.d/90-pvesec.conf <<EOF\n' + SYSCTL_BASELINE.map(([k, v]) => `${k} = ${v}`).join('\n') + '\nEOF\nsysctl --system',
    reads: [LIVE, FILES.sysctlDir + '/*.conf', FILES.sysctlConf],
    references: [
      { title: 'sysctl.d(5)', url: 'https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html' },
      { title: 'Linux kernel: IP sysctl', url: 'https://docs.kernel.org/networking/ip-sysctl.html' },
    ],
  },
  evaluate(ctx): Verdict[] {
    const live = ctx.tryGet(sysctlLiveFact);
    const liveWhy = live ? undefined : ctx.snapshot.whyMissing(LIVE);
    let persisted: ReturnType<typeof sysctlPersistedFact.derive> | undefined;
    let persistedWhy: string | undefined;
    try {
      persisted = ctx.get(sysctlPersistedFact);
    } catch (e) {
      persistedWhy = (e as Error).message;
    }
    return SYSCTL_BASELINE.map(([key, want]): Verdict => {
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
      if (!p) return fail(`${key} = ${want} live but not persisted under ${FILES.sysctlDir} or ${FILES.sysctlConf}`, evidence);
      return pass(`${key} = ${want} live and persisted in ${p.file}:${p.line}`, evidence);
    });
  },
};
