/**
 * Firewall remedy, pve mode (the Proxmox firewall): edits cluster.fw and the node's host.fw in place
 * (src/harden/fw-pve-edit.ts keeps every other line), then proves on exact exposure sets that nobody who
 * must keep access loses it before a single byte is written:
 * - cluster.fw: `[IPSET management]` = pvesec.yaml admin_sources, `[OPTIONS] enable: 1`, `policy_in: DROP`;
 *   when declared non-admin networks lie inside the automatic local_network (which pve-firewall adds to
 *   `management`), a `local_network` alias narrowed to the cluster's own node addresses;
 * - host.fw: `enable: 1`, and tagged accepts at the top of [RULES] for what the builtin management and
 *   corosync rules do not cover on this node (sshd on another port, a user DROP before them, a peer
 *   outside local_network): admin sources to SSH and 8006, peers to corosync, SSH and migration;
 * - then `pve-firewall compile` (validator) and a reload of pve-firewall.
 * cluster.fw is written by the cluster's representative node only (pmxcfs copies it to every node): that
 * node's gate covers every node of the cluster with its current host.fw, the state right after it writes.
 */
import { FILES, nodeFile } from '../../collect/sources.js';
import { acceptedOnAll, groupByRule, type Exposure, type ExposureService } from '../../engines/firewall/exposure.js';
import { explainDecision } from '../../engines/firewall/matrix.js';
import { RangeSet, summarizeCidrs } from '../../engines/firewall/ranges.js';
import { FwEditError, setAlias, setIpset, setOption, setPvesecRules } from '../../harden/fw-pve-edit.js';
import { ManualOnly, type PlannedOp, type RemedyInput } from '../../harden/plan-types.js';
import { ClusterModel, FactContext, Unavailable, type NodeHandle } from '../../model/fact.js';
import { compareNode, withFiles, type Lockout, type NewExposure } from '../../model/facts/firewall-change.js';
import { gateInTwoStates, proposedContext, pvesecSource, unitStatesWith, type GateResult } from '../../harden/fw-gate.js';
import { addressPolicy, nodeExposureFact, peerAddresses, peerRequirements, type AddressPolicy, type NodeExposure } from '../../model/facts/exposure.js';
import { clusterFirewallFact, hostFirewallFact } from '../../model/facts/network.js';
import { nodeAddressFact, corosyncTopologyFact } from '../../model/facts/node-address.js';
import { mountsFact } from '../../model/facts/system.js';
import { unitState, unitStatesFact } from '../../model/facts/system-base.js';
import { mountAt } from '../../parse/mounts.js';
import { parseIp, parseIpRange, rangeToCidrs, type IpRange } from '../../parse/ip-address.js';

export const PVE_FW_CONTROLS = ['FW-01', 'FW-02', 'FW-03', 'FW-04', 'FW-05', 'FW-06', 'FW-07', 'FW-13'] as const;

/** How pmxcfs shows every file outside priv/: 0640 root:www-data (it refuses other modes and owners). */
const PMXCFS_FILE = { mode: 0o640, owner: 'root', group: 'www-data', pmxcfs: true } as const;

/** The pmxcfs status file: JSON with `cluster.quorate` on a cluster member (absent on a standalone node). */
export const PVE_MEMBERS = FILES.pveMembers;

/** Why /etc/pve cannot be written on this node now (no quorum, mounted read-only), or undefined. */
export function pmxcfsReadOnly(ctx: FactContext): string | undefined {
  const mounts = ctx.tryGet(mountsFact);
  const m = mounts ? mountAt(mounts, '/etc/pve') : undefined;
  if (m?.options.includes('ro')) return `/etc/pve is mounted read-only (${m.source} ${m.fstype} ${m.options.join(',')})`;
  const clustered = ctx.cluster.clustered || ctx.snapshot.text(FILES.corosyncConf) !== undefined;
  if (!clustered) return undefined; // a standalone pmxcfs runs in local mode: always writable
  const text = ctx.snapshot.text(PVE_MEMBERS);
  if (text === undefined) return `cannot tell whether this cluster node has quorum: ${ctx.snapshot.whyMissing(PVE_MEMBERS)}`;
  let members: { cluster?: { quorate?: number } };
  try {
    members = JSON.parse(text) as typeof members;
  } catch {
    return `cannot tell whether this cluster node has quorum: ${PVE_MEMBERS} is not JSON`;
  }
  if (members.cluster?.quorate !== 1) {
    return `this node has no quorum (${PVE_MEMBERS}: quorate ${members.cluster?.quorate ?? 'missing'}): pmxcfs keeps /etc/pve read-only until the cluster is quorate again`;
  }
  return undefined;
}

