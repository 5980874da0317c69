import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import type { Snapshot } from '../../collect/snapshot.js';
import type { PvesecConfig } from '../../config/schema.js';
import { applyOps, findingsOf, planWith, remedyInput, statuses, type NodeCase } from '../remedy-sim/testing.js';
import { DEBIAN12_CONFIG, PVE_GROUP, PVE_PASSWD, sshNode } from '../ssh/testing.js';
import { checks as accChecks } from './index.js';
import { accRemedies } from './remedy.js';
import { accNode, GOOD_HOMES, pubkey } from './testing.js';

const ED = pubkey('ed25519');
const RSA = pubkey('rsa_3072');
const SHADOW = 'root:x:20412:0:99999:7:::\ndaemon:*:20412:0:99999:7:::\nalice:x:20413:0:99999:7:::\nbob:x:20413:0:99999:7:::\nsvc-backup:!:20413:0:99999:7:::\n';
const DPKG_NO_SUDO = 'Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2+deb12u7\n';

/** A fresh PVE node: root only (plus system users), sudo not installed, group sudo empty. */
function freshNode(extra: MemorySnapshotSpec = {}): MemorySnapshotSpec {
  const passwd = PVE_PASSWD.split('\n').filter((l) => !/^(alice|bob):/.test(l)).join('\n');
  const group = PVE_GROUP.replace('sudo:x:27:alice,bob', 'sudo:x:27:').replace('adm:x:4:alice', 'adm:x:4:').split('\n').filter((l) => !/^(alice|bob):/.test(l)).join('\n');
  const ssh = sshNode({ main: DEBIAN12_CONFIG });
  return {
    ...extra,
    files: { ...ssh.files, '/etc/passwd': passwd, '/etc/group': group, '/etc/shadow': SHADOW.replace(/^(alice|bob):.*\n/gm, ''), '/var/lib/dpkg/status': DPKG_NO_SUDO, ...extra.files },
    dirs: { '/root': { mode: 0o700, uid: 0, gid: 0 }, '/root/.ssh': { mode: 0o700, uid: 0, gid: 0 }, ...extra.dirs },
    commands: { ...ssh.commands, ...extra.commands },
  };
}

/** The PVE accounts of testing.ts (alice and bob in sudo, bob with /bin/sh) with /etc/shadow. */
function pveAccounts(homes = GOOD_HOMES, extra: MemorySnapshotSpec = {}): MemorySnapshotSpec {
  const spec = accNode(homes, extra);
  return { ...spec, files: { '/etc/shadow': SHADOW, ...spec.files } };
}

const dave = (o: Partial<{ authorized_keys: string[]; shell: string }> = {}) => ({ name: 'dave', authorized_keys: [ED], ...o });

interface Case {
  name: string;
  node: MemorySnapshotSpec;
  config?: Partial<PvesecConfig>;
  mutate?: (s: Snapshot) => void;
  /** The operations: id, phase and (a fragment of) what is special about each. */
  ops: [id: string, phase: string, detail?: Record<string, unknown>][];
  /** Controls left for a human, by a fragment of the reason. */
  manual?: Record<string, RegExp>;
  /** Controls that must PASS once the operations ran. */
  pass?: string[];
}

