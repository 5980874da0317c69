import path from 'node:path';
import { FILES } from '../../collect/sources.js';
import { Unavailable, type FactContext } from '../../model/fact.js';
import { clusterFirewallFact, hostFirewallFact, unitState, unitStatesFact } from '../../model/facts/network.js';
import { clusterFirewallEnabled } from '../../parse/pve-fw.js';
import { fail, pass, skip, type Check } from '../types.js';
import { FW_REFERENCES } from './common.js';

/** Whether the node's /etc/pve/nodes/<name> directory was collected (here or on the cluster's representative node). */
function nodeDirSeen(ctx: FactContext, hostFwPath: string): boolean {
  const dir = path.posix.dirname(hostFwPath);
  return [ctx.snapshot, ctx.cluster.representative.snapshot].some((s) => s.sawDir(dir));
}

export const fw02: Check = {
  meta: {
    id: 'FW-02',
    section: 'FW',
    title: 'The Proxmox firewall is enabled on this node',
    severity: 'high',
    scope: 'node',
    rationale: 'host.fw `enable: 0` removes the host chains: the node accepts everything even with the datacenter firewall on. The rules also need the firewall service (pve-firewall, or proxmox-firewall for the nftables backend) to be running.',
    fix: 'Remove `enable: 0` from /etc/pve/nodes/<node>/host.fw (Node > Firewall > Options > Firewall: Yes) and run `systemctl enable --now pve-firewall` (or proxmox-firewall with `nftables: 1`).',
    reads: ['/etc/pve/nodes/<node>/host.fw', 'systemctl-states'],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const host = ctx.get(hostFirewallFact);
    if (!host.present && !nodeDirSeen(ctx, host.path)) {
      // an absent host.fw means "on" only for a node that is there: otherwise the node's name is not the one in /etc/pve
      const nodes = ctx.snapshot.subdirs(FILES.pveNodesDir);
      return skip(`this node has no directory under ${FILES.pveNodesDir}${nodes.length ? ` (there: ${nodes.join(', ')})` : ''}: which host.fw is its own is unknown`);
    }
    const enableOpt = host.conf.options.get('enable');
    const evidence = [{ source: host.path, line: enableOpt?.line, text: host.present ? (enableOpt ? `enable: ${enableOpt.value}` : 'no enable option (defaults to on)') : 'file absent (defaults to on)' }];
    if (!host.enabled) return fail(`${host.path} has enable: 0: the node's traffic is not filtered`, evidence);
    const unit = host.nftables ? 'proxmox-firewall' : 'pve-firewall';
    const dc = ctx.tryGet(clusterFirewallFact);
    const dcNote = dc && !clusterFirewallEnabled(dc.conf, ctx.now).enabled ? '; note: the datacenter switch is off (FW-01)' : '';
    const enabledBy = host.present && enableOpt ? `enable: ${enableOpt.value}` : 'host.fw default';
    let states;
    try {
      states = ctx.get(unitStatesFact);
    } catch (e) {
      // a plain backup of /etc/pve holds the switches but no service state: judge the switches, say what is unknown
      if (!(e instanceof Unavailable)) throw e;
      return pass(`firewall enabled for this node (${enabledBy}); the service state was not collected (${e.reason}), so whether ${unit} runs is unknown${dcNote}`, evidence);
    }
    const svc = unitState(states, unit);
    evidence.push({ source: 'systemctl-states', line: svc.line || undefined, text: `${unit} ${svc.active} ${svc.enabled}` });
    if (svc.active !== 'active') return fail(`the firewall is enabled in host.fw but the ${unit} service is ${svc.active} (${svc.enabled})`, evidence);
    return pass(`firewall enabled for this node (${enabledBy}) and ${unit} is running${dcNote}`, evidence);
  },
};
