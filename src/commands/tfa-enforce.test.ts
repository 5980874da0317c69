import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memorySnapshot } from '../collect/memory.js';
import type { Collector } from '../harden/apply-audit.js';
import { DOMAINS_CFG, pveNode } from '../checks/pve/testing.js';
import { runTfaEnforce } from './tfa-enforce.js';
import { recordingIO } from './testing.js';

// The transaction itself (the node, the stand-in pveum) is the e2e's part (test/e2e/identity.test.ts);
// here: what is decided before anything is armed on the node.

const NOW = new Date('2026-12-07T05:00:00Z');
const collector = (files: Record<string, string | undefined> = {}): Collector => async (targets) =>
  targets.map((target) => ({ target, snapshot: memorySnapshot({ target, ...pveNode(files) }) }));
const noTx = (counter: { opened: number }) => new Proxy({} as never, { get: () => { counter.opened++; return () => ''; } });

test('tfa enforce: a realm with a user lacking a factor is refused with the list, one line, exit 2, nothing armed', async () => {
  for (const [realm, why] of [
    ['pam', /^pvesec: pve1: TFA enforcement on realm pam refused: 1 enabled user\(s\) have no usable second factor and could no longer log in: bob@pam .*; nothing changed$/],
    ['ldap1', /domains\.cfg defines no realm ldap1; nothing changed$/],
  ] as const) {
    const io = recordingIO();
    const counter = { opened: 0 };
    const code = await runTfaEnforce(realm, { target: 'ssh://root@pve1' }, io, { now: () => NOW, collect: collector(), tx: noTx(counter) });
    assert.equal(code, 2, io.stderr.join('\n'));
    assert.equal(io.stderr.length, 1, io.stderr.join('\n'));
    assert.match(io.stderr[0], why);
    assert.equal(counter.opened, 0, 'no transaction script was made');
    assert.equal(io.stdout, '');
  }
});

test('tfa enforce: a realm enforcing TOTP already changes nothing, exit 0', async () => {
  const io = recordingIO();
  const counter = { opened: 0 };
  const domains = DOMAINS_CFG.replace('\tdefault 1\n', '\tdefault 1\n\ttfa type=oath\n');
  const code = await runTfaEnforce('pve', { target: 'ssh://root@pve1' }, io, { now: () => NOW, collect: collector({ '/etc/pve/domains.cfg': domains }), tx: noTx(counter) });
  assert.equal(code, 0, io.stderr.join('\n'));
  assert.equal(io.stdout, 'realm pve enforces TOTP already: nothing to change\n');
  assert.equal(counter.opened, 0);
});

test('tfa enforce: without --target it is a usage error before anything is collected', async () => {
  const never: Collector = async () => assert.fail('nothing is collected');
  await assert.rejects(runTfaEnforce('pve', {}, recordingIO(), { collect: never }), /give --target/);
});
