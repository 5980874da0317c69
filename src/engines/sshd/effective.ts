/**
 * After loading: defaults (fill_default_server_options), the checks sshd.c runs before it would start
 * (AuthenticationMethods that no enabled method can satisfy, …), the per-connection override
 * (copy_set_server_options) and the canonical `sshd -T` text (dump_config), per version.
 */
import { isIPv6 } from 'node:net';
import { assembleNames, type AlgorithmKind } from './algorithms.js';
import type { KeywordTable, SshdVersion } from './keywords.js';
import { authMethodsValid, SshdFatal, type ConfigReader } from './loader.js';
import { ServerOptions } from './options.js';
import {
  ADDRESS_FAMILY, COMPRESSION, GATEWAY_PORTS, IGNORE_RHOSTS, LOG_FACILITIES, LOG_LEVELS, PERMIT_ROOT_LOGIN, TCP_FORWARDING, TUNNEL_MODES,
  formatMultistate, iptos2str, type Multistate,
} from './values.js';

const INT_MAX = 2147483647;

const GSS_KEX_DEFAULT = 'gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,gss-gex-sha1-';

/** Scalar defaults shared by both versions (fill_default_server_options, Debian build paths). */
const SCALAR_DEFAULTS: Record<string, number | string> = {
  UsePAM: 0, AddressFamily: 0, PidFile: '/run/sshd.pid', ModuliFile: '/etc/ssh/moduli', LoginGraceTime: 120, PermitRootLogin: 2,
  IgnoreRhosts: 1, IgnoreUserKnownHosts: 0, PrintMotd: 1, PrintLastLog: 1, X11Forwarding: 0, X11DisplayOffset: 10, X11UseLocalhost: 1,
  XAuthLocation: '/usr/bin/xauth', PermitTTY: 1, PermitUserRC: 1, StrictModes: 1, TCPKeepAlive: 1, LogFacility: 2, LogLevel: 3,
  HostbasedAuthentication: 0, HostbasedUsesNameFromPacketOnly: 0, PubkeyAuthentication: 1, PubkeyAuthOptions: 0,
  KerberosAuthentication: 0, KerberosOrLocalPasswd: 1, KerberosTicketCleanup: 1, KerberosGetAFSToken: 0, GssAuthentication: 0,
  GssKeyEx: 0, GssCleanupCreds: 1, GssStrictAcceptor: 1, GssStoreRekey: 0, GssKexAlgorithms: GSS_KEX_DEFAULT, PasswordAuthentication: 1,
  KbdInteractiveAuthentication: 1, EmptyPasswd: 0, PermitUserEnvironment: 0, Compression: 2, RekeyLimit: 0, RekeyInterval: 0,
  AllowTcpForwarding: 3, AllowStreamLocalForwarding: 3, AllowAgentForwarding: 1, GatewayPorts: 0, MaxStartups: 100, MaxStartupsRate: 30,
  MaxStartupsBegin: 10, PerSourceMaxStartups: INT_MAX, PerSourceMasklenIpv4: 32, PerSourceMasklenIpv6: 128, MaxAuthTries: 6,
  MaxSessions: 10, UseDNS: 0, ClientAliveInterval: 0, ClientAliveCountMax: 3, PermitTunnel: 0, VersionAddendum: '',
  StreamLocalBindMask: 0o177, StreamLocalBindUnlink: 0, FingerprintHash: 'SHA256', DisableForwarding: 0, ExposeAuthInfo: 0,
  SecurityKeyProvider: 'internal', RequiredRSASize: 1024, UnusedConnectionTimeout: 0, DebianBanner: 1,
};

const VERSION_DEFAULTS: Record<SshdVersion, Record<string, number | string>> = {
  '9.2': { IPQoSInteractive: 0x10, IPQoSBulk: 0x08 },
  '10.0': {
    IPQoSInteractive: 0xb8, IPQoSBulk: 0x20, PAMServiceName: 'sshd', SshdSessionPath: '/usr/lib/openssh/sshd-session',
    SshdAuthPath: '/usr/lib/openssh/sshd-auth', RefuseConnection: 0,
  },
};

