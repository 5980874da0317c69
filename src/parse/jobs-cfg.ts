import { asText, numberedLines, type Parsed } from './diagnostics.js';
import { parseSectionConfig, type LocatedValue } from './section-config.js';

export interface Job {
  type: string;
  id: string;
  line: number;
  enabled: boolean;
  schedule?: string;
  storage?: string;
  props: Map<string, LocatedValue>;
}

/** /etc/pve/jobs.cfg (section config): `vzdump: backup-<id>` guest backup jobs and other job types. */
export function parseJobsCfg(input: string | Buffer, file = '/etc/pve/jobs.cfg'): Parsed<Job[]> {
  const { value, diagnostics } = parseSectionConfig(input, file);
  return {
    value: value.map((s) => ({
      type: s.type,
      id: s.id,
      line: s.line,
      enabled: s.props.get('enabled')?.value !== '0',
      schedule: s.props.get('schedule')?.value,
      storage: s.props.get('storage')?.value,
      props: s.props,
    })),
    diagnostics,
  };
}

export interface CronJob {
  line: number;
  text: string;
}

/** Legacy /etc/pve/vzdump.cron: the cron lines that run vzdump (comments and variables skipped). */
export function parseVzdumpCron(input: string | Buffer, file = '/etc/pve/vzdump.cron'): Parsed<CronJob[]> {
  const text = asText(input, file);
  const jobs: CronJob[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || t.startsWith('#') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) continue;
    if (/(^|\s|\/)vzdump(\s|$)/.test(t)) jobs.push({ line, text: t });
  }
  return { value: jobs, diagnostics: [] };
}