/** The proposed files of the cluster, by path (only the ones that change). */
export interface PveFirewallProposal {
  files: Map<string, string>;
  /** cluster.fw changes and this node writes it. */
  writesCluster: boolean;
  /** What each added or changed part is for, one line each (summaries). */
  why: string[];
  /** With --force: the admin ranges and peers that lose access anyway (FORCED lines of the gate). */
  forced: string[];
}

const textOf = (n: NodeHandle, path: string) => n.snapshot.text(path);

function lockoutText(l: Lockout): string {
  return `${l.node}: ${l.who} loses ${l.service.name} ${l.ports.join(', ')} (IPv${l.family}) from ${summarizeCidrs(l.lost)}: ACCEPT -> ${l.after.verdict} by ${explainDecision(l.after)}`;
}

function exposedText(x: NewExposure): string {
  return `${x.node}: ${x.service.name} ${x.ports.join(', ')} (IPv${x.family}) newly open to ${x.description} by ${explainDecision(x.after)}`;
}

const portsText = (s: ExposureService) => s.ports.map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`)).join(',');

/**
 * Admin sources and peers the proposed files still refuse on this node only because nothing accepts them
 * before the policy (sshd on another port than 22, a peer outside local_network): the accepts host.fw needs
 * at its top. Where a rule of the operator's files refuses them, nothing is added: the gate then refuses
 * the change naming that rule (pvesec does not override an explicit DROP).
 */
function missingAccepts(next: NodeExposure, ctxAfter: FactContext, policy: AddressPolicy): { rule: string; why: string }[] {
  const byPolicy = (e: Exposure, set: RangeSet) => {
    const refused = set.minus(acceptedOnAll(e));
    return !refused.isEmpty() && groupByRule(e, refused, false).every((g) => !g.decision.rule?.origin);
  };
  const rules: { rule: string; why: string }[] = [];
  for (const svc of [next.ssh.service, next.services.web]) {
    const missing = ([4, 6] as const).some((family) => {
      if (svc === next.ssh.service && !next.ssh.families.includes(family)) return false;
      return byPolicy(next.of(svc, family), policy.admin[family]);
    });
    if (missing) rules.push({ rule: `IN ACCEPT -source +management -p ${svc.proto} -dport ${portsText(svc)}`, why: `admin sources to ${svc.name}` });
  }
  const bySvc = new Map<string, { svc: ExposureService; addrs: string[] }>();
  for (const r of peerRequirements(ctxAfter, next).requirements) {
    const peer = RangeSet.fromRanges(r.peer.family!, [parseIpRange(r.peer.addr) as IpRange]);
    if (!byPolicy(next.of(r.service, r.peer.family!, r.dst), peer)) continue;
    const key = `${r.service.name} ${r.service.proto} ${portsText(r.service)}`;
    const e = bySvc.get(key) ?? { svc: r.service, addrs: [] };
    if (!e.addrs.includes(r.peer.addr)) e.addrs.push(r.peer.addr);
    bySvc.set(key, e);
  }
  for (const { svc, addrs } of bySvc.values()) {
    rules.push({ rule: `IN ACCEPT -source ${addrs.join(',')} -p ${svc.proto} -dport ${portsText(svc)}`, why: `cluster peers to ${svc.name}` });
  }
  return rules;
}

/** The smallest CIDR holding every node address of the cluster (what local_network is narrowed to). */
function clusterNetwork(ctx: FactContext): IpRange | undefined {
  const addrs: bigint[] = [];
  const topo = ctx.get(corosyncTopologyFact);
  if (topo) {
    for (const n of topo.nodes) {
      const r0 = n.rings.find((r) => r.key === 'ring0_addr');
      const ip = r0 ? parseIp(r0.addr) : undefined;
      if (!ip || ip.family !== 4) return undefined;
      addrs.push(ip.value);
    }
  } else {
    const own = ctx.get(nodeAddressFact).ip;
    const ip = own ? parseIp(own) : undefined;
    if (!ip || ip.family !== 4) return undefined;
    addrs.push(ip.value);
  }
  let lo = addrs.reduce((a, b) => (a < b ? a : b));
  const hi = addrs.reduce((a, b) => (a > b ? a : b));
  let prefix = 32;
  while (prefix > 0 && (lo >> BigInt(32 - prefix)) !== (hi >> BigInt(32 - prefix))) prefix--;
  lo = (lo >> BigInt(32 - prefix)) << BigInt(32 - prefix);
  const text = `${[24, 16, 8, 0].map((s) => Number((lo >> BigInt(s)) & 255n)).join('.')}/${prefix}`;
  const r = parseIpRange(text);
  return typeof r === 'string' ? undefined : r;
}

/**
 * The proposed cluster.fw and host.fw of this node. Pure: from the collected text to the new text.
 * Throws ManualOnly when pvesec cannot make the change safely here.
 */
export function proposePveFirewall(input: RemedyInput): PveFirewallProposal {
  const { ctx, config } = input;
  if (!config.admin_sources.length) {
    throw new ManualOnly('no admin_sources in pvesec.yaml: pvesec does not guess who must keep SSH and the web UI when the firewall starts dropping; declare them, e.g. admin_sources: [10.10.0.0/24]');
  }
  const host = ctx.get(hostFirewallFact);
  if (host.nftables) throw new ManualOnly(`${host.path} selects proxmox-firewall (nftables: 1): pvesec's pve mode writes for pve-firewall (iptables backend) only`);
  const states = ctx.get(unitStatesFact);
  if (unitState(states, 'pve-firewall').enabled === 'not-found') throw new ManualOnly('pve-firewall is not installed on this node: use firewall: iptables in pvesec.yaml');
  const ro = pmxcfsReadOnly(ctx);
  if (ro) throw new ManualOnly(ro);
  const unresolved = peerAddresses(ctx).filter((p) => p.unresolved);
  if (unresolved.length) {
    throw new ManualOnly(`corosync ring addresses that cannot be resolved (${unresolved.map((p) => `${p.node} ${p.ring} ${p.addr}: ${p.unresolved}`).join('; ')}): pvesec cannot prove the peers keep corosync, SSH and migration`);
  }

  const clusterPath = FILES.clusterFw;
  const hostPath = nodeFile(ctx.node.name, 'host.fw');
  const clusterNow = ctx.cluster.representative.snapshot.text(clusterPath) ?? ctx.snapshot.text(clusterPath);
  if (clusterNow === undefined && ctx.cluster.representative.snapshot.errors.has(clusterPath)) throw new ManualOnly(`${clusterPath}: ${ctx.cluster.representative.snapshot.whyMissing(clusterPath)}`);
  if (ctx.snapshot.errors.has(hostPath)) throw new ManualOnly(`${hostPath}: ${ctx.snapshot.whyMissing(hostPath)}`);
  const hostNow = textOf(ctx.node, hostPath);
  const why: string[] = [];
  let clusterNew: string;
  let hostNew: string;
  try {
    clusterNew = setOption(clusterNow ?? '', 'cluster', 'enable', '1', clusterPath);
    clusterNew = setOption(clusterNew, 'cluster', 'policy_in', 'DROP', clusterPath);
    clusterNew = setIpset(clusterNew, 'management', config.admin_sources.map((cidr) => ({ cidr, comment: 'pvesec admin source' })), clusterPath);
    why.push(`cluster.fw: enable: 1, policy_in: DROP, [IPSET management] = ${config.admin_sources.join(', ')}`);
    const narrowed = narrowLocalNetwork(ctx);
    if (narrowed) {
      clusterNew = setAlias(clusterNew, 'local_network', narrowed.cidr, 'pvesec: the cluster nodes only (declared non-admin networks share the LAN)', clusterPath);
      why.push(`cluster.fw: local_network ${narrowed.cidr} (was ${narrowed.was}, which holds non-admin ${narrowed.overlap})`);
    }
    // without pvesec's own rules of an earlier run: they are decided again below
    hostNew = setPvesecRules(setOption(hostNow ?? '', 'host', 'enable', '1', hostPath), 'host', [], hostPath);
  } catch (e) {
    if (e instanceof FwEditError) throw new ManualOnly(e.reason);
    throw e;
  }

  // what the builtin rules leave out on this node: tagged accepts at the top of host.fw
  const policy = addressPolicy(ctx);
  const firstPass = proposedContext(ctx, { files: new Map([[hostPath, hostNew]]), clusterFiles: new Map([[clusterPath, clusterNew]]) });
  const extra = missingAccepts(firstPass.get(nodeExposureFact), firstPass, policy);
  hostNew = setPvesecRules(hostNew, 'host', extra, hostPath);
  why.push(`host.fw: enable: 1${extra.length ? `; ${extra.map((r) => `${r.rule} (${r.why})`).join('; ')}` : ''}`);

  // host.fw first: pve-firewall rereads the files every 10 s, so the order of the writes is a state it may run
  const files = new Map<string, string>();
  const writesCluster = clusterNew !== (clusterNow ?? '') && ctx.cluster.representative.name === ctx.node.name;
  if (hostNew !== (hostNow ?? '')) files.set(hostPath, hostNew);
  if (writesCluster) files.set(clusterPath, clusterNew);
  const forced = gate(ctx, clusterNew !== (clusterNow ?? '') ? clusterNew : undefined, hostNew, writesCluster, input.force === true);
  return { files, writesCluster, why, forced };
}

