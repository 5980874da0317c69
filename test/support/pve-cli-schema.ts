// Validates the pveum / pvesh / pvenode command lines pvesec prints (in check fix texts) against the
// Proxmox VE 9.1 API schema: each command is mapped to the API call its CLI handler makes (as in PVE's
// PVE/CLI/pveum.pm and PVE/CLI/pvenode.pm cmddefs), then its options and values are checked against
// that call's parameters (test/fixtures/pve-api/api-parameters.json, made by scripts/import-pve-api.py).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One API parameter as reduced by scripts/import-pve-api.py (PVE JSON-schema subset). */
export interface ParamSpec {
  type?: 'string' | 'boolean' | 'integer' | 'number' | 'array';
  optional?: 1;
  enum?: string[];
  /** A named format ('pve-userid-list') or the keys of a property string (key=value,...). */
  format?: string | Record<string, ParamSpec>;
  default_key?: 1;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}
/** "METHOD /path/{param}" -> parameters of that call. */
export type ApiSchema = Record<string, Record<string, ParamSpec>>;

const here = path.dirname(fileURLToPath(import.meta.url));

export function loadApiSchema(): ApiSchema {
  return JSON.parse(fs.readFileSync(path.join(here, '..', 'fixtures', 'pve-api', 'api-parameters.json'), 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// Extraction: commands inside prose. A command runs from the program name to the first shell
// separator (&& || ; | newline backtick), an unquoted parenthesis, a ", " or a sentence-ending
// ". ", or the word "or". Anything else after the program name is an argument — prose glued to a
// command is therefore reported as a bad argument, which keeps fix texts copy-pasteable.

/** Stands for a shell command substitution $(...) inside a word. */
export const SUBSTITUTION = '\u0001';
const PROGRAMS = new Set(['pveum', 'pvesh', 'pvenode', 'pvecm']);

export interface Word { value: string; raw: string }
export interface Command {
  program: string;
  args: Word[];
  /** The command as written (for messages). */
  text: string;
  /** Option fragments the prose offers for the same command (each checked as extra options). */
  variants: Word[][];
}

type Token = { kind: 'word'; word: Word } | { kind: 'stop' };

function readSubstitution(s: string, start: number): number {
  // s[start..start+1] === '$('; returns the index after the matching ')'.
  let depth = 0;
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return s.length;
      i = end;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return s.length;
}

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    if ('\n;()`'.includes(c)) { tokens.push({ kind: 'stop' }); i++; continue; }
    if (c === '&' || c === '|') { tokens.push({ kind: 'stop' }); i += s[i + 1] === c ? 2 : 1; continue; }
    let value = '';
    const start = i;
    while (i < s.length && !' \t\n;()`&|'.includes(s[i])) {
      const ch = s[i];
      if (ch === '"' || ch === "'") {
        const end = s.indexOf(ch, i + 1);
        const stop = end < 0 ? s.length : end;
        value += s.slice(i + 1, stop);
        i = stop + 1;
      } else if (ch === '$' && s[i + 1] === '(') {
        value += SUBSTITUTION;
        i = readSubstitution(s, i);
      } else { value += ch; i++; }
    }
    let raw = s.slice(start, i);
    // Punctuation of the surrounding sentence: "..., with" / "... order. Then"
    const trailing = /[,.:]$/.test(raw) && !/^\.+$/.test(raw) && (i >= s.length || /\s/.test(s[i]));
    if (trailing) { raw = raw.slice(0, -1); value = value.slice(0, -1); }
    tokens.push({ kind: 'word', word: { value, raw } });
    if (trailing) tokens.push({ kind: 'stop' });
  }
  return tokens;
}

/**
 * Every pveum/pvesh/pvenode/pvecm command in a text (a fix text, a message). Option fragments that
 * follow a command in the prose ("(optionally --capath /etc/ssl/certs)", "or --mode ldap+starttls")
 * are kept as its variants: they are options of the same call and are checked as such.
 */
export function extractCommands(text: string): Command[] {
  const tokens = tokenize(text);
  const commands: Command[] = [];
  let fragment: Word[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const last = commands[commands.length - 1];
    if (t.kind !== 'word' || t.word.value === 'or') { fragment = undefined; continue; }
    if (!PROGRAMS.has(t.word.value)) {
      if (!fragment && last && t.word.value.startsWith('--')) last.variants.push(fragment = []);
      fragment?.push(t.word);
      continue;
    }
    fragment = undefined;
    const args: Word[] = [];
    let j = i + 1;
    for (; j < tokens.length; j++) {
      const a = tokens[j];
      if (a.kind === 'stop' || a.word.value === 'or') break;
      args.push(a.word);
    }
    commands.push({ program: t.word.value, args, text: [t.word.raw, ...args.map((a) => a.raw)].join(' '), variants: [] });
    i = j - 1;
  }
  return commands;
}

// ---------------------------------------------------------------------------------------------
// CLI -> API mapping

interface Handler {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Parameters taken from positional arguments, in order (PVE's arg_param). */
  positional?: string[];
  /** Parameters the CLI sets itself (PVE's fixed_param); not accepted as options. */
  fixed?: Record<string, string>;
  /** Parameters the CLI prompts for (PVE's param_mapping with interactive input). */
  interactive?: string[];
  /** Takes PVE's standard output options (--output-format ...); every GET does. */
  output?: true;
  /** A CLI wrapper method with its own, narrower parameter list: only these are accepted as options. */
  only?: string[];
}
/** A command that makes no API call: its own parameters, checked here explicitly. */
interface CliOnly { cliOnly: Record<string, ParamSpec>; why: string; positional?: string[] }
type Entry = Handler | CliOnly;
interface Tree { [word: string]: Tree | Entry }

const isEntry = (x: Tree | Entry): x is Entry => 'method' in x || 'cliOnly' in x;

const NODE = { node: '<local node>' };
const USERID_PARAM: ParamSpec = { type: 'string', format: 'pve-userid' };

// PVE/CLI/pveum.pm (pve-access-control)
const USER_TOKEN = '/access/users/{userid}/token/{tokenid}';
const pveumTokenDelete: Handler = { method: 'DELETE', path: USER_TOKEN, positional: ['userid', 'tokenid'], output: true };
const pveum: Tree = {
  user: {
    add: { method: 'POST', path: '/access/users', positional: ['userid'] },
    modify: { method: 'PUT', path: '/access/users/{userid}', positional: ['userid'] },
    delete: { method: 'DELETE', path: '/access/users/{userid}', positional: ['userid'] },
    list: { method: 'GET', path: '/access/users' },
    permissions: { method: 'GET', path: '/access/permissions', positional: ['userid'] },
    tfa: {
      unlock: { method: 'PUT', path: '/access/users/{userid}/unlock-tfa', positional: ['userid'] },
      // pveum's own delete_tfa and list_tfa edit/read priv/tfa.cfg directly.
      delete: { why: 'pveum user tfa delete edits priv/tfa.cfg itself', positional: ['userid'], cliOnly: { userid: USERID_PARAM, id: { type: 'string', optional: 1 } } },
      list: { why: 'pveum user tfa list reads priv/tfa.cfg itself', positional: ['userid'], cliOnly: { userid: { ...USERID_PARAM, optional: 1 } } },
    },
    token: {
      add: { method: 'POST', path: USER_TOKEN, positional: ['userid', 'tokenid'], output: true },
      modify: { method: 'PUT', path: USER_TOKEN, positional: ['userid', 'tokenid'], output: true },
      delete: pveumTokenDelete,
      remove: pveumTokenDelete,
      list: { method: 'GET', path: '/access/users/{userid}/token', positional: ['userid'] },
    },
  },
  group: {
    add: { method: 'POST', path: '/access/groups', positional: ['groupid'] },
    modify: { method: 'PUT', path: '/access/groups/{groupid}', positional: ['groupid'] },
    delete: { method: 'DELETE', path: '/access/groups/{groupid}', positional: ['groupid'] },
    list: { method: 'GET', path: '/access/groups' },
  },
  role: {
    add: { method: 'POST', path: '/access/roles', positional: ['roleid'] },
    modify: { method: 'PUT', path: '/access/roles/{roleid}', positional: ['roleid'] },
    delete: { method: 'DELETE', path: '/access/roles/{roleid}', positional: ['roleid'] },
    list: { method: 'GET', path: '/access/roles' },
  },
  acl: {
    modify: { method: 'PUT', path: '/access/acl', positional: ['path'], fixed: { delete: '0' } },
    delete: { method: 'PUT', path: '/access/acl', positional: ['path'], fixed: { delete: '1' } },
    list: { method: 'GET', path: '/access/acl' },
  },
  realm: {
    add: { method: 'POST', path: '/access/domains', positional: ['realm'] },
    modify: { method: 'PUT', path: '/access/domains/{realm}', positional: ['realm'] },
    delete: { method: 'DELETE', path: '/access/domains/{realm}', positional: ['realm'] },
    list: { method: 'GET', path: '/access/domains' },
    sync: { method: 'POST', path: '/access/domains/{realm}/sync', positional: ['realm'] },
  },
  pool: {
    add: { method: 'POST', path: '/pools', positional: ['poolid'] },
    modify: { method: 'PUT', path: '/pools', positional: ['poolid'] },
    delete: { method: 'DELETE', path: '/pools', positional: ['poolid'] },
  },
  passwd: { method: 'PUT', path: '/access/password', positional: ['userid'], interactive: ['password', 'confirmation-password'] },
};
const pveumAliases: Record<string, [string, string]> = {
  useradd: ['user', 'add'], usermod: ['user', 'modify'], userdel: ['user', 'delete'],
  groupadd: ['group', 'add'], groupmod: ['group', 'modify'], groupdel: ['group', 'delete'],
  roleadd: ['role', 'add'], rolemod: ['role', 'modify'], roledel: ['role', 'delete'],
  aclmod: ['acl', 'modify'], acldel: ['acl', 'delete'],
};
for (const [alias, [a, b]] of Object.entries(pveumAliases)) pveum[alias] = (pveum[a] as Tree)[b];

// PVE/CLI/pvenode.pm (pve-manager); the node is always the local one.
const pvenode: Tree = {
  config: {
    get: { method: 'GET', path: '/nodes/{node}/config', fixed: NODE },
    set: { method: 'PUT', path: '/nodes/{node}/config', fixed: NODE },
  },
  cert: {
    info: { method: 'GET', path: '/nodes/{node}/certificates/info', fixed: NODE },
    // certificates and key are file names: pvenode reads the PEM files.
    set: { method: 'POST', path: '/nodes/{node}/certificates/custom', positional: ['certificates', 'key'], fixed: NODE, output: true },
    delete: { method: 'DELETE', path: '/nodes/{node}/certificates/custom', positional: ['restart'], fixed: NODE },
  },
  acme: {
    account: {
      list: { method: 'GET', path: '/cluster/acme/account' },
      // pvenode's own acme_register asks for the directory and the terms of service, then calls register_account.
      register: {
        method: 'POST', path: '/cluster/acme/account', positional: ['name', 'contact'], interactive: ['directory', 'tos_url'],
        only: ['name', 'contact', 'directory', 'eab-kid', 'eab-hmac-key'],
      },
    },
    cert: {
      order: { method: 'POST', path: '/nodes/{node}/certificates/acme/certificate', fixed: NODE },
      renew: { method: 'PUT', path: '/nodes/{node}/certificates/acme/certificate', fixed: NODE },
      revoke: { method: 'DELETE', path: '/nodes/{node}/certificates/acme/certificate', fixed: NODE },
    },
  },
};

const flag: ParamSpec = { type: 'boolean', optional: 1 };
// pvecm updatecerts regenerates the node certificate locally (PVE::CLI::pvecm, PVE::Cluster::Setup);
// it is no API call, so it is allow-listed here with its own options.
const pvecm: Tree = {
  updatecerts: {
    why: 'pvecm updatecerts has no API path (local certificate regeneration)',
    cliOnly: { force: flag, silent: flag, 'unmerge-known-hosts': flag },
  },
};

/** PVE's standard output options (PVE::RESTHandler), accepted by pvesh and the list/get commands. */
const OUTPUT_OPTIONS: Record<string, ParamSpec> = {
  'output-format': { type: 'string', enum: ['text', 'json', 'json-pretty', 'yaml'], optional: 1 },
  'human-readable': flag, noborder: flag, noheader: flag, quiet: flag,
};
const PVESH_OPTIONS: Record<string, ParamSpec> = { ...OUTPUT_OPTIONS, noproxy: flag };
const PVESH_VERBS: Record<string, Handler['method']> = { get: 'GET', set: 'PUT', create: 'POST', delete: 'DELETE' };

// ---------------------------------------------------------------------------------------------
// Validation

export interface Validation {
  /** "METHOD /path/{param}" the command calls, or a note for allow-listed CLI-only commands. */
  call?: string;
  params: Record<string, string>;
  errors: string[];
}

const PLACEHOLDER = /^[A-Z][A-Z0-9_]+$/;
const USER_NAME = String.raw`[^\s:/@!]+`;
const REALM = String.raw`[A-Za-z][A-Za-z0-9.\-_]+`;
const USERID = `${USER_NAME}@${REALM}`;
const TOKEN_NAME = String.raw`[A-Za-z][A-Za-z0-9.\-_]+`;
const PH = '[A-Z][A-Z0-9_]+';
const anchored = (re: string) => new RegExp(`^(?:${re})$`);

const listOf = (item: RegExp) => (v: string) => v.split(/[,;\s]+/).filter(Boolean).every((x) => item.test(x));
const NAMED_FORMATS: Record<string, (v: string) => boolean> = {
  'pve-userid': (v) => anchored(USERID).test(v),
  'pve-userid-list': listOf(anchored(`${USERID}|${PH}`)),
  'pve-tokenid-list': listOf(anchored(`(?:${USERID}|${PH})!(?:${TOKEN_NAME}|${PH})|${PH}`)),
  'pve-groupid': (v) => /^[A-Za-z0-9.\-_]+$/.test(v),
  'pve-groupid-list': listOf(/^[A-Za-z0-9.\-_]+$/),
  'pve-roleid': (v) => /^[A-Za-z0-9.\-_]+$/.test(v),
  'pve-roleid-list': listOf(/^[A-Za-z0-9.\-_]+$/),
  'pve-realm': (v) => anchored(REALM).test(v),
  'pve-configid': (v) => /^[a-z][a-z0-9_]+$/i.test(v),
  'email-opt': (v) => /^[^\s@]+@[^\s@]+$/.test(v),
  'email-list': listOf(/^[^\s@]+@[^\s@]+$/),
  'pve-acme-domain': (v) => /^[A-Za-z0-9*][A-Za-z0-9.\-]*$/.test(v),
  'pve-acme-domain-list': (v) => v.split(';').every((d) => d === SUBSTITUTION || /^[A-Za-z0-9*][A-Za-z0-9.\-]*$/.test(d)),
};
// PVE::Auth::Plugin's realm TFA option (the schema names it only as format "pve-tfa-config").
const TFA_CONFIG: Record<string, ParamSpec> = {
  type: { type: 'string', enum: ['oath', 'yubico'] },
  digits: { type: 'integer', minimum: 6, maximum: 8, optional: 1 },
  step: { type: 'integer', minimum: 10, optional: 1 },
  id: { type: 'string', optional: 1 },
  key: { type: 'string', optional: 1 },
  url: { type: 'string', optional: 1 },
};
const PROPERTY_STRING_FORMATS: Record<string, Record<string, ParamSpec>> = { 'pve-tfa-config': TFA_CONFIG };

function checkPropertyString(keys: Record<string, ParamSpec>, value: string, name: string): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  const defaultKey = Object.keys(keys).find((k) => keys[k].default_key);
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? defaultKey : part.slice(0, eq);
    const v = eq < 0 ? part : part.slice(eq + 1);
    if (key === undefined) { errors.push(`--${name}: '${part}' is not key=value`); continue; }
    if (!keys[key]) { errors.push(`--${name}: unknown key '${key}' (known: ${Object.keys(keys).join(', ')})`); continue; }
    if (seen.has(key)) errors.push(`--${name}: duplicate key '${key}'`);
    seen.add(key);
    errors.push(...checkValue(keys[key], v, `${name}.${key}`));
  }
  for (const [k, spec] of Object.entries(keys)) if (!spec.optional && !seen.has(k)) errors.push(`--${name}: missing required key '${k}'`);
  return errors;
}

