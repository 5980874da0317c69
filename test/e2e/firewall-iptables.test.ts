/**
 * End to end: the firewall engine against the real kernel. A test host gets hand-written iptables
 * rules the way the hardening guides write them (bastion and cluster peer on 22, the web UI open,
 * everything else dropped; then the web UI restricted to the admin workstation). The engine reads
 * the host's own `iptables-save` / `ip6tables-save` and predicts, for each client namespace and
 * port, what happens; then each client really connects. Prediction and reality must agree.
 * Test hosts: node f110 (10.77.0.110); clients fbastion .120, fws .121 (workstation), fpeer .122
 * (another cluster node), fout .123 (someone else on the network).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exactExposure } from '../../src/engines/firewall/exposure.js';
import { netfilterSimulator } from '../../src/engines/firewall/netfilter.js';
import { parseIp } from '../../src/parse/ip-address.js';
import { parsePacket } from '../../src/engines/firewall/packet.js';
import type { Simulator } from '../../src/engines/firewall/simulator.js';
import { parseIptablesSave } from '../../src/parse/iptables-save.js';
import { claimBlock, downAll, e2eSkipReason, keys, mustExecIn, runInClient, upClient, upHost, type Host } from '../harness/hosts.js';

import { expectedOutcome, probe, type Outcome } from '../harness/tcp-probe.js';

const skip = e2eSkipReason();



/** Reads the live ruleset from the host and compiles it. */
async function engineFor(node: Host): Promise<Simulator> {
  const v4 = parseIptablesSave(await mustExecIn(node, 'iptables-save'), 'iptables-save', 'ip').value;
  const v6 = parseIptablesSave(await mustExecIn(node, 'ip6tables-save'), 'ip6tables-save', 'ip6').value;
  return netfilterSimulator([v4], [v6], node.ip);
}

const v6Of = (h: Host) => `fd77::${h.octet}`;

