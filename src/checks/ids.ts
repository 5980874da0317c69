/**
 * The ids of the baseline's controls, in catalogue order, without loading a single check: `pvesec audit`
 * and `plan` validate --control with them before they start collecting, and load the checks (about 200
 * modules with the model and the engines) while the nodes run the collection script.
 * src/checks/ids.test.ts holds this list to the registry's: add a new control's id here too.
 */
export const CONTROL_IDS: readonly string[] = [
  'ACC-01', 'ACC-02', 'ACC-03', 'ACC-04', 'ACC-05', 'ACC-06', 'ACC-07',
  'SSH-01', 'SSH-02', 'SSH-03', 'SSH-04', 'SSH-05', 'SSH-06', 'SSH-07', 'SSH-08', 'SSH-09', 'SSH-10', 'SSH-11', 'SSH-12', 'SSH-13', 'SSH-14', 'SSH-15', 'SSH-16',
  'FW-01', 'FW-02', 'FW-03', 'FW-04', 'FW-05', 'FW-06', 'FW-07', 'FW-08', 'FW-09', 'FW-10', 'FW-11', 'FW-12', 'FW-13',
  'BF-01', 'BF-02', 'BF-03',
  'UPD-01', 'UPD-02', 'UPD-03', 'UPD-04', 'UPD-05', 'UPD-06',
  'KRN-01', 'KRN-02', 'KRN-03',
  'AUD-01', 'AUD-02', 'AUD-03', 'AUD-04', 'AUD-05',
  'PVE-01', 'PVE-02', 'PVE-03', 'PVE-04', 'PVE-05', 'PVE-06', 'PVE-07', 'PVE-08', 'PVE-09', 'PVE-10', 'PVE-11', 'PVE-12', 'PVE-13', 'PVE-14', 'PVE-15',
  'TLS-01', 'TLS-02', 'TLS-03', 'TLS-04', 'TLS-05',
  'BAK-01', 'BAK-02',
];

/** Matches ids against patterns like SSH-*, SSH-01, *-01 (case-insensitive). */
export function idMatches(id: string, patterns: string[]): boolean {
  return patterns.some((p) => {
    const re = new RegExp('^' + p.trim().toUpperCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$');
    return re.test(id.toUpperCase());
  });
}