const ALGORITHM_SLOTS: readonly (readonly [string, AlgorithmKind])[] = [
  ['Ciphers', 'cipher'], ['Macs', 'mac'], ['KexAlgorithms', 'kex'], ['HostKeyAlgorithms', 'key'],
  ['HostbasedAcceptedAlgorithms', 'key'], ['PubkeyAcceptedAlgorithms', 'key'], ['CASignatureAlgorithms', 'caSig'],
];

/** assemble_algorithms: expand +/-/^ and wildcards; fatal like sshd when a list comes out empty. */
export function assembleAlgorithms(version: SshdVersion, o: ServerOptions): void {
  const names: Record<string, string> = {
    Ciphers: 'ciphers', Macs: 'macs', KexAlgorithms: 'kex_algorithms', HostKeyAlgorithms: 'hostkeyalgorithms',
    HostbasedAcceptedAlgorithms: 'hostbased_accepted_algos', PubkeyAcceptedAlgorithms: 'pubkey_accepted_algos', CASignatureAlgorithms: 'ca_sign_algorithms',
  };
  for (const [slot, kind] of ALGORITHM_SLOTS) {
    const v = assembleNames(version, kind, o.get(slot) as string | undefined);
    if (v === null) throw new SshdFatal(`assemble_algorithms: ${names[slot]}: invalid argument`);
    o.set(slot, v);
  }
}

export function fillDefaults(version: SshdVersion, o: ServerOptions): void {
  if (o.hostKeys.length === 0) o.hostKeys.push('/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key');
  if (o.ports.length === 0) o.ports.push(22);
  for (const [slot, value] of Object.entries({ ...SCALAR_DEFAULTS, ...VERSION_DEFAULTS[version] })) o.setFirst(slot, value);
  if (o.array('AuthorizedKeysFile').length === 0) o.arrays.AuthorizedKeysFile = ['.ssh/authorized_keys', '.ssh/authorized_keys2'];
  const p = o.penalty;
  if (version === '10.0') {
    p.enabled ??= 1;
    p.maxSources4 ??= 65536;
    p.maxSources6 ??= 65536;
    p.overflow ??= 2;
    p.overflow6 ??= p.overflow;
    p.crash ??= 90;
    p.grace ??= 10;
    p.authfail ??= 5;
    p.noauth ??= 1;
    p.refuseconnection ??= 10;
    p.min ??= 15;
    p.max ??= 600;
  }
  assembleAlgorithms(version, o);
  // CLEAR_ON_NONE: "none" (or empty) means unset for these
  const clear = ['PidFile', 'XAuthLocation', 'Banner', 'TrustedUserCAKeys', 'RevokedKeys', 'SecurityKeyProvider', 'AuthorizedPrincipalsFile', 'ForceCommand', 'ChrootDirectory', 'RDomain', 'HostKeyAgent'];
  if (version === '10.0') clear.push('PerSourcePenaltyExemptList');
  for (const slot of clear) {
    const v = o.get(slot);
    if (typeof v === 'string' && (v === '' || v.toLowerCase() === 'none')) o.set(slot, undefined);
  }
  const clearArray = (slot: string, none: string): void => {
    const a = o.array(slot);
    if (a.length === 1 && a[0].toLowerCase() === none) o.arrays[slot] = [];
  };
  clearArray('ChannelTimeout', 'none');
  clearArray('AuthenticationMethods', 'any');
}

/** sshd.c's checks between loading and starting. Messages go to the reader's log; throws SshdFatal. */
export function postLoadChecks(reader: ConfigReader): void {
  const o = reader.options;
  if (o.get('AuthorizedKeysCommandUser') === undefined && o.get('AuthorizedKeysCommand') !== undefined) {
    throw new SshdFatal('AuthorizedKeysCommand set without AuthorizedKeysCommandUser');
  }
  if (o.get('AuthorizedPrincipalsCommandUser') === undefined && o.get('AuthorizedPrincipalsCommand') !== undefined) {
    throw new SshdFatal('AuthorizedPrincipalsCommand set without AuthorizedPrincipalsCommandUser');
  }
  const lists = o.array('AuthenticationMethods');
  if (lists.length > 0) {
    const enabled = (opt: string): boolean => Number(o.get(opt)) !== 0;
    const ok = lists.some((l) => authMethodsValid(l, enabled, (m) => reader.log('error', m)));
    if (!ok) throw new SshdFatal('AuthenticationMethods cannot be satisfied by enabled authentication methods');
  }
}

