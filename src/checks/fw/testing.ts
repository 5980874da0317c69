// Test inputs shared by the FW-04..07/13 tests (imported by tests only).
import type { MemorySnapshotSpec } from '../../collect/memory.js';
import { CLUSTER_FW_GOOD, pveNode, type NodeOptions } from '../../../test/fixtures/netfilter/helpers.js';

export const withRule = (rule: string, base = CLUSTER_FW_GOOD) => `${base}${rule}\n`;

/** A Debian 12 / PVE 9 corosync.conf (knet) with the given nodes and ring0 addresses. */
export function corosyncConf(nodes: Record<string, string>): string {
  const list = Object.entries(nodes).map(([name, addr], i) => `  node {\n    name: ${name}\n    nodeid: ${i + 1}\n    quorum_votes: 1\n    ring0_addr: ${addr}\n  }`).join('\n');
  return `logging {\n  debug: off\n  to_syslog: yes\n}\n\nnodelist {\n${list}\n}\n\nquorum {\n  provider: corosync_votequorum\n}\n\ntotem {\n  cluster_name: prod\n  config_version: 3\n  interface {\n    linknumber: 0\n  }\n  ip_version: ipv4-6\n  link_mode: passive\n  secauth: on\n  version: 2\n}\n`;
}

/** pveNode plus extra files (corosync.conf, /etc/default/pveproxy). */
export function pveNodeWith(o: NodeOptions, files: Record<string, string>, commands: Record<string, string> = {}): MemorySnapshotSpec {
  const spec = pveNode(o);
  return { ...spec, files: { ...spec.files, ...files }, commands: { ...spec.commands, ...commands } };
}

/** `sshd -T` of an sshd moved to port 2200 (both families). */
export const SSHD_T_2200 = 'port 2200\naddressfamily any\nlistenaddress [::]:2200\nlistenaddress 0.0.0.0:2200\npermitrootlogin prohibit-password\npasswordauthentication no\n';
