/**
 * End to end, PVE-08's WebAuthn remedy (issue 11) from a bastion over SSH: `pvesec plan` / `apply` set
 * datacenter.cfg's webauthn through `pvesh set /cluster/options` in a node transaction, the re-audit proves
 * PVE-08, `pvesec rollback` puts the previous setting back byte for byte; and a change of the relying-party id
 * while a user has a WebAuthn key registered is refused with nothing changed. The node carries the pvesh
 * STAND-IN (test/harness/pve-standin.ts: not Proxmox; every call checked against the PVE 9.1 API schema,
 * datacenter.cfg written in Proxmox's format) and a served certificate of a throw-away "public" CA for the
 * origin name, beside the cluster's own pve-root-ca (which PVE-08 does not trust for browsers).
 * Hosts: node k247 (systemd), bastion k248 (10.77.0.247-248).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { claimBlock, CLI, downAll, e2eSystemdSkipReason, ensureAdminKey, ensureCliBuilt, keys, knownHostsFile, mustExecIn, runInClient, tempDir, upClient, upHost, writeFileIn, type Host, type RunResult } from '../harness/hosts.js';
import { describeRun } from '../harness/cli.js';
import { installPveStandin, type PveStandin } from '../harness/pve-standin.js';
import { parseDatacenterCfg } from '../../src/parse/datacenter-cfg.js';

const skip = e2eSystemdSkipReason();

/** The setting before: the node's short name, served with no certificate for it (PVE-08 WARN). */
const DATACENTER_CFG = 'keyboard: en-us\nwebauthn: rp=k247,origin=https://k247.lan:8006,id=k247.lan\n';
const PVESEC_YAML = 'webauthn:\n  origin: https://pve.example.test:8006\n  id: example.test\n  rp: Lab\n';
/** alice registered a security key under the current id (the credential shape of proxmox-tfa's webauthn entries). */
const TFA_WITH_KEY = JSON.stringify({
  users: {
    'alice@pve': {
      webauthn: [{ id: 'webauthn-1f0c6a52', description: 'yubikey', created: 1764000000, entry: { cred_id: 'q83vEjRWeJA', cred: { type_: 'ES256', key: { EC_EC2: { curve: 'SECP256R1', x: [1], y: [2] } } }, counter: 7, verified: true, registration_policy: 'preferred' } }],
    },
  },
});

/** A cluster CA (pve-root-ca.pem) and a leaf of another, "public" CA for the origin name and the node's FQDN. */
function makePki(dir: string): { rootCa: string; served: string } {
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.pem', '-days', '30', '-subj', '/CN=Proxmox Virtual Environment/OU=e2e/O=PVE Cluster Manager CA');
  ossl('req', '-x509', ...ec, '-keyout', 'pub.key', '-out', 'pub.pem', '-days', '30', '-subj', '/O=Lab Public CA/CN=Lab Public R1');
  ossl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=pve.example.test');
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:pve.example.test,DNS:k247.example.test\n');
  ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'pub.pem', '-CAkey', 'pub.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', 'leaf.ext');
  const r = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { rootCa: r('root.pem'), served: r('leaf.pem') + r('pub.pem') };
}

