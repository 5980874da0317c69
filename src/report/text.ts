import type { Evidence } from '../core/types.js';

/**
 * Text read from a node is shown verbatim except for control characters: a configuration file
 * must not be able to move the cursor or recolour the operator's terminal, nor break the one-line layout.
 */
export function clean(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (ch) => (ch === '\n' || ch === '\r' ? ' ' : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`))
    .replace(/\t/g, ' ');
}

/** `file:line: text`, `command:line: text`, or the parts that exist. */
export function evidenceText(e: Evidence): string {
  const where = e.line !== undefined ? `${e.source}:${e.line}` : e.source;
  return clean(e.text !== undefined && e.text !== '' ? `${where}: ${e.text}` : where);
}
