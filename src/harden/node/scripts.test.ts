import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Op } from '../ops.js';
import { PRELUDE } from './prelude.js';
import { compileOps } from './step.js';
import { revertProgram } from './revert.js';
import {
  beginScript, confirmScript, historyScript, newTxId, parseEvents, parseHistory, parsePruned, PRUNE_FUNCTION, restAfter, revertScript, rollbackCheckScript, rollbackScript, rollbackStepScript, statusScript,
  stepScript, TX_RETAIN, TxInputError,
} from './scripts.js';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { shQuote } from './sh.js';

const ID = '20261206T230102Z-a1b2c3';
const base = { controls: ['SSH-01'], cutsAccess: false, summary: 'test' };
const write = (path: string, content = 'x\n', extra: Partial<Op> = {}): Op =>
  ({ ...base, kind: 'write-file', id: `write:${path}`, path, content, mode: 0o644, owner: 'root', group: 'root', ...extra }) as Op;

/** Runs sh code with dash on this machine (only for code that touches nothing outside its own temp dir). */
function dash(code: string, input?: string): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('dash', ['-c', code], { input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}
const syntaxOk = (script: string) => {
  const r = spawnSync('dash', ['-n'], { input: script });
  assert.equal(r.status, 0, `dash -n: ${r.stderr}`);
};

const everyOp: Op[] = [
  write('/etc/ssh/sshd_config.d/00-pvesec.conf', 'PermitRootLogin prohibit-password\n'),
  { ...base, kind: 'make-dir', id: 'dir', path: '/home/alice/.ssh', mode: 0o700, owner: 'alice', group: 'alice' },
  { ...base, kind: 'install-packages', id: 'pkgs', packages: ['fail2ban', 'sudo'] },
  { ...base, kind: 'create-user', id: 'user', user: 'alice', shell: '/bin/bash' },
  { ...base, kind: 'add-to-group', id: 'grp', user: 'alice', group: 'sudo' },
  { ...base, kind: 'lock-password', id: 'lock', user: 'bob' },
  { ...base, kind: 'change-shell', id: 'shell', user: 'bob', shell: '/bin/bash' },
  { ...base, kind: 'service', id: 'svc', unit: 'ssh.service', action: 'reload' },
  { ...base, kind: 'validate', id: 'val', argv: ['visudo', '-cf', '/etc/sudoers'], why: "sudoers must parse (it's vital)" },
  { ...base, kind: 'run', id: 'run', argv: ['sysctl', '--system'] },
  { ...base, kind: 'pve-call', id: 'acl', argv: ['pveum', 'acl', 'modify', '/', '--roles', 'PVEAuditor', '--users', "o'hara@pve"], inverse: [['pveum', 'acl', 'delete', '/', '--roles', 'PVEAuditor', '--users', "o'hara@pve"]] },
];

describe('node transaction scripts', () => {
  it('newTxId is a sortable UTC stamp plus 6 random hex digits', () => {
    const a = newTxId(new Date('2026-12-06T23:01:02.345Z'));
    assert.match(a, /^20261206T230102Z-[0-9a-f]{6}$/);
    assert.notEqual(newTxId(new Date('2026-12-06T23:01:02Z')), newTxId(new Date('2026-12-06T23:01:02Z')));
  });

  it('every script is valid POSIX sh (dash -n)', () => {
    for (const s of [beginScript({ id: ID, timeoutSec: 120, controls: ['SSH-01', 'ACC-02'], origin: 'pvesec 0.1 on "ws"', planDigest: 'ab'.repeat(32) }),
      stepScript(ID, everyOp), stepScript(ID, []), confirmScript(ID), revertScript(ID, "it's over"), statusScript(ID), historyScript(),
      rollbackScript(undefined, false), rollbackScript(ID, true), revertProgram(ID),
      rollbackCheckScript(undefined, false), rollbackCheckScript(ID, true), rollbackStepScript(ID, '20261101T000000Z-abcdef', false), rollbackStepScript(ID, '20261101T000000Z-abcdef', true)]) syntaxOk(s);
  });

  it('change-shell: the shell is a checked path, the user a checked name; the node checks /etc/shells before journaling', () => {
    const op = (user: string, shell: string): Op => ({ ...base, kind: 'change-shell', id: 'shell', user, shell });
    assert.throws(() => stepScript(ID, [op('bob', 'bin/bash')]), TxInputError);
    assert.throws(() => stepScript(ID, [op('bob', '/bin/ba sh')]), TxInputError);
    assert.throws(() => stepScript(ID, [op('Bob;rm', '/bin/bash')]), TxInputError);
    const { apply } = compileOps([op('bob', '/bin/bash')]);
    const at = (s: string) => apply.indexOf(s);
    assert.ok(at("grep -qxF -- '/bin/bash' /etc/shells") > 0 && at("grep -qxF -- '/bin/bash' /etc/shells") < at("jfile '/etc/passwd'"), apply);
    assert.ok(at("jfile '/etc/shadow'") < at("'usermod' '-s' '/bin/bash' 'bob'"), apply);
  });

  it('refuses bad paths in TypeScript, before any script text exists', () => {
    const bad = ['etc/ssh/x', '/etc/ssh/../shadow', '/etc/./x', '/etc//x', '/etc/x/', '/etc/ssh/a b', '/etc/ssh/a\tb', '/etc/ssh/a\nb',
      '/etc/ssh/a\u0001b', '/etc/ssh/a\\b', '/', '', '/etc/ssh/a\u00a0b'];
    for (const path of bad) {
      assert.throws(() => stepScript(ID, [write('/etc/ok.conf'), write(path)]), TxInputError, JSON.stringify(path));
      assert.throws(() => stepScript(ID, [{ ...base, kind: 'make-dir', id: 'd', path, mode: 0o755, owner: 'root', group: 'root' }]), TxInputError);
    }
    assert.throws(() => stepScript(ID, [{ ...base, kind: 'create-user', id: 'u', user: 'alice', shell: 'bin/bash' }]), /shell .* not absolute/);
  });

  it('refuses bad names, ids, modes and argv', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => stepScript(ID, [{ ...base, kind: 'create-user', id: 'u', user: 'Alice; rm -rf /', shell: '/bin/bash' }]), /user name/],
      [() => stepScript(ID, [{ ...base, kind: 'add-to-group', id: 'g', user: 'alice', group: 'sudo wheel' }]), /group name/],
      [() => stepScript(ID, [{ ...base, kind: 'service', id: 's', unit: 'ssh;reboot', action: 'reload' }]), /unit name/],
      [() => stepScript(ID, [{ ...base, kind: 'service', id: 's', unit: '--now', action: 'reload' }]), /unit name/],
      [() => stepScript(ID, [{ ...base, kind: 'install-packages', id: 'p', packages: ['-oAPT::x'] }]), /package name/],
      [() => stepScript(ID, [write('/etc/x', 'x', { id: 'has space' })]), /operation id/],
      [() => stepScript(ID, [write('/etc/x', 'x', { mode: 0o10000 } as Partial<Op>)]), /mode/],
      [() => stepScript(ID, [write('/etc/x', 'x', { owner: '$(id)' } as Partial<Op>)]), /owner name/],
      [() => stepScript(ID, [{ ...base, kind: 'validate', id: 'v', argv: [], why: 'x' }]), /empty argv/],
      [() => stepScript(ID, [{ ...base, kind: 'run', id: 'r', argv: ['a\nb'] }]), /argv element/],
      [() => stepScript('20261206T230102Z-a1b2c3; reboot', []), /transaction id/],
      [() => confirmScript('../../etc'), /transaction id/],
      [() => rollbackScript('x', false), /transaction id/],
      [() => beginScript({ id: ID, timeoutSec: 0, controls: [], origin: '' }), /timeout/],
      [() => beginScript({ id: ID, timeoutSec: 1.5, controls: [], origin: '' }), /timeout/],
    ];
    for (const [fn, msg] of cases) assert.throws(fn, (e: unknown) => e instanceof TxInputError && msg.test(e.message), String(msg));
  });

  it('quotes arguments so the shell sees them verbatim', () => {
    for (const s of ["it's", '$(id)', '`id`', '"; reboot; "', 'a\\b', '*', '\n', "''", 'ünï ✓']) {
      const r = dash(`printf %s ${shQuote(s)}`);
      assert.equal(r.stdout.toString('utf8'), s);
    }
  });

  it('embeds file content byte for byte (base64 here-document), whatever it contains', () => {
    const contents = ['', 'no newline at the end', "it's $(touch /tmp/x) `id` \\\\ \nPVESEC_B64_EOF\nEOF\n", 'ünïcødé ✓\r\n\ttab\n', 'x'.repeat(5000)];
    for (const content of contents) {
      const script = stepScript(ID, [write('/etc/a.conf', content)]);
      const m = script.match(/<<'PVESEC_B64_EOF'\n([\s\S]*?)\nPVESEC_B64_EOF\n/);
      assert.ok(m, 'a here-document');
      const r = dash(`base64 -d <<'PVESEC_B64_EOF'\n${m[1]}\nPVESEC_B64_EOF\n`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString('utf8'), content);
    }
  });

  it('journals before it changes: in each op the pre-state line comes before the change', () => {
    const s = stepScript(ID, everyOp);
    const order = (a: string, b: string) => assert.ok(s.indexOf(a) >= 0 && s.indexOf(a) < s.indexOf(b), `${a} before ${b}`);
    order("jfile '/etc/ssh/sshd_config.d/00-pvesec.conf'", 'mv -f -- "$tmp" \'/etc/ssh/sshd_config.d/00-pvesec.conf\'');
    order("jdir '/home/alice/.ssh'", "mkdir -- '/home/alice/.ssh'");
    order('jpkgs', "'apt-get' 'install'");
    order("jfile '/etc/passwd'", "'useradd' '-m' '-s' '/bin/bash' 'alice'");
    order("jfile '/etc/gshadow'", "'usermod' '-aG' 'sudo' 'alice'");
    order("jsvc 'ssh.service'", "'systemctl' 'reload' 'ssh.service'");
    // the preflight (symlink checks) of every op runs before the first op's changes
    assert.ok(s.indexOf("pre_path '/home/alice/.ssh' dir") < s.indexOf("jfile '/etc/ssh/sshd_config.d/00-pvesec.conf'"));
    assert.match(s, /'apt-get' 'install' '-y' '-q' '--no-install-recommends' '-o' 'Dpkg::Options::=--force-confold'/);
    assert.match(s, /'env' 'DEBIAN_FRONTEND=noninteractive'/);
  });

  it('arms the dead-man through systemd-run (owned by PID 1), after journaling, never in the background', () => {
    const s = beginScript({ id: ID, timeoutSec: 90, controls: ['SSH-01'], origin: 'o' });
    assert.match(s, /systemd-run --quiet --unit=pvesec-revert-20261206T230102Z-a1b2c3 --on-active=90s --timer-property=AccuracySec=1s/);
    assert.ok(s.indexOf('sync "$T/files" "$T/journal"') < s.indexOf('systemd-run --quiet'));
    assert.ok(s.indexOf('systemctl enable --quiet pvesec-boot-revert.service') < s.indexOf('systemd-run --quiet'));
    assert.doesNotMatch(s, /nohup|setsid|&\s*$|disown/m);
    assert.match(s, /\[ "\$pid1" = systemd \] \|\| \{ ev "refused PID 1 is/);
  });
});

