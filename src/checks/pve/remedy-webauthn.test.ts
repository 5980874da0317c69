import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { remedyInput, statusesOf } from '../../harden/plan-testing.js';
import { ManualOnly, type PlannedOp } from '../../harden/plan-types.js';
import type { PvesecConfig } from '../../config/schema.js';
import { parseConfig } from '../../config/load.js';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { assertValidPveArgv } from '../../../test/support/pve-argv.js';
import { testPki } from '../tls/testing.js';
import { pveRemedies } from './remedy.js';
import { pveNode, TFA_CFG } from './testing.js';
import { inCluster } from '../ssh/testing.js';

const DC = '/etc/pve/datacenter.cfg';
const remedy = pveRemedies.find((r) => r.controls.includes('PVE-08'))!;
/** tfa.cfg where nobody has WebAuthn (root and carol TOTP only). */
const TFA_NO_WEBAUTHN = JSON.stringify({ users: Object.fromEntries(Object.entries(JSON.parse(TFA_CFG).users as Record<string, object>).filter(([u]) => u !== 'alice@pve')) });

/**
 * A node whose pveproxy serves a certificate of a "public" CA for pve1.example.com and pve.example.com
 * (trusted: not the cluster's pve-root-ca), unless `proxyCert` says otherwise (undefined: only pve-ssl.pem).
 */
function node(datacenter: string, opts: { tfa?: string; proxyCert?: string | undefined } = {}): MemorySnapshotSpec {
  const pki = testPki();
  return pveNode({
    [DC]: datacenter,
    '/etc/pve/priv/tfa.cfg': opts.tfa ?? TFA_CFG,
    '/etc/pve/pve-root-ca.pem': pki.ca,
    '/etc/pve/nodes/pve1/pve-ssl.pem': pki.pveSsl,
    '/etc/pve/nodes/pve1/pveproxy-ssl.pem': 'proxyCert' in opts ? opts.proxyCert : pki.publicLeaf,
  });
}

const NOW = new Date();
function plan(spec: MemorySnapshotSpec, config: Partial<PvesecConfig> = {}): PlannedOp[] {
  return remedy.plan(remedyInput(spec, config, NOW));
}
function manual(spec: MemorySnapshotSpec, config: Partial<PvesecConfig> = {}): string {
  try {
    plan(spec, config);
  } catch (e) {
    if (e instanceof ManualOnly) return e.reason;
    throw e;
  }
  assert.fail('expected the remedy to decline');
}

/**
 * What `pvesh set /cluster/options` leaves in datacenter.cfg, written here from PVE::API2::ClusterConfig's
 * set_options (the key replaced or deleted, other keys kept), apart from the remedy.
 */
function pveshSet(text: string, argv: string[]): string {
  assert.deepEqual(argv.slice(0, 3), ['pvesh', 'set', '/cluster/options']);
  const lines = text.split('\n').filter((l) => l.trim() && !/^webauthn:/.test(l));
  if (argv[3] === '--webauthn') lines.push(`webauthn: ${argv[4]}`);
  else assert.deepEqual(argv.slice(3), ['--delete', 'webauthn']);
  return lines.sort().join('\n') + '\n';
}

function pveCall(ops: PlannedOp[]) {
  assert.equal(ops.length, 1);
  const op = ops[0];
  assert.equal(op.kind, 'pve-call');
  if (op.kind !== 'pve-call') throw new Error('unreachable');
  return op;
}

const WRONG_ORIGIN = 'keyboard: en-us\nwebauthn: rp=x,origin=https://elsewhere.example.com:8006,id=elsewhere.example.com\n';

