import { asText, type Diagnostic, type Parsed } from './diagnostics.js';
import { colonRecords } from './colon-records.js';

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  line: number;
}

/** Parses /etc/group (`name:password:gid:member,member`). */
export function parseGroup(input: string | Buffer, file = '/etc/group'): Parsed<GroupEntry[]> {
  const text = asText(input, file);
  const entries: GroupEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { line, fields: f } of colonRecords(text, file, 4, diagnostics)) {
    const gid = /^\d+$/.test(f[2]) ? Number(f[2]) : NaN;
    if (!f[0] || !Number.isSafeInteger(gid)) {
      diagnostics.push({ file, line, message: 'empty name or non-numeric gid', severity: 'warning' });
      continue;
    }
    const members = f[3].split(',').map((m) => m.trim()).filter(Boolean);
    entries.push({ name: f[0], gid, members, line });
  }
  return { value: entries, diagnostics };
}
