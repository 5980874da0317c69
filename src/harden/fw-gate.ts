/**
 * The firewall change gate (issue 10): before a firewall remedy writes anything, the proposed ruleset is
 * simulated (exact exposure) against the current one on the node's model, and the change is refused
 * when any admin address, any cluster peer or the address pvesec itself connects from would lose access.
 * Who must keep access is decided on the CURRENT state and pvesec.yaml (compareNode), never on the
 * proposed files. `plan` prints the same before/after table as `pvesec fw check-change` (changeLines).
 */
import { ClusterModel, FactContext, Unavailable, type NodeHandle } from '../model/fact.js';
import type { Snapshot } from '../collect/snapshot.js';
import { compareNode, withFiles, type Lockout, type NewExposure } from '../model/facts/firewall-change.js';
import { addressPolicy, nodeExposureFact, type NodeExposure } from '../model/facts/exposure.js';
import { acceptedOnAll, acceptedOnAny, groupByRule, serviceText } from '../engines/firewall/exposure.js';
import { countAddresses, RangeSet, summarizeCidrs } from '../engines/firewall/ranges.js';
import { explainDecision } from '../engines/firewall/matrix.js';
import { canonicalIp, parseIp, parseIpRange, type IpRange } from '../parse/ip-address.js';
import { COMMANDS } from '../collect/sources.js';
import { groupClusters } from '../audit/run.js';
import { rulesetWithoutFail2ban } from '../checks/fw/iptables-allowlist.js';
import type { PvesecConfig } from '../config/schema.js';
import type { NodePlan } from './plan-types.js';

/** What a firewall remedy proposes to change on one node. */
export interface ProposedChange {
  /** Files replaced on this node only (/etc/iptables/rules.v4, host.fw). */
  files?: Map<string, string>;
  /** Command outputs replaced on this node: the ruleset the kernel runs after the change (iptables-save, ip6tables-save). */
  commands?: Map<string, string>;
  /** Files replaced on every node of the cluster (/etc/pve is shared: cluster.fw). */
  clusterFiles?: Map<string, string>;
}

export interface GateResult {
  refused: boolean;
  /** One line: why it is refused (the ranges lost), or that nobody loses access. */
  reason: string;
  lockouts: Lockout[];
  exposed: NewExposure[];
  /** The before/after exposure table and the LOCKOUT / OPENS lines, as `fw check-change` prints them. */
  lines: string[];
  /** The node as it would be after the change. */
  after: FactContext;
}

/** Where pvesec connects from as the node saw it ($SSH_CONNECTION of the collection); undefined when not collected over SSH. */
export function pvesecSource(snapshot: Snapshot): string | undefined {
  const first = snapshot.meta.sshConnection?.split(' ')[0];
  if (!first) return undefined;
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(first);
  const addr = v4mapped ? v4mapped[1] : first;
  return parseIp(addr) ? canonicalIp(addr) : undefined;
}

/** The node's context with the proposed files and command outputs (the cluster's other nodes get the cluster-wide files). */
export function proposedContext(ctx: FactContext, change: ProposedChange): FactContext {
  const shared = change.clusterFiles ?? new Map<string, string>();
  const replaced = new Map<NodeHandle, NodeHandle>();
  for (const n of ctx.cluster.nodes) {
    const own = n === ctx.node;
    const files = new Map([...shared, ...(own ? change.files ?? [] : [])]);
    const commands = own ? change.commands ?? new Map<string, string>() : new Map<string, string>();
    replaced.set(n, files.size || commands.size ? { ...n, snapshot: withFiles(n.snapshot, files, commands) } : n);
  }
  const nodes = ctx.cluster.nodes.map((n) => replaced.get(n)!);
  const cluster = new ClusterModel(ctx.cluster.name, nodes, replaced.get(ctx.cluster.representative) ?? ctx.cluster.representative, ctx.cluster.clustered);
  return new FactContext(replaced.get(ctx.node)!, cluster, ctx.config, ctx.now);
}

/**
 * Decides a proposed firewall change on one node. `source`: pvesec's own address as the node sees it;
 * it must be accepted on sshd's port(s) after the change (no option overrides this rule). Throws
 * Unavailable when the exposure of either side cannot be computed.
 */
