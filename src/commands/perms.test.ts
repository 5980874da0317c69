import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { registerPermsCommand } from './perms.js';
import { recordingIO } from './testing.js';
import { UsageError } from './options.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-perms-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  const f = path.join(dir, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
};

// A realistic PVE 9 user.cfg: an admin group, operators on a pool, a CI token, a quirk or two.
const USER_CFG = `user:root@pam:1:0:::root@example.com::x:
user:alice@pve:1:0:Alice:Martin:alice@example.com:Platform%20team:x!oath:
token:alice@pve!ci:0:1:GitLab%20CI:
user:bob@pve:1:0:Bob:Keller:bob@example.com::x:
user:carol@pam:1:0:Carol:Nguyen:::
group:admins:alice@pve::
group:ops:bob@pve,carol@pam::
pool:prod:Production:100,101:local-zfs:
role:VMOperator:VM.Audit,VM.Console,VM.PowerMgmt,VM.Monitor:
acl:1:/:@admins:Administrator:
acl:1:/pool/prod:@ops:VMOperator:
acl:1:/vms/101:carol@pam:PVEAuditor:
acl:1:/vms:alice@pve!ci:PVEVMAdmin:
acl:1:/storage:bob@pve:Later:
role:Later:Datastore.Audit:
`;
const CFG = write('user.cfg', USER_CFG);

async function perms(args: string[], stdin?: string) {
  const program = new Command('pvesec').exitOverride();
  const io = recordingIO();
  let code = -1;
  registerPermsCommand(program, { io, setExitCode: (c) => void (code = c), stdin: stdin === undefined ? undefined : Readable.from([stdin]) });
  await program.parseAsync(['node', 'pvesec', 'perms', ...args]);
  return { code, out: io.stdout, err: io.stderr };
}

test('perms of ID: every path with privileges and the reason; parser warnings on stderr', async () => {
  const r = await perms(['of', 'carol@pam', '--user-cfg', CFG]);
  assert.equal(r.code, 0);
  assert.match(r.out, /carol@pam: privileges on 4 of \d+ evaluated paths/);
  assert.match(r.out, /  \/vms\/101: Datastore.Audit, Mapping.Audit, Pool.Audit, SDN.Audit, Sys.Audit, VM.Audit, VM.Console, VM.GuestAgent.Audit, VM.PowerMgmt\n      why: PVEAuditor \(line 12: carol@pam PVEAuditor on \/vms\/101\), VMOperator via pool prod \(line 11: @ops VMOperator on \/pool\/prod\)/);
  assert.deepEqual(r.err, [
    `pvesec: warning: ${CFG}:9: ignore invalid privilege 'VM.Monitor'`,
    `pvesec: warning: ${CFG}:14: ignore invalid acl role 'Later'`,
  ]);
});

test('perms of ID groups paths with one privilege set and names the role equal to it', async () => {
  // the hardened example: @admins holds Administrator on /, alice's Terraform token PVEVMAdmin on its pool
  const hardened = 'examples/hardened-cluster/pve1';
  const r = await perms(['of', 'alice@pve', '--target', hardened]);
  assert.equal(r.code, 0);
  assert.equal(r.out, [
    'alice@pve: privileges on 11 of 11 evaluated paths (examples/hardened-cluster/pve1, pve9: pve-manager 9.1.1 (pveversion -v))',
    '  /, /access, /access/groups, /mapping, /nodes, /pool, /pool/lab, /sdn, /storage, /storage/local-lvm, /vms: Administrator: all 47 privileges',
    '      why: Administrator (line 12: @admins Administrator on /)',
    '      why on /storage/local-lvm: Administrator via pool lab (line 12: @admins Administrator on /)',
    '',
  ].join('\n'));
  assert.match((await perms(['of', 'alice@pve', '--target', hardened, '--pve-version', '8'])).out, /\/vms: Administrator: all 42 privileges\n/, 'counted for the release in use');
  assert.match((await perms(['of', 'alice@pve!terraform', '--target', hardened])).out, /\n  \/pool\/lab, \/storage\/local-lvm: PVEVMAdmin: exactly its 23 privileges\n/);
  // JSON keeps every path with its privileges and adds the grouping
  const json = JSON.parse((await perms(['of', 'alice@pve', '--target', hardened, '--format', 'json'])).out);
  assert.equal(json.paths.length, 11);
  for (const c of json.paths) assert.equal(c.privileges.length, 47, c.path);
  assert.equal(json.paths.find((c: { path: string }) => c.path === '/storage/local-lvm').reason, 'Administrator via pool lab (line 12: @admins Administrator on /)');
  assert.deepEqual(json.groups.map((g: { paths: string[]; role: string; allPrivileges: boolean; privileges: string[] }) => [g.paths.length, g.role, g.allPrivileges, g.privileges.length]), [[11, 'Administrator', true, 47]]);
  // a set equal to no role is spelled out; paths with different sets stay apart
  const carol = await perms(['of', 'carol@pam', '--user-cfg', CFG, '--format', 'json']);
  const groups = JSON.parse(carol.out).groups as { paths: string[]; role: string | null }[];
  assert.ok(groups.some((g) => g.role === null && g.paths.join() === '/vms/101'), carol.out);
});

