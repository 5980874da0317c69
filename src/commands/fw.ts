import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { groupClusters } from '../audit/run.js';
import { FILES, nodeFile } from '../collect/sources.js';
import { configNotice, ConfigError, loadConfigFile } from '../config/load.js';
import type { PvesecConfig } from '../config/schema.js';
import { batchSimulator, envSchema, parseJsonLines, runBatch } from '../engines/firewall/batch.js';
import { explainDecision, type Matrix, type MatrixCell } from '../engines/firewall/matrix.js';
import { acceptedOnAll, acceptedOnAny, portText, serviceText, type AddressClass, type Exposure, type ExposureService } from '../engines/firewall/exposure.js';
import { countAddresses, RangeSet, summarizeCidrs } from '../engines/firewall/ranges.js';
import { addressPolicy, nodeExposureFact, parseServiceSpec, standardServices } from '../model/facts/exposure.js';
import { describePacket, PacketError, parsePacket } from '../engines/firewall/packet.js';
import type { Decision } from '../engines/firewall/program.js';
import { FactContext, Unavailable, type ClusterModel } from '../model/fact.js';
import { nodeFirewallFact, reachabilityFact, type NodeFirewall } from '../model/facts/firewall.js';
import { clusterFirewallFact, hostFirewallFact } from '../model/facts/network.js';
import { collectOptions, defaultCollector, type Collector } from './audit.js';
import { processIO, writeFileAtomic, type CommandIO } from './io.js';
import { parseFormat, UsageError } from './options.js';
import { fsErrorText } from '../core/fs-errors.js';
import { sshOptions, type SshCliOptions } from './ssh-options.js';
import { clean } from '../report/text.js';
import { compareNode, withFiles, type Lockout, type NewExposure } from '../model/facts/firewall-change.js';
import { changeLines, exposureTable } from '../harden/fw-gate.js';

/**
 * `pvesec fw`: the firewall engine on the command line.
 *   fw matrix TARGET...                       reachability matrix of every node (text, json)
 *   fw exposure TARGET... [--service S]       exact accepted source sets per node and service
 *   fw simulate TARGET --from IP --port 22    one packet, its verdict and the rules that decided
 *   fw simulate --config-dir DIR --env env.json --packets FILE.jsonl   batch, the oracle's JSON lines
 *   fw check-change TARGET --cluster-fw NEW [--host-fw NODE=FILE]      would a change lock anyone out?
 */
