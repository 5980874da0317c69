import { createHash } from 'node:crypto';
import type { ControlMeta, Finding, Severity, Status } from '../core/types.js';
import { COMMANDS } from '../collect/sources.js';
import { commandFileName } from '../collect/snapshot.js';
import { reportBlocks, type AuditReport } from './model.js';
import { evidenceText } from './text.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

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

/** GitHub code scanning rejects a run above these (docs.github.com: "SARIF results exceed hard limit"). */
export const GITHUB_LIMITS = { resultsPerRun: 25_000, locationsPerResult: 1000, runsPerFile: 20, rulesPerRun: 25_000, tagsPerRule: 20 };

const COMMAND_NAMES = new Set<string>(Object.values(COMMANDS).map((c) => c.name));

/** The base URI id of a node's root filesystem, or of the cluster whose /etc/pve a cluster finding read. */
export function baseUriId(b: { kind: 'node' | 'cluster'; name: string }): string {
  return `${b.kind === 'node' ? 'NODEROOT' : 'CLUSTERROOT'}:${b.name}`;
}

/**
 * Where an evidence source lives in the node's bundle (docs/bundle-format.md): a file at its path below
 * the root, a command's output at commands/<name>. Simulated packets and generated rulesets are nowhere.
 */
export function bundleUri(source: string): string | undefined {
  if (source.startsWith('/')) return nodeRelativeUri(source);
  if (COMMAND_NAMES.has(source)) return `commands/${encodeURIComponent(commandFileName(source))}`;
  return undefined;
}

/** A file or command a control reads, as a bundle URI: the fallback location of a finding without one. */
function readUri(meta: ControlMeta | undefined, node: string | undefined): string | undefined {
  for (const r of meta?.reads ?? []) {
    // "/etc/apt/apt.conf.d/*" -> its directory; "auth-failures (auth.log or journal ...)" -> the command
    const path = (node !== undefined ? r.replaceAll('<node>', node) : r).replace(/ \(.*\)$/, '').replace(/\/[^/]*[*?][^/]*$/, '');
    if (/[*?<>~]/.test(path)) continue;
    const uri = bundleUri(path);
    if (uri) return uri;
  }
  return undefined;
}

type Location = { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number; snippet?: { text: string } } } };

/**
 * Every result has a location (GitHub code scanning rejects one without): each evidence file or command
 * output, with the line that decided it; else the first file or command the control reads.
 */
function locations(f: Finding, base: string, meta: ControlMeta | undefined): Location[] {
  const out: Location[] = [];
  const seen = new Set<string>();
  for (const e of f.evidence) {
    const uri = bundleUri(e.source);
    const line = e.line !== undefined && Number.isInteger(e.line) && e.line >= 1 ? e.line : undefined;
    if (!uri || seen.has(`${uri}:${line}`)) continue;
    seen.add(`${uri}:${line}`);
    out.push({
      physicalLocation: {
        artifactLocation: { uri, uriBaseId: base },
        ...(line !== undefined ? { region: { startLine: line, ...(e.text ? { snippet: { text: e.text } } : {}) } } : {}),
      },
    });
    if (out.length === GITHUB_LIMITS.locationsPerResult) break;
  }
  if (out.length) return out;
  // the control read files or commands it cites no line of; a bundle always holds its meta data
  return [{ physicalLocation: { artifactLocation: { uri: readUri(meta, f.node) ?? 'pvesec/meta.json', uriBaseId: base } } }];
}

/**
 * Identity of a problem across runs (for code-scanning dashboards): the control, the node (or the cluster
 * of a cluster finding) and the finding's key (Verdict.key), never its message, values or line numbers.
 */
export function fingerprint(f: Finding): string {
  const where = f.node !== undefined ? `node:${f.node}` : `cluster:${f.cluster ?? ''}`;
  return createHash('sha256').update(`${f.id}\n${where}\n${f.key ?? ''}`).digest('hex').slice(0, 32);
}

export const FINGERPRINT_ID = 'pvesecFinding/v2';

