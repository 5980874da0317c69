// Checks an argv pvesec runs on a node (a pve-call operation) against the Proxmox VE 9.1 API schema, with
// the same mapping of pveum/pvesh commands to API calls the printed fix texts are checked with.
import assert from 'node:assert/strict';
import { loadApiSchema, validateCommand, type Command } from './pve-cli-schema.js';

const schema = loadApiSchema();

export function commandOfArgv(argv: string[]): Command {
  return { program: argv[0], args: argv.slice(1).map((value) => ({ value, raw: value })), text: argv.join(' '), variants: [] };
}

/** Asserts that argv is a valid call (no schema error) and, when given, that it maps to that API call ("PUT /access/acl"). */
export function assertValidPveArgv(argv: string[], call?: string): void {
  const v = validateCommand(commandOfArgv(argv), schema);
  assert.deepEqual(v.errors, [], argv.join(' '));
  if (call !== undefined) assert.equal(v.call, call, argv.join(' '));
}
