/**
 * Per-version keyword lookup over the servconf.c tables (keyword-table.ts): parse_token (case-insensitive
 * name -> opcode and scope) and lookup_opcode_name (opcode -> the FIRST name in the table, the one
 * `sshd -T` prints).
 */
import { KEYWORDS_10_0, KEYWORDS_9_2, type KeywordRow, type KeywordScope } from './keyword-table.js';

export type SshdVersion = '9.2' | '10.0';
export const SSHD_VERSIONS: readonly SshdVersion[] = ['9.2', '10.0'];

export interface Keyword {
  name: string;
  opcode: string;
  scope: KeywordScope;
}

export interface KeywordTable {
  version: SshdVersion;
  lookup(name: string): Keyword | undefined;
  /** The name `sshd -T` prints for an opcode. */
  dumpName(opcode: string): string;
  all: readonly Keyword[];
}

function build(version: SshdVersion, rows: readonly KeywordRow[]): KeywordTable {
  const byName = new Map<string, Keyword>();
  const firstName = new Map<string, string>();
  const all: Keyword[] = [];
  for (const [name, opcode, scope] of rows) {
    const kw = { name, opcode, scope };
    all.push(kw);
    if (!byName.has(name)) byName.set(name, kw);
    if (!firstName.has(opcode)) firstName.set(opcode, name);
  }
  return {
    version,
    all,
    lookup: (name) => (/^[\x21-\x7e]+$/.test(name) ? byName.get(name.toLowerCase()) : undefined),
    dumpName: (opcode) => firstName.get(opcode) ?? 'UNKNOWN',
  };
}

const TABLES: Record<SshdVersion, KeywordTable> = {
  '9.2': build('9.2', KEYWORDS_9_2),
  '10.0': build('10.0', KEYWORDS_10_0),
};

export const keywordTable = (version: SshdVersion): KeywordTable => TABLES[version];