describe('prelude functions (run in a temporary directory)', () => {
  const withDir = (fn: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'pvesec-txn-'));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('st_set rewrites the 512-byte state line in place; st_get/st_why read it back', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'state'), `${'armed 1 '.padEnd(511)}\n`);
      const ino = statSync(join(dir, 'state')).ino;
      const d = shQuote(dir);
      const r = dash(`${PRELUDE}st_set ${d} reverted ${shQuote('op v failed:\nline two\t(tab)')}; st_get ${d}; st_why ${d}; st_time ${d}`);
      assert.equal(r.status, 0, r.stderr);
      const [state, why, time] = r.stdout.toString().split('\n');
      assert.equal(state, 'reverted');
      assert.equal(why, 'op v failed: line two (tab)');
      assert.match(time, /^\d{10}\.\d{3}$/);
      assert.equal(readFileSync(join(dir, 'state')).length, 512);
      assert.equal(statSync(join(dir, 'state')).ino, ino, 'the same file, rewritten in place (no new block needed)');
    });
  });

  it('prune_tx keeps the newest finished transactions, never an armed, failed or excluded one, and counts what it pruned', () => {
    withDir((dir) => {
      const tx = join(dir, 'tx');
      mkdirSync(tx);
      const make = (i: number, state: string) => {
        const id = `202612${String(1 + Math.floor(i / 24)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}0000Z-${i.toString(16).padStart(6, '0')}`;
        mkdirSync(join(tx, id));
        writeFileSync(join(tx, id, 'state'), `${`${state} 1 `.padEnd(511)}\n`);
        return id;
      };
      // oldest first: an old armed one, an old revert-failed one, the rollback target, then 25 finished ones
      const armed = make(0, 'armed');
      const failed = make(1, 'revert-failed');
      const target = make(2, 'confirmed');
      const finished = Array.from({ length: 25 }, (_, i) => make(3 + i, ['confirmed', 'reverted', 'rolled-back'][i % 3]));
      writeFileSync(join(tx, 'not-a-tx'), '');
      const run = (keep: number, ...exclude: string[]) => dash(`${PRELUDE}P=${shQuote(dir)}\n${PRUNE_FUNCTION}prune_tx ${keep} ${exclude.join(' ')}`);
      const r = run(TX_RETAIN, target);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(parseEvents(r.stdout.toString()).map((e) => `${e.type} ${e.text}`), ['pruned 5']);
      const left = readdirSync(tx).sort();
      assert.deepEqual(left, [armed, failed, target, ...finished.slice(5), 'not-a-tx'].sort());
      assert.equal(readFileSync(join(dir, 'pruned'), 'utf8'), '5\n');
      // again with nothing beyond the limit: nothing pruned, nothing printed; then the target goes when not excluded
      assert.equal(run(TX_RETAIN, target).stdout.toString(), '');
      assert.deepEqual(parseEvents(run(TX_RETAIN).stdout.toString()).map((e) => `${e.type} ${e.text}`), ['pruned 1']);
      assert.ok(!existsSync(join(tx, target)) && existsSync(join(tx, armed)) && existsSync(join(tx, failed)));
      assert.equal(readFileSync(join(dir, 'pruned'), 'utf8'), '6\n');
      // history reports the running total
      const h = dash(historyScript().replace(/^P=.*$/m, `P=${shQuote(dir)}`));
      assert.deepEqual(parsePruned(h.stdout.toString()), { pruned: 6, retained: TX_RETAIN });
    });
  });

  it('begin prunes under the node lock before it creates its own directory, sparing the ids it is told to keep', () => {
    const s = beginScript({ id: ID, timeoutSec: 60, controls: [], origin: 'o', keep: ['20261101T000000Z-abcdef'] });
    assert.match(s, /^prune_tx 20 20261101T000000Z-abcdef$/m);
    assert.ok(s.indexOf('flock -w 30 8') < s.indexOf('prune_tx 20') && s.indexOf('prune_tx 20') < s.indexOf('mkdir -m 700 "$T"'));
    assert.throws(() => beginScript({ id: ID, timeoutSec: 60, controls: [], origin: 'o', keep: ['x; rm -rf /'] }), TxInputError);
  });

  it('jrev/jfwd ignore a journal line cut short by a full disk; touched lists each file once', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'journal'), [
        'file /etc/a 1 absent - - - .',
        'dir /etc/d absent .',
        'file /etc/b 3 0123 644 0 0 .',
        'svc ssh enabled active .',
        'file /etc/a 5 absent - - - .',
        'file /etc/cut-short 6 abc 6',
      ].join('\n'));
      const q = shQuote(dir);
      const rev = dash(`${PRELUDE}jrev ${q}`).stdout.toString().trim().split('\n');
      assert.deepEqual(rev.map((l) => l.split(' ').slice(0, 2).join(' ')), ['file /etc/a', 'svc ssh', 'file /etc/b', 'dir /etc/d', 'file /etc/a']);
      assert.deepEqual(dash(`${PRELUDE}touched ${q}`).stdout.toString().trim().split('\n'), ['/etc/a', '/etc/b']);
    });
  });

  it('dg tells absent, directory, link and file content apart', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'f'), 'hello\n');
      const q = (p: string) => shQuote(join(dir, p));
      const r = dash(`${PRELUDE}ln -s f ${q('l')}; dg ${q('f')}; dg ${q('none')}; dg ${shQuote(dir)}; dg ${q('l')}`);
      assert.deepEqual(r.stdout.toString().trim().split('\n'), [
        '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03', 'absent', 'dir', 'link']);
    });
  });
});

