import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCheck } from '../testing.js';
import { checks as sshChecks } from './index.js';
import { checks as accChecks } from '../acc/index.js';
import { accNode, GOOD_HOMES } from '../acc/testing.js';
import { DEBIAN12_CONFIG, hardenedNode, inCluster, sshdT, HARDENED_T } from './testing.js';

// Every SSH and ACC check on mutated inputs: verdicts or SKIP with a reason, never a crash ("check failed: ...").
test('SSH and ACC checks survive mutated sshd, account and key files', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = ' \t\n"#=,!*?/[]:%@Match User Address 0123456789yesno';
  const mutate = (s: string, n: number) => {
    for (let k = 0; k < n; k++) {
      const p = Math.floor(rnd() * s.length);
      s = s.slice(0, p) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(p + Math.floor(rnd() * 3));
    }
    return s;
  };
  const base = inCluster(accNode(GOOD_HOMES, hardenedNode({}, 'Match Address 10.0.0.0/8 User root\n  AllowTcpForwarding yes\n')));
  for (let i = 0; i < 150; i++) {
    const files = { ...base.files } as Record<string, string | { content: string }>;
    for (const [path, f] of Object.entries(files)) {
      if (rnd() < 0.4) continue;
      const text = typeof f === 'string' ? f : String(f.content);
      const mutated = mutate(text, 1 + Math.floor(rnd() * 12));
      files[path] = typeof f === 'string' ? mutated : { ...f, content: mutated };
    }
    files['/etc/ssh/sshd_config'] = mutate(DEBIAN12_CONFIG, 5) + 'Include /etc/ssh/sshd_config.d/*.conf\n';
    const commands = { 'sshd -T': mutate(sshdT(HARDENED_T), Math.floor(rnd() * 8)), 'sshd -t': { output: mutate('/etc/ssh/sshd_config line 3: x\n', 3), exitCode: i % 3 } };
    const node = { ...base, files, commands };
    for (const check of [...sshChecks, ...accChecks]) {
      for (const f of runCheck(check, { node })) {
        assert.ok(!f.message.startsWith('check failed'), `${check.meta.id} crashed on mutation ${i}: ${f.message}`);
        assert.ok(!f.message.includes('\n'), `${check.meta.id}: multi-line message`);
      }
    }
  }
});
