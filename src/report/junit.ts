import type { Finding } from '../core/types.js';
import { allFindings, reportBlocks, type AuditReport } from './model.js';
import { evidenceText } from './text.js';

/** Characters XML 1.0 cannot carry at all are shown as \xNN; the five special ones are escaped. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, (ch) => `\\x${ch.codePointAt(0)!.toString(16).padStart(2, '0')}`)
    .replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('');
}

interface Suite {
  name: string;
  where: string;
  findings: Finding[];
  score?: number;
  error?: string;
}

function testcase(f: Finding, where: string, name: string): string {
  const head = `    <testcase${attrs({ classname: `pvesec.${where}.${f.id.split('-')[0]}`, name, time: 0 })}`;
  const evidence = f.evidence.map(evidenceText).join('\n');
  const detail = `${f.status}: ${f.message}${evidence ? '\n' + evidence : ''}`;
  if (f.status === 'FAIL') {
    return `${head}>\n      <failure${attrs({ message: f.message, type: f.severity })}>${xmlEscape(detail)}</failure>\n    </testcase>`;
  }
  if (f.status === 'SKIP') return `${head}>\n      <skipped${attrs({ message: f.message })}/>\n    </testcase>`;
  // PASS, WARN, NOTICE, INFO pass the test case; the verdict and evidence stay readable in system-out.
  return `${head}>\n      <system-out>${xmlEscape(detail)}</system-out>\n    </testcase>`;
}

function suiteXml(s: Suite, timestamp: string): string {
  const failures = s.findings.filter((f) => f.status === 'FAIL').length;
  const skipped = s.findings.filter((f) => f.status === 'SKIP').length;
  const errors = s.error ? 1 : 0;
  const tests = s.findings.length + errors;
  const lines = [`  <testsuite${attrs({ name: s.name, tests, failures, errors, skipped, time: 0, timestamp })}>`];
  if (s.score !== undefined) lines.push(`    <properties>\n      <property${attrs({ name: 'score', value: s.score })}/>\n    </properties>`);
  const seen = new Map<string, number>();
  for (const f of s.findings) {
    // Controls with several verdicts (one per sysctl key...) get distinct test case names.
    const base = `${f.id} ${f.title}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    lines.push(testcase(f, s.where, n === 1 ? base : `${base} (#${n})`));
  }
  if (s.error) {
    lines.push(`    <testcase${attrs({ classname: `pvesec.${s.where}`, name: 'collect', time: 0 })}>\n      <error${attrs({ message: s.error, type: 'collection' })}/>\n    </testcase>`);
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

/** JUnit XML: a testsuite per cluster (its /etc/pve findings) and per node, a testcase per finding. */
export function renderJunit(report: AuditReport): string {
  const suites: Suite[] = reportBlocks(report).map((b) => ({ name: `${b.kind} ${b.name}`, where: b.name, findings: b.findings, score: b.score }));
  for (const t of report.targets.filter((t) => t.status === 'error')) {
    suites.push({ name: `target ${t.target}`, where: t.target.replace(/[^A-Za-z0-9_-]+/g, '_'), findings: [], error: t.error ?? `${t.target}: collection failed` });
  }
  const findings = allFindings(report);
  const failedTargets = suites.filter((s) => s.error).length;
  const total = attrs({
    name: 'pvesec',
    tests: findings.length + failedTargets,
    failures: findings.filter((f) => f.status === 'FAIL').length,
    errors: failedTargets,
    // no skipped total: <testsuites> has none in the JUnit schema (each <testsuite> has its own)
    time: 0,
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${total}>\n${suites.map((s) => suiteXml(s, report.generatedAt)).join('\n')}\n</testsuites>\n`;
}