describe('validators with expected output', () => {
  const gate = (expectOutput: string[]): Op =>
    ({ ...base, kind: 'validate', id: 'gate', argv: ['printf', 'permitrootlogin without-password  \\nx11forwarding no\\n'], why: 'root with keys', expectOutput });
  /** The gate's compiled lines, run by dash with stand-ins for the step's event and abort functions. */
  const runGate = (op: Op) =>
    dash(`ev() { echo "EV $*"; }\nopfail() { echo "FAIL $1: $2"; exit 4; }\ntail3() { printf '%s\\n' "$1" | tail -n 3; }\n${compileOps([op]).apply}`);

  it('passes when every expected line is printed (whole lines, trailing blanks ignored)', () => {
    const r = runGate(gate(['permitrootlogin without-password', 'x11forwarding no']));
    assert.equal(r.status, 0, r.stdout.toString() + r.stderr);
    assert.match(r.stdout.toString(), /EV validated gate/);
  });

  it('fails the op naming the missing line when a line is absent or only part of a line matches', () => {
    for (const missing of ['permitrootlogin prohibit-password', 'x11forwarding', 'forwarding no']) {
      const r = runGate(gate(['x11forwarding no', missing]));
      assert.equal(r.status, 4, missing);
      assert.match(r.stdout.toString(), new RegExp(`FAIL gate: root with keys: printf [\\s\\S]* does not print "${missing}"`));
    }
  });

  it('refuses an expected line with a newline before any script exists', () => {
    assert.throws(() => compileOps([gate(['a\nb'])]), TxInputError);
  });
});

