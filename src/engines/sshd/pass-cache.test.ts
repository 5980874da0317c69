import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpConfig, type SshdTree, type SshdVersion } from './index.js';

/**
 * dumpConfig reuses a reprocess pass for a connection that answers every Match question like an
 * earlier one (index.ts, PassNode). A tree with a unique comment added is loaded afresh (its own
 * cache), so it answers each connection with a pass of its own: both must print the same.
 */

const CONFIG = `PermitRootLogin prohibit-password
PasswordAuthentication no
Include /etc/ssh/sshd_config.d/*.conf
Match User alice,bob Address 10.0.0.0/24
    PasswordAuthentication yes
Match Group sshusers
    AllowTcpForwarding yes
Match Host *.example.com LocalPort 2222
    X11Forwarding yes
Match Address 10.0.0.7,!10.0.0.8,192.168.*
    PermitRootLogin no
Match User root
    MaxAuthTries 2
`;
const DROP_IN = 'Match User carol\n    Banner /etc/issue.net\n';
const CONFIG_10 = `${CONFIG}Match invalid-user
    MaxAuthTries 1
`;

const groups = (u: string): string[] | undefined => ({ alice: ['alice', 'sudo', 'sshusers'], bob: ['bob'], carol: ['carol', 'sshusers'], root: ['root'] })[u];

const SPECS = [
  'user=alice,host=a.example.com,addr=10.0.0.7,laddr=10.0.0.1,lport=22',
  'user=bob,host=b,addr=10.0.0.8,laddr=10.0.0.1,lport=22',
  'user=carol,host=c.example.com,addr=192.168.1.1,laddr=10.0.0.1,lport=2222',
  'user=root,host=10.0.0.9,addr=10.0.0.9,laddr=10.0.0.1,lport=22',
  'user=root,host=10.0.0.10,addr=10.0.0.10,laddr=10.0.0.1,lport=22',
  'user=dave,host=d,addr=172.16.0.1,laddr=10.0.0.1,lport=22',
  'user=alice,host=a.example.com,addr=10.0.0.7,laddr=10.0.0.1,lport=22',
  'user=nobody,host=x,addr=10.0.0.7,laddr=10.0.0.1,lport=22,invalid-user',
  // incomplete specifications: sshd stops with "not in connection test specification"
  'user=alice',
  'user=alice,addr=10.0.0.7',
  'host=a.example.com,addr=10.0.0.7',
];

function tree(config: string, salt?: number): SshdTree {
  const tail = salt === undefined ? '' : `# ${salt}\n`;
  return { files: { sshd_config: config + tail, 'sshd_config.d/50-x.conf': DROP_IN }, groups };
}

for (const [version, config] of [['9.2', CONFIG], ['10.0', CONFIG_10]] as [SshdVersion, string][]) {
  test(`sshd ${version}: a reused reprocess pass prints what a pass of its own prints, connection by connection`, () => {
    const shared = tree(config);
    SPECS.forEach((spec, i) => {
      const cached = dumpConfig(shared, version, spec);
      const fresh = dumpConfig(tree(config, i), version, spec);
      assert.deepEqual({ ...cached, messages: cached.messages.map((m) => m.text) }, { ...fresh, messages: fresh.messages.map((m) => m.text) }, spec);
    });
    // the cache answers in the order asked, whichever connection came first
    for (const spec of [...SPECS].reverse()) assert.deepEqual(dumpConfig(shared, version, spec), dumpConfig(tree(config, 99), version, spec), spec);
  });
}

test('sshd: thousands of connections that answer alike share one pass (each one costs a look at the Match lines, not a reading of the files)', () => {
  const big = `${'# a long file\n'.repeat(20000)}${CONFIG}`;
  const t = tree(big);
  Object.freeze(t.files); // a frozen tree is keyed by identity (the model passes one)
  const first = dumpConfig(t, '9.2', 'user=root,host=10.1.0.1,addr=10.1.0.1,laddr=10.0.0.1,lport=22');
  for (let i = 2; i < 20000; i++) {
    const addr = `10.1.${i >> 8}.${i & 255}`;
    assert.deepEqual(dumpConfig(t, '9.2', `user=root,host=${addr},addr=${addr},laddr=10.0.0.1,lport=22`).lines, first.lines);
  }
});