export function gateFirewallChange(ctx: FactContext, change: ProposedChange, source: string | undefined): GateResult {
  const after = proposedContext(ctx, change);
  const before = ctx.get(nodeExposureFact);
  const next = after.get(nodeExposureFact);
  const policy = addressPolicy(ctx);
  const lockouts: Lockout[] = [];
  const exposed: NewExposure[] = [];
  compareNode(ctx, before, next, policy, lockouts, exposed);
  const notes: string[] = [];
  if (source) lockouts.push(...ownLockouts(ctx.node.name, source, next));
  else notes.push("pvesec's own address is unknown (not collected over SSH): apply checks it against a fresh collection");
  const lines = [...exposureTable(before, next), ...changeLines(lockouts, exposed), ...notes];
  const refused = lockouts.length > 0;
  const reason = refused
    ? `the change would lock out ${lockouts.map((l) => `${l.who} on ${l.ports.join(',')} (${summarizeCidrs(l.lost, 4)})`).join('; ')}`
    : 'nobody loses access (every admin address, peer and pvesec itself keeps it)';
  return { refused, reason, lockouts, exposed, lines, after };
}

/** pvesec's own address must reach sshd on every port it listens on after the change. */
export function ownLockouts(node: string, source: string, next: NodeExposure): Lockout[] {
  const range = parseIpRange(source) as IpRange;
  const family = parseIp(source)!.family;
  const own = RangeSet.fromRanges(family, [range]);
  const svc = next.ssh.service;
  const e = next.of(svc, family);
  if (own.minus(acceptedOnAll(e)).isEmpty()) return [];
  return groupByRule(e, own, false).map((g) => ({ node, who: `pvesec itself (${source})`, service: svc, family, ports: g.ports, lost: g.set, after: g.decision }));
}

/** Per service and family: the addresses accepted before -> after (one line each, changed ones marked). */
export function exposureTable(before: NodeExposure, next: NodeExposure): string[] {
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    for (const svc of Object.values(before.services)) {
      const was = acceptedOnAny(before.of(svc, family));
      const now = acceptedOnAny(next.of(svc, family));
      const same = was.minus(now).isEmpty() && now.minus(was).isEmpty();
      out.push(`${same ? ' ' : '~'} ${svc.name.padEnd(9)} ${serviceText(svc).padEnd(17)} IPv${family}: ${acceptedText(was)} -> ${same ? 'unchanged' : acceptedText(now)}`);
    }
  }
  return out;
}

function acceptedText(set: RangeSet): string {
  if (set.isEmpty()) return 'nobody';
  if (set.complement().isEmpty()) return 'every address';
  return `${summarizeCidrs(set, 4)} (${countAddresses(set.size())})`;
}

/** LOCKOUT and OPENS lines (shared with `pvesec fw check-change`). */
export function changeLines(lockouts: Lockout[], exposed: NewExposure[]): string[] {
  const lines: string[] = [];
  for (const l of lockouts) lines.push(`LOCKOUT ${l.node}: ${l.ports.join(', ')} from ${l.who} ${summarizeCidrs(l.lost)} (${countAddresses(l.lost.size())}): ACCEPT -> ${l.after.verdict} by ${explainDecision(l.after)}`);
  for (const x of exposed) lines.push(`OPENS   ${x.node}: ${x.ports.join(', ')} to ${x.description}: -> ACCEPT by ${explainDecision(x.after)}`);
  if (!lockouts.length && !exposed.length) lines.push('nobody is locked out (every admin address and peer keeps its access), nothing new is exposed to public or non-admin addresses');
  if (lockouts.length) lines.push(`admin addresses or cluster peers would lose access (${lockouts.length} finding(s)): do not apply this change`);
  return lines;
}


/**
 * The live ruleset (re-collected after activation) against the plan's: the exact exposure of every
 * service and family must be the same set of sources on both. Returns one line per difference.
 */
