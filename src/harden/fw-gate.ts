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
import { clusterFirewallFact, hostFirewallFact } from '../model/facts/network.js';
import { acceptedOnAll, acceptedOnAny, groupByRule, serviceText } from '../engines/firewall/exposure.js';
import { countAddresses, RangeSet, summarizeCidrs } from '../engines/firewall/ranges.js';
import { explainDecision } from '../engines/firewall/matrix.js';
import { canonicalIp, parseIp, parseIpRange, type IpRange } from '../parse/ip-address.js';
import { COMMANDS, FILES } from '../collect/sources.js';
import { groupClusters } from '../audit/run.js';
import { parseCorosyncConf } from '../parse/corosync.js';
import { rulesetWithoutFail2ban } from '../checks/fw/iptables-allowlist.js';
import type { PvesecConfig } from '../config/schema.js';
import type { NodePlan } from './plan-types.js';
import { parseSystemctlStates } from '../parse/systemctl-states.js';
import { unitState } from '../model/facts/system-base.js';

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
  /** Admin ranges and peers that lose access, on this node and (acrossCluster) the others: refused unless forced. */
  lockouts: Lockout[];
  /** pvesec's own address losing sshd: always refused (no option overrides it). */
  own: Lockout[];
  /** With `force`: the lockouts that did not refuse the change (they are also in `lockouts`). */
  forced: Lockout[];
  exposed: NewExposure[];
  /** Proposed firewall-file lines Proxmox would skip (FW-08): `file:line would be skipped by Proxmox: message`. Refused. */
  unread: string[];
  /** The before/after exposure table and the LOCKOUT / OPENS / FORCED lines, as `fw check-change` prints them. */
  lines: string[];
  /** The node as it would be after the change. */
  after: FactContext;
}