const cases: Case[] = [
  {
    name: 'a fresh node: sudo installed, dave created with his shell, key and group; root\'s linked keys untouched',
    node: freshNode(), config: { admin_users: [dave({ shell: '/bin/zsh' })] },
    // as on Proxmox VE: /root/.ssh/authorized_keys -> /etc/pve/priv/authorized_keys
    mutate: (s) => s.addFile({ path: '/root/.ssh/authorized_keys', content: Buffer.alloc(0), stat: { mode: 0o777, uid: 0, gid: 0, type: 'symlink', linkTarget: '/etc/pve/priv/authorized_keys' } }),
    ops: [
      ['install:sudo', 'packages', { packages: ['sudo'] }],
      ['create-user:dave', 'admin', { shell: '/bin/zsh', controls: ['ACC-01'] }],
      ['make-dir:/home/dave/.ssh', 'admin', { mode: 0o700, owner: 'dave', group: 'dave' }],
      ['write:/home/dave/.ssh/authorized_keys', 'admin', { mode: 0o600, owner: 'dave', group: 'dave', content: `${ED}\n` }],
      ['add-to-group:dave:sudo', 'admin', { group: 'sudo' }],
    ],
    pass: ['ACC-01', 'ACC-02', 'ACC-03'],
  },
  {
    name: 'alice exists: her new key joins the keys already there; loose modes tightened',
    node: pveAccounts({ ...GOOD_HOMES, alice: { uid: 1000, ssh: 0o755, keys: [RSA], keysMode: 0o644 } }),
    config: { admin_users: [{ name: 'alice', authorized_keys: [ED] }] },
    ops: [
      ['make-dir:/home/alice/.ssh', 'admin', { mode: 0o700, owner: 'alice', group: 'alice', cutsAccess: true, controls: ['ACC-03'] }],
      ['write:/home/alice/.ssh/authorized_keys', 'admin', { mode: 0o600, content: `${RSA}\n${ED}\n` }],
    ],
    manual: { 'ACC-02': /chsh -s \/bin\/bash bob \(now \/bin\/sh\)/ },
    pass: ['ACC-03'],
  },
  {
    name: 'ACC-01 and ACC-03 both fail: the operations they share are the same, naming both',
    node: pveAccounts({ ...GOOD_HOMES, alice: { uid: 1000, ssh: 0o755, keys: [RSA] } }, { files: { '/var/lib/dpkg/status': DPKG_NO_SUDO } }),
    config: { admin_users: [{ name: 'alice', authorized_keys: [ED] }] },
    ops: [
      ['install:sudo', 'packages', { controls: ['ACC-01'] }],
      ['make-dir:/home/alice/.ssh', 'admin', { controls: ['ACC-01', 'ACC-03'] }],
      ['write:/home/alice/.ssh/authorized_keys', 'admin', { controls: ['ACC-01', 'ACC-03'], content: `${RSA}\n${ED}\n` }],
    ],
    manual: { 'ACC-02': /chsh/ },
    pass: ['ACC-01', 'ACC-03'],
  },
  {
    name: 'a declared key already there: the file keeps its content, only its mode changes',
    node: pveAccounts({ ...GOOD_HOMES, alice: { uid: 1000, keys: [ED], keysMode: 0o640 } }),
    config: { admin_users: [{ name: 'alice', authorized_keys: [ED] }] },
    ops: [['write:/home/alice/.ssh/authorized_keys', 'admin', { mode: 0o600, content: `${ED}\n` }]],
    manual: { 'ACC-02': /chsh/ },
    pass: ['ACC-03'],
  },
  {
    name: 'a group-writable home of an admin with keys is tightened, not declared anywhere',
    node: pveAccounts({ ...GOOD_HOMES, bob: { uid: 1001, home: 0o775, keys: [ED] } }),
    ops: [['make-dir:/home/bob', 'admin', { mode: 0o755, owner: 'bob' }]],
    manual: { 'ACC-02': /chsh/ },
    pass: ['ACC-03'],
  },
  {
    name: 'an empty password is locked',
    node: pveAccounts(GOOD_HOMES, { files: { '/etc/shadow': `${SHADOW}carol::20413:0:99999:7:::\n` } }),
    ops: [['lock-password:carol', 'admin', { user: 'carol', cutsAccess: false }]],
    manual: { 'ACC-02': /chsh/ },
    pass: ['ACC-07'],
  },
  {
    name: 'refused: root with an empty password',
    node: pveAccounts(GOOD_HOMES, { files: { '/etc/shadow': SHADOW.replace('root:x:', 'root::') } }),
    ops: [],
    manual: { 'ACC-07': /root has an empty password: set one with `passwd root`/, 'ACC-02': /chsh/ },
  },
  {
    name: 'refused: alice\'s authorized_keys is a symbolic link',
    node: pveAccounts(GOOD_HOMES), config: { admin_users: [{ name: 'alice', authorized_keys: [RSA] }] },
    mutate: (s) => s.addFile({ path: '/home/alice/.ssh/authorized_keys', content: Buffer.alloc(0), stat: { mode: 0o777, uid: 1000, gid: 1000, type: 'symlink', linkTarget: '/srv/keys/alice' } }),
    ops: [],
    manual: { 'ACC-03': /\/home\/alice\/\.ssh\/authorized_keys is a symbolic link to \/srv\/keys\/alice: pvesec never writes through or replaces a link/, 'ACC-02': /chsh/ },
  },
  {
    name: 'refused: an admin without a key and none declared',
    node: pveAccounts({ ...GOOD_HOMES, bob: { uid: 1001 } }),
    ops: [],
    manual: { 'ACC-03': /bob has no authorized key and pvesec\.yaml declares none: declare its keys in pvesec\.yaml/, 'ACC-02': /chsh/ },
  },
  {
    name: 'refused: the existing keys could not be read',
    // bob's loose ~/.ssh makes ACC-03 fail; alice's unreadable file alone would only make it SKIP
    node: pveAccounts({ ...GOOD_HOMES, bob: { uid: 1001, ssh: 0o755, keys: [ED] } }, { errors: { '/home/alice/.ssh/authorized_keys': 'permission denied' } }),
    config: { admin_users: [{ name: 'alice', authorized_keys: [RSA] }] },
    mutate: (s) => s.files.delete('/home/alice/.ssh/authorized_keys'),
    ops: [],
    manual: { 'ACC-03': /\/home\/alice\/\.ssh\/authorized_keys: permission denied: the keys already there were not seen/, 'ACC-02': /chsh/ },
  },
  {
    name: 'a declared admin with /bin/sh gets /bin/bash (usermod -s); one with nologin gets the shell pvesec.yaml gives',
    node: pveAccounts(GOOD_HOMES, { files: { '/etc/passwd': PVE_PASSWD.replace(/^(alice:.*:)\/bin\/bash$/m, '$1/usr/sbin/nologin') } }),
    config: { admin_users: ['bob', { name: 'alice', authorized_keys: [ED], shell: '/bin/zsh' }] },
    ops: [
      ['change-shell:alice', 'admin', { kind: 'change-shell', user: 'alice', shell: '/bin/zsh', controls: ['ACC-02'], cutsAccess: false }],
      ['change-shell:bob', 'admin', { kind: 'change-shell', user: 'bob', shell: '/bin/bash', controls: ['ACC-02'], cutsAccess: true }],
    ],
    pass: ['ACC-02'],
  },
  {
    name: 'refused: the declared shell is not a login shell, or the admin with /bin/sh is not declared',
    node: pveAccounts(GOOD_HOMES),
    config: { admin_users: [{ name: 'alice', authorized_keys: [ED], shell: '/bin/false' }] },
    ops: [],
    manual: { 'ACC-02': /bob is an admin on this node but not declared in pvesec\.yaml admin_users, so pvesec leaves its shell alone: chsh -s \/bin\/bash bob \(now \/bin\/sh\)/ },
  },
  {
    name: 'refused: an admin declared by name only that does not exist',
    node: freshNode(), config: { admin_users: ['carol'] },
    ops: [],
    manual: { 'ACC-01': /carol is not an account on this node and pvesec\.yaml declares no authorized_keys for it/ },
  },
  {
    name: 'refused: no admin declared at all',
    node: freshNode(),
    ops: [],
    manual: { 'ACC-01': /no admin is declared in pvesec\.yaml: declare one with its keys, e\.g\. admin_users: \[\{name: alice/ },
  },
  {
    name: 'refused: a left-over home without an account',
    node: freshNode({ dirs: { '/home/dave': { mode: 0o755, uid: 1005, gid: 1005 } } }), config: { admin_users: [dave()] },
    ops: [],
    manual: { 'ACC-01': /\/home\/dave exists but dave is not in \/etc\/passwd/ },
  },
];

for (const c of cases) {
  test(`ACC remedy: ${c.name}`, () => {
    const nc: NodeCase = { nodes: [c.node], config: c.config, mutate: c.mutate };
    const input = remedyInput(nc, accChecks);
    const plan = planWith(accRemedies, input);
    assert.deepEqual(plan.ops.map((o) => [o.id, o.phase]), c.ops.map(([id, phase]) => [id, phase]));
    for (const [id, , detail] of c.ops) {
      const op = plan.ops.find((o) => o.id === id) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(detail ?? {})) assert.deepEqual(op[k], v, `${id}.${k}`);
    }
    assert.deepEqual([...plan.manual.keys()].sort(), Object.keys(c.manual ?? {}).sort(), [...plan.manual].join(' | '));
    for (const [id, re] of Object.entries(c.manual ?? {})) assert.match(plan.manual.get(id)!, re, id);
    assert.ok(plan.ops.every((o) => !('path' in o) || !/^\/(root|etc\/pve)\//.test(o.path)), 'nothing of root or /etc/pve is written');
    // every operation names what it fixes, and every control it names is one that failed
    for (const op of plan.ops) assert.ok(op.controls.length && op.controls.every((id) => plan.targeted.includes(id)), op.id);
    if (!c.pass) return;
    const after = applyOps(c.node, plan.ops);
    const result = statuses(findingsOf({ ...nc, nodes: [after.spec] }, accChecks));
    for (const id of c.pass) assert.match(result[id], /^PASS(,PASS)*$/, `${id} after: ${result[id]}`);
    const again = planWith(accRemedies, remedyInput({ ...nc, nodes: [after.spec] }, accChecks));
    assert.deepEqual(again.ops.filter((o) => o.controls.some((id) => c.pass!.includes(id))), [], 'a second plan changes nothing');
  });
}

test('ACC remedy: the created admin\'s key file holds only the declared keys, one per line, with their comments', () => {
  const key2 = pubkey('ecdsa_384');
  const plan = planWith(accRemedies, remedyInput({ nodes: [freshNode()], config: { admin_users: [dave({ authorized_keys: [ED, key2] })] } }, accChecks));
  const w = plan.ops.find((o) => o.kind === 'write-file');
  assert.ok(w && w.kind === 'write-file');
  assert.equal(w.content, `${ED}\n${key2}\n`);
  assert.match(w.summary, /add ed25519@ws, ecdsa-384@ws; 0600 dave/);
});