export function registerFwCommand(program: Command): void {
  const fw = program.command('fw').description('simulate the firewall: reachability matrix, single packets, proposed changes');

  sshOptions(fw.command('matrix')
    .description('which source classes reach ssh, web, spice, corosync and migration on each node (one sampled address per class); the text names the deciding rule of each cell that needs attention (an admin or peer refused, a public or non-admin source accepted), --format json that of every cell')
    .argument('<target...>', 'ssh://[user@]host[:port], local, a bundle directory, or a .tar/.tar.gz/.tgz bundle'))
    .option('--config <file>', 'pvesec.yaml (admin_sources, non_admin_networks)')
    .option('--format <format>', 'text or json', 'text')
    .option('--output <file>', 'write to a file instead of stdout')
    .action(async (targets: string[], opts: FwOptions) => void (process.exitCode = await runFwMatrix(targets, opts, processIO())));

  sshOptions(fw.command('exposure')
    .description('exactly which source addresses each service accepts on each node (minimal CIDR lists, IPv4 and IPv6), with the deciding rules')
    .argument('<target...>', 'ssh://[user@]host[:port], local, a bundle directory, or a .tar/.tar.gz/.tgz bundle'))
    .option('--service <service>', 'ssh, web, spice, corosync, migration, or PORT/PROTO (e.g. 9100/tcp, 5900-5999/tcp); default: all five')
    .option('--config <file>', 'pvesec.yaml')
    .option('--format <format>', 'text or json', 'text')
    .option('--output <file>', 'write to a file instead of stdout')
    .action(async (targets: string[], opts: FwOptions) => void (process.exitCode = await runFwExposure(targets, opts, processIO())));

  sshOptions(fw.command('simulate')
    .description('decide one packet on a node (with the rule trace), or a batch of packets against a configuration directory')
    .argument('[target]', 'node to simulate (not with --config-dir)'))
    .option('--from <ip>', 'source address (inbound packet)')
    .option('--to <node>', 'node of the target to simulate (default: the only/first node)')
    .option('--dst <ip>', 'destination address (default: the node\'s address: corosync ring0, else its name in /etc/hosts)')
    .option('--proto <proto>', 'tcp, udp, icmp, icmpv6 or a protocol number', 'tcp')
    .option('--port <port>', 'destination port')
    .option('--sport <port>', 'source port', '40000')
    .option('--icmp-type <type>', 'icmp type name (echo-request, ...)')
    .option('--direction <dir>', 'in (to the node) or out (from the node)', 'in')
    .option('--iface <name>', 'interface the packet arrives on / leaves through', 'vmbr0')
    .option('--config-dir <dir>', 'batch mode: directory with cluster.fw, host.fw (optional) and corosync.conf (optional)')
    .option('--env <file>', 'batch mode: env.json {"node","host_ip","local_network","peers"}')
    .option('--packets <file>', 'batch mode: packets as JSON lines')
    .option('--config <file>', 'pvesec.yaml')
    .option('--format <format>', 'text or json', 'text')
    .option('--output <file>', 'write to a file instead of stdout')
    .action(async (target: string | undefined, opts: FwOptions) => void (process.exitCode = await runFwSimulate(target, opts, processIO())));

  sshOptions(fw.command('check-change')
    .description('compare every node\'s exact exposure before and after a proposed cluster.fw/host.fw; exit 1 if an admin address or a peer loses access')
    .argument('<target...>', 'the cluster\'s nodes (ssh://, local, bundles)'))
    .option('--cluster-fw <file>', 'proposed /etc/pve/firewall/cluster.fw')
    .option('--host-fw <node=file>', 'proposed host.fw of a node (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--config <file>', 'pvesec.yaml')
    .option('--format <format>', 'text or json', 'text')
    .action(async (targets: string[], opts: FwOptions) => void (process.exitCode = await runFwCheckChange(targets, opts, processIO())));
}

export interface FwOptions extends SshCliOptions {
  config?: string;
  service?: string;
  format?: string;
  output?: string;
  from?: string;
  to?: string;
  dst?: string;
  proto?: string;
  port?: string;
  sport?: string;
  icmpType?: string;
  direction?: string;
  iface?: string;
  configDir?: string;
  env?: string;
  packets?: string;
  clusterFw?: string;
  hostFw?: string[];
}

export interface FwDeps {
  collect?: Collector;
  now?: Date;
}

// ---------------------------------------------------------------- shared

interface NodeView {
  cluster: ClusterModel;
  ctx: FactContext;
}

function config(file: string | undefined, io: CommandIO): PvesecConfig {
  try {
    const loaded = loadConfigFile(file);
    const notice = configNotice(loaded);
    if (notice) io.err(notice);
    return loaded.config;
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message.split('\n').join('; '));
    throw e;
  }
}

/** Human-facing lines: node names, rule texts and comments of the node's files escaped (one function for all output). */
const textLines = (lines: string[]): string => lines.map(clean).join('\n') + '\n';

/** Collects the targets; a failed target is reported on stderr (exit 2 later). */
async function nodesOf(targets: string[], opts: FwOptions, io: CommandIO, deps: FwDeps, cfg: PvesecConfig): Promise<{ nodes: NodeView[]; failed: boolean }> {
  const collect = deps.collect ?? (await defaultCollector());
  const collected = await collect(targets, { ...collectOptions(opts), backupGlob: cfg.config_backup_glob });
  let failed = false;
  for (const r of collected) {
    if (r.error) {
      io.err(`pvesec: ${clean(r.error)}`);
      failed = true;
    }
  }
  const snapshots = collected.flatMap((r) => (r.snapshot ? [r.snapshot] : []));
  const now = deps.now ?? new Date();
  const nodes = groupClusters(snapshots).flatMap((cluster) => cluster.nodes.map((node) => ({ cluster, ctx: new FactContext(node, cluster, cfg, now) })));
  return { nodes, failed };
}