export function liveDiffers(planned: FactContext, live: FactContext): string[] {
  const a = planned.get(nodeExposureFact);
  const b = live.get(nodeExposureFact);
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    for (const svc of Object.values(a.services)) {
      for (const [what, of] of [['on any port', acceptedOnAny], ['on every port', acceptedOnAll]] as const) {
        const want = of(a.of(svc, family));
        const got = of(b.of(svc, family));
        const extra = got.minus(want);
        const missing = want.minus(got);
        if (extra.isEmpty() && missing.isEmpty()) continue;
        out.push(`${svc.name} ${serviceText(svc)} IPv${family} accepted ${what}: live ${acceptedText(got)}, planned ${acceptedText(want)}`);
      }
    }
  }
  return out;
}

/** The node of a fresh single-node collection as a context (apply's before/after audits). */
function contextOf(snapshot: Snapshot, config: PvesecConfig): FactContext {
  const [cluster] = groupClusters([snapshot]);
  return new FactContext(cluster.nodes[0], cluster, config);
}

/** What the kernel runs after a plan's load-ruleset operations: the rules files they load, as iptables-save outputs. */
export function plannedRulesets(plan: NodePlan): Map<string, string> {
  const out = new Map<string, string>();
  for (const op of plan.ops) {
    if (op.kind !== 'load-ruleset') continue;
    const file = plan.ops.find((o) => o.kind === 'write-file' && o.path === op.path);
    if (file?.kind === 'write-file') out.set(op.family === 4 ? COMMANDS.iptablesSave.name : COMMANDS.ip6tablesSave.name, file.content);
  }
  return out;
}

export const changesFirewall = (plan: NodePlan): boolean => plan.ops.some((o) => o.kind === 'load-ruleset');

/**
 * apply's gate before arming: the plan's rulesets against the node as collected now, with pvesec's own
 * address as the node sees this collection's session. A reason when refused, else undefined.
 */
export function gatePlanNow(plan: NodePlan, snapshot: Snapshot, config: PvesecConfig): string | undefined {
  const source = pvesecSource(snapshot);
  if (!source) return 'the firewall gate cannot tell where pvesec connects from (no SSH_CONNECTION in the collection)';
  try {
    const gate = gateFirewallChange(contextOf(snapshot, config), { commands: plannedRulesets(plan) }, source);
    return gate.refused ? `firewall change refused: ${gate.reason}` : undefined;
  } catch (e) {
    if (e instanceof Unavailable) return `the firewall gate cannot compute the exposure: ${e.reason}`;
    throw e;
  }
}

/**
 * The collection with fail2ban's ban chains left out of iptables-save/ip6tables-save: fail2ban re-creates
 * them after the load (with its bans), which is not drift from the plan. Chains of that name holding
 * anything but bans stay (rulesetWithoutFail2ban).
 */
export function withoutBanChains(snapshot: Snapshot): Snapshot {
  const commands = new Map<string, string>();
  for (const name of [COMMANDS.iptablesSave.name, COMMANDS.ip6tablesSave.name]) {
    const c = snapshot.command(name);
    if (c && c.exitCode === 0) {
      const stripped = rulesetWithoutFail2ban(c.output);
      if (stripped !== c.output) commands.set(name, stripped);
    }
  }
  return commands.size ? withFiles(snapshot, new Map(), commands) : snapshot;
}

/** After activation: the re-collected live ruleset filters exactly as the plan's (simulated exposure of every service). */
export function verifyLiveRuleset(plan: NodePlan, before: Snapshot, after: Snapshot, config: PvesecConfig): { name: string; ok: boolean; detail: string } {
  const name = 'live ruleset';
  try {
    const planned = proposedContext(contextOf(before, config), { commands: plannedRulesets(plan) });
    const diffs = liveDiffers(planned, contextOf(withoutBanChains(after), config));
    if (diffs.length) return { name, ok: false, detail: `the re-collected ruleset differs from the plan: ${diffs.slice(0, 3).join('; ')}` };
    return { name, ok: true, detail: 'the re-collected ruleset accepts exactly the sources the plan simulated, on every service' };
  } catch (e) {
    if (e instanceof Unavailable) return { name, ok: false, detail: `cannot compare the live ruleset: ${e.reason}` };
    throw e;
  }
}
