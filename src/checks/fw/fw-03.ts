import { FILES } from '../../collect/sources.js';
import { clusterFirewallFact } from '../../model/facts/network.js';
import { clusterFirewallEnabled } from '../../parse/pve-fw.js';
import { fail, pass, warn, type Check } from '../types.js';
import { FW_REFERENCES } from './common.js';

export const fw03: Check = {
  meta: {
    id: 'FW-03',
    section: 'FW',
    title: 'Default inbound policy is DROP or REJECT',
    severity: 'high',
    scope: 'cluster',
    rationale: 'With `policy_in: ACCEPT` every port that no rule drops is open: the firewall only filters what it was told about.',
    fix: 'Set `policy_in: DROP` under [OPTIONS] in /etc/pve/firewall/cluster.fw (the management ipset keeps 22/8006 reachable from admin networks).',
    reads: [FILES.clusterFw],
    references: FW_REFERENCES,
  },
  evaluate(ctx) {
    const { conf, present } = ctx.get(clusterFirewallFact);
    const opt = conf.options.get('policy_in');
    const policy = String(opt?.value ?? 'DROP');
    const evidence = [{ source: FILES.clusterFw, line: opt?.line, text: opt ? `policy_in: ${policy}` : present ? 'no policy_in (defaults to DROP)' : 'file absent' }];
    const off = !clusterFirewallEnabled(conf, ctx.now).enabled;
    if (policy === 'ACCEPT') return fail(`policy_in: ACCEPT: inbound traffic no rule drops is accepted${off ? ' (and the datacenter firewall is off)' : ''}`, evidence);
    if (off) return warn(`policy_in is ${policy}${opt ? '' : ' (default)'} but not in effect: the datacenter firewall is off (FW-01)`, evidence);
    return pass(`inbound policy is ${policy}${opt ? '' : ' (default)'}`, evidence);
  },
};
