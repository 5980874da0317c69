import { SECTIONS, SECTION_TITLES, type Finding, type Section, type Status } from '../core/types.js';
import { allFindings, countStatuses, reportBlocks, type AuditReport, type ReportBlock } from './model.js';
import { clean, evidenceText } from './text.js';
import type { SourceCoverage } from './coverage.js';

/** Evidence lines shown per finding before "... and N more" (the JSON report has them all). */
const MAX_EVIDENCE_LINES = 3;

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', blue: '\x1b[34m' };

const STATUS_STYLE: Record<Status, string> = {
  PASS: ANSI.green,
  WARN: ANSI.yellow,
  FAIL: ANSI.red + ANSI.bold,
  NOTICE: ANSI.blue,
  SKIP: ANSI.dim,
  INFO: '',
};

/** Colour only on a terminal, and never with --no-color, NO_COLOR set (no-color.org) or TERM=dumb. */
export function useColor(stream: { isTTY?: boolean }, noColorFlag: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/**
 * Text report in the style of Proxmox's pve8to9 checklist: per cluster, then per node, `= SECTION =`
 * blocks of `STATUS: ID title: message` lines with their evidence indented below, then a summary
 * whose counts add up to the lines shown.
 */
export function renderTerminal(report: AuditReport, opts: { color: boolean }): string {
  const paint = (style: string, s: string) => (opts.color && style ? style + s + ANSI.reset : s);
  const sectionOf = sectionLookup(report);
  const out: string[] = [];
  const okTargets = report.targets.filter((t) => t.status === 'ok').length;
  out.push(`pvesec ${report.tool.version} audit of ${plural(okTargets, 'node')} at ${report.generatedAt}`, '');

  for (const b of reportBlocks(report)) {
    out.push(paint(ANSI.bold, `== ${blockHeading(b)} ==`), '');
    if (b.partial) out.push(...partialLines(b.partial, paint), '');
    if (b.findings.length === 0) out.push(paint(ANSI.dim, 'no findings to show'), '');
    // Every finding lands in exactly one section: an id outside the catalogue goes to OTHER CONTROLS.
    for (const section of [...SECTIONS, undefined]) {
      const inSection = b.findings.filter((f) => sectionOf(f.id) === section);
      if (inSection.length === 0) continue;
      out.push(paint(ANSI.bold, `= ${section ? SECTION_TITLES[section] : 'OTHER CONTROLS'} =`), '');
      for (const f of inSection) out.push(...findingLines(f, paint));
      out.push('');
    }
  }

  const failed = report.targets.filter((t) => t.status === 'error');
  if (failed.length > 0) {
    out.push(paint(ANSI.bold, '= TARGETS NOT AUDITED ='), '');
    for (const t of failed) out.push(paint(ANSI.red + ANSI.bold, 'ERROR: ') + clean(t.error ?? t.target));
    out.push('');
  }

  const counts = countStatuses(allFindings(report));
  const rows: [string, number, string][] = [
    ['TOTAL:', counts.total, ''],
    ['PASSED:', counts.PASS, STATUS_STYLE.PASS],
    ['WARNINGS:', counts.WARN, STATUS_STYLE.WARN],
    ['FAILURES:', counts.FAIL, STATUS_STYLE.FAIL],
    ['SKIPPED:', counts.SKIP, STATUS_STYLE.SKIP],
    ['NOTICES:', counts.NOTICE, STATUS_STYLE.NOTICE],
    ['INFO:', counts.INFO, STATUS_STYLE.INFO],
  ];
  out.push(paint(ANSI.bold, '= SUMMARY ='), '');
  for (const [label, n, style] of rows) out.push(`${label.padEnd(10)}${n > 0 ? paint(style, String(n)) : String(n)}`);
  if (failed.length > 0) out.push(`${'ERRORS:'.padEnd(10)}${paint(ANSI.red, String(failed.length))} target(s) not audited`);
  out.push(`${'SCORE:'.padEnd(10)}${report.score === null ? 'none: nothing audited' : `${report.score}/100${scoreBreakdown(report)}`}`);
  return out.join('\n') + '\n';
}

/** Said once at the top of a node read from a partial backup, instead of leaving it to its SKIP lines. */
function partialLines(p: SourceCoverage, paint: (style: string, s: string) => string): string[] {
  const lines = [`${paint(ANSI.yellow, 'PARTIAL:')} ${p.present} of ${p.expected} sources present: a partial backup; the controls reading the other ${p.missing.length} SKIP`];
  let line = '    missing:';
  for (const [i, s] of p.missing.entries()) {
    const item = ` ${clean(s)}${i < p.missing.length - 1 ? ',' : ''}`;
    if (line.length + item.length > 100 && line.trim() !== 'missing:') {
      lines.push(paint(ANSI.dim, line));
      line = '   ';
    }
    line += item;
  }
  lines.push(paint(ANSI.dim, line));
  return lines;
}

function findingLines(f: Finding, paint: (style: string, s: string) => string): string[] {
  const severity = f.status === 'FAIL' || f.status === 'WARN' ? ` [${f.severity}]` : '';
  const lines = [`${paint(STATUS_STYLE[f.status], f.status + ':')} ${f.id}${severity} ${clean(f.title)}: ${clean(f.message)}`];
  for (const e of f.evidence.slice(0, MAX_EVIDENCE_LINES)) lines.push(paint(ANSI.dim, `    ${evidenceText(e)}`));
  if (f.evidence.length > MAX_EVIDENCE_LINES) lines.push(paint(ANSI.dim, `    ... and ${f.evidence.length - MAX_EVIDENCE_LINES} more`));
  return lines;
}

function sectionLookup(report: AuditReport): (id: string) => Section | undefined {
  const bySection = new Map(report.controls.map((c) => [c.id, c.section]));
  return (id) => bySection.get(id) ?? SECTIONS.find((s) => id.startsWith(s + '-'));
}

function blockHeading(b: ReportBlock): string {
  const score = `(score ${b.score}/100)`;
  if (b.kind === 'cluster') return `CLUSTER ${clean(b.name)}: ${(b.nodes ?? []).map(clean).join(', ')} ${score}`;
  return b.cluster !== undefined ? `NODE ${clean(b.name)} of cluster ${clean(b.cluster)} ${score}` : `NODE ${clean(b.name)}, standalone ${score}`;
}

function scoreBreakdown(report: AuditReport): string {
  const parts = reportBlocks(report).map((b) => `${b.kind === 'cluster' ? 'cluster ' : ''}${clean(b.name)} ${b.score}`);
  return parts.length > 1 ? ` (${parts.join(', ')})` : '';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
