import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { adminAccountSchema, configSchema, portSchema, waiverSchema, webauthnSchema } from './schema.js';

// The README's "Every key" pvesec.yaml lists every key the schema accepts, nested ones included.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Configuration: pvesec.yaml'));
const documented = parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]) as Record<string, unknown>;

const keysOf = (list: unknown): Set<string> => new Set((list as unknown[]).filter((e) => typeof e === 'object' && e !== null).flatMap((e) => Object.keys(e as object)));

test('every pvesec.yaml key of the schema is in the README example', () => {
  assert.deepEqual(Object.keys(configSchema().shape).filter((k) => !(k in documented)), []);
  assert.deepEqual(Object.keys(documented).filter((k) => !(k in configSchema().shape)), [], 'the README documents no key the schema rejects');
  const nested: [string, Record<string, unknown>][] = [['waivers', waiverSchema().shape], ['expected_ports', portSchema().shape], ['admin_users', adminAccountSchema().shape]];
  assert.deepEqual(Object.keys(webauthnSchema().shape).filter((k) => !(k in (documented.webauthn as object))), [], 'webauthn: keys missing from the README example');
  for (const [key, shape] of nested) {
    const seen = keysOf(documented[key]);
    assert.deepEqual(Object.keys(shape).filter((k) => !seen.has(k)), [], `${key}: keys missing from the README example`);
  }
});
