import { createTwoFilesPatch } from 'diff';
import type { NodePlan, Plan, PlannedOp } from '../harden/plan-types.js';
import { planCounts } from '../harden/plan.js';
import { clean } from './text.js';

/** The collected content of a file on a node (undefined: absent or not collected). */
export type CollectedFile = (node: string, path: string) => string | undefined;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const octal = (m: number) => m.toString(8).padStart(4, '0');

/** Every line of untrusted text made safe for a terminal, indented. */
function block(text: string, indent: string): string[] {
  return text.replace(/\n$/, '').split('\n').map((l) => indent + clean(l));
}

/** A command line for the list (a long `sh -c` script is cut: the plan file holds all of it). */
function shortArgv(argv: string[]): string {
  const line = argv.join(' ');
  return line.length > 100 ? line.slice(0, 97) + '...' : line;
}

function what(op: PlannedOp): string {
  switch (op.kind) {
    case 'write-file': return `write ${op.path} (${octal(op.mode)} ${op.owner}:${op.group})`;
    case 'make-dir': return `mkdir ${op.path} (${octal(op.mode)} ${op.owner}:${op.group})`;
    case 'install-packages': return `install ${op.packages.join(', ')}`;
    case 'create-user': return `create user ${op.user} (shell ${op.shell})`;
    case 'add-to-group': return `add ${op.user} to group ${op.group}`;
    case 'lock-password': return `lock the password of ${op.user}`;
    case 'change-shell': return `change the login shell of ${op.user} to ${op.shell}`;
    case 'service': return `systemctl ${op.action} ${op.unit}`;
    case 'validate': return `check: ${shortArgv(op.argv)}`;
    case 'run': return `run: ${shortArgv(op.argv)}`;
    case 'pve-call': return `${shortArgv(op.argv)}${op.inverse.length ? ` (undone by: ${op.inverse.map(shortArgv).join('; ')})` : ''}`;
    case 'load-ruleset': return `load ${op.path} into the kernel (${op.family === 4 ? 'iptables' : 'ip6tables'}-restore; the live ruleset is saved for a revert)`;
  }
}

function changes(p: NodePlan): string[] {
  const out: string[] = [];
  const pkgs = p.ops.flatMap((o) => (o.kind === 'install-packages' ? o.packages : []));
  if (pkgs.length) out.push(`packages to install: ${pkgs.join(', ')}`);
  const users = p.ops.flatMap((o) => (o.kind === 'create-user' ? [`+${o.user}`] : o.kind === 'add-to-group' ? [`${o.user} +group ${o.group}`] : o.kind === 'lock-password' ? [`${o.user} password locked`] : o.kind === 'change-shell' ? [`${o.user} shell ${o.shell}`] : []));
  if (users.length) out.push(`users: ${users.join(', ')}`);
  const services = new Map<string, string[]>();
  for (const o of p.ops) if (o.kind === 'service') services.set(o.unit, [...(services.get(o.unit) ?? []), o.action]);
  if (services.size) out.push(`services: ${[...services].map(([u, a]) => `${u} (${a.join(', ')})`).join(', ')}`);
  const files = p.ops.filter((o) => o.kind === 'write-file' || o.kind === 'make-dir').map((o) => ('path' in o ? `${p.fileDigests[o.path] === null || !(o.path in p.fileDigests) ? '+' : '~'}${o.path}` : ''));
  if (files.length) out.push(`files: ${files.join(', ')}`);
  return out;
}

function diffOf(p: NodePlan, op: Extract<PlannedOp, { kind: 'write-file' }>, collected: CollectedFile): string[] {
  const before = collected(p.node, op.path);
  const absent = p.fileDigests[op.path] === null;
  const oldLabel = before !== undefined ? 'as collected' : absent ? 'absent' : 'not collected';
  const patch = createTwoFilesPatch(op.path, op.path, before ?? '', op.content, oldLabel, `${octal(op.mode)} ${op.owner}:${op.group}`, { context: 3 });
  // the first line is the "Index:"/separator jsdiff writes; keep the ---/+++ headers and hunks
  return patch.split('\n').filter((l, i) => i > 0 && !/^={5,}$/.test(l) && l !== '').map((l) => '    ' + clean(l));
}

function renderNode(p: NodePlan, collected: CollectedFile): string[] {
  const out = [`Node ${clean(p.node)} (${clean(p.target)})`];
  if (!p.ops.length) out.push('  nothing to change automatically');
  else {
    for (const c of changes(p)) out.push('  ' + clean(c));
    out.push('', '  Operations, in order (! = can cut access; apply proves the admin path first):');
    p.ops.forEach((op, i) => {
      out.push(`  ${String(i + 1).padStart(3)} ${op.cutsAccess ? '!' : ' '} ${op.phase.padEnd(8)} ${clean(what(op))}  [${op.controls.join(' ')}]`);
      out.push(`              ${clean(op.summary)}`);
      if (op.kind === 'load-ruleset') for (const l of op.exposure ?? []) out.push(`                ${clean(l)}`);
    });
    const writes = p.ops.filter((o): o is Extract<PlannedOp, { kind: 'write-file' }> => o.kind === 'write-file');
    if (writes.length) {
      out.push('', '  Files:');
      for (const w of writes) out.push(...diffOf(p, w, collected), '');
      out.pop();
    }
  }
  out.push('', `  ${plural(p.fixes.length, 'control')} fixed${p.fixes.length ? ` (${p.fixes.join(', ')})` : ''}, ${p.manual.length} left for a human${p.manual.length ? ':' : '.'}`);
  for (const m of p.manual) {
    out.push(`    ${clean(m.id)} ${clean(m.status)}: ${clean(m.reason)}`);
    if (m.fix) out.push(...block(m.fix, '        '));
  }
  return out;
}

/**
 * What apply says when there is nothing to carry out: a refused or manual-only control is named with its
 * reason, so an apply never looks like success on what it declined (the fixes are in `pvesec plan`).
 */
export function nothingToChange(plan: Plan): string {
  const left = plan.nodes.flatMap((n) => n.manual.map((m) => `  ${clean(n.node)}: ${clean(m.id)} ${clean(m.status)}: ${clean(m.reason)}\n`));
  if (left.length === 0) return 'nothing to change\n';
  return `nothing to change automatically; ${plural(left.length, 'control')} left for a human (pvesec plan shows the fixes):\n${left.join('')}`;
}

/** `terraform plan` for a node: what changes, each file as a unified diff, then what stays manual. */
export function renderPlanText(plan: Plan, collected: CollectedFile): string {
  const c = planCounts(plan);
  const lines: string[] = [];
  for (const p of plan.nodes) lines.push(...renderNode(p, collected), '');
  lines.push(c.ops
    ? `Plan: ${plural(c.ops, 'operation')} on ${plural(plan.nodes.filter((n) => n.ops.length).length, 'node')}; ${plural(c.fixed, 'control')} fixed, ${c.manual} left for a human.`
    : `No changes: nothing pvesec can fix automatically; ${c.manual} left for a human.`);
  return lines.join('\n') + '\n';
}
