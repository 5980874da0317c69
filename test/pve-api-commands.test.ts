// Every pveum / pvesh / pvenode command pvesec prints must be a valid call of the Proxmox VE 9.1 API
// (test/fixtures/pve-api/api-parameters.json, reduced from pve-docs' apidata.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_CHECKS } from '../src/checks/registry.js';
import { extractCommands, loadApiSchema, validateCommand, type Command, type Validation } from './support/pve-cli-schema.js';

const schema = loadApiSchema();
const one = (text: string): Command => {
  const cmds = extractCommands(text);
  assert.equal(cmds.length, 1, `expected one command in: ${text}`);
  return cmds[0];
};
const check = (text: string): Validation => validateCommand(one(text), schema);
const assertValid = (text: string, call: string) => {
  const v = check(text);
  assert.deepEqual(v.errors, [], text);
  assert.equal(v.call, call, text);
  return v;
};
const assertRejected = (text: string, fragment: string) => {
  const v = check(text);
  assert.ok(v.errors.some((e) => e.includes(fragment)), `${text}: expected an error containing '${fragment}', got ${JSON.stringify(v.errors)}`);
};

test('every pveum/pvesh/pvenode command in the fix texts is a valid API call', (t) => {
  const failures: string[] = [];
  let validated = 0;
  for (const c of ALL_CHECKS) {
    for (const cmd of extractCommands(c.meta.fix)) {
      const v = validateCommand(cmd, schema);
      validated++;
      if (v.errors.length) failures.push(`${c.meta.id}: ${cmd.text}\n    ${v.errors.join('\n    ')}`);
    }
  }
  t.diagnostic(`validated ${validated} commands from ${ALL_CHECKS.length} fix texts against the PVE 9.1 API schema`);
  assert.ok(validated >= 30, `only ${validated} commands found: is the extraction broken?`);
  assert.deepEqual(failures, []);
});

