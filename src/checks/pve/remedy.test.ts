import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { remedyInput, statusesOf } from '../../harden/plan-testing.js';
import { ManualOnly, type PlannedOp, type Remedy } from '../../harden/plan-types.js';
import { extractCommands, loadApiSchema, validateCommand } from '../../../test/support/pve-cli-schema.js';
import { assertValidPveArgv } from '../../../test/support/pve-argv.js';
import { pveRemedies, tokenRemedy } from './remedy.js';
import { matrixFile, MATRIX_DRIFTED, MATRIX_OF_USER_CFG, pveNode, USER_CFG } from './testing.js';


const remedyOf = (id: string): Remedy => pveRemedies.find((r) => r.controls.includes(id))!;

/**
 * user.cfg after the pve-call operations, as Proxmox writes it back: the acl: lines replaced by one line per
 * grant (what `pveum acl modify|delete` leaves), everything else as it was. The replay of the calls is written
 * here, apart from the planner, from PVE::API2::ACL's semantics.
 */
function applyAclCalls(text: string, ops: PlannedOp[]): string {
  const grants = new Map<string, string>();
  for (const l of text.split('\n')) {
    const m = /^acl:(\d?):([^:]*):([^:]*):([^:]*):/.exec(l);
    if (!m) continue;
    for (const member of m[3].split(',')) for (const role of m[4].split(',')) grants.set(`${m[2]} ${member} ${role}`, m[1] === '0' ? '0' : '1');
  }
  for (const op of ops) {
    assert.equal(op.kind, 'pve-call');
    if (op.kind !== 'pve-call') continue;
    const a = op.argv;
    const opt = (n: string) => { const i = a.indexOf(n); return i < 0 ? undefined : a[i + 1]; };
    const member = opt('--users') ?? (opt('--groups') !== undefined ? `@${opt('--groups')}` : opt('--tokens'))!;
    for (const role of opt('--roles')!.split(',')) {
      const k = `${a[3]} ${member} ${role}`;
      if (a[2] === 'delete') grants.delete(k);
      else grants.set(k, opt('--propagate') ?? '1');
    }
  }
  const kept = text.split('\n').filter((l) => !l.startsWith('acl:')).join('\n').trimEnd();
  return `${kept}\n\n${[...grants].map(([k, p]) => { const [pth, m, r] = k.split(' '); return `acl:${p}:${pth}:${m}:${r}:`; }).join('\n')}\n`;
}

const CONTROLS = ['PVE-11', 'PVE-12', 'PVE-13', 'PVE-15'];

