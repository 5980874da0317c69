import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { keywordTable, SSHD_VERSIONS, testConfig } from './index.js';

// Real sshd's answer, per version, to `KEYWORD x` appended to Debian's sshd_config, globally and inside
// `Match User nobody` (scripts/gen-sshd-cases.ts): the first message of `sshd -t`, or "ok".
const versions = JSON.parse(fs.readFileSync(new URL('../../../test/fixtures/sshd/versions.json', import.meta.url), 'utf8')) as Record<
  string,
  { keywords: Record<string, { global: string; match: string }> }
>;

/** Probes whose first message comes from after loading the configuration (key files, name resolution). */
const RUNTIME_MESSAGES = new Set(['hostcertificate', 'hostkey', 'hostdsakey', 'hostkeyagent', 'listenaddress']);

for (const version of SSHD_VERSIONS) {
  test(`sshd ${version} keyword table: known, deprecated/unsupported and Match scope agree with the real binary`, () => {
    const table = keywordTable(version);
    const probes = versions[version].keywords;
    assert.ok(Object.keys(probes).length > 120);
    for (const [name, probe] of Object.entries(probes)) {
      const kw = table.lookup(name);
      const unknown = probe.global.includes(`Bad configuration option: ${name}`);
      assert.equal(kw === undefined, unknown, `${name}: known to sshd ${version}?`);
      if (!kw) continue;
      assert.equal(kw.opcode === 'Deprecated', probe.global.includes(`Deprecated option ${name}`), `${name}: deprecated?`);
      assert.equal(kw.opcode === 'Unsupported', probe.global.includes(`Unsupported option ${name}`), `${name}: unsupported?`);
      assert.equal(kw.scope === 'GLOBAL', probe.match.includes('is not allowed within a Match block'), `${name}: allowed in Match?`);
    }
  });

  test(`sshd ${version}: the model gives real sshd's first message for every keyword probe`, () => {
    const probes = versions[version].keywords;
    const normalise = (m: string): string => m.replace(/line \d+/g, 'line N');
    let compared = 0;
    for (const [name, probe] of Object.entries(probes)) {
      if (RUNTIME_MESSAGES.has(name)) continue;
      for (const [where, text] of [['global', `${name} x\n`], ['match', `Match User nobody\n  ${name} x\n`]] as const) {
        const v = testConfig({ files: { sshd_config: text } }, version);
        const first = v.messages[0]?.text ?? 'ok';
        const expected = probe[where];
        // the probe file is Debian's; our file is just the probe line, so compare without the line number
        assert.equal(normalise(first.replace('/etc/ssh/sshd_config', 'F')), normalise(expected.replace('/etc/ssh/sshd_config', 'F')), `${name} (${where})`);
        compared++;
      }
    }
    assert.ok(compared > 250);
  });
}
