import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliArgs, ROOT, sampleFiles } from '../../scripts/docs-samples.js';

// Every option of every command, as commander defines it (read from `pvesec ... --help`), is documented:
// some paragraph, table row or usage block of README.md or docs/*.md names the command and the option.

const cli = cliArgs();
function help(args: string[]): string {
  const r = spawnSync(process.execPath, [...cli, ...args, '--help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } });
  assert.equal(r.status, 0, `${args.join(' ')} --help: ${r.stderr}`);
  return r.stdout;
}

/** Names under "Commands:" of a help text (help excluded). */
function subcommands(text: string): string[] {
  const section = text.split(/^Commands:\n/m)[1] ?? '';
  return [...section.matchAll(/^  ([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
}

/** Long flags under "Options:" (help and version excluded). */
function options(text: string): string[] {
  const section = (text.split(/^Options:\n/m)[1] ?? '').split(/^\S/m)[0];
  return [...section.matchAll(/^  (?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]).filter((o) => o !== '--help' && o !== '--version');
}

/** Commands with their options: [['audit'], [...]], [['fw', 'simulate'], [...]]... */
function commandTree(): [string[], string[]][] {
  const out: [string[], string[]][] = [];
  const visit = (cmd: string[]) => {
    const text = help(cmd);
    const subs = subcommands(text);
    if (cmd.length) out.push([cmd, options(text)]);
    for (const s of subs) visit([...cmd, s]);
  };
  visit([]);
  return out;
}

/**
 * Paragraphs and table rows; in usage blocks, each command line with its indented continuation lines
 * (so an option written for one command does not count for the next).
 */
function chunks(): string[] {
  return sampleFiles().flatMap((f) => fs.readFileSync(path.join(ROOT, f), 'utf8').split(/\n\s*\n/))
    .flatMap((c) => (c.trimStart().startsWith('|') ? c.split('\n') : c.split(/\n(?=(?:\$ )?pvesec )/)));
}

// Flags added to every collecting command by sshOptions (src/commands/ssh-options.ts): documented once
// for `audit`, and by "same SSH options" / "SSH options" for the others.
const SSH_FLAGS = ['--identity', '--known-hosts', '--accept-new', '--concurrency', '--timeout'];

test('every option of every command is documented next to its command', () => {
  const tree = commandTree();
  assert.ok(tree.length >= 14, `found only ${tree.length} commands`);
  const docs = chunks();
  const names = (cmd: string[]) => new RegExp(`(pvesec |\`)${cmd.join(' ').replace(/-/g, '\\-')}\\b`);
  const flag = (f: string) => new RegExp(`${f}(?![a-z-])`);
  const missing: string[] = [];
  for (const [cmd, opts] of tree) {
    const about = docs.filter((c) => names(cmd).test(c));
    if (about.length === 0 && opts.length) missing.push(`pvesec ${cmd.join(' ')}: no paragraph names the command`);
    for (const o of opts) {
      const covered = about.some((c) => flag(o).test(c) || (SSH_FLAGS.includes(o) && /SSH options/.test(c)));
      if (!covered) missing.push(`pvesec ${cmd.join(' ')} ${o}`);
    }
  }
  assert.deepEqual(missing, [], 'undocumented options (README.md "Command line" or docs/*.md)');
});
