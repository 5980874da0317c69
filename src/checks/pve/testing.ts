import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MemorySnapshotSpec } from '../../collect/memory.js';

/** A realistic user.cfg of a small PVE 9 cluster (one admin group, a few tokens, pools). */
export const USER_CFG = `user:root@pam:1:0:::root@example.com:::
user:alice@pve:1:0:Alice:Admin:alice@example.com:::
user:bob@pam:1:0:Bob::::
token:bob@pam!monitoring:1798761600:1:Zabbix:
user:carol@pve:1:0:Carol::carol@example.com:::

group:admins:alice@pve::
group:ops:bob@pam,carol@pve::

pool:prod:Production:100,101:local-zfs:

role:Monitor:Sys.Audit,VM.Audit,Datastore.Audit:

acl:1:/:@admins:Administrator:
acl:1:/pool/prod:@ops:PVEVMUser:
acl:1:/:bob@pam!monitoring:Monitor:
`;

export const TFA_CFG = JSON.stringify({
  users: {
    'root@pam': { totp: [{ id: 'r1', created: 1761000000, entry: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP' }], recovery: { secret: 'x', entries: ['a', 'b'], created: 1761000000 } },
    'alice@pve': { webauthn: [{ id: 'w1', created: 1761000000, entry: {} }], recovery: { secret: 'x', entries: ['a', null], created: 1761000000 } },
    'carol@pve': { totp: [{ id: 'c1', created: 1761000000, entry: 'otpauth://totp/x?secret=QRSTUVWXYZ234567' }], recovery: { secret: 'x', entries: ['a'], created: 1761000000 } },
  },
}, null, 1);

export const DOMAINS_CFG = `pam: pam
	comment Linux PAM standard authentication

pve: pve
	comment Proxmox VE authentication server
	default 1
`;

/** A node snapshot spec with /etc/pve files; `files` overrides (undefined removes a file). */
export function pveNode(files: Record<string, string | undefined> = {}, extra: Partial<MemorySnapshotSpec> = {}): MemorySnapshotSpec {
  const base: Record<string, string | undefined> = {
    '/etc/hostname': 'pve1\n',
    '/etc/pve/user.cfg': USER_CFG,
    '/etc/pve/domains.cfg': DOMAINS_CFG,
    '/etc/pve/priv/tfa.cfg': TFA_CFG,
    '/etc/pve/datacenter.cfg': 'keyboard: en-us\n',
    ...files,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v;
  return { files: out, dirs: { '/etc/pve': {}, '/etc/pve/priv': { mode: 0o700 } }, ...extra };
}

/** Same node but /etc/pve was not collected at all. */
export const noPve: MemorySnapshotSpec = { files: { '/etc/hostname': 'pve1\n' } };

/** access-matrix.yaml declaring exactly what USER_CFG grants. */
export const MATRIX_OF_USER_CFG = `groups:
  admins:
    grants:
      - { path: /, roles: [Administrator] }
  ops:
    grants:
      - { path: /pool/prod, roles: [PVEVMUser] }
tokens:
  bob@pam!monitoring:
    grants:
      - { path: /, roles: [Monitor] }
`;

/** access-matrix.yaml that USER_CFG drifted from: carol on one guest instead of @ops' pool, the token's grant not propagating. */
export const MATRIX_DRIFTED = `groups:
  admins:
    grants:
      - { path: /, roles: [Administrator] }
users:
  carol@pve:
    grants:
      - { path: /vms/102, roles: [PVEVMUser], propagate: false }
tokens:
  bob@pam!monitoring:
    grants:
      - { path: /, roles: [Monitor], propagate: false }
`;

let matrixDir: string | undefined;
/** Writes an access-matrix.yaml into this process's temporary directory (removed at exit); returns its path. */
export function matrixFile(name: string, yaml: string): string {
  if (!matrixDir) {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), 'pvesec-matrix-'));
    process.on('exit', () => fs.rmSync(made, { recursive: true, force: true }));
    matrixDir = made;
  }
  const f = path.join(matrixDir, name);
  fs.writeFileSync(f, yaml);
  return f;
}