describe('PVE-08 remedy: the datacenter.cfg webauthn setting', () => {
  it('plans pvesh set /cluster/options from pvesec.yaml; after it PVE-08 passes, its inverse restores the file', () => {
    const spec = node(WRONG_ORIGIN, { tfa: TFA_NO_WEBAUTHN });
    assert.deepEqual(statusesOf(spec, {}, ['PVE-08'], NOW).get('PVE-08'), ['FAIL']);
    const op = pveCall(plan(spec, { webauthn: { origin: 'https://pve.example.com:8006', id: 'example.com', rp: 'Proxmox' } }));
    assert.deepEqual(op.argv, ['pvesh', 'set', '/cluster/options', '--webauthn', 'rp=Proxmox,origin=https://pve.example.com:8006,id=example.com']);
    assert.deepEqual(op.inverse, [['pvesh', 'set', '/cluster/options', '--webauthn', 'rp=x,origin=https://elsewhere.example.com:8006,id=elsewhere.example.com']]);
    assert.deepEqual([op.controls, op.phase, op.cutsAccess], [['PVE-08'], 'activate', false]);
    assertValidPveArgv(op.argv, 'PUT /cluster/options');
    for (const inv of op.inverse) assertValidPveArgv(inv, 'PUT /cluster/options');

    const after = pveshSet(WRONG_ORIGIN, op.argv);
    assert.deepEqual(statusesOf({ ...spec, files: { ...spec.files, [DC]: after } }, {}, ['PVE-08'], NOW).get('PVE-08'), ['PASS']);
    assert.equal(pveshSet(after, op.inverse[0]), WRONG_ORIGIN);
  });

  it('id and rp default to the origin host; the inverse of an absent setting deletes the key', () => {
    const op = pveCall(plan(node('keyboard: en-us\n'), { webauthn: { origin: 'https://pve.example.com:8006/' } }));
    assert.deepEqual(op.argv.slice(3), ['--webauthn', 'rp=pve.example.com,origin=https://pve.example.com:8006,id=pve.example.com']);
    assert.deepEqual(op.inverse, [['pvesh', 'set', '/cluster/options', '--delete', 'webauthn']]);
    assertValidPveArgv(op.inverse[0], 'PUT /cluster/options');
  });

  it('keeps an allow-subdomains of the current setting', () => {
    const op = pveCall(plan(node('webauthn: allow-subdomains=0,id=example.com,origin=https://pve9.example.com:8006,rp=x\n'), { webauthn: { origin: 'https://pve.example.com:8006', id: 'example.com' } }));
    assert.equal(op.argv[4], 'rp=example.com,origin=https://pve.example.com:8006,id=example.com,allow-subdomains=0');
    assertValidPveArgv(op.argv, 'PUT /cluster/options');
  });

  it('without pvesec.yaml, takes the one node FQDN a trusted served certificate names', () => {
    const op = pveCall(plan(node(WRONG_ORIGIN, { tfa: TFA_NO_WEBAUTHN })));
    assert.equal(op.argv[4], 'rp=pve1.example.com,origin=https://pve1.example.com:8006,id=pve1.example.com');
    assert.match(op.summary, /origin from certificate/);
  });

  it('without pvesec.yaml and no trusted certificate naming a node FQDN: manual with the exact command', () => {
    const reason = manual(node(WRONG_ORIGIN, { tfa: TFA_NO_WEBAUTHN, proxyCert: undefined }));
    assert.match(reason, /no webauthn origin declared .*no trusted served certificate names a node FQDN.*pvesh set \/cluster\/options --webauthn 'rp=NAME,origin=https:\/\/NAME:8006,id=NAME'/);
  });

  it('a cluster node: no guess from its certificate', () => {
    const reason = manual(inCluster(node(WRONG_ORIGIN, { tfa: TFA_NO_WEBAUTHN })));
    assert.match(reason, /no webauthn origin declared .*in a cluster the name admins use is not pvesec's guess/);
  });

  it('two node FQDNs in the trusted certificate: ambiguous, manual naming both', () => {
    const leaf = leafFor('DNS:pve1.example.com,DNS:pve1.corp.example');
    const reason = manual(node(WRONG_ORIGIN, { tfa: TFA_NO_WEBAUTHN, proxyCert: leaf }));
    assert.match(reason, /several node FQDNs \(pve1\.corp\.example, pve1\.example\.com\)/);
  });

  describe('refuses a setting PVE-08 would not pass, with its reason', () => {
    const cases: [string, Partial<PvesecConfig>, string | undefined, RegExp][] = [
      ['id not a suffix of the origin host', { webauthn: { origin: 'https://pve.example.com:8006', id: 'other.example.org' } }, testPki().publicLeaf, /does not match origin host pve\.example\.com/],
      ['origin host in no certificate and no node name', { webauthn: { origin: 'https://pve9.example.com:8006' } }, testPki().publicLeaf, /neither a node name/],
      ['origin served only with the pve-root-ca certificate', { webauthn: { origin: 'https://pve1.example.com:8006' } }, undefined, /self-signed or pve-root-ca/],
    ];
    for (const [name, config, proxyCert, why] of cases) {
      it(name, () => {
        const reason = manual(node(WRONG_ORIGIN, { tfa: TFA_NO_WEBAUTHN, proxyCert }), config);
        assert.match(reason, /from pvesec\.yaml .* would not pass PVE-08/);
        assert.match(reason, why);
      });
    }
  });

  it('refuses an id change while a user has WebAuthn keys registered under the current id, naming them and what to click', () => {
    const current = 'webauthn: rp=pve1,origin=https://pve1.lan:8006,id=pve1.lan\n';
    const reason = manual(node(current), { webauthn: { origin: 'https://pve.example.com:8006', id: 'example.com' } });
    assert.match(reason, /from pve1\.lan to example\.com would break the WebAuthn keys registered under pve1\.lan by alice@pve/);
    assert.match(reason, /Two Factor, remove the old WebAuthn entry, Add > WebAuthn/);
    assert.match(reason, /pvesh set \/cluster\/options --webauthn 'rp=example\.com,origin=https:\/\/pve\.example\.com:8006,id=example\.com'/);
    // the same change without registered keys is planned
    pveCall(plan(node(current, { tfa: TFA_NO_WEBAUTHN }), { webauthn: { origin: 'https://pve.example.com:8006', id: 'example.com' } }));
  });

  it('a current setting without id while alice has WebAuthn keys: in doubt, refused', () => {
    const reason = manual(node('webauthn: rp=x,origin=https://pve1.example.com:8006\n'), { webauthn: { origin: 'https://pve.example.com:8006', id: 'example.com' } });
    assert.match(reason, /from none \(the setting has no id\) to example\.com would break the WebAuthn keys registered under the current setting by alice@pve: leave the setting as it is, or change it by hand/);
  });

  it('plans an origin or rp change that keeps the id, though users have WebAuthn keys', () => {
    const op = pveCall(plan(node('webauthn: rp=old,origin=https://pve9.example.com:8006,id=example.com\n'), { webauthn: { origin: 'https://pve.example.com:8006', id: 'EXAMPLE.com' } }));
    assert.equal(op.argv[4], 'rp=example.com,origin=https://pve.example.com:8006,id=example.com');
  });

  it('no setting today while alice has WebAuthn entries: planned (no key works now), the summary names her', () => {
    const spec = node('keyboard: en-us\n');
    assert.deepEqual(statusesOf(spec, {}, ['PVE-08'], NOW).get('PVE-08'), ['FAIL']);
    const op = pveCall(plan(spec, { webauthn: { origin: 'https://pve.example.com:8006' } }));
    assert.match(op.summary, /WebAuthn keys of alice@pve were registered under a setting datacenter\.cfg no longer has/);
  });

  it('the setting datacenter.cfg already has: nothing to plan', () => {
    const reason = manual(node('webauthn: rp=example.com,origin=https://pve.example.com:8006,id=example.com\n'), { webauthn: { origin: 'https://pve.example.com:8006', id: 'example.com' } });
    assert.match(reason, /already has this webauthn setting/);
  });
});

describe('pvesec.yaml webauthn key', () => {
  it('accepts an https origin with optional id and rp', () => {
    assert.deepEqual(parseConfig('webauthn:\n  origin: https://pve.example.com:8006\n  id: example.com\n  rp: Proxmox\n', 'pvesec.yaml').webauthn,
      { origin: 'https://pve.example.com:8006', id: 'example.com', rp: 'Proxmox' });
    assert.equal(parseConfig('', 'pvesec.yaml').webauthn, undefined);
  });
  const bad: [string, RegExp][] = [
    ['webauthn:\n  origin: http://pve.example.com:8006\n', /pvesec\.yaml:2: webauthn\.origin: must be the https:\/\/ origin/],
    ['webauthn:\n  origin: https://pve.example.com:8006/ui\n', /webauthn\.origin: .*without a path/],
    ['webauthn:\n  id: example.com\n', /webauthn\.origin/],
    ['webauthn:\n  origin: https://pve.example.com\n  id: https://example.com\n', /webauthn\.id: must be a domain name/],
    ['webauthn:\n  origin: https://pve.example.com\n  rp: a,b\n', /webauthn\.rp: must be a short name without commas/],
    ['webauthn:\n  origin: https://pve.example.com\n  allow: 1\n', /webauthn/],
  ];
  for (const [yaml, why] of bad) it(`refuses ${JSON.stringify(yaml)}`, () => assert.throws(() => parseConfig(yaml, 'pvesec.yaml'), why));
});

/** A leaf of a throw-away "public" CA (not the cluster's pve-root-ca) with the given subjectAltName. */
function leafFor(san: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pvesec-webauthn-pki-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Other Public CA');
    ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=pve1.example.com');
    writeFileSync(join(dir, 'leaf.ext'), `subjectAltName=${san}\n`);
    ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', 'leaf.ext');
    return readFileSync(join(dir, 'leaf.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
