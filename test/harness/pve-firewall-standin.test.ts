// The pve-firewall stand-in's compiler (see pve-firewall-standin.ts): real Proxmox firewall files of the
// fixtures become iptables-restore input that the real iptables-restore accepts (in a throw-away network
// namespace, --test: nothing is loaded).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compileStandIn } from './pve-firewall-standin.js';

const FIXTURES = new URL('../fixtures/pve-firewall/', import.meta.url);
const cases = readdirSync(FIXTURES).filter((d) => !d.endsWith('.md'));
const read = (d: string, f: string) => {
  try {
    return readFileSync(new URL(`${d}/${f}`, FIXTURES), 'utf8');
  } catch {
    return undefined;
  }
};

const noNetfilter = process.getuid?.() !== 0 || spawnSync('unshare', ['-n', 'iptables-restore', '--version']).status !== 0
  ? 'needs root, unshare and iptables-restore' : false;

test('every fixture compiles to iptables-restore input that iptables-restore --test accepts (IPv4 and IPv6)', { skip: noNetfilter }, () => {
  let checked = 0;
  for (const d of cases) {
    const c = compileStandIn({ node: 'pve1', clusterFw: read(d, 'cluster.fw'), hostFw: read(d, 'host.fw'), hostIp: '10.0.0.1', localNetwork: '10.0.0.0/24', now: new Date('2026-11-25T12:00:00Z') });
    if (c.unfiltered) continue;
    for (const [cmd, input] of [['iptables-restore', c.v4], ['ip6tables-restore', c.v6]]) {
      const r = spawnSync('unshare', ['-n', cmd, '--test'], { input, encoding: 'utf8' });
      assert.equal(r.status, 0, `${d} ${cmd}: ${r.stderr}\n${input}`);
    }
    checked++;
  }
  assert.ok(checked >= 5, `only ${checked} fixtures filter anything`);
});

test('an ipset becomes its CIDRs; an empty set leaves its rule out; disabled datacenter firewall loads nothing', () => {
  const cluster = '[OPTIONS]\nenable: 1\n\n[IPSET management]\n10.77.0.234\n10.77.1.0/24\n\n[IPSET empty]\n\n[RULES]\nIN ACCEPT -source +empty -p tcp -dport 25\n';
  const c = compileStandIn({ node: 'fp230', clusterFw: cluster, hostIp: '10.77.0.230', localNetwork: '10.77.0.230/31' });
  assert.match(c.v4, /^-A PVEFW-HOST-IN -s 10\.77\.0\.230\/31,10\.77\.0\.234\/32,10\.77\.1\.0\/24 -p tcp --dport 22 -j RETURN$/m);
  assert.doesNotMatch(c.v4, /dport 25/);
  assert.doesNotMatch(c.v4, /match-set/);
  const off = compileStandIn({ node: 'fp230', clusterFw: cluster.replace('enable: 1', 'enable: 0'), hostIp: '10.77.0.230', localNetwork: '10.77.0.0/24' });
  assert.equal(off.unfiltered !== undefined, true);
  assert.doesNotMatch(off.v4, /PVEFW/);
});
