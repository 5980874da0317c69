import { COMMANDS, FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import {
  adminSourcesFact, clusterFirewallFact, effectiveInRules, handWrittenChains, handWrittenInput, hostFirewallFact,
  iptablesFact, listeningFact, liveRulesets, matchesPort, pveFirewallStateFact, withinAdminSources, type AdminSources, type HandWrittenChain,
} from '../../model/facts/network.js';
import type { AddrMatch } from '../../parse/iptables-save.js';
import type { IpRange } from '../../parse/ip-address.js';
import { resolveAddress, type FwMatch } from '../../parse/pve-fw.js';
import type { ListeningSocket } from '../../parse/ss.js';
import { fail, keyed, pass, warn, type Check, type Verdict } from '../types.js';
import { filterRuleEvidence, FW_REFERENCES, fwRuleEvidence } from './common.js';

interface Sensitive {
  proto: 'tcp' | 'udp';
  port: number;
  service: string;
}

/** pvedaemon (must stay on loopback), rpcbind, and the mail transport. */
export const SENSITIVE_PORTS: Sensitive[] = [
  { proto: 'tcp', port: 85, service: 'pvedaemon' },
  { proto: 'tcp', port: 111, service: 'rpcbind' },
  { proto: 'udp', port: 111, service: 'rpcbind' },
  { proto: 'tcp', port: 25, service: 'smtp' },
];

const label = (p: Sensitive) => `${p.proto}/${p.port} (${p.service})`;

/** `tcp/85 (pvedaemon), tcp+udp/111 (rpcbind)`: one rule's ports on one line. */
function labels(ports: Sensitive[]): string {
  const byPort = new Map<string, { protos: string[]; port: number; service: string }>();
  for (const p of ports) {
    const key = `${p.port} ${p.service}`;
    const e = byPort.get(key) ?? { protos: [], port: p.port, service: p.service };
    e.protos.push(p.proto);
    byPort.set(key, e);
  }
  return [...byPort.values()].map((e) => `${e.protos.join('+')}/${e.port} (${e.service})`).join(', ');
}

export const fw12: Check = {
  meta: {
    id: 'FW-12',
    section: 'FW',
    title: 'No rule opens pvedaemon (85), rpcbind (111) or SMTP (25) to non-admin sources',
    severity: 'medium',
    scope: 'node',
    rationale: 'pvedaemon on 85 is the privileged API behind pveproxy and must only be reached through loopback; rpcbind leaks RPC services and is a DDoS amplifier; an open port 25 invites relay abuse. A broad ACCEPT (or no filtering at all) exposes them.',
    fix: 'Restrict the listed ACCEPT rules with -source +management (or your admin networks), keep policy_in DROP, and stop what is not needed: `systemctl disable --now rpcbind rpcbind.socket` (unless NFS needs it), postfix `inet_interfaces = loopback-only`.',
    reads: [FILES.clusterFw, '/etc/pve/nodes/<node>/host.fw', COMMANDS.iptablesSave.name, COMMANDS.ip6tablesSave.name, COMMANDS.nftRuleset.name, COMMANDS.listening.name],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const admin = ctx.get(adminSourcesFact);
    const state = ctx.tryGet(pveFirewallStateFact);
    const sockets = ctx.tryGet(listeningFact);
    const seen = liveRulesets(ctx);
    const verdicts: Verdict[] = [];
    let filtering = false;

    if (state?.active) {
      filtering = true;
      const cluster = ctx.get(clusterFirewallFact).conf;
      const host = ctx.get(hostFirewallFact).conf;
      for (const rule of effectiveInRules(cluster, host)) {
        if (rule.action !== 'ACCEPT') continue;
        const opened = SENSITIVE_PORTS.filter((p) => rule.matches.some((m) => fwMatchOpens(m, p)));
        const ports = notLoopbackOnly(opened, sockets);
        if (!ports.length) continue;
        const src = rule.sourceAddr ? resolveAddress(rule.sourceAddr, cluster) : undefined;
        const verdict = judgeSource(src?.match, rule.source, admin, `${rule.file}:${rule.line} opens ${labels(ports)}`, [fwRuleEvidence(rule)], loopbackNote(opened, ports));
        if (verdict) verdicts.push(keyed(`${rule.file}: ${rule.text.trim()}`, verdict));
      }
      const policy = cluster.options.get('policy_in');
      if (policy?.value === 'ACCEPT') {
        const ev: Evidence = { source: FILES.clusterFw, line: policy.line, text: 'policy_in: ACCEPT' };
        const open = sockets ? SENSITIVE_PORTS.filter((p) => exposed(sockets, p).length) : SENSITIVE_PORTS;
        if (open.length) {
          verdicts.push(keyed(`${FILES.clusterFw}: policy_in ACCEPT`, fail(`policy_in: ACCEPT lets ${labels(open)} through from any source${sockets ? `, and ${open.length === 1 ? 'it listens' : 'they listen'} on a non-loopback address` : ''}`,
            [ev, ...open.flatMap((p) => socketEvidence(sockets ?? [], p))])));
        }
      }
    }

    const all = seen.flatMap(([name, r]) => handWrittenChains(r, name));
    const input = handWrittenInput(all);
    if (input.length) filtering = true;
    // Follow jumps into user chains: their rules apply under the jump's source condition.
    const visited = new Set<string>();
    const visit = (chain: HandWrittenChain, inherited: AddrMatch | undefined, depth: number): void => {
      const key = `${chain.source} ${chain.table} ${chain.chain.name} ${inherited?.text ?? ''}`;
      if (visited.has(key)) return;
      visited.add(key);
      verdicts.push(...judgeChain(chain, admin, sockets, inherited, depth === 0));
      if (depth >= 8) return;
      for (const rule of chain.rules) {
        const target = all.find((c) => c.source === chain.source && c.table === chain.table && c.chain.name === rule.target && !c.chain.hook);
        if (target) visit(target, rule.match.src ?? inherited, depth + 1);
      }
    };
    for (const chain of input) visit(chain, undefined, 0);

    if (!filtering) {
      if (!state && !seen.length) ctx.get(iptablesFact); // throws why iptables-save is missing
      const listening = sockets ?? ctx.get(listeningFact); // throws why ss output is missing
      const why = state ? `Proxmox firewall inactive (${state.reason}) and no hand-written input rules` : 'no hand-written input rules';
      const open = SENSITIVE_PORTS.filter((p) => exposed(listening, p).length);
      if (open.length) {
        // Ports listening on the same addresses share one clause: `tcp+udp/111 (rpcbind) listens on 0.0.0.0, ::`.
        const byAddresses = new Map<string, Sensitive[]>();
        for (const p of open) {
          const key = exposed(listening, p).map((x) => x.address).join(', ');
          byAddresses.set(key, [...(byAddresses.get(key) ?? []), p]);
        }
        const clauses = [...byAddresses].map(([addresses, ports]) => `${labels(ports)} listen${ports.length === 1 ? 's' : ''} on ${addresses}`);
        verdicts.push(keyed('unfiltered', fail(`${clauses.join('; ')} and nothing filters ${open.length === 1 ? 'it' : 'them'} (${why})`, open.flatMap((p) => socketEvidence(listening, p)))));
      }
      if (!verdicts.length) return pass(`${why}, but none of tcp/85, tcp+udp/111, tcp/25 listens on a non-loopback address`, [{ source: COMMANDS.listening.name, text: 'none of tcp/85, tcp+udp/111, tcp/25 on a non-loopback address' }]);
      return verdicts;
    }
    if (verdicts.length) return verdicts;
    return pass(`no ACCEPT rule opens tcp/85, tcp+udp/111 or tcp/25 beyond admin sources (${admin.origin})`, [
      ...(state?.active ? [{ source: FILES.clusterFw, text: 'Proxmox firewall rules' }] : []),
      ...input.map((c) => ({ source: c.source, line: c.chain.line, text: `${c.table} ${c.chain.name}` })),
    ]);
  },
};

function fwMatchOpens(m: FwMatch, p: Sensitive): boolean {
  if (m.proto && m.proto !== p.proto && m.proto !== (p.proto === 'tcp' ? '6' : '17')) return false;
  if (m.icmpType !== undefined) return false;
  if (m.dport && !m.dport.some((r) => r.from <= p.port && p.port <= r.to)) return false;
  return true;
}

/** A verdict when the source is not known to be inside the admin sources. */
function judgeSource(ranges: IpRange[] | undefined, written: string | undefined, admin: AdminSources, what: string, evidence: Evidence[], note = ''): Verdict | undefined {
  if (!written) return fail(`${what} to any source${note}`, evidence);
  if (ranges && withinAdminSources(ranges, admin)) return undefined;
  if (!admin.ranges.length) return warn(`${what} to ${written}, which cannot be checked: no admin sources are declared (set admin_sources or define [IPSET management])${note}`, evidence);
  return fail(`${what} to ${written}, outside the admin sources (${admin.origin})${note}`, evidence);
}

/** The ports a rule opens minus those `ss` shows listening on loopback addresses only (unreachable from outside). */
function notLoopbackOnly(ports: Sensitive[], sockets: ListeningSocket[] | undefined): Sensitive[] {
  if (!sockets) return ports;
  return ports.filter((p) => {
    const listening = sockets.filter((s) => s.proto === p.proto && s.port === p.port);
    return !listening.length || listening.some((s) => !s.loopback);
  });
}

function loopbackNote(opened: Sensitive[], reported: Sensitive[]): string {
  const local = opened.filter((p) => !reported.includes(p));
  return local.length ? ` (${labels(local)} listen${local.length === 1 ? 's' : ''} on loopback only: not counted)` : '';
}

function judgeChain(chain: HandWrittenChain, admin: AdminSources, sockets: ListeningSocket[] | undefined, inherited: AddrMatch | undefined, base: boolean): Verdict[] {
  const out: Verdict[] = [];
  const where = `${chain.source} ${chain.table} ${chain.chain.name}`;
  // a chain reached through a jump with a source condition is judged again under it: another finding
  const keyOf = (what: string) => `${where}${inherited ? ` (via ${inherited.text})` : ''}: ${what}`;
  for (const rule of chain.rules) {
    if (rule.target !== 'ACCEPT') continue;
    if (rule.match.inIface?.name === 'lo' && !rule.match.inIface.negated) continue;
    if (rule.match.ctstate && !rule.match.ctstate.negated && !rule.match.ctstate.states.includes('NEW')) continue;
    // A rule without protocol or port condition (e.g. "accept everything from the LAN") opens these ports too.
    const opened = SENSITIVE_PORTS.filter((p) => matchesPort(rule.match, p.proto, p.port));
    const ports = notLoopbackOnly(opened, sockets);
    if (!ports.length) continue;
    const src = rule.match.src ?? inherited;
    const ev = [filterRuleEvidence(chain.source, rule)];
    const what = `${where} rule ${rule.index} opens ${labels(ports)}`;
    const note = loopbackNote(opened, ports);
    const v = src?.negated ? fail(`${what} to every source except ${src.text}${note}`, ev) : judgeSource(src?.ranges, src?.text, admin, what, ev, note);
    if (v) out.push(keyed(keyOf(rule.text), v));
  }
  if (base && chain.chain.policy === 'ACCEPT' && sockets) {
    const open = SENSITIVE_PORTS.filter((p) => {
      const dropped = chain.rules.some((r) => r.target && ['DROP', 'REJECT'].includes(r.target) && !r.match.src && !r.match.opaque.length && !r.match.inIface && matchesPort(r.match, p.proto, p.port));
      return !dropped && exposed(sockets, p).length > 0;
    });
    if (open.length) {
      const where2 = open.map((p) => `${label(p)} on ${exposed(sockets, p).map((s) => s.address).join(', ')}`).join('; ');
      out.push(keyed(keyOf('policy ACCEPT'), fail(`${where} has policy ACCEPT and no rule drops ${labels(open)}, which listen${open.length === 1 ? 's' : ''}: ${where2}`,
        [{ source: chain.source, line: chain.chain.line, text: `chain ${chain.chain.name} policy ACCEPT` }, ...open.flatMap((p) => socketEvidence(sockets, p))])));
    }
  }
  return out;
}

function exposed(sockets: ListeningSocket[], p: Sensitive): ListeningSocket[] {
  return sockets.filter((s) => s.proto === p.proto && s.port === p.port && !s.loopback);
}

function socketEvidence(sockets: ListeningSocket[], p: Sensitive): Evidence[] {
  return exposed(sockets, p).map((s) => ({ source: COMMANDS.listening.name, line: s.line, text: s.text }));
}

