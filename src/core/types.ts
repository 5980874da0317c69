/** Outcome of one check on one node (or on the cluster for cluster-wide controls). */
export const STATUSES = ['FAIL', 'WARN', 'SKIP', 'NOTICE', 'INFO', 'PASS'] as const;
export type Status = (typeof STATUSES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SECTIONS = ['ACC', 'SSH', 'FW', 'BF', 'UPD', 'KRN', 'AUD', 'PVE', 'TLS', 'BAK'] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_TITLES: Record<Section, string> = {
  ACC: 'HOST ACCOUNTS',
  SSH: 'SSH DAEMON',
  FW: 'NETWORK EXPOSURE',
  BF: 'BRUTE-FORCE PROTECTION',
  UPD: 'UPDATES',
  KRN: 'KERNEL AND OS',
  AUD: 'AUDIT AND LOGS',
  PVE: 'PROXMOX IDENTITY AND ACCESS',
  TLS: 'CERTIFICATES AND WEB ENDPOINT',
  BAK: 'CONFIGURATION BACKUP',
};

/** Where a verdict came from: a file and line, a command and line of its output, or a simulated packet. */
export interface Evidence {
  /** Absolute path on the node ("/etc/ssh/sshd_config"), or a command ("sshd -T"), or "packet". */
  source: string;
  line?: number;
  /** The (redacted) text of that line or a short description. */
  text?: string;
}

export interface Reference {
  title: string;
  url?: string;
}

export interface ControlMeta {
  id: string;
  section: Section;
  title: string;
  severity: Severity;
  /** node: evaluated once per node; cluster: once per cluster (or standalone node) on /etc/pve. */
  scope: 'node' | 'cluster';
  rationale: string;
  fix: string;
  /** Files and commands the check reads (for `pvesec explain`). */
  reads: string[];
  references: Reference[];
}

export interface Finding {
  id: string;
  status: Status;
  severity: Severity;
  title: string;
  message: string;
  evidence: Evidence[];
  /**
   * Identity of the finding within its control and target, stable across runs (never message text):
   * the sysctl name of KRN-01, the admin of ACC-03, the family, port and deciding rule of FW-05...;
   * "" for a control's only verdict. SARIF fingerprints and history are built on (id, node|cluster, key).
   */
  key?: string;
  /** Node name for node-scoped findings; cluster findings carry the cluster name instead. */
  node?: string;
  cluster?: string;
  waiver?: { reason: string; expires?: string; expired: boolean };
}