describe('PVE-11/12/13/15 remedy: converge the ACL to the access matrix', () => {
  it('plans the pveum calls of the convergence; after them the real checks pass', () => {
    // carol gets one guest instead of @ops' pool grant; the monitoring token keeps Monitor on / only without propagation
    const matrix = matrixFile('drift.yaml', MATRIX_DRIFTED);
    const config = { access_matrix: matrix, admin_users: ['alice@pve'] };
    const node = pveNode();
    assert.deepEqual(statusesOf(node, config, ['PVE-15']).get('PVE-15'), ['FAIL']);
    const ops = remedyOf('PVE-15').plan(remedyInput(node, config));
    assert.deepEqual(ops.map((o) => [o.kind, o.phase, o.cutsAccess, o.summary]), [
      ['pve-call', 'activate', false, 'grant Monitor on / to bob@pam!monitoring (not propagating)'],
      ['pve-call', 'activate', false, 'grant PVEVMUser on /vms/102 to carol@pve (not propagating)'],
      ['pve-call', 'activate', false, 'revoke PVEVMUser on /pool/prod from @ops'],
    ]);
    // each operation names the controls failing here that the converged ACL resolves
    const failing = [...statusesOf(node, config, CONTROLS)].filter(([, st]) => st.some((x) => x === 'FAIL' || x === 'WARN')).map(([id]) => id).sort();
    assert.deepEqual(failing, ['PVE-15']);
    for (const o of ops) {
      assert.deepEqual(o.controls, failing);
      if (o.kind !== 'pve-call') continue;
      for (const argv of [o.argv, ...o.inverse]) assertValidPveArgv(argv, 'PUT /access/acl');
    }
    // the same objects for every control of the family (the plan merges them into one list)
    assert.deepEqual(remedyOf('PVE-11').plan(remedyInput(node, config)).map((o) => o.id), ops.map((o) => o.id));
    const after = { ...node, files: { ...node.files, '/etc/pve/user.cfg': applyAclCalls(USER_CFG, ops) } };
    const statuses = statusesOf(after, config, CONTROLS);
    for (const id of CONTROLS) assert.deepEqual(statuses.get(id), ['PASS'], id);
  });

  it('an over-broad grant (PVE-11) the matrix does not hold is revoked; both controls pass afterwards', () => {
    const cfg = USER_CFG + 'acl:1:/vms:carol@pve:PVEVMAdmin:\n';
    const node = pveNode({ '/etc/pve/user.cfg': cfg });
    const matrix = matrixFile('exact.yaml', MATRIX_OF_USER_CFG);
    const config = { access_matrix: matrix, admin_users: ['alice@pve'] };
    assert.deepEqual(statusesOf(node, config, ['PVE-11']).get('PVE-11'), ['FAIL']);
    const ops = remedyOf('PVE-11').plan(remedyInput(node, config));
    assert.deepEqual(ops.map((o) => [o.summary, o.controls]), [['revoke PVEVMAdmin on /vms from carol@pve', ['PVE-11', 'PVE-15']]]);
    const statuses = statusesOf({ ...node, files: { ...node.files, '/etc/pve/user.cfg': applyAclCalls(cfg, ops) } }, config, CONTROLS);
    for (const id of CONTROLS) assert.deepEqual(statuses.get(id), ['PASS'], id);
  });

  it('without an access matrix every control stays manual, saying why', () => {
    for (const id of CONTROLS) {
      assert.throws(() => remedyOf(id).plan(remedyInput(pveNode())), (e) => e instanceof ManualOnly && /^no access matrix declared/.test(e.reason));
    }
  });

  it('a matrix that leaves no admin besides root@pam is refused (manual, with the reason)', () => {
    const matrix = matrixFile('no-admin.yaml', 'groups:\n  ops:\n    grants:\n      - { path: /pool/prod, roles: [PVEVMUser] }\n');
    assert.throws(() => remedyOf('PVE-15').plan(remedyInput(pveNode(), { access_matrix: matrix })),
      (e) => e instanceof ManualOnly && e.reason.includes('refused: it would leave no user besides root@pam with Permissions.Modify on / (now: alice@pve)'));
  });

  it('a control the converged ACL does not resolve stays manual; the others are fixed', () => {
    // dave is disabled and holds a grant the matrix keeps: PVE-13 is not resolved by converging
    const cfg = USER_CFG.replace('user:carol@pve:1:0:', 'user:dave@pve:0:0:Dave::::\nuser:carol@pve:1:0:') + 'acl:1:/vms/100:dave@pve:PVEAuditor:\n';
    const matrix = matrixFile('keeps-dave.yaml', `groups:
  admins:
    grants:
      - { path: /, roles: [Administrator] }
users:
  dave@pve:
    grants:
      - { path: /vms/100, roles: [PVEAuditor] }
`);
    const input = () => remedyInput(pveNode({ '/etc/pve/user.cfg': cfg }), { access_matrix: matrix, admin_users: ['alice@pve'] });
    assert.throws(() => remedyOf('PVE-13').plan(input()), (e) => e instanceof ManualOnly && e.reason === 'the matrix grants disabled or expired users: dave@pve');
    const ops = remedyOf('PVE-15').plan(input());
    assert.ok(ops.length > 0);
    assert.deepEqual(statusesOf(pveNode({ '/etc/pve/user.cfg': cfg }), { access_matrix: matrix, admin_users: ['alice@pve'] }, ['PVE-13']).get('PVE-13'), ['FAIL']);
    assert.deepEqual(ops[0].controls, ['PVE-15'], 'PVE-13 fails but is not claimed');
  });
});

describe('PVE-09/10: tokens are never replaced automatically', () => {
  it('the manual item lists the replacement token, its grants and the removal of the old one, all valid API calls', () => {
    const cfg = USER_CFG.replace('token:bob@pam!monitoring:1798761600:1:', 'token:bob@pam!monitoring:0::');
    let reason = '';
    assert.throws(() => tokenRemedy.plan(remedyInput(pveNode({ '/etc/pve/user.cfg': cfg }))), (e) => e instanceof ManualOnly && Boolean(reason = e.reason));
    const expire = Math.floor(new Date('2026-11-25T12:00:00Z').getTime() / 1000) + 90 * 86400;
    assert.match(reason, /^automation uses these tokens: pvesec does not replace them by itself/);
    const commands = extractCommands(reason);
    assert.deepEqual(commands.map((c) => c.text), [
      `pveum user token add bob@pam monitoring-v2 --privsep 1 --expire ${expire}`,
      'pveum acl modify /pool/prod --tokens bob@pam!monitoring-v2 --roles PVEVMUser --propagate 1',
      'pveum user token remove bob@pam monitoring',
    ]);
    const schema = loadApiSchema();
    for (const c of commands) assert.deepEqual(validateCommand(c, schema).errors, [], c.text);
  });
});
