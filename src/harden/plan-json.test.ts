import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPlanFile, parsePlan, PlanFileError, renderPlanJson } from './plan-json.js';
import type { Plan } from './plan-types.js';

const PLAN: Plan = {
  schema: 'pvesec.plan/v1',
  createdAt: '2026-11-25T12:00:00.000Z',
  pvesecVersion: '0.1.0',
  configDigest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  nodes: [{
    node: 'pve1',
    target: 'ssh://root@10.0.0.11',
    ops: [
      { kind: 'install-packages', id: 'install:fail2ban', phase: 'packages', controls: ['BF-01'], cutsAccess: false, summary: 'install fail2ban', packages: ['fail2ban', 'python3-systemd'] },
      { kind: 'write-file', id: 'write:/etc/fail2ban/jail.d/pvesec.local', phase: 'restrict', controls: ['BF-02'], cutsAccess: true, summary: 'jails', path: '/etc/fail2ban/jail.d/pvesec.local', content: '[sshd]\nenabled = true\n', mode: 0o644, owner: 'root', group: 'root' },
      { kind: 'validate', id: 'validate:fail2ban-client-t', phase: 'restrict', controls: ['BF-02'], cutsAccess: false, summary: 'test', argv: ['fail2ban-client', '-t'], why: 'config' },
      { kind: 'validate', id: 'validate:sshd-T-C:user=root,addr=10.0.0.12', phase: 'restrict', controls: ['SSH-01'], cutsAccess: false, summary: 'root from pve2', argv: ['/usr/sbin/sshd', '-T', '-C', 'user=root,addr=10.0.0.12'], why: 'root keeps key logins from the peers', expectOutput: ['permitrootlogin without-password'] },
      { kind: 'service', id: 'service:enable-now:fail2ban', phase: 'restrict', controls: ['BF-01'], cutsAccess: true, summary: 'start', unit: 'fail2ban', action: 'enable-now' },
      { kind: 'pve-call', id: 'acl:1:modify:/vms:bob@pve', phase: 'activate', controls: ['PVE-15'], cutsAccess: false, summary: 'grant PVEAuditor on /vms to bob@pve (propagating)',
        argv: ['pveum', 'acl', 'modify', '/vms', '--roles', 'PVEAuditor', '--users', 'bob@pve', '--propagate', '1'], inverse: [['pveum', 'acl', 'delete', '/vms', '--roles', 'PVEAuditor', '--users', 'bob@pve']] },
      { kind: 'pve-call', id: 'token:ci@pve!deploy', phase: 'activate', controls: ['PVE-09'], cutsAccess: false, summary: 'token', secretOutput: true,
        argv: ['pveum', 'user', 'token', 'add', 'ci@pve', 'deploy', '--privsep', '1'], inverse: [['pveum', 'user', 'token', 'remove', 'ci@pve', 'deploy']] },
    ],
    fileDigests: { '/etc/fail2ban/jail.d/pvesec.local': null, '/var/lib/dpkg/status': 'abea2c9603dfeeabbca1608116b558b7cc335c15cf1dbabfa8f3e9598f268d9d' },
    fixes: ['BF-01', 'BF-02'],
    manual: [{ id: 'FW-01', status: 'FAIL', reason: 'no automatic remedy', fix: 'enable the firewall' }],
  }],
};

test('plan file: what renderPlanJson writes, parsePlan reads back unchanged', () => {
  assert.deepEqual(parsePlan(renderPlanJson(PLAN), 'plan.json'), PLAN);
});

test('plan file: the plan of examples/fresh-install with a declared admin (every remedy kind, the sshd gates) reads back unchanged', async () => {
  const { runPlan } = await import('../commands/plan.js');
  const { recordingIO } = await import('../commands/testing.js');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'pvesec-planjson-'));
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop';
  writeFileSync(join(dir, 'pvesec.yaml'), `admin_users:\n  - name: alice\n    authorized_keys: ["${key}"]\nadmin_sources: [192.168.1.0/24]\n`);
  const io = recordingIO();
  const out = join(dir, 'plan.json');
  assert.equal(await runPlan(['examples/fresh-install'], { config: join(dir, 'pvesec.yaml'), format: 'json', out }, io, { now: new Date('2026-11-25T12:00:00Z') }), 1);
  const plan = JSON.parse(io.stdout);
  assert.ok(plan.nodes[0].ops.some((o: { expectOutput?: string[] }) => o.expectOutput?.length), 'the SSH remedy gates carry expected lines');
  assert.deepEqual(loadPlanFile(out), plan);
});

test('plan file: each defect is one line naming the file and where', () => {
  const bad = (mutate: (p: any) => void) => {
    const p = JSON.parse(JSON.stringify(PLAN));
    mutate(p);
    return JSON.stringify(p);
  };
  const cases: [string, RegExp][] = [
    ['{"schema": "pvesec.plan/v1",', /^plan\.json: not JSON \(/],
    [bad((p) => { p.schema = 'pvesec.plan/v2'; }), /^plan\.json: schema "pvesec\.plan\/v2" is not pvesec\.plan\/v1$/],
    [bad((p) => { p.nodes[0].ops[1].path = 'etc/shadow'; }), /^plan\.json: nodes\[0\]\.ops\[1\]\.path: must be an absolute path$/],
    [bad((p) => { p.nodes[0].ops[1].path = '/etc/../etc/shadow'; }), /^plan\.json: nodes\[0\]\.ops\[1\]\.path: must not contain \.\.$/],
    [bad((p) => { p.nodes[0].ops[0].kind = 'format-disk'; }), /^plan\.json: nodes\[0\]\.ops\[0\]\.kind: /],
    [bad((p) => { p.nodes[0].ops[4].action = 'stop'; }), /^plan\.json: nodes\[0\]\.ops\[4\]\.action: /],
    [bad((p) => { p.nodes[0].ops[0].packages = ['fail2ban; rm -rf /']; }), /^plan\.json: nodes\[0\]\.ops\[0\]\.packages\[0\]: must be a Debian package name$/],
    [bad((p) => { p.nodes[0].fileDigests['/etc/passwd'] = 'xyz'; }), /^plan\.json: nodes\[0\]\.fileDigests\.\/etc\/passwd: must be a sha256 in hex$/],
    [bad((p) => { p.nodes[0].ops[2].id = p.nodes[0].ops[1].id; }), /^plan\.json: nodes\[0\]\.ops: operation id write:\/etc\/fail2ban\/jail\.d\/pvesec\.local appears twice$/],
    [bad((p) => { p.extra = 1; }), /^plan\.json: \(top level\): /],
    [bad((p) => { delete p.nodes[0].fixes; }), /^plan\.json: nodes\[0\]\.fixes: /],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parsePlan(text, 'plan.json'), (e) => {
      assert.ok(e instanceof PlanFileError);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), e.message);
      return true;
    });
  }
});

test('plan file: loadPlanFile reads a file and names one it cannot read', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pvesec-plan-'));
  try {
    const f = path.join(dir, 'plan.json');
    writeFileSync(f, renderPlanJson(PLAN));
    assert.deepEqual(loadPlanFile(f), PLAN);
    assert.throws(() => loadPlanFile(path.join(dir, 'missing.json')), /missing\.json: cannot read: no such file or directory$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