const COPY_INTS = [
  'PasswordAuthentication', 'GssAuthentication', 'PubkeyAuthentication', 'PubkeyAuthOptions', 'KerberosAuthentication', 'HostbasedAuthentication',
  'HostbasedUsesNameFromPacketOnly', 'KbdInteractiveAuthentication', 'PermitRootLogin', 'EmptyPasswd', 'IgnoreRhosts', 'AllowTcpForwarding',
  'AllowStreamLocalForwarding', 'AllowAgentForwarding', 'DisableForwarding', 'ExposeAuthInfo', 'PermitTunnel', 'GatewayPorts',
  'StreamLocalBindUnlink', 'X11DisplayOffset', 'X11Forwarding', 'X11UseLocalhost', 'PermitTTY', 'PermitUserRC', 'MaxSessions', 'MaxAuthTries',
  'ClientAliveCountMax', 'ClientAliveInterval', 'IPQoSInteractive', 'IPQoSBulk', 'RekeyLimit', 'RekeyInterval', 'LogLevel', 'RequiredRSASize',
  'UnusedConnectionTimeout', 'RefuseConnection', 'StreamLocalBindMask',
];
const COPY_STRINGS = [
  'Banner', 'TrustedUserCAKeys', 'RevokedKeys', 'AuthorizedKeysCommand', 'AuthorizedKeysCommandUser', 'AuthorizedPrincipalsFile',
  'AuthorizedPrincipalsCommand', 'AuthorizedPrincipalsCommandUser', 'HostbasedAcceptedAlgorithms', 'PubkeyAcceptedAlgorithms',
  'CASignatureAlgorithms', 'RDomain', 'PermitUserEnvironmentAllowlist', 'PAMServiceName',
];
const COPY_ARRAYS = [
  'AuthorizedKeysFile', 'AllowUsers', 'DenyUsers', 'AllowGroups', 'DenyGroups', 'AcceptEnv', 'SetEnv', 'AuthenticationMethods', 'PermitOpen',
  'PermitListen', 'ChannelTimeout', 'LogVerbose',
];

/** copy_set_server_options(dst, src, preauth = 0): what a matching Match block overrides. */
export function copySetOptions(version: SshdVersion, dst: ServerOptions, src: ServerOptions): void {
  for (const slot of COPY_INTS) if (src.get(slot) !== undefined) dst.set(slot, src.get(slot));
  for (const slot of COPY_STRINGS) if (src.get(slot) !== undefined) dst.set(slot, src.get(slot));
  for (const slot of COPY_ARRAYS) if (src.array(slot).length > 0) dst.arrays[slot] = [...src.array(slot)];
  if (version === '10.0' && src.subsystems.length > 0) dst.subsystems = src.subsystems.map((s) => ({ ...s }));
  assembleAlgorithms(version, dst);
  for (const slot of ['ForceCommand', 'ChrootDirectory']) {
    if (src.get(slot) !== undefined) dst.set(slot, src.get(slot));
    const v = dst.get(slot);
    if (typeof v === 'string' && (v === '' || v.toLowerCase() === 'none')) dst.set(slot, undefined);
  }
}

export type DumpLine = readonly [key: string, value: string];

/** The listen addresses sshd would print: explicit ones with their ports, or the wildcard per family. */
function listenLines(o: ServerOptions): string[] {
  const family = Number(o.get('AddressFamily'));
  const out: string[] = [];
  const fmt = (host: string, port: number, rdomain: string | null): string =>
    `${isIPv6(host) ? `[${host}]` : host}:${port}${rdomain === null ? '' : ` rdomain ${rdomain}`}`;
  const specs = o.queuedListen.length > 0 ? o.queuedListen : [{ host: null, port: 0, rdomain: null }];
  for (const spec of specs) {
    const ports = spec.port > 0 ? [spec.port] : o.ports;
    for (const port of ports) {
      if (spec.host === null) {
        if (family !== 2) out.push(fmt('::', port, null));
        if (family !== 10) out.push(fmt('0.0.0.0', port, null));
      } else out.push(fmt(spec.host, port, spec.rdomain));
    }
  }
  return out;
}

