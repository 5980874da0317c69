import { COMMANDS } from '../../collect/sources.js';
import { listeningFact } from '../../model/facts/network.js';
import type { ListeningSocket } from '../../parse/ss.js';
import { fail, pass, type Check } from '../types.js';

interface Expected {
  proto: 'tcp' | 'udp';
  from: number;
  to: number;
  /** Part of the process name when known (ss shows names like "pveproxy worker"). */
  process?: string;
  label: string;
}

/** Services a Proxmox VE node is expected to expose. */
const BUILTIN: Expected[] = [
  { proto: 'tcp', from: 22, to: 22, process: 'sshd', label: 'sshd' },
  { proto: 'tcp', from: 8006, to: 8006, process: 'pveproxy', label: 'pveproxy' },
  { proto: 'tcp', from: 3128, to: 3128, process: 'spiceproxy', label: 'spiceproxy' },
  { proto: 'udp', from: 5404, to: 5412, process: 'corosync', label: 'corosync' },
];

export const krn03: Check = {
  meta: {
    id: 'KRN-03',
    section: 'KRN',
    title: 'Only expected services listen on non-loopback addresses',
    severity: 'medium',
    scope: 'node',
    rationale: 'Every listening socket is attack surface. A hypervisor needs sshd, pveproxy, spiceproxy and corosync; anything else (rpcbind, a mail server, a forgotten debug service) should be removed, bound to loopback, or declared.',
    fix: 'Stop or rebind the listed services (e.g. `systemctl disable --now rpcbind rpcbind.socket`, postfix `inet_interfaces = loopback-only`), or declare them under expected_ports in the pvesec configuration.',
    reads: [COMMANDS.listening.name],
    references: [{ title: 'ss(8)', url: 'https://manpages.debian.org/bookworm/iproute2/ss.8.en.html' }],
  },
  evaluate(ctx) {
    const sockets = ctx.get(listeningFact).filter((s) => !s.loopback);
    const allow: Expected[] = [
      ...BUILTIN,
      ...ctx.config.expected_ports.map((p) => ({ proto: p.proto, from: p.port, to: p.port, process: p.process, label: p.reason ?? 'expected_ports' })),
    ];
    const unexpected = sockets.filter((s) => !allow.some((a) => allows(a, s)));
    const seen = new Set<string>();
    const distinct = unexpected.filter((s) => {
      const key = `${s.proto}/${s.port}/${processName(s)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (distinct.length) {
      const list = distinct.map((s) => `${s.proto}/${s.port} on ${s.address}${s.iface ? `%${s.iface}` : ''}${processName(s) ? ` (${processName(s)})` : ''}`);
      return fail(`${distinct.length} unexpected listening socket${distinct.length === 1 ? '' : 's'}: ${list.join(', ')}`,
        unexpected.map((s) => ({ source: COMMANDS.listening.name, line: s.line, text: s.text })));
    }
    const names = [...new Set(sockets.map((s) => `${s.proto}/${s.port}`))];
    return pass(sockets.length ? `all non-loopback listeners are expected: ${names.join(', ')}` : 'nothing listens on a non-loopback address',
      [{ source: COMMANDS.listening.name, text: `${sockets.length} non-loopback listening sockets` }]);
  },
};

function processName(s: ListeningSocket): string {
  return s.processes[0]?.name ?? '';
}

function allows(a: Expected, s: ListeningSocket): boolean {
  if (a.proto !== s.proto || s.port < a.from || s.port > a.to) return false;
  // Without root, ss shows no process: the port alone decides.
  if (!a.process || !s.processes.length) return true;
  return s.processes.some((p) => p.name.includes(a.process!));
}