/** local_network narrowed to the cluster's node addresses when declared non-admin networks are inside it. */
function narrowLocalNetwork(ctx: FactContext): { cidr: string; was: string; overlap: string } | undefined {
  const declared = ctx.config.non_admin_networks.map((t) => parseIpRange(t)).filter((r): r is IpRange => typeof r !== 'string' && r.family === 4);
  if (!declared.length) return undefined;
  const alias = ctx.get(clusterFirewallFact).conf.aliases.get('local_network');
  const was = alias ? alias.cidr : ctx.tryGet(nodeAddressFact)?.localNetwork;
  const wasRange = was ? parseIpRange(was) : undefined;
  if (!wasRange || typeof wasRange === 'string' || wasRange.family !== 4) return undefined;
  const nonAdmin = RangeSet.fromRanges(4, declared);
  const overlap = RangeSet.fromRanges(4, [wasRange]).intersect(nonAdmin);
  if (overlap.isEmpty()) return undefined;
  const net = clusterNetwork(ctx);
  if (!net) throw new ManualOnly(`local_network ${was} holds non-admin ${summarizeCidrs(overlap)}, and the cluster's node addresses are not all IPv4: narrow the local_network alias in cluster.fw by hand`);
  const still = RangeSet.fromRanges(4, [net]).intersect(nonAdmin);
  if (!still.isEmpty()) throw new ManualOnly(`local_network ${was} holds non-admin ${summarizeCidrs(overlap)}, and even the smallest network holding every cluster node (${net.text}) holds non-admin ${summarizeCidrs(still)}: pvesec cannot narrow it`);
  return { cidr: rangeToCidrs(4, net.from, net.to)[0], was: was!, overlap: summarizeCidrs(overlap) };
}