/** dump_config: the `sshd -T` lines in sshd's order, keys as lookup_opcode_name gives them. */
export function dumpConfig(version: SshdVersion, table: KeywordTable, o: ServerOptions): DumpLine[] {
  const v10 = version === '10.0';
  const out: [string, string][] = [];
  const name = (op: string): string => table.dumpName(op);
  const num = (op: string, slot = op): void => {
    const v = Number(o.get(slot));
    out.push([name(op), op === 'UnusedConnectionTimeout' && v === 0 ? 'none' : String(v)]);
  };
  const yn = (op: string, table$?: Multistate): void => {
    const v = Number(o.get(op));
    out.push([name(op), table$ ? formatMultistate(table$, v) : v === 0 ? 'no' : v === 1 ? 'yes' : 'UNKNOWN']);
  };
  const str = (op: string, slot = op): void => {
    const v = o.get(slot);
    out.push([name(op), v === undefined ? 'none' : String(v)]);
  };
  const arr = (op: string): void => {
    for (const v of o.array(op)) out.push([name(op), v]);
  };
  const oneline = (op: string): void => {
    const vals = o.array(op);
    if (vals.length === 0 && op !== 'AuthenticationMethods' && !(v10 && op === 'ChannelTimeout')) return;
    let s = vals.join(' ');
    if (vals.length === 0) s = op === 'AuthenticationMethods' ? 'any' : 'none';
    out.push([name(op), s]);
  };

  for (const p of o.ports) out.push(['port', String(p)]);
  yn('AddressFamily', ADDRESS_FAMILY);
  for (const l of listenLines(o)) out.push(['listenaddress', l]);
  yn('UsePAM');
  if (v10) str('PAMServiceName');
  for (const op of ['LoginGraceTime', 'X11DisplayOffset', 'MaxAuthTries', 'MaxSessions', 'ClientAliveInterval', 'ClientAliveCountMax', 'RequiredRSASize']) num(op);
  out.push([name('StreamLocalBindMask'), `0${Number(o.get('StreamLocalBindMask')).toString(8)}`]);
  num('UnusedConnectionTimeout');
  yn('PermitRootLogin', PERMIT_ROOT_LOGIN);
  yn('IgnoreRhosts', IGNORE_RHOSTS);
  for (const op of ['IgnoreUserKnownHosts', 'HostbasedAuthentication', 'HostbasedUsesNameFromPacketOnly', 'PubkeyAuthentication', 'KerberosAuthentication', 'KerberosOrLocalPasswd', 'KerberosTicketCleanup', 'GssAuthentication', 'GssCleanupCreds', 'GssKeyEx', 'GssStrictAcceptor', 'GssStoreRekey']) yn(op);
  str('GssKexAlgorithms');
  for (const op of ['PasswordAuthentication', 'KbdInteractiveAuthentication', 'PrintMotd', 'PrintLastLog', 'X11Forwarding', 'X11UseLocalhost', 'PermitTTY', 'PermitUserRC', 'StrictModes', 'TCPKeepAlive', 'EmptyPasswd']) yn(op);
  yn('Compression', COMPRESSION);
  yn('GatewayPorts', GATEWAY_PORTS);
  yn('UseDNS');
  yn('AllowTcpForwarding', TCP_FORWARDING);
  yn('AllowAgentForwarding');
  yn('DisableForwarding');
  yn('AllowStreamLocalForwarding', TCP_FORWARDING);
  yn('StreamLocalBindUnlink');
  out.push([name('FingerprintHash'), String(o.get('FingerprintHash'))]);
  yn('ExposeAuthInfo');
  if (v10) {
    yn('RefuseConnection');
    yn('DebianBanner');
  }
  for (const op of ['PidFile', 'ModuliFile', 'XAuthLocation', 'Ciphers', 'Macs', 'Banner', 'ForceCommand', 'ChrootDirectory', 'TrustedUserCAKeys', 'RevokedKeys', 'SecurityKeyProvider', 'AuthorizedPrincipalsFile']) str(op);
  const addendum = o.get('VersionAddendum');
  out.push([name('VersionAddendum'), addendum === undefined || addendum === '' ? 'none' : String(addendum)]);
  for (const op of ['AuthorizedKeysCommand', 'AuthorizedKeysCommandUser', 'AuthorizedPrincipalsCommand', 'AuthorizedPrincipalsCommandUser', 'HostKeyAgent', 'KexAlgorithms', 'CASignatureAlgorithms', 'HostbasedAcceptedAlgorithms', 'HostKeyAlgorithms', 'PubkeyAcceptedAlgorithms']) str(op);
  if (v10) for (const op of ['SshdSessionPath', 'SshdAuthPath', 'PerSourcePenaltyExemptList']) str(op);
  out.push([name('LogLevel'), LOG_LEVELS.find(([, v]) => v === Number(o.get('LogLevel')))?.[0] ?? 'UNKNOWN']);
  out.push([name('LogFacility'), LOG_FACILITIES.find(([, v]) => v === Number(o.get('LogFacility')))?.[0] ?? 'UNKNOWN']);
  oneline('AuthorizedKeysFile');
  for (const k of o.hostKeys) out.push([name('HostKeyFile'), k]);
  for (const k of o.hostCerts) out.push([name('HostCertificate'), k]);
  for (const op of ['AllowUsers', 'DenyUsers', 'AllowGroups', 'DenyGroups', 'AcceptEnv', 'SetEnv']) arr(op);
  oneline('AuthenticationMethods');
  oneline('LogVerbose');
  oneline('ChannelTimeout');
  for (const s of o.subsystems) out.push(['subsystem', `${s.name} ${s.args}`]);
  out.push(['maxstartups', `${o.get('MaxStartupsBegin')}:${o.get('MaxStartupsRate')}:${o.get('MaxStartups')}`]);
  const psm = Number(o.get('PerSourceMaxStartups'));
  out.push(['persourcemaxstartups', psm === INT_MAX ? 'none' : String(psm)]);
  out.push(['persourcenetblocksize', `${o.get('PerSourceMasklenIpv4')}:${o.get('PerSourceMasklenIpv6')}`]);
  out.push([name('PermitTunnel'), TUNNEL_MODES.find(([, v]) => v === Number(o.get('PermitTunnel')))?.[0] ?? 'none']);
  out.push(['ipqos', `${iptos2str(Number(o.get('IPQoSInteractive')))} ${iptos2str(Number(o.get('IPQoSBulk')))}`]);
  out.push(['rekeylimit', `${o.get('RekeyLimit')} ${o.get('RekeyInterval')}`]);
  for (const op of ['PermitOpen', 'PermitListen']) {
    const vals = o.array(op);
    out.push([op.toLowerCase(), vals.length === 0 ? 'any' : vals.join(' ')]);
  }
  const allow = o.get('PermitUserEnvironmentAllowlist');
  if (allow === undefined) yn('PermitUserEnvironment');
  else out.push(['permituserenvironment', String(allow)]);
  const pko = Number(o.get('PubkeyAuthOptions'));
  out.push(['pubkeyauthoptions', [pko === 0 ? 'none' : '', pko & 1 ? 'touch-required' : '', pko & 2 ? 'verify-required' : ''].filter(Boolean).join(' ')]);
  if (v10) {
    const p = o.penalty;
    if (p.enabled) {
      const ov = (m: number | undefined): string => (m === 1 ? 'deny-all' : 'permissive');
      out.push(['persourcepenalties', `crash:${p.crash} authfail:${p.authfail} noauth:${p.noauth} grace-exceeded:${p.grace} refuseconnection:${p.refuseconnection} max:${p.max} min:${p.min} max-sources4:${p.maxSources4} max-sources6:${p.maxSources6} overflow:${ov(p.overflow)} overflow6:${ov(p.overflow6)}`]);
    } else out.push(['persourcepenalties', 'no']);
  }
  return out;
}
