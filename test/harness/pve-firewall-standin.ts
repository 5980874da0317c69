/**
 * The pve-firewall STAND-IN of the test hosts (they have no Proxmox). It is not Proxmox's compiler: it
 * compiles a node's cluster.fw and host.fw with pvesec's OWN engine (src/engines/firewall/pve-iptables.ts)
 * into iptables-restore input and loads it into the host's netfilter, so the plumbing (files written in a
 * transaction, `pve-firewall compile` as a validator, a reload of pve-firewall.service, reverts) and
 * "real netfilter agrees with the simulator" can be tested with real packets. Whether the engine agrees
 * with Proxmox's own compiler is what the oracle tests prove (src/engines/firewall/oracle.test.ts).
 *
 * Test hosts have no Node.js, so the compiler runs here, in the test process:
 * - on the host: /usr/sbin/pve-firewall (sh) drops a request file in /run/pve-firewall-standin and
 *   waits for the answer; pve-firewall.service (oneshot) calls it for start/reload/stop;
 * - here: a poll loop reads the host's files through /proc/<its init>/root (no exec per poll), answers
 *   requests, and, like the real daemon (every 10 s), recompiles and reloads whenever a file changed
 *   while the service runs; cluster.fw written on one host of the cluster is copied to the others,
 *   as pmxcfs would.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClusterFw, parseHostFw } from '../../src/parse/pve-fw.js';
import { parseCorosyncConf } from '../../src/parse/corosync.js';
import { compilePveIptables } from '../../src/engines/firewall/pve-iptables.js';
import { corosyncTopology, type PveEnvironment } from '../../src/engines/firewall/pve-common.js';
import type { Program, Rule } from '../../src/engines/firewall/program.js';
import { rangeToCidrs } from '../../src/parse/ip-address.js';
import { execIn, TH_VAR, type Host } from './hosts.js';

const REQ_DIR = '/run/pve-firewall-standin';

/** /usr/sbin/pve-firewall on a test host: asks the harness and prints its answer. */
export const STANDIN_SCRIPT = `#!/bin/sh
# pve-firewall STAND-IN of the pvesec tests (not Proxmox's): the test harness compiles this node's
# /etc/pve/firewall/cluster.fw and host.fw with pvesec's own engine and loads them into netfilter.
# Usage: pve-firewall compile|start|restart|stop|status
D=${REQ_DIR}
case "$1" in compile|start|restart|stop|status) ;; *) echo "usage: pve-firewall compile|start|restart|stop|status" >&2; exit 2 ;; esac
mkdir -p "$D" || exit 2
[ "$1" = stop ] && rm -f "$D/running"
n="$(date +%s%N).$$"
printf '%s\\n' "$1" > "$D/tmp.$n" && mv "$D/tmp.$n" "$D/req.$n" || exit 2
i=0
while [ ! -f "$D/rep.$n" ]; do
  i=$((i + 1))
  [ $i -gt 300 ] && { rm -f "$D/req.$n"; echo "pve-firewall stand-in: the test harness did not answer within 30 s" >&2; exit 2; }
  sleep 0.1
done
rc=$(head -n 1 "$D/rep.$n")
tail -n +2 "$D/rep.$n"
rm -f "$D/rep.$n"
[ "$rc" = 0 ] && case "$1" in start|restart) touch "$D/running" ;; esac
exit "$rc"
`;

export const STANDIN_UNIT = `[Unit]
Description=pve-firewall STAND-IN of the pvesec tests (the test harness compiles and loads the rules)
After=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/pve-firewall start
ExecReload=/usr/sbin/pve-firewall restart
ExecStop=/usr/sbin/pve-firewall stop

[Install]
WantedBy=multi-user.target
`;

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp' };

function cidrsOf(rule: Rule, dir: 'src' | 'dst', family: 4 | 6): string[] {
  const set = rule[dir]?.set;
  if (!set) throw new Error(`${rule.text}: ipset match without a resolved set`);
  return set.intervals(family).flatMap(([from, to]) => rangeToCidrs(family, from, to));
}