/**
 * The exposure gate (gateInTwoStates over gateFirewallChange, the code path of plan and apply in both modes): on exact exposure sets, no
 * admin address and no peer may lose SSH, 8006, corosync or migration on any node the change reaches
 * (unless forced: then they are returned as FORCED lines), pvesec's own address must keep sshd (never
 * forced), nothing may become newly open to public or non-admin addresses, and Proxmox must read every
 * proposed line. When this node writes cluster.fw, every other node is gated with its current host.fw.
 */
function gate(ctx: FactContext, clusterNew: string | undefined, hostNew: string, writesCluster: boolean, force: boolean): string[] {
  const change = {
    files: new Map([[nodeFile(ctx.node.name, 'host.fw'), hostNew]]),
    ...(clusterNew !== undefined ? { clusterFiles: new Map([[FILES.clusterFw, clusterNew]]) } : {}),
  };
  const source = pvesecSource(ctx.snapshot);
  let result: GateResult;
  const onlyBetween = new Set<string>();
  try {
    // the final state has pve-firewall running and enabled (the plan's service operation), even where it is stopped now
    const runningAfter = unitStatesWith(ctx.snapshot, [{ unit: 'pve-firewall', enable: true }]);
    const { final, between } = gateInTwoStates(ctx, change, source, { force, acrossCluster: writesCluster, runningAfter });
    result = final;
    if (between) {
      // host.fw is written before cluster.fw (on this node, and on the other nodes, which apply before the
      // representative): the state in between — the new host.fw under the current cluster.fw — is gated too.
      // Its lines may be skipped there (+management before cluster.fw defines the ipset): only lost
      // access counts in between, and a skipped accept is one the final state's gate sees.
      const known = new Set([...final.lockouts, ...final.own].map(lockoutKey));
      for (const l of [...between.lockouts, ...between.own]) if (!known.has(lockoutKey(l))) onlyBetween.add(lockoutKey(l));
      result = { ...final, lockouts: merged(final.lockouts, between.lockouts), own: merged(final.own, between.own), forced: merged(final.forced, between.forced),
        exposed: [...final.exposed, ...between.exposed.filter((x) => !final.exposed.some((y) => sameExposure(x, y)))] };
    }
  } catch (e) {
    if (e instanceof Unavailable) throw new ManualOnly(`cannot simulate the change: ${e.reason}`);
    throw e;
  }
  if (result.unread.length) throw new ManualOnly(`the proposed ${result.unread[0]}`);
  const lockouts = [...(result.forced.length ? [] : result.lockouts), ...result.own];
  const elsewhere = [...new Set(lockouts.map((l) => l.node).filter((n) => n !== ctx.node.name))];
  const hint = elsewhere.length ? ` (cluster.fw reaches ${elsewhere.join(', ')} with their current host.fw: apply their own firewall plans first, then plan ${ctx.node.name} again)` : '';
  const between = lockouts.some((l) => onlyBetween.has(lockoutKey(l)))
    ? ' (in between: host.fw is written before cluster.fw, and the new host.fw under the current cluster.fw refuses them; put the admin sources into cluster.fw [IPSET management] first, or enable host.fw after cluster.fw by hand)' : '';
  if (lockouts.length) throw new ManualOnly(`the firewall change would lock out: ${lockouts.map(lockoutText).join('; ')}${hint}${between}${result.own.length && force ? ' (--force never overrides the loss of the address pvesec connects from)' : ''}`);
  if (result.exposed.length) throw new ManualOnly(`the firewall change would open: ${result.exposed.map(exposedText).join('; ')}`);
  return result.forced.length ? [`FORCED (--force): ${result.forced.map(lockoutText).join('; ')}`] : [];
}