describe('hand-written iptables rules: the engine predicts what the kernel does (e2e)', { skip, timeout: 900_000 }, () => {
  let node: Host;
  let bastion: Host;
  let ws: Host;
  let peer: Host;
  let outsider: Host;
  let clients: Host[];
  /** Ports probed: ssh and the (fake) web UI listen (the latter on IPv4 only), 3128 does not. */
  const PORTS = [22, 8006, 3128];

  /** Whether something listens on the port for the family, from the host's own `ss -ltn`. */
  async function listening(port: number, family: 4 | 6): Promise<boolean> {
    const lines = (await mustExecIn(node, 'ss -Hltn')).split('\n').map((l) => l.trim().split(/\s+/)[3] ?? '');
    return lines.some((local) => {
      if (!local.endsWith(`:${port}`)) return false;
      const addr = local.slice(0, -(`:${port}`.length));
      return addr === '*' || (family === 4 ? !addr.includes(':') || addr === '[::ffff:0.0.0.0]' : addr.startsWith('['));
    });
  }

  before(async () => {
    await claimBlock('e2e-firewall');
    node = await upHost('f110', 110);
    bastion = await upClient('fbastion', 120);
    ws = await upClient('fws', 121);
    peer = await upClient('fpeer', 122);
    outsider = await upClient('fout', 123);
    clients = [bastion, ws, peer, outsider];
    // Both services answer before any rule exists.
    assert.equal(await probe(outsider, node.ip, 22), 'connected');
    assert.equal(await probe(outsider, node.ip, 8006), 'connected');
  }, { timeout: 240_000 });

  after(() => downAll(), { timeout: 60_000 });

  /** Every client x port: engine verdict vs real connection; returns the table for the assertions that follow. */
  async function compare(sim: Simulator, family: 4 | 6 = 4): Promise<Map<string, { verdict: string; outcome: Outcome; rule: string }>> {
    const table = new Map<string, { verdict: string; outcome: Outcome; rule: string }>();
    const mismatches: string[] = [];
    for (const client of clients) {
      for (const port of PORTS) {
        const src = family === 4 ? client.ip : v6Of(client);
        const dst = family === 4 ? node.ip : v6Of(node);
        const d = sim.decide(parsePacket({ direction: 'in', src, dst, proto: 'tcp', dport: port, sport: 40000, iface: 'eth0' }));
        const outcome = await probe(client, dst, port);
        const rule = d.rule?.text ?? d.reason;
        table.set(`${client.name}:${port}`, { verdict: d.verdict, outcome, rule });
        if (expectedOutcome(d.verdict, await listening(port, family)) !== outcome) mismatches.push(`${client.name} -> ${dst}:${port}: engine ${d.verdict} (${rule}), kernel ${outcome}`);
        // The exact exposure of the port puts the client's address in a class with the kernel's verdict too.
        const exposure = exactExposure(sim, { name: `${port}/tcp`, proto: 'tcp', ports: [[port, port]] }, { family, dst, iface: 'eth0', sport: 40000 });
        const cls = exposure.segments[0].classes.find((c) => c.set.has(parseIp(src)!.value))!;
        if (expectedOutcome(cls.verdict, await listening(port, family)) !== outcome) mismatches.push(`${client.name} -> ${dst}:${port}: exact exposure ${cls.verdict}, kernel ${outcome}`);
      }
    }
    assert.deepEqual(mismatches, [], 'engine and kernel disagree');
    return table;
  }

  it('guide rules: bastion and peer on 22, web UI open, everything else dropped', { timeout: 300_000 }, async () => {
    await mustExecIn(node, [
      'iptables -F INPUT',
      'iptables -A INPUT -i lo -j ACCEPT',
      'iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      `iptables -A INPUT -s ${bastion.ip}/32 -p tcp -m tcp --dport 22 -j ACCEPT`,
      `iptables -A INPUT -s ${peer.ip}/32 -p tcp -m tcp --dport 22 -j ACCEPT`,
      'iptables -A INPUT -p tcp -m tcp --dport 8006 -j ACCEPT',
      'iptables -A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT',
      'iptables -P INPUT DROP',
    ].join(' && '));
    const t = await compare(await engineFor(node));
    assert.equal(t.get('fbastion:22')!.verdict, 'ACCEPT');
    assert.equal(t.get('fpeer:22')!.verdict, 'ACCEPT');
    assert.equal(t.get('fws:22')!.verdict, 'DROP');
    assert.equal(t.get('fout:22')!.outcome, 'timeout');
    assert.equal(t.get('fout:8006')!.verdict, 'ACCEPT');
    assert.match(t.get('fbastion:22')!.rule, new RegExp(`^-A INPUT -s ${bastion.ip.replace(/\./g, '\\.')}/32 -p tcp -m tcp --dport 22 -j ACCEPT$`));
    // A real login from the bastion works; from the workstation it does not get through.
    const ssh = (c: Host) => runInClient(c, ['ssh', '-i', keys.root, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'ConnectTimeout=3', '-o', 'LogLevel=ERROR', `root@${node.ip}`, 'echo', 'in'], { timeoutMs: 20_000 });
    assert.equal((await ssh(bastion)).stdout.trim(), 'in');
    assert.notEqual((await ssh(ws)).code, 0);
  });

  it('web UI restricted to the admin workstation', { timeout: 300_000 }, async () => {
    await mustExecIn(node, [
      'iptables -D INPUT -p tcp -m tcp --dport 8006 -j ACCEPT',
      `iptables -I INPUT 5 -s ${ws.ip}/32 -p tcp -m tcp --dport 8006 -j ACCEPT`,
      // Someone else is answered with a reset instead of silence.
      `iptables -A INPUT -s ${outsider.ip}/32 -p tcp -j REJECT --reject-with tcp-reset`,
    ].join(' && '));
    const t = await compare(await engineFor(node));
    assert.equal(t.get('fws:8006')!.verdict, 'ACCEPT');
    assert.equal(t.get('fbastion:8006')!.verdict, 'DROP');
    assert.equal(t.get('fpeer:8006')!.outcome, 'timeout');
    assert.equal(t.get('fout:8006')!.verdict, 'REJECT');
    assert.equal(t.get('fout:8006')!.outcome, 'refused');
    assert.equal(t.get('fpeer:22')!.verdict, 'ACCEPT');
  });

  it('a user chain and IPv6: ip6tables left open is open, and the engine says so', { timeout: 300_000 }, async () => {
    await mustExecIn(node, [
      'iptables -N ADMINS',
      `iptables -A ADMINS -s ${bastion.ip}/32 -j ACCEPT`,
      'iptables -A ADMINS -j RETURN',
      'iptables -I INPUT 3 -p tcp -m multiport --dports 3128,8006 -j ADMINS',
    ].join(' && '));
    const t = await compare(await engineFor(node));
    assert.equal(t.get('fbastion:8006')!.verdict, 'ACCEPT');
    assert.equal(t.get('fbastion:3128')!.outcome, 'refused'); // accepted, nothing listens
    const v6 = await compare(await engineFor(node), 6);
    assert.equal(v6.get('fout:22')!.verdict, 'ACCEPT');
    assert.equal(v6.get('fout:22')!.outcome, 'connected');
    await mustExecIn(node, `ip6tables -A INPUT -i lo -j ACCEPT && ip6tables -A INPUT -s ${v6Of(bastion)} -p tcp --dport 22 -j ACCEPT && ip6tables -A INPUT -p ipv6-icmp -j ACCEPT && ip6tables -P INPUT DROP`);
    const closed = await compare(await engineFor(node), 6);
    assert.equal(closed.get('fout:22')!.outcome, 'timeout');
    assert.equal(closed.get('fbastion:22')!.verdict, 'ACCEPT');
  });
});
