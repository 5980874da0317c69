import path from 'node:path';
import { COMMANDS, FILES } from '../collect/sources.js';
import type { Snapshot } from '../collect/snapshot.js';
import { parseCorosyncConf } from '../parse/corosync.js';

/** The Proxmox node name of a snapshot, and how it was decided. */
export interface NodeIdentity {
  /** The node name (what /etc/pve/nodes/<name> is called); when unknown, a neutral label that is no path. */
  name: string;
  /** Where the name comes from, e.g. "/etc/pve/local -> nodes/pve1". */
  source?: string;
  /** Set when nothing decides the name: one line saying so and why. */
  unknown?: string;
}

const LOCAL_LINK = '/etc/pve/local';

/**
 * The node name as Proxmox itself has it. pmxcfs names the node after the kernel host name cut at the
 * first dot, and shows that name as the /etc/pve/local -> nodes/<name> link. In that order:
 *  1. /etc/pve/local: the link (a tarball or `cp -a` keeps it), or a dereferenced copy of it (`cp -rL`,
 *     zip), which names the one nodes/<name> directory holding the same files;
 *  2. /etc/hostname, then `hostname` output, then the host name a pvesec collection recorded;
 *  3. /etc/pve/nodes/<name>: the only directory there (a standalone node), else the only one whose
 *     SSH host key (nodes/<name>/ssh_known_hosts, priv/known_hosts) is this node's /etc/ssh key.
 * Nothing else: the target as typed (a bundle's path on the auditing machine) is never a node name.
 */
export function nodeIdentityOf(snapshot: Snapshot): NodeIdentity {
  const link = fromLocalLink(snapshot);
  if (link) return link;
  const stated: [string | undefined, string][] = [
    [firstName(snapshot.text(FILES.hostname)), FILES.hostname],
    [firstName(snapshot.command(COMMANDS.hostname.name)?.output), `\`${COMMANDS.hostname.name}\``],
    [firstName(snapshot.meta.hostname), 'the host name recorded by the collector'],
  ];
  for (const [name, source] of stated) if (name) return { name, source };
  return fromNodesDir(snapshot);
}

/** The node name, or the neutral label of a node whose name is unknown (see nodeIdentityOf). */
export function nodeNameOf(snapshot: Snapshot): string {
  return nodeIdentityOf(snapshot).name;
}

/** First name of a host name file or output: comment lines skipped, cut at the first dot as pmxcfs does. */
function firstName(text: string | undefined): string | undefined {
  const line = text?.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  const name = line?.split('.')[0];
  return name && validName(name) ? name : undefined;
}

/** A node name usable as a directory name under /etc/pve/nodes. */
function validName(name: string): boolean {
  return name !== '.' && name !== '..' && !/[\s/\\\0-\x1f\x7f]/.test(name);
}

function fromLocalLink(snapshot: Snapshot): NodeIdentity | undefined {
  const stat = snapshot.dirs.get(LOCAL_LINK) ?? snapshot.file(LOCAL_LINK)?.stat;
  if (stat?.type === 'symlink' && stat.linkTarget !== undefined) {
    const m = /^(?:\/etc\/pve\/)?nodes\/([^/]+)\/?$/.exec(stat.linkTarget);
    if (m && validName(m[1])) return { name: m[1], source: `${LOCAL_LINK} -> ${stat.linkTarget}` };
    return undefined;
  }
  if (!snapshot.dirs.has(LOCAL_LINK)) return undefined;
  // a copy that followed the link: the nodes/<name> directory holding exactly the same files
  const copy = treeOf(snapshot, LOCAL_LINK);
  if (copy.size === 0) return undefined;
  const same = snapshot.subdirs(FILES.pveNodesDir).filter((n) => sameTree(copy, treeOf(snapshot, `${FILES.pveNodesDir}/${n}`)));
  return same.length === 1 ? { name: same[0], source: `${LOCAL_LINK} (a copy of nodes/${same[0]})` } : undefined;
}

function treeOf(snapshot: Snapshot, dir: string): Map<string, Buffer> {
  const prefix = dir + '/';
  const out = new Map<string, Buffer>();
  for (const f of snapshot.files.values()) if (f.path.startsWith(prefix)) out.set(f.path.slice(prefix.length), f.content);
  return out;
}

function sameTree(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([p, c]) => b.get(p)?.equals(c) === true);
}

function fromNodesDir(snapshot: Snapshot): NodeIdentity {
  const names = snapshot.subdirs(FILES.pveNodesDir).filter(validName);
  const label = snapshot.originLabel;
  const notFound = `no ${LOCAL_LINK} link, ${FILES.hostname} nor \`${COMMANDS.hostname.name}\` output`;
  if (names.length === 1) return { name: names[0], source: `the only node under ${FILES.pveNodesDir}` };
  if (names.length === 0) {
    return { name: label, unknown: `node name unknown: ${notFound}, and no node directory under ${FILES.pveNodesDir}` };
  }
  const keys = ownHostKeys(snapshot);
  const byKey = keys.size ? names.filter((n) => knownHostKeys(snapshot, n).some((k) => keys.has(k))) : [];
  if (byKey.length === 1) return { name: byKey[0], source: `the node whose SSH host key in /etc/pve is this node's ${path.posix.dirname(FILES.sshdConfig)} key` };
  const listed = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
  const keyNote = keys.size === 0 ? 'no SSH host key to match them' : byKey.length ? `this node's SSH host key matches ${byKey.join(' and ')}` : 'none holds this node\'s SSH host key';
  return { name: label, unknown: `node name unknown: ${notFound}; ${FILES.pveNodesDir} holds ${names.length} nodes (${listed}) and ${keyNote}` };
}

/** The key blobs of /etc/ssh/ssh_host_*_key.pub (`type base64 comment`). */
function ownHostKeys(snapshot: Snapshot): Set<string> {
  const keys = new Set<string>();
  for (const f of snapshot.listDir('/etc/ssh', (n) => /^ssh_host_.*_key\.pub$/.test(n))) {
    const [type, blob] = f.content.toString('utf8').trim().split(/\s+/);
    if (type && blob) keys.add(`${type} ${blob}`);
  }
  return keys;
}

/** Host keys /etc/pve records for a node: nodes/<node>/ssh_known_hosts, and priv/known_hosts lines naming it. */
function knownHostKeys(snapshot: Snapshot, node: string): string[] {
  const out: string[] = [];
  const read = (file: string, named: boolean): void => {
    for (const line of snapshot.text(file)?.split('\n') ?? []) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 3 || fields[0].startsWith('#') || fields[0].startsWith('@')) continue;
      if (named && !fields[0].split(',').some((h) => h.toLowerCase() === node.toLowerCase())) continue;
      out.push(`${fields[1]} ${fields[2]}`);
    }
  };
  read(`${FILES.pveNodesDir}/${node}/ssh_known_hosts`, false);
  read('/etc/pve/priv/known_hosts', true);
  return out;
}

/** Cluster name from corosync.conf, or undefined for a standalone node (or unreadable config). */
export function clusterNameOf(snapshot: Snapshot): string | undefined {
  const text = snapshot.text(FILES.corosyncConf);
  if (text === undefined) return undefined;
  try {
    return parseCorosyncConf(text).value.clusterName;
  } catch {
    return undefined;
  }
}