describe('PVE-08 WebAuthn setting through the pvesh stand-in, in a node transaction (e2e)', { skip, timeout: 900_000 }, () => {
  let node: Host;
  let bastion: Host;
  let standin: PveStandin;
  let knownHosts: string;
  const dir = tempDir('pvesec-e2e-webauthn-');
  const config = join(dir, 'pvesec.yaml');
  const target = () => `ssh://root@${node.ip}`;
  const ssh = () => ['--identity', keys.root, '--known-hosts', knownHosts, '--timeout', '30'];
  const common = () => [...ssh(), '--config', config];
  const cli = (args: string[], timeoutMs = 200_000): Promise<RunResult> =>
    runInClient(bastion, [process.execPath, CLI, ...args], { timeoutMs, cwd: dir, env: { ...process.env, HOME: dir } });
  const datacenterCfg = async () => mustExecIn(node, 'cat /etc/pve/datacenter.cfg');
  const changingCalls = () => standin.calls.filter((c) => c.call === 'PUT /cluster/options').length;

  before(async () => {
    await claimBlock('e2e-webauthn');
    await ensureCliBuilt();
    await ensureAdminKey();
    const pki = makePki(tempDir('pvesec-e2e-webauthn-pki-'));
    writeFileSync(config, PVESEC_YAML);
    [node, bastion] = await Promise.all([upHost('k247', 247, { init: 'systemd' }), upClient('k248', 248)]);
    knownHosts = await knownHostsFile([node], dir);
    await writeFileIn(node, '/etc/pve/pve-root-ca.pem', pki.rootCa, 0o640);
    await writeFileIn(node, '/etc/pve/nodes/k247/pveproxy-ssl.pem', pki.served, 0o640);
    await writeFileIn(node, '/etc/pve/datacenter.cfg', DATACENTER_CFG, 0o640);
    standin = await installPveStandin(node);
  }, { timeout: 400_000 });

  after(async () => {
    standin?.stop();
    await downAll();
  }, { timeout: 120_000 });

  it('plan, apply (PVE-08 WARN -> PASS), rollback restores datacenter.cfg', { timeout: 400_000 }, async () => {
    const planned = await cli(['plan', target(), '--control', 'PVE-08', ...common()]);
    assert.equal(planned.code, 1, describeRun(planned));
    assert.match(planned.stdout, /pvesh set \/cluster\/options --webauthn/, describeRun(planned));

    const applied = await cli(['apply', target(), '--control', 'PVE-08', '--yes', ...common(), '--confirm-timeout', '120']);
    assert.equal(applied.code, 0, describeRun(applied));
    assert.match(applied.stdout, /PVE-08 WARN -> PASS/, describeRun(applied));
    const w = parseDatacenterCfg(await datacenterCfg()).value.webauthn;
    assert.deepEqual([w?.rp, w?.origin, w?.id], ['Lab', 'https://pve.example.test:8006', 'example.test']);

    const audit = await cli(['audit', target(), '--control', 'PVE-08', ...common(), '--format', 'json']);
    assert.equal(audit.code, 0, describeRun(audit));
    const findings = JSON.parse(audit.stdout).findings as { id: string; status: string; message: string }[];
    assert.deepEqual(findings.filter((f) => f.id === 'PVE-08').map((f) => [f.status, f.message]), [['PASS', 'webauthn id example.test matches origin pve.example.test, served with a trusted certificate on k247']]);

    const rolled = await cli(['rollback', target(), ...ssh(), '--confirm-timeout', '120']);
    assert.equal(rolled.code, 0, describeRun(rolled));
    assert.equal(await datacenterCfg(), DATACENTER_CFG);
    assert.deepEqual(standin.errors, []);
  });

  it('a WebAuthn key registered under the current id: the id change is refused, listing the user; nothing changes', { timeout: 300_000 }, async () => {
    await writeFileIn(node, '/etc/pve/priv/tfa.cfg', TFA_WITH_KEY, 0o600);
    const calls = changingCalls();
    const planned = await cli(['plan', target(), '--control', 'PVE-08', ...common()]);
    assert.equal(planned.code, 0, describeRun(planned));
    assert.match(planned.stdout, /PVE-08 WARN: changing the WebAuthn relying-party id from k247\.lan to example\.test would break the WebAuthn keys registered under k247\.lan by alice@pve/, describeRun(planned));
    const applied = await cli(['apply', target(), '--control', 'PVE-08', '--yes', ...common(), '--confirm-timeout', '120']);
    assert.equal(applied.code, 0, describeRun(applied));
    assert.match(applied.stdout, /^nothing to change automatically; 1 control left for a human/, describeRun(applied));
    assert.equal(await datacenterCfg(), DATACENTER_CFG);
    assert.equal(changingCalls(), calls, 'no call changed anything');
    assert.deepEqual(standin.errors, []);
  });
});
