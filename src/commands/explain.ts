import type { ControlMeta } from '../core/types.js';
import { SECTION_TITLES } from '../core/types.js';
import { ALL_CHECKS } from '../checks/registry.js';
import { UsageError } from './options.js';

/** `pvesec explain ID`: everything known about one control. Unknown ids are a usage error with a suggestion. */
export function explainControl(id: string, metas: ControlMeta[] = ALL_CHECKS.map((c) => c.meta)): string {
  const wanted = normalizeId(id);
  const meta = metas.find((m) => m.id === wanted);
  if (!meta) {
    const near = suggest(wanted, metas.map((m) => m.id));
    throw new UsageError(`unknown control "${id}"${near ? `; did you mean ${near}?` : ''} (pvesec controls lists them all)`);
  }
  const lines = [
    `${meta.id}: ${meta.title}`,
    '',
    `Section:   ${meta.section} (${SECTION_TITLES[meta.section] ?? meta.section})`,
    `Severity:  ${meta.severity}`,
    `Scope:     ${meta.scope === 'cluster' ? 'cluster (evaluated once on /etc/pve)' : 'node (evaluated on every node)'}`,
    '',
    'Why:',
    indent(meta.rationale),
    '',
    'Reads:',
    ...(meta.reads.length ? meta.reads.map((r) => `  - ${r}`) : ['  (nothing collected)']),
    '',
    'Fix:',
    indent(meta.fix),
  ];
  if (meta.references.length) lines.push('', 'References:', ...meta.references.map((r) => `  - ${r.title}${r.url ? `: ${r.url}` : ''}`));
  return lines.join('\n') + '\n';
}

/** ssh-2, SSH02 and ssh-02 all name SSH-02. */
export function normalizeId(id: string): string {
  const m = /^\s*([A-Za-z]{2,3})-?(\d{1,2})\s*$/.exec(id);
  return m ? `${m[1].toUpperCase()}-${m[2].padStart(2, '0')}` : id.trim().toUpperCase();
}

/** The closest known id (edit distance at most 2), for "did you mean". */
export function suggest(id: string, ids: string[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  for (const candidate of ids) {
    const d = editDistance(id, candidate);
    if (d <= 2 && (!best || d < best.d)) best = { id: candidate, d };
  }
  return best?.id;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Indents by two spaces and wraps long lines at word boundaries to WRAP_AT columns (commands stay whole). */
const WRAP_AT = 100;
function indent(text: string): string {
  return text.split('\n').flatMap((line) => {
    const out: string[] = [];
    let cur = '';
    for (const word of line.split(' ')) {
      if (cur && 2 + cur.length + 1 + word.length > WRAP_AT) {
        out.push(cur);
        cur = word;
      } else cur = cur ? `${cur} ${word}` : word;
    }
    out.push(cur);
    return out.map((l) => `  ${l}`);
  }).join('\n');
}