test('perms of ID --path: the level-by-level walk (what replaced and what shadowed)', async () => {
  const r = await perms(['of', 'alice@pve!ci', '--path', '/vms/100', '--user-cfg', CFG]);
  assert.match(r.out, /alice@pve!ci on \/vms\/100\n  privileges: VM.Allocate,/);
  assert.match(r.out, /why: PVEVMAdmin \(line 13: alice@pve!ci PVEVMAdmin on \/vms\); limited to what the owner holds here \(47 privilege\(s\)\)/);
  assert.match(r.out, /\/vms: token entries apply: PVEVMAdmin \(line 13\)/);
  const json = JSON.parse((await perms(['of', 'bob@pve', '--path', '/storage', '--format', 'json', '--user-cfg', CFG])).out);
  assert.deepEqual(json.privileges, [], 'the ACL line naming a role defined later is dropped');
});

test('perms who PRIV PATH: every holder with the reason; an unknown privilege is a usage error', async () => {
  const r = await perms(['who', 'VM.PowerMgmt', '/vms//100/', '--user-cfg', CFG]);
  assert.match(r.out, /^5 identities hold VM.PowerMgmt on \/vms\/100/);
  for (const id of ['root@pam', 'alice@pve', 'alice@pve!ci', 'bob@pve', 'carol@pam']) assert.match(r.out, new RegExp(`\\n  ${id.replace(/[!.]/g, '\\$&')}: `));
  assert.match(r.out, /bob@pve: VMOperator via pool prod/);
  await assert.rejects(perms(['who', 'VM.Monitor', '/vms', '--user-cfg', CFG]), (e: unknown) => e instanceof UsageError && /not a privilege of PVE 9/.test(e.message));
  const ghost = write('ghost.cfg', `${USER_CFG}group:future:newhire@pve::\nacl:1:/vms:@future:PVEVMUser:\n`);
  assert.match((await perms(['who', 'VM.PowerMgmt', '/vms/100', '--user-cfg', ghost])).out, /  newhire@pve \(not a defined user: the grant waits for whoever is created with this name\): PVEVMUser \(line 17: @future PVEVMUser on \/vms\)/);
  const v8 = await perms(['who', 'VM.Monitor', '/vms/100', '--user-cfg', CFG, '--pve-version', '8']);
  assert.match(v8.out, /bob@pve: VMOperator via pool prod/, 'PVE 8 keeps VM.Monitor in the custom role');
});

test('perms matrix: csv, json and table carry the same cells', async () => {
  const csv = (await perms(['matrix', '--format', 'csv', '--user-cfg', CFG])).out.trim().split('\n');
  assert.equal(csv[0], 'id,path,privileges,roles');
  assert.ok(csv.includes('carol@pam,/vms/101,Datastore.Audit Mapping.Audit Pool.Audit SDN.Audit Sys.Audit VM.Audit VM.Console VM.GuestAgent.Audit VM.PowerMgmt,PVEAuditor VMOperator'), csv.join('\n'));
  const json = JSON.parse((await perms(['matrix', '--format', 'json', '--user-cfg', CFG])).out);
  assert.equal(json.schema, 'pvesec.perms-matrix/v1');
  const cells = json.identities.flatMap((i: { id: string; cells: { path: string; privileges: string[]; roles: string[] }[] }) =>
    i.cells.map((c) => `${i.id},${c.path},${c.privileges.join(' ')},${c.roles.join(' ')}`));
  assert.deepEqual(cells, csv.slice(1));
  assert.equal(json.warnings.length, 2);
  const table = (await perms(['matrix', '--user-cfg', CFG])).out.trim().split('\n');
  assert.match(table[0], /^IDENTITY +PATH +PRIVILEGES \(ROLES\)$/);
  assert.equal(table.length, csv.length);
  await assert.rejects(perms(['matrix', '--format', 'xml', '--user-cfg', CFG]), /--format: "xml" is not one of table, json, csv/);
});

test('perms query: answers in order, a malformed line is rejected with its number and the rest goes on', async () => {
  const input = [
    '{"id":"carol@pam","path":"/vms/101"}',
    'not json',
    '{"id":"alice@pve!ci","path":"/vms/100"}',
    '{"id":42,"path":"/"}',
    '',
    '{"id":"nobody@pve","path":"/"}',
  ].join('\n');
  const r = await perms(['query', '--user-cfg', CFG], input);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.id), ['carol@pam', 'alice@pve!ci', 'nobody@pve']);
  assert.deepEqual(lines[0], { id: 'carol@pam', path: '/vms/101', privs: ['Datastore.Audit', 'Mapping.Audit', 'Pool.Audit', 'SDN.Audit', 'Sys.Audit', 'VM.Audit', 'VM.Console', 'VM.GuestAgent.Audit', 'VM.PowerMgmt'], roles: ['PVEAuditor', 'VMOperator'] });
  assert.deepEqual(lines[2].privs, []);
  const errs = r.err.filter((e) => e.includes('perms query'));
  assert.equal(errs.length, 2);
  assert.match(errs[0], /line 2: not JSON/);
  assert.match(errs[1], /line 4: expected \{"id"/);
  assert.equal(r.code, 1);
});

