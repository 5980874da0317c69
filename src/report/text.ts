import type { Evidence } from '../core/types.js';

/**
 * Characters escaped in every human-facing line: C0 controls (but tab, shown as a space), DEL and
 * C1 controls (ESC and CSI start terminal sequences), and invisible format characters that make a
 * name look like another: bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) and
 * marks (U+200E/F, U+061C), zero-width spaces and joiners, word joiner and invisible operators,
 * line/paragraph separators, soft hyphen, BOM, Hangul fillers, interlinear annotations, tag characters.
 */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

/**
 * The one output-escaping function: text read from a node or a bundle (file contents, node and
 * user names, remote error messages) is shown verbatim except for the characters above, so that it
 * cannot move the cursor, recolour or clear the operator's terminal, reorder what is displayed, or
 * break the one-line layout. Newlines become spaces; the rest is shown as \xNN or \u{NNNN}.
 * Idempotent: its output has nothing left to escape.
 */
export function clean(s: string): string {
  return s.replace(UNSAFE, (ch) => {
    if (ch === '\n' || ch === '\r') return ' ';
    const code = ch.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  }).replace(/\t/g, ' ');
}

/** `file:line: text`, `command:line: text`, or the parts that exist. */
export function evidenceText(e: Evidence): string {
  const where = e.line !== undefined ? `${e.source}:${e.line}` : e.source;
  return clean(e.text !== undefined && e.text !== '' ? `${where}: ${e.text}` : where);
}