/**
 * One rule of the compiled program as iptables-restore lines. The engine keeps each rule's text as
 * iptables-save prints pve-firewall's rules; the stand-in hosts have no ipset, so `-m set --match-set`
 * becomes the set's CIDRs (`-s a,b,...`, which iptables expands into one rule per address; an empty set
 * matches nothing and the rule is left out).
 */
export function restoreLines(rule: Rule, family: 4 | 6): string[] {
  if (rule.opaque?.length) throw new Error(`${rule.text}: conditions the stand-in cannot express (${rule.opaque.join(', ')})`);
  let text = rule.text;
  for (const dir of ['src', 'dst'] as const) {
    const re = new RegExp(`(! )?-m set (! )?--match-set \\S+ ${dir}`);
    const m = re.exec(text);
    if (!m) continue;
    const cidrs = cidrsOf(rule, dir, family);
    const neg = !!(m[1] || m[2]);
    if (!cidrs.length) {
      if (neg) text = text.replace(m[0], '').replace(/\s+/g, ' ');
      else return [];
      continue;
    }
    if (neg && cidrs.length > 1) throw new Error(`${rule.text}: a negated set of ${cidrs.length} networks`);
    text = text.replace(m[0], `${neg ? '! ' : ''}${dir === 'src' ? '-s' : '-d'} ${cidrs.join(',')}`);
  }
  if (family === 6) {
    // the engine shares pve-firewall's standard chains between the families; ip6tables takes no IPv4
    // address nor broadcast type (PVEFW-smurfs is only jumped to in IPv4) and has its own icmp6 reject types
    if (/ -[sd] \d+\.\d+\.\d+\.\d+|--(src|dst)-type BROADCAST/.test(text)) return [];
    text = text.replace('--reject-with icmp-port-unreachable', '--reject-with icmp6-port-unreachable').replace('--reject-with icmp-host-prohibited', '--reject-with icmp6-adm-prohibited');
  }
  return [text.trim()];
}