/** Errors of one value against its parameter definition (empty when valid). */
export function checkValue(spec: ParamSpec, value: string, name: string): string[] {
  if (spec.enum?.includes(value)) return []; // before the placeholder test: enum values like DROP are upper case
  const literalOnly = spec.type === 'boolean' || spec.enum !== undefined;
  if (value === SUBSTITUTION || PLACEHOLDER.test(value)) {
    return literalOnly ? [`--${name}: needs a literal value, got ${value === SUBSTITUTION ? '$(...)' : value}`] : [];
  }
  if (spec.enum) return spec.enum.includes(value) ? [] : [`--${name}: '${value}' is not one of ${spec.enum.join('|')}`];
  switch (spec.type) {
    case 'boolean':
      return /^(?:1|0|yes|no|on|off|true|false)$/i.test(value) ? [] : [`--${name}: '${value}' is not a boolean`];
    case 'integer':
    case 'number': {
      const ok = spec.type === 'integer' ? /^[+-]?\d+$/.test(value) : /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(value);
      if (!ok) return [`--${name}: '${value}' is not an ${spec.type}`];
      const n = Number(value);
      if (spec.minimum !== undefined && n < spec.minimum) return [`--${name}: ${value} < minimum ${spec.minimum}`];
      if (spec.maximum !== undefined && n > spec.maximum) return [`--${name}: ${value} > maximum ${spec.maximum}`];
      return [];
    }
  }
  if (value.includes(SUBSTITUTION)) return []; // partly computed by the shell: nothing literal to check
  if (spec.minLength !== undefined && value.length < spec.minLength) return [`--${name}: shorter than ${spec.minLength}`];
  if (spec.maxLength !== undefined && value.length > spec.maxLength) return [`--${name}: longer than ${spec.maxLength}`];
  if (spec.pattern) {
    let re: RegExp | undefined;
    try { re = new RegExp(`^(?:${spec.pattern})$`); } catch { re = undefined; } // a Perl-only construct: not checked
    if (re && !re.test(value)) return [`--${name}: '${value}' does not match ${spec.pattern}`];
  }
  const fmt = spec.format;
  if (typeof fmt === 'object') return checkPropertyString(fmt, value, name);
  if (fmt && PROPERTY_STRING_FORMATS[fmt]) return checkPropertyString(PROPERTY_STRING_FORMATS[fmt], value, name);
  if (fmt && NAMED_FORMATS[fmt] && !NAMED_FORMATS[fmt](value)) return [`--${name}: '${value}' is not a valid ${fmt}`];
  return [];
}