describe('parseEvents / parseHistory', () => {
  it('reads only pvesec-tx lines, keeps reasons verbatim, tolerates CRLF', () => {
    const out = [
      'Reading package lists...',
      `pvesec-tx armed ${ID} pvesec-revert-${ID}.timer 1796597472\r`,
      'pvesec-tx failed validate:sshd sshd must accept its configuration: sshd -t exited 255: /etc/ssh/sshd_config.d/00-pvesec.conf line 1: unsupported option "sometimes".',
      'pvesec-tx confirmed',
      'pvesec-txfoo not an event',
      '  pvesec-tx indented is not an event',
    ].join('\n');
    const ev = parseEvents(out);
    assert.deepEqual(ev.map((e) => e.type), ['armed', 'failed', 'confirmed']);
    assert.deepEqual(ev[0].args, [ID, `pvesec-revert-${ID}.timer`, '1796597472']);
    assert.equal(ev[1].args[0], 'validate:sshd');
    assert.equal(restAfter(ev[1], 1), 'sshd must accept its configuration: sshd -t exited 255: /etc/ssh/sshd_config.d/00-pvesec.conf line 1: unsupported option "sometimes".');
    assert.deepEqual(ev[2].args, []);
  });

  it('parses the history a node printed', () => {
    // captured from historyScript on a systemd test host
    const out = `pvesec-tx tx 20261206T225045Z-37e6b7 reverted 1796597474.021 the confirmation deadline passed
pvesec-tx tx-meta 20261206T225045Z-37e6b7 id 20261206T225045Z-37e6b7
pvesec-tx tx-meta 20261206T225045Z-37e6b7 time 1796597452
pvesec-tx tx-meta 20261206T225045Z-37e6b7 controls SSH-01,SSH-02
pvesec-tx tx-meta 20261206T225045Z-37e6b7 origin pvesec test
pvesec-tx tx-meta 20261206T225045Z-37e6b7 timeout 20
pvesec-tx tx-meta 20261206T225045Z-37e6b7 planDigest 
pvesec-tx tx-meta 20261206T225045Z-37e6b7 deadline 1796597472
pvesec-tx tx-file 20261206T225045Z-37e6b7 /etc/ssh/sshd_config.d/00-pvesec.conf
pvesec-tx tx-file 20261206T225045Z-37e6b7 /etc/ssh/sshd_config
pvesec-tx tx 20261206T225122Z-1485ed confirmed 1796597485.814 
pvesec-tx tx-meta 20261206T225122Z-1485ed id 20261206T225122Z-1485ed
pvesec-tx tx-meta 20261206T225122Z-1485ed time 1796597484
pvesec-tx tx-meta 20261206T225122Z-1485ed controls SSH-01
pvesec-tx tx-meta 20261206T225122Z-1485ed origin pvesec test
pvesec-tx tx-meta 20261206T225122Z-1485ed timeout 30
pvesec-tx tx-meta 20261206T225122Z-1485ed planDigest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
pvesec-tx tx-meta 20261206T225122Z-1485ed deadline 1796597514
pvesec-tx tx-file 20261206T225122Z-1485ed /etc/pvesec-test/a/b.conf
`;
    const h = parseHistory(out);
    assert.equal(h.length, 2);
    assert.deepEqual(h[0], {
      id: '20261206T225045Z-37e6b7', time: new Date(1796597452_000).toISOString(), controls: ['SSH-01', 'SSH-02'],
      files: ['/etc/ssh/sshd_config.d/00-pvesec.conf', '/etc/ssh/sshd_config'], state: 'reverted', reason: 'the confirmation deadline passed',
      stateTime: new Date(1796597474_021).toISOString(), origin: 'pvesec test', timeoutSec: 20, deadline: new Date(1796597472_000).toISOString(),
    });
    assert.equal(h[1].state, 'confirmed');
    assert.equal(h[1].reason, undefined);
    assert.equal(h[1].planDigest, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    assert.deepEqual(parseHistory(''), []);
  });
});
