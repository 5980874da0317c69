import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { CONNECTION_SPECS, SPEC_USERS } from '../../../scripts/sshd-cases.js';
import { compareCase, newTally, type Disagreement, type RecordedCase } from './differential.js';
import { SSHD_VERSIONS } from './index.js';

// 582 configuration trees (500 generated + 82 targeted, scripts/sshd-cases.ts) with the answers of real
// OpenSSH 9.2 (Debian 12) and 10.0 (Debian 13): `sshd -t`, `sshd -T` and `sshd -T -C` for 4 connections.
const cases: RecordedCase[] = zlib
  .gunzipSync(fs.readFileSync(new URL('../../../test/fixtures/sshd/cases.jsonl.gz', import.meta.url)))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

/**
 * Disagreements known and accepted, "id version what" -> reason. Any disagreement not listed fails the
 * test; a listed one that no longer happens fails too (so the list stays true). Empty: the model agrees
 * with real sshd on every verdict, message and key of the fixtures.
 */
const KNOWN: Record<string, string> = {};

for (const version of SSHD_VERSIONS) {
  test(`sshd ${version}: verdicts, messages and every sshd -T / -T -C key agree with real OpenSSH`, () => {
    const tally = newTally();
    const found: Disagreement[] = [];
    for (const c of cases) compareCase(c, version, CONNECTION_SPECS, SPEC_USERS, tally, found);
    const unexpected = found.filter((d) => !KNOWN[`${d.id} ${d.version} ${d.what}`]);
    const stale = Object.keys(KNOWN).filter((k) => k.includes(` ${version} `) && !found.some((d) => `${d.id} ${d.version} ${d.what}` === k));
    const worst = [...tally.perKey].filter(([, k]) => k.agree < k.total).map(([key, k]) => `${key} ${k.agree}/${k.total}`);
    console.log(
      `sshd ${version}: ${tally.cases} cases; refused recognised ${tally.refusedRecognised}/${tally.refused}; ` +
        `loadable recognised ${tally.loadableRecognised}/${tally.cases - tally.refused}; sshd -t output identical ${tally.messagesAgree}/${tally.cases}; ` +
        `keys agreeing ${tally.keys.agree}/${tally.keys.total} over ${tally.perKey.size} keywords${worst.length ? `; below 100%: ${worst.join(', ')}` : ''}`,
    );
    assert.equal(tally.cases, 582);
    assert.ok(tally.refused > 100, 'the fixtures hold refused trees');
    assert.ok(tally.keys.total > 150000, 'the fixtures hold sshd -T output');
    assert.deepEqual(
      unexpected.slice(0, 10).map((d) => `${d.id} ${d.version} ${d.what}\n  model: ${d.model.slice(0, 300)}\n  sshd:  ${d.sshd.slice(0, 300)}`),
      [],
    );
    assert.deepEqual(stale, [], 'known disagreements that no longer happen: remove them from KNOWN');
  });
}
