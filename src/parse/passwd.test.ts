import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePasswd, shellKind } from './passwd.js';
import { parseGroup } from './group.js';
import { ParseError } from './diagnostics.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('passwd of a Proxmox VE node: system accounts and login users', () => {
  const { value: users, diagnostics } = parsePasswd(fixture('pve-passwd'));
  assert.deepEqual(diagnostics, []);
  assert.equal(users.length, 19);
  const alice = users.find((u) => u.name === 'alice')!;
  assert.deepEqual({ ...alice }, { name: 'alice', uid: 1000, gid: 1000, gecos: 'Alice Admin,,,', home: '/home/alice', shell: '/bin/bash', line: 17 });
  assert.equal(shellKind('/bin/bash'), 'full');
  assert.equal(shellKind('/usr/bin/zsh'), 'full');
  assert.equal(shellKind('/bin/sh'), 'minimal');
  assert.equal(shellKind('/usr/sbin/nologin'), 'nologin');
  assert.equal(shellKind('/bin/false'), 'nologin');
  assert.equal(shellKind('/bin/sync'), 'nologin');
  assert.equal(shellKind(''), 'minimal');
});

test('passwd: malformed and NIS lines are skipped with located diagnostics; hashes in the passwd field are not kept', () => {
  const { value, diagnostics } = parsePasswd('root:x:0:0:root:/root:/bin/bash\n+@netadmins::::::\nbad:line\nold:$1$abc$def:1003:1003::/home/old:/bin/bash\neve:x:abc:1::/:/bin/sh\n');
  assert.deepEqual(value.map((u) => u.name), ['root', 'old']);
  assert.ok(!JSON.stringify(value).includes('$1$'));
  assert.deepEqual(diagnostics.map((d) => d.line), [2, 3, 5]);
});

test('group: members, primary groups', () => {
  const { value: groups, diagnostics } = parseGroup(fixture('pve-group'));
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(groups.find((g) => g.name === 'sudo'), { name: 'sudo', gid: 27, members: ['alice', 'bob'], line: 3 });
  assert.deepEqual(groups.find((g) => g.name === 'root')?.members, []);
  const bad = parseGroup('sudo:x:27\nok:x:5:a, b\n');
  assert.equal(bad.diagnostics[0].line, 1);
  assert.deepEqual(bad.value[0].members, ['a', 'b']);
});

test('fuzz: passwd and group parsers only throw ParseError', () => {
  const base = fixture('pve-passwd') + fixture('pve-group');
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 1000; i++) {
    let s = base;
    for (let k = 0; k < 10; k++) {
      const p = Math.floor(rnd() * s.length);
      s = s.slice(0, p) + ':\n,+-x0'[Math.floor(rnd() * 7)] + s.slice(p + 1);
    }
    try {
      parsePasswd(s);
      parseGroup(s);
    } catch (e) {
      assert.ok(e instanceof ParseError);
    }
  }
});
