import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';

export interface UnitState {
  unit: string;
  /** active, inactive, failed, activating, unknown ... as printed by `systemctl is-active` */
  active: string;
  /** enabled, disabled, static, masked, not-found ... as printed by `systemctl is-enabled` */
  enabled: string;
  line: number;
}

/** Parses the `systemctl-states` command output: one line per unit, `<unit> <is-active> <is-enabled>`. */
export function parseSystemctlStates(input: string | Buffer, file = 'systemctl-states'): Parsed<Map<string, UnitState>> {
  const text = asText(input, file);
  const units = new Map<string, UnitState>();
  const diagnostics: Diagnostic[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (!t.trim()) continue;
    const parts = t.trim().split(/\s+/);
    if (parts.length < 3) {
      diagnostics.push({ file, line, message: 'expected "<unit> <active-state> <enabled-state>"', severity: 'warning' });
      continue;
    }
    const unit = parts[0].replace(/\.service$/, '');
    units.set(unit, { unit, active: parts[1], enabled: parts[2], line });
  }
  return { value: units, diagnostics };
}