/** The filter table of a compiled pve-firewall program as iptables-restore input. */
export function restoreInput(program: Program): string {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  const builtin = new Set(['INPUT', 'FORWARD', 'OUTPUT']);
  const chains = [...program.chains.values()];
  const targets = new Set(chains.flatMap((c) => c.rules.flatMap((r) => (r.target.kind === 'MARK_RETURN' ? ['PVEFW-SET-ACCEPT-MARK'] : []))));
  for (const c of chains) if (!builtin.has(c.name)) lines.push(`:${c.name} - [0:0]`);
  const markChain = targets.has('PVEFW-SET-ACCEPT-MARK') && !program.chains.has('PVEFW-SET-ACCEPT-MARK');
  if (markChain) lines.push(':PVEFW-SET-ACCEPT-MARK - [0:0]');
  for (const c of chains) for (const r of c.rules) lines.push(...restoreLines(r, program.family));
  if (markChain) lines.push('-A PVEFW-SET-ACCEPT-MARK -j MARK --set-xmark 0x80000000/0x80000000');
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** What the stand-in needs of one host: its files and its own address and network. */
export interface StandInInputs {
  node: string;
  clusterFw?: string;
  hostFw?: string;
  corosyncConf?: string;
  hostIp: string;
  localNetwork: string;
  now?: Date;
}

export interface Compiled {
  v4: string;
  v6: string;
  /** Rules Proxmox would skip, `file:line: message` (the stand-in's compile fails on them: stricter than Proxmox). */
  warnings: string[];
  /** Why nothing is filtered (datacenter firewall off, host.fw enable: 0), if so. */
  unfiltered?: string;
}

export function compileStandIn(i: StandInInputs): Compiled {
  const clusterFile = '/etc/pve/firewall/cluster.fw';
  const hostFile = `/etc/pve/nodes/${i.node}/host.fw`;
  const cluster = parseClusterFw(i.clusterFw ?? '', clusterFile);
  const host = i.hostFw === undefined ? undefined : parseHostFw(i.hostFw, hostFile, cluster.value);
  const corosync = i.corosyncConf === undefined ? undefined : corosyncTopology(parseCorosyncConf(i.corosyncConf).value);
  const env: PveEnvironment = { node: i.node, hostIp: i.hostIp, localNetwork: i.localNetwork, corosync, now: i.now ?? new Date() };
  const cfg = { cluster: cluster.value, host: host?.value };
  const p4 = compilePveIptables(cfg, env, 4);
  const p6 = compilePveIptables(cfg, env, 6);
  const warnings = [...cluster.diagnostics, ...(host?.diagnostics ?? [])].map((d) => `${d.file}:${d.line}: ${d.message}`);
  const empty = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
  // host.fw enable: 0 removes the host chains: nothing filtered
  const hostOff = host?.value.options.get('enable')?.value === 0 ? `${hostFile} has enable: 0` : undefined;
  const unfiltered = p4.unfiltered ?? hostOff;
  return { v4: unfiltered ? empty : restoreInput(p4), v6: unfiltered ? empty : restoreInput(p6), warnings, unfiltered };
}

/** One test host the stand-in serves. */
interface Served {
  host: Host;
  localNetwork: string;
  loaded?: string;
}

/**
 * Serves a set of test hosts. `cluster`: the hosts share /etc/pve/firewall/cluster.fw (pmxcfs): a change
 * written on one is copied to the others.
 */
export class PveFirewallStandIn {
  private readonly served: Served[];
  private timer?: NodeJS.Timeout;
  private busy = false;
  private sharedClusterFw?: string;
  /** Every load, for tests: host name and the IPv4 input loaded. */
  readonly loads: { host: string; at: number; v4: string }[] = [];
  readonly errors: string[] = [];

  constructor(hosts: Host[], private readonly opts: { cluster?: boolean; localNetwork?: string } = {}) {
    this.served = hosts.map((host) => ({ host, localNetwork: opts.localNetwork ?? `${host.ip.split('.').slice(0, 3).join('.')}.0/24` }));
  }

  /** Installs the stand-in script and unit on every host (enabled, not started). */
  async install(): Promise<void> {
    for (const s of this.served) {
      const r = await execIn(s.host, ['sh', '-c', `mkdir -p /usr/sbin /etc/systemd/system /etc/pve/firewall /etc/pve/nodes/${s.host.name}
cat > /usr/sbin/pve-firewall <<'EOF'
${STANDIN_SCRIPT}EOF
chmod 755 /usr/sbin/pve-firewall
cat > /etc/systemd/system/pve-firewall.service <<'EOF'
${STANDIN_UNIT}EOF
systemctl daemon-reload && systemctl enable pve-firewall.service 2>&1`]);
      if (r.code !== 0) throw new Error(`${s.host.name}: installing the pve-firewall stand-in failed: ${r.stderr}${r.stdout}`);
    }
  }

  start(intervalMs = 200): void {
    this.timer = setInterval(() => void this.poll(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private root(s: Served): string | undefined {
    try {
      const pid = readFileSync(join(TH_VAR, 'hosts', s.host.name, 'init.pid'), 'utf8').trim();
      const root = `/proc/${pid}/root`;
      return existsSync(`${root}/etc/hostname`) ? root : undefined;
    } catch {
      return undefined;
    }
  }

  private read(root: string, path: string): string | undefined {
    try {
      return readFileSync(`${root}${path}`, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** The compiled rules of a host as they are now. */
  compile(s: Served, root: string): Compiled {
    return compileStandIn({
      node: s.host.name,
      clusterFw: this.read(root, '/etc/pve/firewall/cluster.fw'),
      hostFw: this.read(root, `/etc/pve/nodes/${s.host.name}/host.fw`),
      corosyncConf: this.read(root, '/etc/pve/corosync.conf'),
      hostIp: s.host.ip,
      localNetwork: s.localNetwork,
    });
  }

  private async load(s: Served, c: Compiled): Promise<string | undefined> {
    for (const [cmd, input] of [['iptables-restore', c.v4], ['ip6tables-restore', c.v6]] as const) {
      const r = await execIn(s.host, [cmd], { input, timeoutMs: 15_000 });
      if (r.code !== 0) return `${cmd} failed: ${r.stderr.trim()}`;
    }
    s.loaded = c.v4 + c.v6;
    this.loads.push({ host: s.host.name, at: Date.now(), v4: c.v4 });
    return undefined;
  }

  private replicate(): void {
    if (!this.opts.cluster) return;
    const roots = this.served.map((s) => this.root(s));
    const texts = roots.map((r) => (r ? this.read(r, '/etc/pve/firewall/cluster.fw') : undefined));
    const changed = texts.find((t) => t !== undefined && t !== this.sharedClusterFw);
    if (changed === undefined) return;
    this.sharedClusterFw = changed;
    roots.forEach((r, i) => {
      if (!r || texts[i] === changed) return;
      const tmp = `${r}/etc/pve/firewall/.standin-replica`;
      writeFileSync(tmp, changed);
      renameSync(tmp, `${r}/etc/pve/firewall/cluster.fw`);
    });
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.replicate();
      for (const s of this.served) {
        const root = this.root(s);
        if (!root) continue;
        const dir = `${root}${REQ_DIR}`;
        const requests = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('req.')).sort() : [];
        for (const req of requests) {
          const cmd = (this.read(root, `${REQ_DIR}/${req}`) ?? '').trim();
          rmSync(`${dir}/${req}`, { force: true });
          const { rc, out } = await this.answer(s, root, cmd);
          mkdirSync(dir, { recursive: true });
          writeFileSync(`${dir}/tmp-${req}`, `${rc}\n${out}`);
          renameSync(`${dir}/tmp-${req}`, `${dir}/rep.${req.slice(4)}`);
        }
        // the daemon: reload when the files changed while it runs
        if (existsSync(`${dir}/running`)) {
          const c = this.compile(s, root);
          if (c.v4 + c.v6 !== s.loaded) {
            const err = await this.load(s, c);
            if (err) this.errors.push(`${s.host.name}: ${err}`);
          }
        }
      }
    } catch (e) {
      this.errors.push(String(e));
    } finally {
      this.busy = false;
    }
  }

  private async answer(s: Served, root: string, cmd: string): Promise<{ rc: number; out: string }> {
    let c: Compiled;
    try {
      c = this.compile(s, root);
    } catch (e) {
      return { rc: 1, out: `pve-firewall stand-in: cannot compile: ${String(e)}\n` };
    }
    switch (cmd) {
      case 'compile': {
        if (c.warnings.length) return { rc: 1, out: c.warnings.map((w) => `${w}\n`).join('') };
        const test = await execIn(s.host, ['iptables-restore', '--test'], { input: c.v4 });
        if (test.code !== 0) return { rc: 1, out: `iptables-restore --test rejects the compiled rules: ${test.stderr}` };
        return { rc: 0, out: c.unfiltered ? `firewall disabled: ${c.unfiltered}\n` : c.v4 };
      }
      case 'start':
      case 'restart': {
        const err = await this.load(s, c);
        return err ? { rc: 1, out: `${err}\n` } : { rc: 0, out: '' };
      }
      case 'stop': {
        const err = await this.load(s, { ...c, v4: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n', v6: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' });
        return err ? { rc: 1, out: `${err}\n` } : { rc: 0, out: '' };
      }
      case 'status':
        return { rc: 0, out: `Status: ${c.unfiltered ? 'disabled' : 'enabled'}/${existsSync(`${root}${REQ_DIR}/running`) ? 'running' : 'stopped'}\n` };
      default:
        return { rc: 2, out: `unknown command ${cmd}\n` };
    }
  }
}