/** Lines Proxmox skips in the node's cluster.fw/host.fw, once each, on stderr (they change what is accepted). */
function reportDiagnostics(io: CommandIO, ctx: FactContext, printed: Set<string>): void {
  for (const d of [...(ctx.tryGet(clusterFirewallFact)?.diagnostics ?? []), ...(ctx.tryGet(hostFirewallFact)?.diagnostics ?? [])]) {
    const line = clean(`pvesec: ${d.file}:${d.line}: ${d.message}`);
    if (printed.has(line)) continue;
    printed.add(line);
    io.err(line);
  }
}

async function emit(text: string, opts: FwOptions, io: CommandIO): Promise<void> {
  if (opts.output === undefined) return io.out(text);
  await writeFileAtomic(opts.output, text);
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${what}: cannot read ${file}: ${fsErrorText(e)}`);
  }
}

function portJson(d: Decision) {
  const r = d.rule;
  return {
    verdict: d.verdict,
    rule: r?.text ?? d.reason,
    ...(r?.origin ? { origin: { file: r.origin.file, line: r.origin.line, text: r.origin.text } } : {}),
    ...(r?.note ? { note: r.note } : {}),
    ...(d.assumptions.length ? { assumptions: d.assumptions } : {}),
  };
}

// ---------------------------------------------------------------- matrix

export async function runFwMatrix(targets: string[], opts: FwOptions, io: CommandIO, deps: FwDeps = {}): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json']);
  const cfg = config(opts.config, io);
  const { nodes, failed } = await nodesOf(targets, opts, io, deps, cfg);
  const out: { node: string; fw?: NodeFirewall; matrix?: Matrix; error?: string }[] = [];
  const printed = new Set<string>();
  for (const { ctx } of nodes) {
    reportDiagnostics(io, ctx, printed);
    try {
      out.push({ node: ctx.node.name, fw: ctx.get(nodeFirewallFact), matrix: ctx.get(reachabilityFact) });
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      io.err(clean(`pvesec: ${ctx.node.name}: no reachability matrix: ${e.reason}`));
      out.push({ node: ctx.node.name, error: e.reason });
    }
  }
  await emit(format === 'json' ? matrixJson(out) : out.map(matrixText).join('\n'), opts, io);
  return failed || out.some((o) => o.error) ? 2 : 0;
}

function matrixJson(out: { node: string; fw?: NodeFirewall; matrix?: Matrix; error?: string }[]): string {
  return JSON.stringify({
    schema: 'pvesec.fw-matrix/v1',
    nodes: out.map((o) => (o.error ? { node: o.node, error: o.error } : {
      node: o.node, manager: o.fw!.manager, description: o.fw!.description, assumptions: o.fw!.assumptions,
      cells: o.matrix!.cells.map((c) => ({
        source: { kind: c.source.kind, label: c.source.label, address: c.source.address, family: c.source.family, origin: c.source.origin },
        service: c.service.name, proto: c.service.proto, verdict: c.verdict,
        ports: c.ports.map((p) => ({ port: p.port, ...portJson(p.decision) })),
      })),
    })),
  }, null, 2) + '\n';
}

function matrixText(o: { node: string; fw?: NodeFirewall; matrix?: Matrix; error?: string }): string {
  if (o.error) return textLines([`${o.node}: no reachability matrix (${o.error})`]);
  const m = o.matrix!;
  const lines = [`${o.node}: ${o.fw!.description}`];
  for (const a of o.fw!.assumptions) lines.push(`  note: ${a}`);
  const header = ['source', 'address', ...m.services.map((s) => `${s.name} ${s.proto}/${s.ports.join('-')}`)];
  const rows = m.sources.map((s) => [s.label, s.address, ...m.services.map((svc) => m.cells.find((c) => c.source === s && c.service === svc)!.verdict)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => '  ' + r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  // Why each refused admin/peer cell and each accepted public/non-admin cell came out as it did.
  const needed = (c: MatrixCell) => (c.source.kind === 'admin' && (c.service.name === 'ssh' || c.service.name === 'web'))
    || (c.source.kind === 'peer' && c.service.name !== 'web' && c.service.name !== 'spice');
  const notable = m.cells.filter((c) => (needed(c) && c.verdict !== 'ACCEPT')
    || ((c.source.kind === 'public' || c.source.kind === 'non-admin') && c.verdict !== 'DROP' && c.verdict !== 'REJECT'));
  if (notable.length) lines.push('  deciding rules:');
  for (const c of notable) lines.push(`    ${cellLine(c)}`);
  return textLines(lines);
}

function cellLine(c: MatrixCell): string {
  return c.ports.map((p) => `${c.service.proto}/${p.port} from ${c.source.label} (${c.source.address}): ${p.verdict} by ${explainDecision(p.decision)}`).join('; ');
}

// ---------------------------------------------------------------- simulate

export async function runFwSimulate(target: string | undefined, opts: FwOptions, io: CommandIO, deps: FwDeps = {}): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json']);
  if (opts.configDir !== undefined || opts.packets !== undefined || opts.env !== undefined) return runBatchMode(target, opts, io, deps);
  if (!target) throw new UsageError('fw simulate: give a target (or --config-dir DIR --env env.json --packets FILE.jsonl for batch mode)');
  if (opts.from === undefined && opts.direction !== 'out') throw new UsageError('fw simulate: --from IP is required (the source of the inbound packet)');
  const cfg = config(opts.config, io);
  const { nodes, failed } = await nodesOf([target], opts, io, deps, cfg);
  if (failed || !nodes.length) return 2;
  const view = opts.to === undefined ? nodes[0] : nodes.find((n) => n.ctx.node.name === opts.to);
  if (!view) throw new UsageError(`fw simulate: --to ${opts.to}: no such node in ${target} (nodes: ${nodes.map((n) => n.ctx.node.name).join(', ')})`);
  let fw: NodeFirewall;
  reportDiagnostics(io, view.ctx, new Set());
  try {
    fw = view.ctx.get(nodeFirewallFact);
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    io.err(clean(`pvesec: ${view.ctx.node.name}: cannot simulate: ${e.reason}`));
    return 2;
  }
  if (opts.from !== undefined && opts.dst === undefined && opts.from.includes(':') && (opts.direction ?? 'in') === 'in') {
    throw new UsageError('fw simulate: --from is an IPv6 address: give --dst with the node\'s IPv6 address');
  }
  const proto = opts.proto ?? 'tcp';
  const isIcmp = proto === 'icmp' || proto === 'icmpv6';
  const own = fw.hostIp;
  const inbound = (opts.direction ?? 'in') === 'in';
  let packet;
  try {
    packet = parsePacket({
      direction: opts.direction ?? 'in',
      src: inbound ? opts.from : (opts.from ?? own),
      dst: inbound ? (opts.dst ?? own) : opts.dst,
      proto,
      ...(opts.port !== undefined ? { dport: opts.port } : {}),
      ...(!isIcmp && opts.sport !== undefined ? { sport: opts.sport } : {}),
      ...(opts.icmpType !== undefined ? { icmp_type: opts.icmpType } : {}),
      iface: opts.iface ?? 'vmbr0',
    });
  } catch (e) {
    if (e instanceof PacketError) throw new UsageError(`fw simulate: ${e.message.replace(/^packet: field "(\w+)"/, (_, f: string) => `--${optionOf(f)}`)}`);
    throw e;
  }
  const d = fw.sim.decide(packet);
  if (format === 'json') {
    await emit(JSON.stringify({
      node: view.ctx.node.name, manager: fw.manager, packet: describePacket(packet), ...portJson(d),
      trace: d.trace.map((r) => ({ chain: r.chain, index: r.index, rule: r.text, ...(r.origin ? { origin: r.origin } : {}), ...(r.note ? { note: r.note } : {}) })),
    }, null, 2) + '\n', opts, io);
    return 0;
  }
  const lines = [`${view.ctx.node.name} (${fw.description})`, `packet: ${describePacket(packet)}`, `verdict: ${d.verdict} by ${explainDecision(d)}`];
  if (d.trace.length) lines.push('trace:');
  for (const r of d.trace) lines.push(`  ${r.chain} #${r.index}: ${r.text}${r.origin ? `   <- ${r.origin.file}:${r.origin.line}` : ''}${r.note ? `   (${r.note})` : ''}`);
  for (const a of [...d.assumptions, ...fw.assumptions]) lines.push(`note: ${a}`);
  await emit(textLines(lines), opts, io);
  return 0;
}

