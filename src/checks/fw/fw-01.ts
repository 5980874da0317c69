import { FILES } from '../../collect/sources.js';
import { clusterFirewallFact } from '../../model/facts/network.js';
import { clusterFirewallEnabled } from '../../parse/pve-fw.js';
import { fail, pass, type Check } from '../types.js';
import { FW_REFERENCES } from './common.js';

export const fw01: Check = {
  meta: {
    id: 'FW-01',
    section: 'FW',
    title: 'The Proxmox firewall is enabled at datacenter level',
    severity: 'high',
    scope: 'cluster',
    rationale: 'Without `enable: 1` in cluster.fw, pve-firewall generates no rules at all: every service of every node is reachable from anywhere, whatever host.fw says.',
    fix: 'Check first that [IPSET management] (or a rule) admits your admin networks to 22 and 8006, then set `enable: 1` under [OPTIONS] in /etc/pve/firewall/cluster.fw (Datacenter > Firewall > Options > Firewall: Yes).',
    reads: [FILES.clusterFw],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const { conf, present } = ctx.get(clusterFirewallFact);
    if (!present) return fail(`${FILES.clusterFw} does not exist: the datacenter firewall is off`, [{ source: FILES.clusterFw, text: 'file absent' }]);
    const state = clusterFirewallEnabled(conf, ctx.now);
    const opt = conf.options.get('enable');
    const evidence = [{ source: FILES.clusterFw, line: state.line, text: opt ? `enable: ${opt.value}` : '[OPTIONS] without a valid enable:' }];
    if (state.enabled) return pass(`datacenter firewall is on (${state.reason})`, evidence);
    return fail(`datacenter firewall is off: ${state.reason}`, evidence);
  },
};