const lockoutKey = (l: Lockout) => `${lockoutText(l)}`;
/** Lockouts of both states once each (the same loss in both states is one finding). */
function merged(a: Lockout[], b: Lockout[]): Lockout[] {
  const seen = new Set(a.map(lockoutKey));
  return [...a, ...b.filter((l) => !seen.has(lockoutKey(l)))];
}
const sameExposure = (x: NewExposure, y: NewExposure) => exposedText(x) === exposedText(y);

/** The operations of pve mode for this node (none when the files already say what they should). */
export function planPveFirewall(input: RemedyInput): PlannedOp[] {
  const { ctx } = input;
  let proposal: PveFirewallProposal;
  try {
    proposal = proposePveFirewall(input);
  } catch (e) {
    if (e instanceof Unavailable) throw new ManualOnly(`pve firewall: ${e.reason}`);
    throw e;
  }
  if (!proposal.files.size) return [];
  const controls = [...PVE_FW_CONTROLS];
  const ops: PlannedOp[] = [];
  for (const [path, content] of proposal.files) {
    const isCluster = path === FILES.clusterFw;
    ops.push({
      kind: 'write-file', id: `write:${path}`, phase: 'restrict', controls, cutsAccess: true, path, content, ...PMXCFS_FILE,
      summary: [...proposal.forced, ...proposal.why.filter((w) => w.startsWith(isCluster ? 'cluster.fw' : 'host.fw'))].join('; '),
    });
  }
  ops.push({
    kind: 'validate', id: 'validate:pve-firewall-compile', phase: 'restrict', controls, cutsAccess: false, argv: ['pve-firewall', 'compile'],
    why: 'pve-firewall must read and compile the new cluster.fw and host.fw', summary: 'pve-firewall compile',
  });
  const svc = unitState(ctx.get(unitStatesFact), 'pve-firewall');
  const running = svc.active === 'active' && svc.enabled === 'enabled';
  ops.push({
    kind: 'service', id: 'service:pve-firewall', phase: 'restrict', controls, cutsAccess: true, unit: 'pve-firewall',
    action: running ? 'reload-or-restart' : 'enable-now',
    summary: running ? 'pve-firewall: load the new rules now (it would within 10 s anyway)' : 'pve-firewall: enable and start',
  });
  return ops;
}