function resolve(tree: Tree, program: string, args: Word[]): { entry?: Entry; rest: Word[]; error?: string } {
  let node: Tree | Entry = tree;
  let i = 0;
  const words = [program];
  while (!isEntry(node)) {
    const w = args[i]?.value;
    const next: Tree | Entry | undefined = w === undefined ? undefined : node[w];
    if (!next) return { rest: [], error: `${words.join(' ')}: unknown subcommand '${w ?? ''}' (known: ${Object.keys(node).join(', ')})` };
    words.push(w);
    node = next;
    i++;
  }
  return { entry: node, rest: args.slice(i) };
}

/** Splits arguments PVE-style (Getopt::Long): --name value | --name=value, booleans may stand alone. */
function parseArgs(args: Word[], known: Record<string, ParamSpec>): { options: [string, string][]; positional: string[]; errors: string[] } {
  const options: [string, string][] = [];
  const positional: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i].value;
    const m = /^--?([A-Za-z][\w-]*(?:\[n\])?)(?:=(.*))?$/s.exec(a);
    if (!m) { positional.push(a); continue; }
    const name = m[1];
    if (m[2] !== undefined) { options.push([name, m[2]]); continue; }
    const next = args[i + 1]?.value;
    const spec = known[name];
    // Getopt "name=s" takes the next argument even when it starts with '-'.
    const takesValue = next !== undefined && (!next.startsWith('-') || (spec !== undefined && spec.type !== 'boolean'));
    if (spec?.type === 'boolean') {
      // PVE declares booleans as "name:s": an optional value, 1 when absent.
      options.push([name, takesValue ? next : '1']);
      if (takesValue) i++;
    } else if (takesValue) {
      options.push([name, next]);
      i++;
    } else {
      options.push([name, '']);
      if (spec) errors.push(`--${name}: missing value`);
    }
  }
  return { options, positional, errors };
}

