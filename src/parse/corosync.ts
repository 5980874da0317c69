import { asText, numberedLines, ParseError, type Parsed, type Diagnostic } from './diagnostics.js';

/** A section of corosync.conf: `name { key: value ... sub { } }`. Keys may repeat (e.g. node blocks). */
export interface CorosyncSection {
  name: string;
  line: number;
  values: Record<string, string>;
  sections: CorosyncSection[];
}

export interface CorosyncNode {
  name: string;
  nodeid?: number;
  /** ring0_addr, ring1_addr, ... addresses in ring order */
  rings: string[];
  /** The same with their keys (ring numbers may have gaps: ring0_addr, ring2_addr). */
  links: { key: string; addr: string }[];
  line: number;
}

export interface CorosyncConf {
  clusterName?: string;
  transport?: string;
  nodes: CorosyncNode[];
  root: CorosyncSection;
}

/** Parses corosync.conf (the format of corosync's own config parser: braces, `key: value`, # comments). */
export function parseCorosyncConf(input: string | Buffer, file = '/etc/pve/corosync.conf'): Parsed<CorosyncConf> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const root: CorosyncSection = { name: '', line: 0, values: {}, sections: [] };
  const stack: CorosyncSection[] = [root];
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    const open = /^([A-Za-z0-9_.-]+)\s*\{$/.exec(t);
    if (open) {
      const s: CorosyncSection = { name: open[1], line, values: {}, sections: [] };
      stack[stack.length - 1].sections.push(s);
      stack.push(s);
      continue;
    }
    if (t === '}') {
      if (stack.length === 1) throw new ParseError(file, line, 'unbalanced "}"');
      stack.pop();
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(t);
    if (kv) {
      stack[stack.length - 1].values[kv[1]] = kv[2].trim();
      continue;
    }
    throw new ParseError(file, line, `cannot parse line: ${t.slice(0, 80)}`);
  }
  if (stack.length !== 1) throw new ParseError(file, stack[stack.length - 1].line, `section "${stack[stack.length - 1].name}" is not closed`);

  const totem = root.sections.find((s) => s.name === 'totem');
  const nodelist = root.sections.find((s) => s.name === 'nodelist');
  const nodes: CorosyncNode[] = [];
  for (const n of nodelist?.sections.filter((s) => s.name === 'node') ?? []) {
    const links = Object.keys(n.values)
      .filter((k) => /^ring\d+_addr$/.test(k))
      .sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)))
      .map((key) => ({ key, addr: n.values[key] }));
    const name = n.values.name ?? n.values.ring0_addr;
    if (!name) {
      diagnostics.push({ file, line: n.line, message: 'node without name', severity: 'warning' });
      continue;
    }
    const nodeid = n.values.nodeid !== undefined ? Number(n.values.nodeid) : undefined;
    nodes.push({ name, nodeid: Number.isFinite(nodeid) ? nodeid : undefined, rings: links.map((l) => l.addr), links, line: n.line });
  }
  return {
    value: { clusterName: totem?.values.cluster_name, transport: totem?.values.transport, nodes, root },
    diagnostics,
  };
}
