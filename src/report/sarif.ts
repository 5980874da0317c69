import { createHash } from 'node:crypto';
import type { ControlMeta, Finding, Severity, Status } from '../core/types.js';
import { allFindings, type AuditReport } from './model.js';
import { evidenceText } from './text.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const NODE_ROOT = 'NODEROOT';

type Level = 'error' | 'warning' | 'note';

/** Statuses that become SARIF results; PASS, SKIP and INFO are not problems to annotate. */
const RESULT_LEVEL: Partial<Record<Status, Level>> = { FAIL: 'error', WARN: 'warning', NOTICE: 'note' };

const DEFAULT_LEVEL: Record<Severity, Level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/** GitHub code scanning ranks alerts by this CVSS-like number. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

function rule(meta: ControlMeta) {
  const reads = meta.reads.length ? `\n\nReads: ${meta.reads.join(', ')}` : '';
  const helpUri = meta.references.find((r) => r.url)?.url;
  const refs = meta.references.map((r) => (r.url ? `- [${r.title}](${r.url})` : `- ${r.title}`)).join('\n');
  return {
    id: meta.id,
    name: meta.id.replace('-', ''),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.rationale || meta.title },
    help: {
      text: `${meta.fix}${reads}`,
      markdown: `**Fix**\n\n${meta.fix}${reads}${refs ? `\n\n**References**\n\n${refs}` : ''}`,
    },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: DEFAULT_LEVEL[meta.severity] },
    properties: { tags: ['security', 'proxmox', meta.section], severity: meta.severity, scope: meta.scope, 'security-severity': SECURITY_SEVERITY[meta.severity] },
  };
}

/** An absolute node path as a URI relative to the node's root filesystem (etc/ssh/sshd_config). */
export function nodeRelativeUri(path: string): string {
  return path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
}

/**
 * Identity of a problem across runs (for code-scanning dashboards): control, node or cluster, and the
 * evidence sources, but not the values or line numbers, which change when the problem is edited.
 */
function fingerprint(f: Finding): string {
  const where = f.node !== undefined ? `node:${f.node}` : `cluster:${f.cluster ?? ''}`;
  const sources = [...new Set(f.evidence.map((e) => e.source))].sort().join('\n');
  return createHash('sha256').update(`${f.id}\n${where}\n${sources}`).digest('hex').slice(0, 32);
}

function result(f: Finding, level: Level, ruleIndex: number | undefined) {
  const fileEvidence = f.evidence.filter((e) => e.source.startsWith('/'));
  const where = f.node ?? f.cluster;
  return {
    ruleId: f.id,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level,
    message: { text: where ? `${where}: ${f.message}` : f.message },
    partialFingerprints: { 'pvesecFinding/v1': fingerprint(f) },
    ...(fileEvidence.length
      ? {
          locations: fileEvidence.map((e) => ({
            physicalLocation: {
              artifactLocation: { uri: nodeRelativeUri(e.source), uriBaseId: NODE_ROOT },
              ...(e.line !== undefined && e.line >= 1 ? { region: { startLine: e.line, ...(e.text ? { snippet: { text: e.text } } : {}) } } : {}),
            },
          })),
        }
      : {}),
    ...(f.waiver && !f.waiver.expired
      ? { suppressions: [{ kind: 'external', justification: f.waiver.reason }] }
      : {}),
    properties: {
      ...(f.node !== undefined ? { node: f.node } : {}),
      ...(f.cluster !== undefined ? { cluster: f.cluster } : {}),
      status: f.status,
      severity: f.severity,
      // Command output and simulated packets have no file to point at; every source is listed here.
      evidence: f.evidence.map(evidenceText),
    },
  };
}

/** SARIF 2.1.0: one rule per evaluated control; FAIL, WARN and NOTICE findings as results. */
export function toSarif(report: AuditReport) {
  // The report's controls are those the findings came from, so every result has its rule.
  const metas = report.controls;
  const index = new Map(metas.map((m, i) => [m.id, i]));
  const failed = report.targets.filter((t) => t.status === 'error');
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pvesec', version: report.tool.version, rules: metas.map(rule) } },
        originalUriBaseIds: { [NODE_ROOT]: { description: { text: 'Root filesystem of the node named in the result properties (node)' } } },
        invocations: [
          {
            executionSuccessful: failed.length === 0,
            endTimeUtc: report.generatedAt,
            toolExecutionNotifications: failed.map((t) => ({ level: 'error', message: { text: t.error ?? `${t.target}: collection failed` } })),
          },
        ],
        results: allFindings(report).flatMap((f) => {
          const level = RESULT_LEVEL[f.status];
          return level ? [result(f, level, index.get(f.id))] : [];
        }),
      },
    ],
  };
}

export function renderSarif(report: AuditReport): string {
  return JSON.stringify(toSarif(report), null, 2) + '\n';
}