const optionOf = (field: string) => ({ src: 'from', dst: 'dst', dport: 'port', sport: 'sport', icmp_type: 'icmp-type', proto: 'proto', direction: 'direction', iface: 'iface' } as Record<string, string>)[field] ?? field;

async function runBatchMode(target: string | undefined, opts: FwOptions, io: CommandIO, deps: FwDeps): Promise<number> {
  if (target !== undefined) throw new UsageError('fw simulate: batch mode (--config-dir) takes no target');
  for (const [name, v] of [['--config-dir', opts.configDir], ['--env', opts.env], ['--packets', opts.packets]] as const) {
    if (v === undefined) throw new UsageError(`fw simulate: batch mode needs ${name} (--config-dir DIR --env env.json --packets FILE.jsonl)`);
  }
  const dir = opts.configDir!;
  const optional = (name: string) => (fs.existsSync(path.join(dir, name)) ? readText(path.join(dir, name), '--config-dir') : undefined);
  let env;
  try {
    env = envSchema().parse(JSON.parse(readText(opts.env!, '--env')));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const issue = (e as { issues?: { path: (string | number)[]; message: string }[] }).issues?.[0];
    throw new UsageError(`--env ${opts.env}: ${issue ? `field "${issue.path.join('.')}": ${issue.message}` : (e as Error).message}`);
  }
  const clusterFw = optional('cluster.fw');
  if (clusterFw === undefined) throw new UsageError(`--config-dir ${dir}: no cluster.fw`);
  const files = { clusterFw, hostFw: optional('host.fw'), corosyncConf: optional(env.corosync ?? 'corosync.conf') };
  if (env.corosync !== undefined && files.corosyncConf === undefined) throw new UsageError(`--env: corosync file ${env.corosync} not found in ${dir}`);
  const { sim, diagnostics } = batchSimulator(files, env, { now: deps.now });
  for (const d of diagnostics) io.err(clean(`pvesec: ${path.join(dir, path.basename(d.file))}:${d.line}: ${d.message}`));
  let results;
  try {
    results = runBatch(sim, parseJsonLines(readText(opts.packets!, '--packets'), opts.packets));
  } catch (e) {
    if (e instanceof PacketError) throw new UsageError(`${e.message.startsWith(opts.packets!) ? '' : `${opts.packets}: `}${e.message}`);
    throw e;
  }
  await emit(results.map((r) => JSON.stringify(r)).join('\n') + (results.length ? '\n' : ''), opts, io);
  return 0;
}

