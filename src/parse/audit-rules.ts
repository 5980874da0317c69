import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

/**
 * One audit rule. A file watch (`-w path -p wa`) and a syscall rule filtering on path/dir
 * (`-a always,exit -F path=... -F perm=wa`) both become kind "watch" with the watched path.
 */
export type AuditRule =
  | { kind: 'watch'; path: string; /** also covers everything below the path (-w, -F dir=), not only the path itself (-F path=) */ dir: boolean; perms: string; key?: string; file: string; line: number; text: string }
  | { kind: 'syscall'; list: string; action: string; fields: string[]; key?: string; file: string; line: number; text: string }
  | { kind: 'control'; option: string; arg?: string; file: string; line: number; text: string };

export interface AuditRules {
  rules: AuditRule[];
  /** `-e 2` was seen: the configuration is immutable until reboot. */
  immutable: boolean;
  /** `auditctl -l` printed "No rules". */
  empty: boolean;
}

function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2]);
  return out;
}

/**
 * Parses audit rules in auditctl syntax: `auditctl -l` output or /etc/audit/rules.d/*.rules
 * (also audit.rules as augenrules writes it). `-D` deletes the rules read so far; `-W` removes a watch.
 */
export function parseAuditRules(input: string | Buffer, file = 'auditctl -l', start: AuditRule[] = []): Parsed<AuditRules> {
  const text = asText(input, file);
  const rules: AuditRule[] = [...start];
  const diagnostics: Diagnostic[] = [];
  let immutable = false;
  let empty = false;
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    if (/^No rules$/i.test(t)) { empty = true; continue; }
    const tk = tokens(t);
    const opt = tk[0];
    const arg = (name: string) => { const i = tk.indexOf(name); return i >= 0 ? tk[i + 1] : undefined; };
    const fields = () => tk.flatMap((x, i) => (x === '-F' && tk[i + 1] !== undefined ? [tk[i + 1]] : []));
    if (opt === '-w' || opt === '-W') {
      const path = tk[1];
      if (!path) {
        diagnostics.push({ file, line, message: `${opt} without a path`, severity: 'warning' });
        continue;
      }
      if (opt === '-W') {
        for (let i = rules.length - 1; i >= 0; i--) {
          const r = rules[i];
          if (r.kind === 'watch' && trimSlash(r.path) === trimSlash(path)) rules.splice(i, 1);
        }
        continue;
      }
      rules.push({ kind: 'watch', path, dir: true, perms: arg('-p') ?? 'rwxa', key: arg('-k'), file, line, text: t });
      continue;
    }
    if (opt === '-a' || opt === '-A') {
      const la = (tk[1] ?? '').split(',');
      const actions = ['never', 'always'];
      const action = la.find((x) => actions.includes(x)) ?? '';
      const list = la.find((x) => !actions.includes(x)) ?? '';
      if (!action || !list) {
        diagnostics.push({ file, line, message: `bad list,action "${tk[1] ?? ''}"`, severity: 'warning' });
        continue;
      }
      const fs = fields();
      const key = fs.find((f) => f.startsWith('key='))?.slice(4) ?? arg('-k');
      const path = fs.find((f) => f.startsWith('path='))?.slice(5);
      const dir = fs.find((f) => f.startsWith('dir='))?.slice(4);
      const perm = fs.find((f) => f.startsWith('perm='))?.slice(5);
      if (action === 'always' && list === 'exit' && (path || dir) && !tk.includes('-S')) {
        rules.push({ kind: 'watch', path: (path ?? dir)!, dir: dir !== undefined, perms: perm ?? 'rwxa', key, file, line, text: t });
      } else {
        rules.push({ kind: 'syscall', list, action, fields: fs, key, file, line, text: t });
      }
      continue;
    }
    if (opt === '-D') {
      rules.length = 0;
      continue;
    }
    if (opt?.startsWith('-') || opt?.startsWith('--')) {
      if (opt === '-e' && tk[1] === '2') immutable = true;
      rules.push({ kind: 'control', option: opt, arg: tk[1], file, line, text: t });
      continue;
    }
    diagnostics.push({ file, line, message: 'not an auditctl rule', severity: 'warning' });
  }
  return { value: { rules, immutable, empty }, diagnostics };
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/**
 * The watch rule that records writes and attribute changes (-p containing w and a) of a path:
 * a watch of the path itself or of a directory above it (directory watches are recursive).
 */
export function watchCovering(rules: AuditRule[], path: string): Extract<AuditRule, { kind: 'watch' }> | undefined {
  const target = trimSlash(path);
  return rules.find((r): r is Extract<AuditRule, { kind: 'watch' }> => {
    if (r.kind !== 'watch' || !r.perms.includes('w') || !r.perms.includes('a')) return false;
    const p = trimSlash(r.path);
    return p === target || (r.dir && target.startsWith(p === '/' ? '/' : p + '/'));
  });
}
