import type { Evidence } from '../../core/types.js';
import type { ClusterFw, HostFw } from '../../parse/pve-fw.js';
import { plural } from './common.js';

/**
 * The FW-08 finding for a .fw file with CRLF line endings: what pve-firewall made of it, from what
 * the parser (which reads lines as PVE::Firewall does) recorded. undefined when no line was lost.
 * `wholeFile`: nothing in the file takes effect, so its other findings are noise.
 */
export function crlfFinding(conf: ClusterFw | HostFw, kind: 'cluster' | 'host'): { message: string; evidence: Evidence[]; wholeFile: boolean } | undefined {
  const effect = conf.crlf;
  if (!effect || (!effect.unreadHeaders.length && !effect.affectedLines.length)) return undefined;
  const headers = effect.unreadHeaders.map((h) => h.text);
  const lost = plural(effect.affectedLines.length, 'line');
  const missedOptions = conf.options.size === 0 && headers.some((h) => h.toLowerCase() === '[options]');
  let message: string;
  let wholeFile = true;
  if (kind === 'cluster' && missedOptions) {
    const cluster = conf as ClusterFw;
    const kept = [cluster.ipsets.size ? plural(cluster.ipsets.size, 'ipset') : '', cluster.groups.size ? plural(cluster.groups.size, 'security group') : ''].filter(Boolean);
    message = `CRLF line endings: Proxmox ignores the whole file: with the CR kept, ${headers.join(', ')} match no section header, so ${lost} are skipped or misread, `
      + '`enable` is never read and the firewall is off cluster-wide (no rule, policy or management accept applies)'
      + (kept.length ? `; only the [IPSET]/[group] headers survive the CR (${kept.join(', ')} read, without effect while the firewall is off)` : '');
  } else if (kind === 'host' && conf.options.size === 0 && conf.rules.length === 0) {
    message = `CRLF line endings: Proxmox ignores the whole file: with the CR kept, ${headers.join(', ')} match no section header, so all ${lost} are skipped `
      + '(host options such as `enable`/`nftables` are not read and no host rule applies; the node runs with the cluster rules and default host options)';
  } else {
    wholeFile = false;
    message = headers.length
      ? `CRLF line endings: with the CR kept, Proxmox does not recognise ${headers.map((h, i) => `${h} (line ${effect.unreadHeaders[i].line})`).join(', ')} and skips or misreads the ${lost} below`
      : `CRLF line endings: Proxmox skips ${lost} whose trailing CR breaks their syntax (lines ${effect.affectedLines.slice(0, 10).join(', ')}${effect.affectedLines.length > 10 ? ', ...' : ''})`;
  }
  return { message: `${conf.file}:1: ${message}. Convert the file to LF line endings (e.g. sed -i 's/\\r$//').`, evidence: [{ source: conf.file, line: 1, text: `${plural(effect.lines, 'line')} end in CR LF` }], wholeFile };
}