// ---------------------------------------------------------------- exposure

interface ServiceExposure {
  service: ExposureService;
  family: 4 | 6;
  exposure: Exposure;
  destination: string;
}

interface NodeExposureOut {
  node: string;
  fw?: NodeFirewall;
  notes: string[];
  services: ServiceExposure[];
  error?: string;
}

export async function runFwExposure(targets: string[], opts: FwOptions, io: CommandIO, deps: FwDeps = {}): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json']);
  if (opts.service !== undefined && !parseServiceSpec(opts.service, standardServices('iptables', { name: 'ssh', proto: 'tcp', ports: [[22, 22]] }))) {
    throw new UsageError(`--service: "${opts.service}" is not ssh, web, spice, corosync, migration or PORT/PROTO (e.g. 9100/tcp, 5900-5999/tcp)`);
  }
  const cfg = config(opts.config, io);
  const { nodes, failed } = await nodesOf(targets, opts, io, deps, cfg);
  const out: NodeExposureOut[] = [];
  const printed = new Set<string>();
  for (const { ctx } of nodes) {
    reportDiagnostics(io, ctx, printed);
    try {
      const nx = ctx.get(nodeExposureFact);
      const services = opts.service !== undefined ? [parseServiceSpec(opts.service, nx.services)!] : Object.values(nx.services);
      const list: ServiceExposure[] = [];
      for (const service of services) {
        for (const family of [4, 6] as const) {
          if (service === nx.ssh.service && !nx.ssh.families.includes(family)) continue;
          const destination = (service === nx.ssh.service ? nx.ssh.listen[family] : undefined) ?? nx.destination(family).dst;
          list.push({ service, family, destination, exposure: nx.of(service, family) });
        }
      }
      const notes = [...nx.fw.assumptions, ...(nx.ssh.note ? [nx.ssh.note] : [])];
      for (const family of [4, 6] as const) if (!nx.destination(family).known) notes.push(`the node's IPv${family} address is unknown: packets are addressed to ${nx.destination(family).dst}`);
      out.push({ node: ctx.node.name, fw: nx.fw, notes, services: list });
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      io.err(`pvesec: ${ctx.node.name}: no exposure: ${e.reason}`);
      out.push({ node: ctx.node.name, notes: [], services: [], error: e.reason });
    }
  }
  await emit(format === 'json' ? exposureJson(out) : out.map(exposureText).join('\n'), opts, io);
  return failed || out.some((o) => o.error) ? 2 : 0;
}