test('perms diff A B: grants gained and lost per identity and path', async () => {
  const after = write('after.cfg', USER_CFG.replace('acl:1:/pool/prod:@ops:VMOperator:', 'acl:1:/pool/prod:@ops:PVEVMUser:').replace('group:ops:bob@pve,carol@pam::', 'group:ops:bob@pve::'));
  const r = await perms(['diff', CFG, after]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^8 change\(s\) for 2 identities/);
  assert.match(r.out, /bob@pve\n(  .*\n)*  \/vms\/100: gains VM.Backup, VM.Config.CDROM, .*\(roles \+PVEVMUser -VMOperator\)/);
  assert.match(r.out, /carol@pam\n(  .*\n)*  \/vms\/100: loses VM.Audit, VM.Console, VM.PowerMgmt \(roles -VMOperator\)\n  \/vms\/101: loses VM.Console, VM.PowerMgmt \(roles -VMOperator\)/);
  const same = await perms(['diff', CFG, CFG]);
  assert.equal(same.code, 0);
  assert.match(same.out, /no change in effective permissions/);
});

test('a bundle target: user.cfg of the node, release from its pveversion -v', async () => {
  const bundle = path.join(dir, 'pve8-bundle');
  write('pve8-bundle/etc/hostname', 'pve1\n');
  write('pve8-bundle/etc/pve/user.cfg', USER_CFG);
  write('pve8-bundle/commands/pveversion_-v', 'proxmox-ve: 8.4.0 (running kernel: 6.8.12-9-pve)\npve-manager: 8.4.1 (running version: 8.4.1/2a5fa54a8503f96d)\n');
  const r = await perms(['of', 'bob@pve', '--path', '/vms/100', '--target', bundle]);
  assert.match(r.out, /privileges: VM.Audit, VM.Console, VM.Monitor, VM.PowerMgmt/);
  assert.ok(!r.err.some((e) => e.includes('VM.Monitor')), 'VM.Monitor is a PVE 8 privilege');
  const d = await perms(['diff', CFG, bundle]);
  assert.ok(d.err.some((e) => /is pve9 and .* is pve8/.test(e)), d.err.join('\n'));
});

test('usage errors: no source, two sources, a bad id, an unknown release', async () => {
  await assert.rejects(perms(['matrix']), /give either --user-cfg FILE or --target TARGET/);
  await assert.rejects(perms(['matrix', '--user-cfg', CFG, '--target', 'local']), /give either/);
  await assert.rejects(perms(['of', 'alice', '--user-cfg', CFG]), /"alice" is not a user/);
  await assert.rejects(perms(['of', 'alice@pve', '--user-cfg', CFG, '--pve-version', '7']), /--pve-version: "7"/);
  await assert.rejects(perms(['of', 'alice@pve', '--user-cfg', path.join(dir, 'missing.cfg')]), /cannot read: no such file or directory$/);
  await assert.rejects(perms(['who', 'VM.Audit', '/vms/1 00', '--user-cfg', CFG]), /"\/vms\/1 00" is not a Proxmox path/);
});

test('perms diff --target CURRENT --user-cfg PROPOSED: the documented review of an edited copy', async () => {
  const bundle = path.join(dir, 'diff-bundle');
  write('diff-bundle/etc/hostname', 'pve1\n');
  write('diff-bundle/etc/pve/user.cfg', USER_CFG);
  const proposed = write('proposed.cfg', USER_CFG.replace('acl:1:/vms/101:carol@pam:PVEAuditor:\n', ''));
  const r = await perms(['diff', '--target', bundle, '--user-cfg', proposed]);
  assert.equal(r.code, 1, r.err.join('\n'));
  assert.ok(r.out.startsWith(`1 change(s) for 1 identity from ${bundle} to ${proposed}:\ncarol@pam\n`), r.out);
  assert.match(r.out, /\/vms\/101: loses .*\(roles -PVEAuditor\)/);
  // one positional with --user-cfg: BEFORE is the positional
  assert.equal((await perms(['diff', CFG, '--user-cfg', CFG])).code, 0);
  await assert.rejects(perms(['diff', CFG]), /perms diff: give two user\.cfg files or targets .*\(got 1\)/);
  await assert.rejects(perms(['diff', CFG, CFG, '--user-cfg', CFG]), /\(got 3\)/);
});