function matchPath(schema: ApiSchema, method: string, concrete: string): { template?: string; values: Record<string, string>; error?: string } {
  const segs = concrete.replace(/\/+$/, '').split('/').filter(Boolean);
  let best: { template: string; values: Record<string, string>; literals: number } | undefined;
  const templates = new Set(Object.keys(schema).map((k) => k.slice(k.indexOf(' ') + 1)));
  for (const t of templates) {
    const tsegs = t.split('/').filter(Boolean);
    if (tsegs.length !== segs.length) continue;
    const values: Record<string, string> = {};
    let literals = 0;
    const ok = tsegs.every((ts, i) => {
      const p = /^\{(.+)\}$/.exec(ts);
      if (p) { values[p[1]] = segs[i]; return true; }
      literals++;
      return ts === segs[i];
    });
    if (ok && (!best || literals > best.literals)) best = { template: t, values, literals };
  }
  if (!best) return { values: {}, error: `no API path matches ${concrete}` };
  if (!schema[`${method} ${best.template}`]) {
    const methods = ['GET', 'POST', 'PUT', 'DELETE'].filter((m) => schema[`${m} ${best.template}`]);
    return { values: {}, error: `${method} ${best.template} is not in the API schema (only ${methods.join(', ')})` };
  }
  return { template: best.template, values: best.values };
}