const VERDICT_WORD = { ACCEPT: 'accepted', DROP: 'dropped', REJECT: 'rejected' } as const;

function exposureText(o: NodeExposureOut): string {
  if (o.error) return `${o.node}: no exposure (${o.error})\n`;
  const lines = [`${o.node}: ${o.fw!.description}`];
  for (const n of o.notes) lines.push(`  note: ${n}`);
  for (const s of o.services) {
    lines.push(`  ${s.service.name} ${serviceText(s.service)} IPv${s.family} (to ${s.destination}):`);
    const multi = s.exposure.segments.length > 1;
    for (const seg of s.exposure.segments) {
      const indent = multi ? '      ' : '    ';
      if (multi) lines.push(`    ${portText(s.service.proto, seg.from, seg.to)}:`);
      const accepted = seg.classes.filter((c) => c.verdict === 'ACCEPT');
      const others = seg.classes.filter((c) => c.verdict !== 'ACCEPT');
      const acc = accepted.reduce((set, c) => set.union(c.set), RangeSet.empty(s.family));
      const rest = [...new Set(others.map((c) => VERDICT_WORD[c.verdict]))].join(' or ');
      lines.push(acc.isEmpty()
        ? `${indent}accepted from: nothing; everything ${rest}`
        : `${indent}accepted from: ${acc.cidrs().join(', ')}${others.length ? `; everything else ${rest}` : ' (every address)'}`);
      // The largest refused class is named "everything else" and printed last.
      const largest = others.reduce<AddressClass | undefined>((m, c) => (!m || c.set.size() > m.set.size() ? c : m), undefined);
      const ordered = [...accepted, ...others.filter((c) => c !== largest), ...(largest ? [largest] : [])];
      for (const c of ordered) {
        const who = c !== largest ? summarizeCidrs(c.set) : ordered.length === 1 ? 'every address' : 'everything else';
        lines.push(`${indent}  ${c.verdict.padEnd(6)} ${who} (${countAddresses(c.set.size())}) by ${explainDecision(c.decision)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

function exposureJson(out: NodeExposureOut[]): string {
  return JSON.stringify({
    schema: 'pvesec.fw-exposure/v1',
    nodes: out.map((o) => (o.error ? { node: o.node, error: o.error } : {
      node: o.node, manager: o.fw!.manager, description: o.fw!.description, notes: o.notes,
      services: o.services.map((s) => ({
        service: s.service.name, proto: s.service.proto, ports: s.service.ports, family: s.family, destination: s.destination,
        held_fixed: { destination: s.destination, input_interface: s.exposure.probe.iface, source_port: s.exposure.probe.sport, state: 'NEW' },
        accepted_on_any_port: acceptedOnAny(s.exposure).cidrs(),
        accepted_on_every_port: acceptedOnAll(s.exposure).cidrs(),
        segments: s.exposure.segments.map((seg) => ({
          from: seg.from, to: seg.to,
          classes: seg.classes.map((c) => ({ cidrs: c.set.cidrs(), addresses: c.set.size().toString(), ...portJson(c.decision) })),
        })),
      })),
    })),
  }, null, 2) + '\n';
}

// ---------------------------------------------------------------- check-change

export async function runFwCheckChange(targets: string[], opts: FwOptions, io: CommandIO, deps: FwDeps = {}): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json']);
  if (opts.clusterFw === undefined && !opts.hostFw?.length) throw new UsageError('fw check-change: give --cluster-fw FILE and/or --host-fw NODE=FILE');
  const replacements = new Map<string, string>();
  if (opts.clusterFw !== undefined) replacements.set(FILES.clusterFw, readText(opts.clusterFw, '--cluster-fw'));
  for (const spec of opts.hostFw ?? []) {
    const m = /^([A-Za-z0-9][A-Za-z0-9.-]*)=(.+)$/.exec(spec);
    if (!m) throw new UsageError(`--host-fw: "${spec}" is not NODE=FILE`);
    replacements.set(nodeFile(m[1], 'host.fw'), readText(m[2], '--host-fw'));
  }
  const cfg = config(opts.config, io);
  const { nodes, failed } = await nodesOf(targets, opts, io, deps, cfg);
  if (failed || !nodes.length) return 2;
  for (const spec of opts.hostFw ?? []) {
    const node = spec.split('=')[0];
    if (!nodes.some((n) => n.ctx.node.name === node)) throw new UsageError(`--host-fw: no node ${node} among the targets (${nodes.map((n) => n.ctx.node.name).join(', ')})`);
  }
  const now = deps.now ?? new Date();
  const after = groupClusters(nodes.map((n) => withFiles(n.ctx.snapshot, replacements)));
  const lockouts: Lockout[] = [];
  const exposed: NewExposure[] = [];
  const printed = new Set<string>();
  const tables: string[] = [];
  let unavailable = false;
  for (const { ctx } of nodes) {
    const newNode = after.flatMap((c) => c.nodes.map((node) => ({ c, node }))).find((x) => x.node.name === ctx.node.name)!;
    const newCtx = new FactContext(newNode.node, newNode.c, cfg, now);
    try {
      const before = ctx.get(nodeExposureFact);
      const next = newCtx.get(nodeExposureFact);
      reportIgnored(io, replacements, newCtx, printed);
      // Who must keep access, and what must not be exposed, is decided on the CURRENT state and pvesec.yaml:
      // a proposed file that drops or mistypes [IPSET management] must not redefine who the admins are.
      const policy = addressPolicy(ctx);
      compareNode(ctx, before, next, policy, lockouts, exposed);
      tables.push(`${ctx.node.name}: accepted before -> after (~ changed)`, ...exposureTable(before, next).map((l) => `  ${l}`));
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      io.err(clean(`pvesec: ${ctx.node.name}: cannot compare: ${e.reason}`));
      unavailable = true;
    }
  }
  if (format === 'json') {
    await io.out(JSON.stringify({
      schema: 'pvesec.fw-change/v2', lockout: lockouts.length > 0,
      lockouts: lockouts.map((l) => ({ node: l.node, who: l.who, service: l.service.name, proto: l.service.proto, ports: l.ports, family: l.family, lost: l.lost.cidrs(), addresses: l.lost.size().toString(), after: portJson(l.after) })),
      exposed: exposed.map((x) => ({ node: x.node, service: x.service.name, proto: x.service.proto, ports: x.ports, family: x.family, cidrs: x.set.cidrs(), addresses: x.set.size().toString(), after: portJson(x.after) })),
    }, null, 2) + '\n');
  } else {
    await io.out(textLines([...tables, ...changeLines(lockouts, exposed)]));
  }
  if (unavailable) return 2;
  return lockouts.length ? 1 : 0;
}

/** Rules Proxmox would silently skip in a proposed file are a lockout risk of their own (FW-08). */
function reportIgnored(io: CommandIO, replaced: Map<string, string>, ctx: FactContext, printed: Set<string>): void {
  const diags = [...(ctx.tryGet(clusterFirewallFact)?.diagnostics ?? []), ...(ctx.tryGet(hostFirewallFact)?.diagnostics ?? [])];
  for (const d of diags) {
    const key = `${d.file}:${d.line}`;
    if (!replaced.has(d.file) || printed.has(key)) continue;
    printed.add(key);
    io.err(clean(`pvesec: proposed ${d.file}:${d.line}: ${d.message}`));
  }
}