export interface GateOptions {
  /**
   * `--force`: losses of admin ranges and cluster peers do not refuse the change; they are named in
   * `forced` and in FORCED lines. The loss of pvesec's own address and new exposure still refuse.
   */
  force?: boolean;
  /**
   * This node writes `clusterFiles` (the cluster's representative writing cluster.fw): every other node
   * of the cluster is gated too, with its current host.fw and the new cluster-wide files — the state
   * right after the write reaches it.
   */
  acrossCluster?: boolean;
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

/** Another node of the same (before or after) cluster model as a context. */
function peerContext(like: FactContext, name: string): FactContext {
  const node = like.cluster.nodes.find((n) => n.name === name)!;
  return new FactContext(node, like.cluster, like.config, like.now);
}

/** Proposed lines of the changed firewall files that Proxmox would skip and the current files did not already have. */
function unreadLines(before: FactContext, after: FactContext, paths: Set<string>): string[] {
  const diagnostics = (c: FactContext) => [...(c.tryGet(clusterFirewallFact)?.diagnostics ?? []), ...(c.tryGet(hostFirewallFact)?.diagnostics ?? [])];
  const had = new Set(diagnostics(before).map((d) => d.message));
  return diagnostics(after).filter((d) => paths.has(d.file) && /ignored|skip/.test(d.message) && !had.has(d.message)).map((d) => `${d.file}:${d.line} would be skipped by Proxmox: ${d.message}`);
}

/**
 * Decides a proposed firewall change: the one code path of both firewall remedies, `plan` and `apply`.
 * On this node (and with `acrossCluster` on every other node of the cluster) the exact exposure before
 * and after is compared: refused when an admin range or a peer loses access (unless `force`), when
 * `source` — pvesec's own address as the node sees it — would no longer reach sshd on every port it
 * listens on (never overridden), when something becomes newly open to public or non-admin ranges, or
 * when a proposed firewall-file line would be skipped by Proxmox. Throws Unavailable when the exposure of
 * either side cannot be computed.
 */
export function gateFirewallChange(ctx: FactContext, change: ProposedChange, source: string | undefined, opts: GateOptions = {}): GateResult {
  const after = proposedContext(ctx, change);
  const before = ctx.get(nodeExposureFact);
  const next = after.get(nodeExposureFact);
  const lockouts: Lockout[] = [];
  const exposed: NewExposure[] = [];
  compareNode(ctx, before, next, addressPolicy(ctx), lockouts, exposed);
  const changedPaths = new Set([...(change.files?.keys() ?? []), ...(change.clusterFiles?.keys() ?? [])]);
  const unread = unreadLines(ctx, after, changedPaths);
  if (opts.acrossCluster && change.clusterFiles?.size) {
    for (const other of ctx.cluster.nodes) {
      if (other === ctx.node) continue;
      const was = peerContext(ctx, other.name);
      const will = peerContext(after, other.name);
      try {
        compareNode(was, was.get(nodeExposureFact), will.get(nodeExposureFact), addressPolicy(was), lockouts, exposed);
      } catch (e) {
        if (e instanceof Unavailable) throw new Unavailable(`${other.name}: ${e.reason}`);
        throw e;
      }
      unread.push(...unreadLines(was, will, new Set(change.clusterFiles.keys())).filter((l) => !unread.includes(l)));
    }
  }
  const notes: string[] = [];
  const own = source ? ownLockouts(ctx.node.name, source, next) : [];
  if (!source) notes.push("pvesec's own address is unknown (not collected over SSH): apply checks it against a fresh collection");
  const forced = opts.force && !own.length ? [...lockouts] : [];
  const all = [...lockouts, ...own];
  const lines = [...exposureTable(before, next), ...changeLines(all, exposed), ...forcedLines(forced), ...unread.map((u) => `UNREAD  ${u}`), ...notes];
  const refusing = [...own, ...(forced.length ? [] : lockouts)];
  const refused = refusing.length > 0 || exposed.length > 0 || unread.length > 0;
  const reasons: string[] = [];
  if (refusing.length) reasons.push(`the change would lock out ${lockedOutText(refusing, ctx.node.name)}`);
  if (own.length && opts.force && lockouts.length) reasons.push('--force never overrides the loss of the address pvesec connects from');
  if (exposed.length) reasons.push(`the change would open ${exposed.map((x) => `${x.ports.join(',')} to ${x.description}`).join('; ')}`);
  if (unread.length) reasons.push(`the proposed ${unread[0]}`);
  const reason = refused ? reasons.join('; ')
    : forced.length ? `forced (--force): ${forcedText(forced)} lose access; pvesec itself keeps it`
      : 'nobody loses access (every admin address, peer and pvesec itself keeps it)';
  return { refused, reason, lockouts, own, forced, exposed, unread, lines, after };
}

/**
 * A pve-mode change in the two states the node goes through: `final` (both files written, the services as
 * the plan leaves them: `runningAfter` is the systemctl-states output then; with `acrossCluster` on every
 * node of the cluster), and, when host.fw and cluster.fw are both written, `between` (host.fw is written
 * first: the new host.fw under the current cluster.fw, the services as they are now). The one code path of
 * `plan` (remedy-pve.ts) and apply's gate (gatePlanNow); each decides what counts in between.
 */
export function gateInTwoStates(ctx: FactContext, change: ProposedChange, source: string | undefined, opts: { force?: boolean; acrossCluster?: boolean; runningAfter?: string }): { final: GateResult; between?: GateResult } {
  const result = gateFirewallChange(ctx, withUnitStates(change, opts.runningAfter), source, { force: opts.force, acrossCluster: opts.acrossCluster });
  if (!change.files?.size || !change.clusterFiles?.size) return { final: result };
  return { final: result, between: gateFirewallChange(ctx, { files: change.files }, source, { force: opts.force }) };
}

/** The change with the node's systemctl-states output afterwards (undefined: the units stay as collected). */
function withUnitStates(change: ProposedChange, states: string | undefined): ProposedChange {
  return states === undefined ? change : { ...change, commands: new Map([...(change.commands ?? []), [COMMANDS.systemctlStates.name, states]]) };
}

/** `who on ports (ranges)`, joined; the node named where it is not `node`. */
const lockedOutText = (lockouts: Lockout[], node: string) =>
  lockouts.map((l) => `${l.node === node ? '' : `${l.node}: `}${l.who} on ${l.ports.join(',')} (${summarizeCidrs(l.lost, 4)})`).join('; ');

const forcedText = (forced: Lockout[]) => forced.map((l) => `${l.node}: ${l.who} on ${l.ports.join(',')} (${summarizeCidrs(l.lost, 4)})`).join('; ');

function forcedLines(forced: Lockout[]): string[] {
  if (!forced.length) return [];
  return [`FORCED  --force: applied although ${forced.length === 1 ? 'this loses' : 'these lose'} access: ${forcedText(forced)}; verification still reverts a change that cuts pvesec, an admin it verifies or a peer`];
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

/**
 * The node of a fresh collection as a context (apply's before/after audits); `peers` are fresh collections
 * of other nodes, which join its cluster model when corosync.conf names the same cluster.
 */
function contextOf(snapshot: Snapshot, config: PvesecConfig, peers: Snapshot[] = []): FactContext {
  const cluster = groupClusters([snapshot, ...peers]).find((c) => c.nodes.some((n) => n.snapshot === snapshot))!;
  return new FactContext(cluster.nodes.find((n) => n.snapshot === snapshot)!, cluster, config);
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

const HOST_FW = /^\/etc\/pve\/nodes\/[^/]+\/host\.fw$/;

/** The Proxmox firewall files a plan writes (pve mode): host.fw files on this node only, cluster.fw on every node. */
export function plannedPveFiles(plan: NodePlan): { files: Map<string, string>; clusterFiles: Map<string, string> } {
  const files = new Map<string, string>();
  const clusterFiles = new Map<string, string>();
  for (const op of plan.ops) {
    if (op.kind !== 'write-file') continue;
    if (op.path === FILES.clusterFw) clusterFiles.set(op.path, op.content);
    else if (HOST_FW.test(op.path)) files.set(op.path, op.content);
  }
  return { files, clusterFiles };
}

/** The plan writes cluster.fw: the change reaches every node of the cluster (pmxcfs). */
export const writesClusterFirewall = (plan: NodePlan): boolean => plan.ops.some((o) => o.kind === 'write-file' && o.path === FILES.clusterFw);

/** The plan writes host.fw or cluster.fw (pve mode). */
function writesPveFirewall(plan: NodePlan): boolean {
  const pve = plannedPveFiles(plan);
  return pve.files.size > 0 || pve.clusterFiles.size > 0;
}

/** Plans apply gates before arming: they load an iptables ruleset, or write the Proxmox firewall's files. */
export const gatesFirewall = (plan: NodePlan): boolean => plan.ops.some((o) => o.kind === 'load-ruleset') || writesPveFirewall(plan);

/** What the kernel and the Proxmox firewall run after the plan: its rulesets (iptables mode) and .fw files (pve mode). */
export function plannedChange(plan: NodePlan): ProposedChange {
  const { files, clusterFiles } = plannedPveFiles(plan);
  const commands = plannedRulesets(plan);
  return { ...(files.size ? { files } : {}), ...(clusterFiles.size ? { clusterFiles } : {}), ...(commands.size ? { commands } : {}) };
}

/**
 * The other nodes of the plan that are members of this node's cluster (corosync.conf of its fresh
 * collection): the nodes a cluster.fw write reaches and pvesec collected for the plan, gated again at apply.
 */
export function clusterPeersInPlan(nodes: NodePlan[], plan: NodePlan, snapshot: Snapshot): NodePlan[] {
  const text = snapshot.text(FILES.corosyncConf);
  if (text === undefined) return [];
  const members = new Set(parseCorosyncConf(text).value.nodes.map((n) => n.name));
  return nodes.filter((n) => n !== plan && n.node !== plan.node && members.has(n.node));
}

/**
 * apply's gate before arming: the plan's change — its rulesets (iptables mode), its host.fw and cluster.fw
 * (pve mode) — against the node as collected now, with pvesec's own address as the node sees this
 * collection's session. A plan that writes cluster.fw is gated on every node of `peers` (fresh collections
 * of the other cluster nodes the plan holds) too, as at plan time (acrossCluster); one that writes host.fw
 * before cluster.fw also in the state between the two writes (the new host.fw under the current
 * cluster.fw: only lost access counts there, as in remedy-pve.ts). A reason when refused, else undefined.
 * With `force` (apply --force) the losses of admin ranges and peers are told through `warn` (FORCED lines)
 * instead of refusing; the loss of pvesec's own address always refuses. The final state is simulated with
 * the plan's services running (unitStatesAfter); the state in between with them as they are now.
 */
export function gatePlanNow(plan: NodePlan, snapshot: Snapshot, config: PvesecConfig, opts: { force?: boolean; warn?: (line: string) => void; peers?: Snapshot[] } = {}): string | undefined {
  const source = pvesecSource(snapshot);
  if (!source) return 'the firewall gate cannot tell where pvesec connects from (no SSH_CONNECTION in the collection)';
  try {
    const ctx = contextOf(snapshot, config, opts.peers);
    // the final state has the plan's services running (a stopped pve-firewall is enabled and started)
    const { final: gate, between } = gateInTwoStates(ctx, plannedChange(plan), source, { force: opts.force, acrossCluster: writesClusterFirewall(plan), runningAfter: unitStatesAfter(plan, snapshot) });
    if (gate.refused) return `firewall change refused: ${gate.reason}`;
    const told = new Set<string>();
    const warn = (lines: string[]) => {
      for (const l of lines.filter((x) => /^(LOCKOUT|FORCED)/.test(x) && !told.has(x))) {
        told.add(l);
        opts.warn?.(`${plan.node}: ${l}`);
      }
    };
    if (gate.forced.length) warn(gate.lines);
    if (between) {
      // in between only lost access counts (+management may be defined by the cluster.fw not written yet)
      const refusing = [...between.own, ...(between.forced.length ? [] : between.lockouts)];
      if (refusing.length) {
        return `firewall change refused: in between (host.fw is written before cluster.fw, and the new host.fw under the current cluster.fw refuses them) the change would lock out ${lockedOutText(refusing, ctx.node.name)}`
          + (between.own.length && opts.force ? '; --force never overrides the loss of the address pvesec connects from' : '');
      }
      if (between.forced.length) warn(between.lines);
    }
    return undefined;
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

/**
 * The `systemctl-states` output as the plan's service operations leave it: a unit they start, restart or
 * reload runs, one they enable-now is enabled too. Undefined when the plan touches no unit or the states
 * were not collected.
 */
export function unitStatesAfter(plan: NodePlan, before: Snapshot): string | undefined {
  const started = plan.ops.flatMap((o) => (o.kind === 'service' ? [{ unit: o.unit, enable: o.action === 'enable-now' }] : []));
  return unitStatesWith(before, started);
}

/** The collected `systemctl-states` output with these units running (and enabled when `enable`); undefined without units or states. */
export function unitStatesWith(before: Snapshot, started: { unit: string; enable: boolean }[]): string | undefined {
  const out = before.command(COMMANDS.systemctlStates.name);
  if (!started.length || !out || (out.exitCode !== undefined && out.exitCode !== 0)) return undefined;
  const states = parseSystemctlStates(out.output, COMMANDS.systemctlStates.name).value;
  for (const { unit: name, enable } of started) {
    const unit = name.replace(/\.service$/, '');
    const was = unitState(states, unit);
    states.set(unit, { ...was, unit, active: 'active', enabled: enable ? 'enabled' : was.enabled });
  }
  return [...states.values()].map((u) => `${u.unit} ${u.active} ${u.enabled}\n`).join('');
}

/** Why pve-firewall is not up as a pve-mode plan leaves it (running and enabled), on the collection after its restart. */
function pveFirewallNotUp(after: Snapshot): string | undefined {
  const out = after.command(COMMANDS.systemctlStates.name);
  if (!out || (out.exitCode !== undefined && out.exitCode !== 0)) return `pve-firewall's state was not collected again (${after.whyMissing(COMMANDS.systemctlStates.name)})`;
  const st = unitState(parseSystemctlStates(out.output, COMMANDS.systemctlStates.name).value, 'pve-firewall');
  if (st.active !== 'active' || st.enabled !== 'enabled') return `pve-firewall is ${st.active} and ${st.enabled} after its restart (the plan leaves it running and enabled)`;
  return undefined;
}

/**
 * A node of the model as it reads the cluster-wide files itself: the model reads them from the cluster's
 * representative, but right after a write each node's copy is what its pve-firewall runs.
 */
function readingOwnCopy(like: FactContext, name: string): FactContext {
  const node = like.cluster.nodes.find((n) => n.name === name)!;
  if (node === like.cluster.representative && node === like.node) return like;
  const cluster = new ClusterModel(like.cluster.name, like.cluster.nodes, node, like.cluster.clustered);
  return new FactContext(node, cluster, like.config, like.now);
}

/** Fresh collections of the plan's other cluster members: gated before arming, and again after activation. */
export interface ClusterMembers {
  before: Snapshot[];
  after: Snapshot[];
}

/**
 * After activation: what the node runs now, re-collected, filters exactly as the plan simulated (exact
 * exposure of every service and family). iptables mode: the live iptables-save/ip6tables-save against the
 * plan's rulesets. pve mode: pve-firewall must be running and enabled, and cluster.fw and host.fw as this
 * node reads them now (with the hand-written rules of the live ruleset beside them) against the plan's
 * files; when the plan writes cluster.fw, each member of `members` too (as it reads cluster.fw now, with its
 * own host.fw) — the netfilter rules pve-firewall compiled are not simulated: its ipsets are not collected
 * and the simulator treats `-m set` as opaque (docs/firewall.md).
 */
export function verifyLiveRuleset(plan: NodePlan, before: Snapshot, after: Snapshot, config: PvesecConfig, members: ClusterMembers = { before: [], after: [] }): { name: string; ok: boolean; detail: string } {
  const pveMode = writesPveFirewall(plan);
  const name = pveMode ? 'live pve-firewall' : 'live ruleset';
  const others = writesClusterFirewall(plan) ? members : { before: [], after: [] };
  try {
    if (pveMode) {
      const down = pveFirewallNotUp(after);
      if (down) return { name, ok: false, detail: down };
    }
    const planned = proposedContext(contextOf(before, config, others.before), withUnitStates(plannedChange(plan), unitStatesAfter(plan, before)));
    const live = contextOf(withoutBanChains(after), config, others.after.map(withoutBanChains));
    const diffs = liveDiffers(readingOwnCopy(planned, planned.node.name), readingOwnCopy(live, live.node.name));
    const what = pveMode ? `cluster.fw and host.fw as ${plan.node} reads them now` : 'the re-collected ruleset';
    if (diffs.length) return { name, ok: false, detail: `${what} ${pveMode ? 'differ' : 'differs'} from the plan: ${diffs.slice(0, 3).join('; ')}` };
    const checked: string[] = [];
    for (const node of live.cluster.nodes) {
      if (node === live.node) continue; // the others are the members collected again (contextOf keeps this node's cluster only)
      if (!planned.cluster.nodes.some((n) => n.name === node.name)) return { name, ok: false, detail: `${node.name} was not collected before the change: nothing to compare its firewall with` };
      const memberDiffs = liveDiffers(readingOwnCopy(planned, node.name), readingOwnCopy(live, node.name));
      if (memberDiffs.length) return { name, ok: false, detail: `cluster.fw as ${node.name} reads it now (with its host.fw) differs from the plan: ${memberDiffs.slice(0, 3).join('; ')}` };
      checked.push(node.name);
    }
    const also = checked.length ? `, and as ${checked.join(', ')} read${checked.length === 1 ? 's' : ''} cluster.fw` : '';
    return { name, ok: true, detail: `${pveMode ? 'pve-firewall running and enabled; ' : ''}${what}${also} accept${pveMode ? '' : 's'} exactly the sources the plan simulated, on every service` };
  } catch (e) {
    if (e instanceof Unavailable) return { name, ok: false, detail: `cannot compare the live ${pveMode ? 'firewall' : 'ruleset'}: ${e.reason}` };
    throw e;
  }
}

/**
 * The nodes of one cluster in apply order: the node that writes cluster.fw (the representative, pve mode)
 * after the others, so that every node's host.fw — with the accepts cluster.fw's policy needs there — is in
 * place before the datacenter policy changes, and a node that does not end applied stops apply before
 * cluster.fw is written. Every state on the way is gated (remedy-pve.ts). The order is otherwise kept.
 */
export function clusterFirewallLast(nodes: NodePlan[]): NodePlan[] {
  const writes = (n: NodePlan) => n.ops.some((o) => o.kind === 'write-file' && o.path === FILES.clusterFw);
  return [...nodes.filter((n) => !writes(n)), ...nodes.filter(writes)];
}
