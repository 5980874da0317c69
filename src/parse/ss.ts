import { asText, numberedLines, type Diagnostic, type Parsed } from './diagnostics.js';
import { parseIp } from './ip-address.js';

export interface SocketProcess {
  name: string;
  pid?: number;
  fd?: number;
}

/** One listening socket from `ss -tulpn`. */
export interface ListeningSocket {
  proto: 'tcp' | 'udp';
  state: string;
  /** Local address without brackets and scope: '*', '0.0.0.0', '::', '127.0.0.1', 'fe80::1' ... */
  address: string;
  /** 'any' for `*` (all addresses of both families). */
  family: 4 | 6 | 'any';
  port: number;
  /** `%iface` suffix: bound to one interface (SO_BINDTODEVICE or a link-local scope). */
  iface?: string;
  /** Bound to every address (*, 0.0.0.0, ::). */
  wildcard: boolean;
  /** Bound only to a loopback address (127.0.0.0/8, ::1) or to the lo interface. */
  loopback: boolean;
  processes: SocketProcess[];
  line: number;
  text: string;
}

/** Parses `ss -tulpn` output (with or without the process column, which needs root). */
export function parseSs(input: string | Buffer, file = 'ss -tulpn'): Parsed<ListeningSocket[]> {
  const text = asText(input, file);
  const diagnostics: Diagnostic[] = [];
  const sockets: ListeningSocket[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (!t || /^Netid\s/.test(t) || /^State\s/.test(t)) continue;
    const cols = t.split(/\s+/);
    const proto = cols[0]?.replace(/6$/, '');
    if ((proto !== 'tcp' && proto !== 'udp') || cols.length < 6) {
      diagnostics.push({ file, line, message: `cannot parse socket line: ${t.slice(0, 80)}`, severity: 'warning' });
      continue;
    }
    const local = splitHostPort(cols[4]);
    if (!local) {
      diagnostics.push({ file, line, message: `cannot parse local address '${cols[4].slice(0, 60)}'`, severity: 'warning' });
      continue;
    }
    const processes = parseProcesses(cols.slice(6).join(' '));
    sockets.push({ proto, state: cols[1], ...local, processes, line, text: t });
  }
  return { value: sockets, diagnostics };
}

function splitHostPort(s: string): Pick<ListeningSocket, 'address' | 'family' | 'port' | 'iface' | 'wildcard' | 'loopback'> | undefined {
  const colon = s.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const portText = s.slice(colon + 1);
  if (!/^\d+$/.test(portText)) return undefined;
  let host = s.slice(0, colon);
  let iface: string | undefined;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const pct = host.indexOf('%');
  if (pct !== -1) {
    iface = host.slice(pct + 1);
    host = host.slice(0, pct);
  }
  if (host === '*') {
    return { address: '*', family: 'any', port: Number(portText), iface, wildcard: true, loopback: iface === 'lo' };
  }
  const ip = parseIp(host);
  if (!ip) return undefined;
  const wildcard = ip.value === 0n;
  const loopback = iface === 'lo' || (ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n)
    || (ip.family === 6 && ip.value >> 32n === 0xffffn && (ip.value & 0xffffffffn) >> 24n === 127n);
  return { address: host, family: ip.family, port: Number(portText), iface, wildcard, loopback };
}

function parseProcesses(s: string): SocketProcess[] {
  const out: SocketProcess[] = [];
  const re = /\("((?:[^"\\]|\\.)*)"((?:,\w+=\d+)*)\)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    const p: SocketProcess = { name: m[1] };
    const pid = /pid=(\d+)/.exec(m[2]);
    const fd = /fd=(\d+)/.exec(m[2]);
    if (pid) p.pid = Number(pid[1]);
    if (fd) p.fd = Number(fd[1]);
    out.push(p);
  }
  return out;
}