test('no check prints a PVE command outside its fix text', () => {
  // Verdict messages are built at run time; make sure any command they contain is one the fix texts
  // (validated above) also contain, so no command escapes validation.
  const checksDir = fileURLToPath(new URL('../src/checks/', import.meta.url));
  const fixes = ALL_CHECKS.map((c) => c.meta.fix).join('\n');
  const unvalidated: string[] = [];
  for (const dir of fs.readdirSync(checksDir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of fs.readdirSync(path.join(checksDir, dir.name)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'testing.ts')) {
      const lines = fs.readFileSync(path.join(checksDir, dir.name, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^\s*(\/\/|\*)/.test(line) || /^\s*fix:/.test(line)) return;
        for (const m of line.matchAll(/\b(?:pveum|pvesh|pvenode|pvecm) [a-z][^'"`)$]*/g)) {
          if (!fixes.includes(m[0].trimEnd())) unvalidated.push(`${dir.name}/${file}:${i + 1}: ${m[0]}`);
        }
      });
    }
  }
  assert.deepEqual(unvalidated, []);
});

test('fix texts this test once caught are rejected', () => {
  const former = [
    'Enroll a factor for each listed user (pveum user tfa ... or the GUI as that user)',
    'Remove stale entries: pveum acl delete PATH --users USER|--groups GROUP|--tokens TOKEN --roles ROLE',
    're-create dropped ones with pveum acl modify so that Proxmox writes them in a valid order',
    'Adjust ACLs (pveum acl modify/delete) until every listed difference is gone',
    'Renew: pvenode acme cert renew (ACME), or pvenode cert set with a new certificate',
    'pvecm updatecerts --force, or pvenode acme cert order with acme domains set',
  ];
  for (const text of former) {
    const errors = extractCommands(text).flatMap((c) => validateCommand(c, schema).errors);
    assert.ok(errors.length > 0, `not rejected: ${text}`);
  }
});

test('extraction: separators, quotes, substitutions and prose', () => {
  const cmds = extractCommands(
    'Do it: pveum user add alice@pve --comment "Alice (admin)" && pvenode config set --acme domains=$(hostname -f); ' +
    'or (pvecm updatecerts --force), then pvesh get /version, with care',
  );
  assert.deepEqual(cmds.map((c) => c.text), [
    'pveum user add alice@pve --comment "Alice (admin)"',
    'pvenode config set --acme domains=$(hostname -f)',
    'pvecm updatecerts --force',
    'pvesh get /version',
  ]);
  assert.equal(cmds[0].args[4].value, 'Alice (admin)');
  const ldap = one('pveum realm modify REALM --mode ldaps --verify 1 (optionally --capath /etc/ssl/certs); or --mode ldap+starttls');
  assert.deepEqual(ldap.variants.map((v) => v.map((w) => w.value)), [['--capath', '/etc/ssl/certs'], ['--mode', 'ldap+starttls']]);
});

test('pveum, pvenode and pvesh map to the API calls of their CLI handlers', () => {
  assert.deepEqual(assertValid('pveum acl delete /vms/100 --users bob@pve --roles PVEVMAdmin --propagate 0', 'PUT /access/acl').params,
    { delete: '1', path: '/vms/100', users: 'bob@pve', roles: 'PVEVMAdmin', propagate: '0' });
  assert.deepEqual(assertValid('pveum user token add USER NAME --privsep 1 --expire 0', 'POST /access/users/{userid}/token/{tokenid}').params,
    { userid: 'USER', tokenid: 'NAME', privsep: '1', expire: '0' });
  assertValid('pveum user token remove alice@pve ci', 'DELETE /access/users/{userid}/token/{tokenid}');
  assertValid('pveum user tfa unlock alice@pve', 'PUT /access/users/{userid}/unlock-tfa');
  assert.deepEqual(check('pveum user tfa delete alice@pve --id totp0').errors, []);
  assert.deepEqual(check('pveum user tfa list').errors, []);
  assertValid('pveum aclmod / --groups admins --roles Administrator', 'PUT /access/acl');
  assertValid('pveum passwd alice@pve', 'PUT /access/password'); // the password is prompted for
  assertValid('pveum group add admins --comment "Administrators"', 'POST /access/groups');
  assertValid('pveum role modify Auditor2 --privs Sys.Audit,VM.Audit --append 1', 'PUT /access/roles/{roleid}');
  assertValid('pveum realm add corp --type ldap --server1 ldap.example.com --base_dn dc=example,dc=com --user_attr uid --mode ldaps --verify 1', 'POST /access/domains');
  assertValid('pveum realm modify pve --tfa type=oath,digits=6', 'PUT /access/domains/{realm}');
  assertValid('pveum user list --output-format json', 'GET /access/users');
  assertValid('pveum user token add alice@pve ci --privsep 1 --output-format json', 'POST /access/users/{userid}/token/{tokenid}');
  assertValid('pvesh set /cluster/firewall/options --enable 1 --policy_in DROP', 'PUT /cluster/firewall/options');
  assertValid('pvenode cert set fullchain.pem key.pem --restart --force', 'POST /nodes/{node}/certificates/custom');
  assertValid('pvenode acme account register default admin@example.com', 'POST /cluster/acme/account');
  assertValid('pvenode acme cert renew --force', 'PUT /nodes/{node}/certificates/acme/certificate');
  assertValid('pvesh set /nodes/pve1/firewall/options --enable 1 --log_level_in info', 'PUT /nodes/{node}/firewall/options');
  assertValid('pvesh get /access/users/USER/token/TOKEN --output-format json', 'GET /access/users/{userid}/token/{tokenid}');
  assertValid('pvesh create /cluster/firewall/rules --type in --action ACCEPT --source 192.0.2.0/24 --dport 8006 --proto tcp --enable 1', 'POST /cluster/firewall/rules');
  assert.equal(check('pvecm updatecerts --force --silent').errors.length, 0);
});

test('the validator rejects what Proxmox rejects', () => {
  assertRejected('pveum user add alice@pve --nickname al', 'unknown option --nickname');
  assertRejected('pveum acl modify / --users alice@pve', 'missing required parameter roles');
  assertRejected('pveum acl modify --users alice@pve --roles Administrator', 'missing required parameter path');
  assertRejected('pveum acl modify / --users alice@pve --roles Administrator --delete 1', '--delete is given by the command itself');
  assertRejected('pveum acl modify / --users alice@pve --roles Administrator --propagate maybe', "'maybe' is not a boolean");
  assertRejected('pveum acl modify / --users alice --roles Administrator', "'alice' is not a valid pve-userid-list");
  assertRejected('pveum acl modify / --tokens alice@pve --roles Administrator', 'not a valid pve-tokenid-list');
  assertRejected('pveum realm modify corp --mode ldapx', "'ldapx' is not one of ldap|ldaps|ldap+starttls");
  assertRejected('pveum realm modify corp --verify ROLE', 'needs a literal value');
  assertRejected('pvesh set /cluster/firewall/options --policy_in POLICY', 'needs a literal value');
  assertRejected('pveum user modify alice@pve --enable 1 --output-format json', 'unknown option --output-format');
  assertRejected('pveum realm modify pve --tfa type=totp', "'totp' is not one of oath|yubico");
  assertRejected('pveum realm modify pve --tfa digits=6', "missing required key 'type'");
  assertRejected('pveum user token add alice@pve --privsep 1', 'missing required parameter tokenid');
  assertRejected('pveum user token add alice@pve ci extra', 'too many arguments: extra');
  assertRejected('pveum user tfa enroll alice@pve', "unknown subcommand 'enroll'");
  assertRejected('pveum user token modify USER NAME --expire -5', '-5 < minimum 0');
  assertRejected('pvesh set /cluster/options --webauthn rp=pve,origin=https://pve:8006,relying-party=x', "unknown key 'relying-party'");
  assertRejected('pvesh set /cluster/option --keyboard de', 'no API path matches /cluster/option');
  assertRejected('pvesh create /cluster/options --keyboard de', 'POST /cluster/options is not in the API schema');
  assertRejected('pvesh create /access/users --comment x', 'missing required parameter userid');
  assertRejected('pvesh frobnicate /version', "unsupported verb 'frobnicate'");
  assertRejected('pvenode cert set fullchain.pem key.pem --restart --reload', 'unknown option --reload');
  assertRejected('pvenode cert set fullchain.pem key.pem with care', 'too many arguments: with care');
  assertRejected('pvecm updatecerts --force --really', 'unknown option --really');
  assertRejected('pvenode acme account register default admin@example.com --tos_url https://x', 'unknown option --tos_url');
  assertValid('pvenode config set --acmedomain0 pve1.example.com,plugin=standalone', 'PUT /nodes/{node}/config');
  assertRejected('pvenode config set --acmedomain0 pve1.example.com,plugin=standalone,via=dns', "unknown key 'via'");
  assertRejected('pveum realm modify REALM --mode ldaps (optionally --capth /etc/ssl/certs)', 'unknown option --capth');
});