/** Maps one command to its API call and checks options, required parameters and literal values. */
export function validateCommand(cmd: Command, schema: ApiSchema): Validation {
  const errors: string[] = [];
  let call: string;
  let params: Record<string, ParamSpec>;
  let extra: Record<string, ParamSpec> = {};
  let positionalNames: string[] = [];
  const given: Record<string, string> = {};
  const notOptions = new Set<string>();
  let only: string[] | undefined;
  const provided = new Set<string>();
  let rest: Word[];

  if (cmd.program === 'pvesh') {
    const verb = cmd.args[0]?.value;
    const method = PVESH_VERBS[verb ?? ''];
    if (!method) return { params: {}, errors: [`pvesh: unsupported verb '${verb ?? ''}' (use ${Object.keys(PVESH_VERBS).join('|')})`] };
    const concrete = cmd.args[1]?.value;
    if (!concrete?.startsWith('/')) return { params: {}, errors: ['pvesh: missing API path'] };
    const m = matchPath(schema, method, concrete);
    if (!m.template) return { params: {}, errors: [m.error!] };
    call = `${method} ${m.template}`;
    params = schema[call];
    for (const [k, v] of Object.entries(m.values)) { given[k] = v; notOptions.add(k); provided.add(k); }
    extra = PVESH_OPTIONS;
    rest = cmd.args.slice(2);
  } else {
    const tree = { pveum, pvenode, pvecm }[cmd.program];
    if (!tree) return { params: {}, errors: [`unknown program ${cmd.program}`] };
    const r = resolve(tree, cmd.program, cmd.args);
    if (!r.entry) return { params: {}, errors: [r.error!] };
    rest = r.rest;
    const entry = r.entry;
    if ('cliOnly' in entry) {
      call = `(${entry.why})`;
      params = entry.cliOnly;
      positionalNames = entry.positional ?? [];
    } else {
      call = `${entry.method} ${entry.path}`;
      if (!schema[call]) return { call, params: {}, errors: [`${call} is not in the API schema`] };
      params = schema[call];
      positionalNames = entry.positional ?? [];
      for (const [k, v] of Object.entries(entry.fixed ?? {})) { given[k] = v; notOptions.add(k); provided.add(k); }
      for (const k of entry.interactive ?? []) provided.add(k);
      only = entry.only;
      for (const p of entry.path.matchAll(/\{([^}]+)\}/g)) if (!params[p[1]]) errors.push(`${call}: path parameter ${p[1]} is not defined`);
      if (entry.method === 'GET' || entry.output) extra = OUTPUT_OPTIONS;
    }
  }

  const known: Record<string, ParamSpec> = { ...extra };
  for (const [k, v] of Object.entries(params)) if (!only || only.includes(k) || notOptions.has(k)) known[k] = v;
  // Indexed options (acmedomain0, acmedomain1, ...) are defined once as "acmedomain[n]".
  const specOf = (name: string): ParamSpec | undefined => known[name] ?? (/\d+$/.test(name) ? known[name.replace(/\d+$/, '[n]')] : undefined);
  const parsed = parseArgs(rest, known);
  errors.push(...parsed.errors);
  if (parsed.positional.length > positionalNames.length) {
    errors.push(`too many arguments: ${parsed.positional.slice(positionalNames.length).join(' ')}`);
  }
  parsed.positional.slice(0, positionalNames.length).forEach((v, i) => { given[positionalNames[i]] = v; provided.add(positionalNames[i]); });
  for (const [name, value] of parsed.options) {
    const spec = specOf(name);
    if (!spec) { errors.push(`unknown option --${name} for ${call}`); continue; }
    if (notOptions.has(name) || positionalNames.includes(name)) {
      errors.push(`--${name} is given by the ${notOptions.has(name) ? 'command itself' : 'positional arguments'}`);
      continue;
    }
    if (name in given) errors.push(`--${name} given twice`);
    given[name] = value;
    provided.add(name);
  }
  for (const [name, value] of Object.entries(given)) {
    const spec = specOf(name);
    if (spec && value !== '' && !(notOptions.has(name) && cmd.program !== 'pvesh')) errors.push(...checkValue(spec, value, name));
  }
  for (const [name, spec] of Object.entries(params)) {
    if (!spec.optional && !provided.has(name) && !name.endsWith('[n]')) errors.push(`missing required parameter ${name} of ${call}`);
  }
  for (const variant of cmd.variants) {
    const v = parseArgs(variant, known);
    errors.push(...v.errors);
    for (const [name, value] of v.options) {
      const spec = specOf(name);
      if (!spec || notOptions.has(name) || positionalNames.includes(name)) errors.push(`unknown option --${name} for ${call} (in '${variant.map((w) => w.raw).join(' ')}')`);
      else if (value !== '') errors.push(...checkValue(spec, value, name));
    }
  }
  return { call, params: given, errors };
}
