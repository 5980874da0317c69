import { asText, type Diagnostic, type Parsed } from './diagnostics.js';
import { lineLocator } from './line-index.js';

/** A rule that sends messages to another host. */
export interface LogForward {
  target: string;
  port?: string;
  protocol: 'udp' | 'tcp' | 'relp';
  /** The selector (legacy) or "action" for RainerScript. */
  selector: string;
  file: string;
  line: number;
}

export interface RsyslogConf {
  forwards: LogForward[];
  /** Include globs ($IncludeConfig, include(file=...)) in order of appearance. */
  includes: { glob: string; file: string; line: number }[];
}

/** Removes `#` line comments (outside quotes) and `/* *\/` comments, keeping line breaks. */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  let quote: string | undefined;
  while (i < text.length) {
    const c = text[i];
    if (quote) {
      out += c;
      if (c === '\\' && i + 1 < text.length) { out += text[i + 1]; i += 2; continue; }
      if (c === quote) quote = undefined;
      i++;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; out += c; i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    // `/*` inside a path ($IncludeConfig /etc/rsyslog.d/*.conf) is not a comment
    if (c === '/' && text[i + 1] === '*' && (i === 0 || /[\s;{)]/.test(text[i - 1])) && !legacyLine(text, i)) {
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) { if (text[i] === '\n') out += '\n'; i++; }
      i += 2;
      continue;
    }
    if (c === '\n') quote = undefined;
    out += c;
    i++;
  }
  return out;
}

/** Whether the line holding offset i is a legacy `$Directive` line (read whole by rsyslog). */
function legacyLine(text: string, i: number): boolean {
  const start = text.lastIndexOf('\n', i - 1) + 1;
  return text.slice(start, i).trimStart().startsWith('$');
}

function param(body: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s)]+))`, 'i').exec(body);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/**
 * Parses an rsyslog configuration file for what leaves the host: legacy forwarding actions
 * (`*.* @host:514` UDP, `@@host` TCP, `:omrelp:host:port`), RainerScript `action(type="omfwd" ...)`
 * / `action(type="omrelp" ...)`, and the include directives that pull in other files.
 */
export function parseRsyslogConf(input: string | Buffer, file = '/etc/rsyslog.conf'): Parsed<RsyslogConf> {
  const text = stripComments(asText(input, file));
  const lineAt = lineLocator(text);
  const forwards: LogForward[] = [];
  const includes: RsyslogConf['includes'] = [];
  const diagnostics: Diagnostic[] = [];

  const actionRe = /\baction\s*\(([^)]*)\)/gis;
  let m: RegExpExecArray | null;
  while ((m = actionRe.exec(text))) {
    const type = param(m[1], 'type')?.toLowerCase();
    if (type !== 'omfwd' && type !== 'omrelp') continue;
    const line = lineAt(m.index);
    const target = param(m[1], 'target');
    if (!target) {
      diagnostics.push({ file, line, message: `action(type="${type}") without target`, severity: 'warning' });
      continue;
    }
    const proto = type === 'omrelp' ? 'relp' : (param(m[1], 'protocol')?.toLowerCase() === 'tcp' ? 'tcp' : 'udp');
    forwards.push({ target, port: param(m[1], 'port'), protocol: proto, selector: 'action', file, line });
  }
  const includeRe = /\binclude\s*\(([^)]*)\)/gis;
  while ((m = includeRe.exec(text))) {
    const glob = param(m[1], 'file');
    if (glob) includes.push({ glob, file, line: lineAt(m.index) });
  }

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (!t) continue;
    const inc = /^\$IncludeConfig\s+(\S+)/i.exec(t);
    if (inc) {
      includes.push({ glob: inc[1], file, line: i + 1 });
      continue;
    }
    if (t.startsWith('$') || t.startsWith('module(') || t.includes('action(')) continue;
    // legacy action "@host", "@@host", ":omrelp:host:port" after a selector, "&", "then" or a property
    // filter; quoted strings are blanked first so that a template text cannot look like an action
    const bare = t.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const legacy = /(^|\s|&)-?(@@?|:omrelp:)(\(([^)]*)\))?(\[[^\]]+\]|[^\s:;@"]+)(?::(\d+))?/.exec(bare);
    if (legacy) {
      const proto = legacy[2] === '@' ? 'udp' : legacy[2] === '@@' ? 'tcp' : 'relp';
      const selector = bare.slice(0, legacy.index).trim() || '&';
      forwards.push({ target: legacy[5].replace(/^\[|\]$/g, ''), port: legacy[6], protocol: proto, selector, file, line: i + 1 });
    }
  }
  forwards.sort((a, b) => a.line - b.line);
  return { value: { forwards, includes }, diagnostics };
}