function result(f: Finding, level: Level, ruleIndex: number | undefined, cluster: string, base: string, meta: ControlMeta | undefined, fp: string) {
  const where = f.node ?? f.cluster;
  return {
    ruleId: f.id,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level,
    message: { text: where ? `${where}: ${f.message}` : f.message },
    locations: locations(f, base, meta),
    partialFingerprints: { [FINGERPRINT_ID]: fp },
    ...(f.waiver && !f.waiver.expired
      ? { suppressions: [{ kind: 'external', justification: f.waiver.reason }] }
      : {}),
    properties: {
      ...(f.node !== undefined ? { node: f.node } : {}),
      cluster,
      key: f.key ?? '',
      status: f.status,
      severity: f.severity,
      // every evidence item, also those that are no file (simulated packets, generated rulesets)
      evidence: f.evidence.map(evidenceText),
    },
  };
}

/** Worst first: the results GitHub keeps when a run has too many. */
const LEVEL_RANK: Record<Level, number> = { error: 0, warning: 1, note: 2 };
const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** SARIF 2.1.0: one rule per evaluated control; FAIL, WARN and NOTICE findings as results. */
export function toSarif(report: AuditReport) {
  // The report's controls are those the findings came from, so every result has its rule.
  const metas = report.controls;
  const index = new Map(metas.map((m, i) => [m.id, i]));
  const failed = report.targets.filter((t) => t.status === 'error');
  const blocks = reportBlocks(report);
  const bases = new Map<string, { description: { text: string } }>();
  const fingerprints = new Set<string>();
  let results = blocks.flatMap((b) => b.findings.flatMap((f) => {
    const level = RESULT_LEVEL[f.status];
    if (!level) return [];
    // a standalone node's cluster-wide findings were read on that node: its root too
    const scope = f.node !== undefined || b.kind === 'node' ? { kind: 'node' as const, name: f.node ?? b.name } : { kind: 'cluster' as const, name: b.name };
    const base = baseUriId(scope);
    if (!bases.has(base)) {
      bases.set(base, { description: { text: scope.kind === 'node' ? `Root filesystem of node ${scope.name} (its bundle: files at their path, command output under commands/)` : `Root filesystem of a node of cluster ${scope.name}, whose /etc/pve every node shares` } });
    }
    // two nodes of one run may share a name (bundles of different clusters): their fingerprints must not
    let fp = fingerprint(f);
    for (let n = 2; fingerprints.has(fp); n++) fp = createHash('sha256').update(`${fingerprint(f)}#${n}`).digest('hex').slice(0, 32);
    fingerprints.add(fp);
    return [result(f, level, index.get(f.id), b.clusterName, base, metas[index.get(f.id) ?? -1], fp)];
  }));
  const notifications = failed.map((t) => ({ level: 'error', message: { text: t.error ?? `${t.target}: collection failed` } }));
  if (results.length > GITHUB_LIMITS.resultsPerRun) {
    const rank = (r: (typeof results)[number]) => LEVEL_RANK[r.level] * 10 + SEVERITY_RANK[r.properties.severity];
    const keep = new Set(results.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).slice(0, GITHUB_LIMITS.resultsPerRun).map((x) => x.i));
    notifications.push({ level: 'warning', message: { text: `${results.length - keep.size} of ${results.length} results left out, the least severe: GitHub code scanning accepts at most ${GITHUB_LIMITS.resultsPerRun} per run (the JSON report has them all)` } });
    results = results.filter((_, i) => keep.has(i));
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pvesec', version: report.tool.version, rules: metas.map(rule) } },
        originalUriBaseIds: Object.fromEntries(bases),
        invocations: [
          {
            executionSuccessful: failed.length === 0,
            endTimeUtc: report.generatedAt,
            toolExecutionNotifications: notifications,
          },
        ],
        results,
      },
    ],
  };
}

export function renderSarif(report: AuditReport): string {
  return JSON.stringify(toSarif(report), null, 2) + '\n';
}
