/**
 * Seeded generator of sshd configuration trees for the differential test against real OpenSSH
 * (scripts/gen-sshd-cases.ts runs them through `sshd -t`, `sshd -T` and `sshd -T -C`).
 *
 * A tree is Debian's own sshd_config (which starts with `Include /etc/ssh/sshd_config.d/*.conf`)
 * plus drop-ins, in the shapes real configurations take and the ones that trip parsers up:
 * first-value-wins duplicates across files, Match blocks (every criterion, negations, `=` forms,
 * `Match all` followed by global keywords), Includes inside Match, quoting, `Keyword=value`,
 * comments, time values, algorithm lists with +/-/^ and wildcards, and invalid values sshd refuses.
 * Deterministic for a seed: the same seed always gives the same trees.
 */

export interface SshdCase {
  id: string;
  /** Path under /etc/ssh -> content. `sshd_config` is the main file. */
  files: Record<string, string>;
}

/** The connections `sshd -T -C` is asked about for every case (users exist on the test hosts). */
export const CONNECTION_SPECS = [
  'user=alice,host=ws.example,addr=10.10.0.5,laddr=10.77.0.1,lport=22',
  'user=root,host=pve2,addr=10.10.10.2,laddr=10.77.0.1,lport=22',
  'user=root,host=public.example,addr=203.0.113.9,laddr=10.77.0.1,lport=22',
  'user=bob,host=bob.example,addr=192.168.5.7,laddr=10.77.0.1,lport=2200',
] as const;

/** Users the test hosts get for the specs: name -> supplementary groups. */
export const SPEC_USERS: Record<string, string[]> = { alice: ['sudo', 'sshusers'], bob: ['sshusers'] };

export function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const chance = (r: Rand, p: number): boolean => r() < p;

/** Values per keyword: mostly valid ones, some that sshd 9.2 or 10.0 (or both) refuse. */
const VALUES: Record<string, readonly string[]> = {
  PermitRootLogin: ['yes', 'no', 'prohibit-password', 'without-password', 'forced-commands-only', 'PROHIBIT-PASSWORD'],
  PasswordAuthentication: ['yes', 'no', 'no', 'No'],
  KbdInteractiveAuthentication: ['yes', 'no', 'no'],
  ChallengeResponseAuthentication: ['yes', 'no'],
  PubkeyAuthentication: ['yes', 'no', 'yes'],
  PermitEmptyPasswords: ['no', 'yes'],
  AuthenticationMethods: ['publickey', 'any', 'publickey,password', 'publickey password', 'publickey,keyboard-interactive:pam'],
  UsePAM: ['yes', 'no'],
  MaxAuthTries: ['3', '6', '0', '10'],
  MaxSessions: ['2', '10', '0'],
  LoginGraceTime: ['30', '0m30', '1m', '1m30s', '2h', '0', '5M'],
  ClientAliveInterval: ['300', '5m30', '0', '15m', '1w'],
  ClientAliveCountMax: ['3', '0', '2'],
  X11Forwarding: ['yes', 'no'],
  AllowTcpForwarding: ['yes', 'no', 'all', 'local', 'remote'],
  AllowAgentForwarding: ['yes', 'no'],
  AllowStreamLocalForwarding: ['yes', 'no', 'all', 'local'],
  DisableForwarding: ['yes', 'no'],
  PermitTunnel: ['no', 'yes', 'point-to-point', 'ethernet'],
  PermitTTY: ['yes', 'no'],
  PermitUserEnvironment: ['no', 'yes', 'LANG,LC_*'],
  GatewayPorts: ['no', 'yes', 'clientspecified'],
  LogLevel: ['INFO', 'VERBOSE', 'QUIET', 'DEBUG3', 'info'],
  SyslogFacility: ['AUTH', 'AUTHPRIV', 'LOCAL0'],
  Port: ['22', '2200', '22'],
  ListenAddress: ['0.0.0.0', '10.77.0.1', '[::]:22', '10.77.0.1:2200'],
  AddressFamily: ['any', 'inet', 'inet6'],
  UseDNS: ['no', 'yes'],
  Compression: ['yes', 'no'],
  StrictModes: ['yes', 'no'],
  PrintMotd: ['no', 'yes'],
  TCPKeepAlive: ['yes', 'no'],
  IgnoreRhosts: ['yes', 'no'],
  HostbasedAuthentication: ['no', 'yes'],
  MaxStartups: ['10:30:100', '10', '5:50:20'],
  Banner: ['none', '/etc/issue.net'],
  RequiredRSASize: ['2048', '3072', '1024'],
  PermitListen: ['any', 'none', 'localhost:8080'],
  PermitOpen: ['any', 'none', 'localhost:80'],
  AcceptEnv: ['LANG LC_*', 'TZ', 'COLORTERM'],
  AllowUsers: ['alice', 'root', 'alice root', 'alice@10.10.0.0/24', 'root@10.10.10.*', '*'],
  DenyUsers: ['bob', 'root', 'mallory'],
  AllowGroups: ['sudo', 'sshusers', 'root sudo'],
  DenyGroups: ['nogroup', 'sshusers'],
  Ciphers: ['chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
    '+aes128-cbc', '-aes128-ctr', '^aes256-gcm@openssh.com', '-*cbc', '-*-ctr',
    'chacha20-poly1305@openssh.com',],
  KexAlgorithms: ['sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org',
    'mlkem768x25519-sha256,curve25519-sha256', '+diffie-hellman-group1-sha1', '-ecdh-sha2-*', '^curve25519-sha256',
    'curve25519-sha256,diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1',],
  MACs: ['hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com',
    '+hmac-md5', '-hmac-sha1*', '-*', '^hmac-sha2-256-etm@openssh.com', '-umac-*',],
  HostKeyAlgorithms: ['ssh-ed25519,rsa-sha2-512,rsa-sha2-256', '+ssh-rsa', '-ecdsa-*', 'ssh-ed25519'],
  PubkeyAcceptedAlgorithms: ['ssh-ed25519,rsa-sha2-512,rsa-sha2-256', '+ssh-rsa', '-ssh-rsa*', 'ssh-ed25519*,sk-ssh-ed25519*'],
  CASignatureAlgorithms: ['ssh-ed25519,rsa-sha2-512', '-ssh-rsa'],
  RekeyLimit: ['default none', '1G 1h', '512M'],
  ChannelTimeout: ['session=5m', 'global=15m'],
  UnusedConnectionTimeout: ['none', '5m', '0'],
  PerSourcePenalties: ['no', 'yes', 'authfail:300s'],
  PerSourcePenaltyExemptList: ['10.10.0.0/24'],
  ForceCommand: ['internal-sftp', '/usr/bin/true'],
  ChrootDirectory: ['none', '/srv/chroot'],
  IPQoS: ['lowdelay throughput', 'af21 cs1', 'ef'],
  FingerprintHash: ['sha256'],
  VersionAddendum: ['none', 'hello'],
  StreamLocalBindUnlink: ['no', 'yes'],
  ExposeAuthInfo: ['no', 'yes'],
  AuthorizedKeysFile: ['.ssh/authorized_keys', '.ssh/authorized_keys .ssh/authorized_keys2', '/etc/ssh/authorized_keys/%u'],
  PubkeyAuthOptions: ['none', 'touch-required', 'verify-required'],
};

/** Values sshd refuses (in one version or both), used at the case's invalid-line rate. */
const BAD_VALUES: Record<string, readonly string[]> = {
  PermitRootLogin: ['maybe'],
  PasswordAuthentication: ['true'],
  AuthenticationMethods: ['pubkey', 'publickey,keyboard-interactive', 'hostbased', 'gssapi-with-mic'],
  MaxAuthTries: ['-1', 'three'],
  LoginGraceTime: ['30x'],
  X11Forwarding: ['true'],
  AllowTcpForwarding: ['maybe'],
  LogLevel: ['LOUD'],
  Port: ['70000', '0'],
  Ciphers: ['aes256-ctr,rc4', 'aes256-ctr,3des-cbc'],
  KexAlgorithms: ['curve25519-sha256,bogus-kex'],
  MACs: ['hmac-sha2-256,hmac-ripemd160'],
  HostKeyAlgorithms: ['ssh-dss'],
  ChannelTimeout: ['bogus=1m'],
  Subsystem: ['sftp /usr/lib/openssh/sftp-server', 'sftp internal-sftp'],
  Compression: ['delayed'],
  FingerprintHash: ['md5'],
};

/** Lines that are wrong in other ways than a bad value. */
const ODD_LINES = [
  'PermitRootLogn no', 'PasswordAuth no', 'Protocol 2', 'UsePrivilegeSeparation sandbox', 'KeyRegenerationInterval 3600',
  'RSAAuthentication yes', 'UseLogin no', 'PermitRootLogin', 'ServerKeyBits 1024', 'DSAAuthentication no',
  'PubkeyAcceptedKeyTypes +ssh-rsa', 'ChallengeResponseAuthentication no', 'Ciphers', 'Port 22 2200',
];

/** Keywords sshd accepts inside a Match block in both versions (a subset, for generating blocks). */
const MATCH_KEYWORDS = [
  'PermitRootLogin', 'PasswordAuthentication', 'KbdInteractiveAuthentication', 'PubkeyAuthentication', 'AuthenticationMethods',
  'AllowUsers', 'DenyUsers', 'AllowGroups', 'DenyGroups', 'X11Forwarding', 'AllowTcpForwarding', 'AllowAgentForwarding',
  'MaxAuthTries', 'MaxSessions', 'PermitEmptyPasswords', 'ForceCommand', 'Banner', 'ClientAliveInterval', 'ClientAliveCountMax',
  'LogLevel', 'PermitTunnel', 'PermitTTY', 'DisableForwarding', 'GatewayPorts', 'ChrootDirectory', 'PubkeyAcceptedAlgorithms',
  'RequiredRSASize', 'ChannelTimeout', 'UnusedConnectionTimeout', 'IPQoS', 'RekeyLimit', 'AcceptEnv',
];

const MATCH_CRITERIA = [
  'User alice', 'User root', 'User=alice', 'User alice,bob', 'User !root,*', 'Group sshusers', 'Group sshusers,!sudo', 'Group sudo',
  'Address 10.10.0.0/24', 'Address 10.10.10.0/24', 'Address !203.0.113.0/24,*', 'Address 10.10.10.*',
  'Host pve*', 'Host *.example', 'LocalPort 2200', 'LocalAddress 10.77.0.1', 'all', 'All',
  'User root Address 10.10.10.0/24', 'User alice Address 10.10.0.0/16', 'Address 10.10.10.2,10.10.10.3',
  'User root Address !10.10.10.0/24', 'RDomain x', 'Group sudo User alice', 'Address 10.10.10.2/32',
];
/** Match lines sshd refuses. */
const BAD_CRITERIA = ['Address 10.0.0.5/8', 'all User root', 'User', 'Bogus x', 'Address 10.10.10.300'];

function valueFor(r: Rand, keyword: string): string {
  return pick(r, VALUES[keyword]);
}

/** One directive line in one of the spellings sshd accepts (or, rarely, one it does not). */
function spell(r: Rand, keyword: string, value: string): string {
  const k = chance(r, 0.15) ? (chance(r, 0.5) ? keyword.toLowerCase() : keyword.toUpperCase()) : keyword;
  const roll = r();
  let line: string;
  if (roll < 0.1) line = `${k}=${value}`;
  else if (roll < 0.16) line = `${k} = ${value}`;
  else if (roll < 0.24 && !value.includes('"')) line = `${k} "${value}"`;
  else if (roll < 0.3) line = `${k}\t${value}`;
  else line = `${k} ${value}`;
  if (chance(r, 0.08)) line += '  # comment';
  if (chance(r, 0.05)) line = `  ${line}`;
  return line;
}

/** Keywords only OpenSSH 10.0 knows: 9.2 refuses them ("Bad configuration option"). */
const NEWER_KEYWORDS = new Set(['PerSourcePenalties', 'PerSourcePenaltyExemptList']);
const COMMON_KEYWORDS = Object.keys(VALUES).filter((k) => !NEWER_KEYWORDS.has(k));

function directive(r: Rand, pool: readonly string[] = chance(r, 0.02) ? [...NEWER_KEYWORDS] : COMMON_KEYWORDS): string {
  const k = pick(r, pool);
  return spell(r, k, valueFor(r, k));
}

/** A block of global lines, sometimes with a first-value-wins duplicate of a security keyword. */
function globalLines(r: Rand, n: number, invalidRate: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (chance(r, invalidRate / 2)) out.push(pick(r, ODD_LINES));
    else if (chance(r, invalidRate / 2)) {
      const k = pick(r, Object.keys(BAD_VALUES));
      out.push(spell(r, k, pick(r, BAD_VALUES[k])));
    } else out.push(directive(r));
  }
  if (chance(r, 0.4)) {
    const k = pick(r, ['PermitRootLogin', 'PasswordAuthentication', 'KbdInteractiveAuthentication', 'MaxAuthTries', 'Ciphers']);
    out.push(spell(r, k, valueFor(r, k)), spell(r, k, valueFor(r, k)));
  }
  return out;
}

function matchBlock(r: Rand, invalidRate: number): string[] {
  const crit = chance(r, invalidRate) ? pick(r, BAD_CRITERIA) : pick(r, MATCH_CRITERIA);
  const out = [chance(r, 0.1) ? `match ${crit}` : `Match ${crit}`];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const indent = chance(r, 0.7) ? '    ' : '';
    if (chance(r, invalidRate)) out.push(indent + directive(r, ['Ciphers', 'Port', 'UsePAM', 'KexAlgorithms', 'MACs', 'LoginGraceTime']));
    else out.push(indent + directive(r, MATCH_KEYWORDS));
  }
  return out;
}

const DROPIN_NAMES = ['00-first.conf', '10-admin.conf', '50-cloud-init.conf', '60-pvesec.conf', '99-last.conf', 'zz-local.conf', 'local.conf', 'readme.txt'];

/** Generates `count` cases from `seed`. Roughly a quarter are meant to be refused by sshd. */
export function generateCases(debianConfig: string, count: number, seed: number): SshdCase[] {
  const r = mulberry32(seed);
  const cases: SshdCase[] = [];
  for (let c = 0; c < count; c++) {
    const invalidRate = chance(r, 0.3) ? 0.25 : 0;
    const files: Record<string, string> = {};
    let main = debianConfig;
    if (chance(r, 0.3)) {
      // a line before the Include wins over every drop-in
      main = main.replace(/^Include /m, `${directive(r)}\nInclude `);
    }
    if (chance(r, 0.4)) main += `\n${globalLines(r, 1 + Math.floor(r() * 3), invalidRate).join('\n')}\n`;
    if (chance(r, 0.25)) main += `\n${matchBlock(r, invalidRate).join('\n')}\n`;
    const ndrop = Math.floor(r() * 4);
    const names = [...DROPIN_NAMES].sort(() => r() - 0.5).slice(0, ndrop);
    for (const name of names) {
      const lines = globalLines(r, 1 + Math.floor(r() * 4), invalidRate);
      if (chance(r, 0.35)) lines.push(...matchBlock(r, invalidRate));
      if (chance(r, 0.1)) lines.push('Match all', directive(r));
      if (chance(r, invalidRate / 4)) lines.unshift('\ufeff' + lines.shift());
      files[`sshd_config.d/${name}`] = lines.join(chance(r, 0.03) ? '\r\n' : '\n') + '\n';
    }
    if (chance(r, 0.08)) {
      // an Include inside a Match block: the included lines belong to the block
      files['sshd_config.d/80-match-include.conf'] = `Match User alice\n    Include /etc/ssh/extra/*.conf\n`;
      files['extra/admin.conf'] = `${directive(r, MATCH_KEYWORDS)}\n`;
    }
    files.sshd_config = main;
    cases.push({ id: `c${String(c).padStart(4, '0')}`, files });
  }
  return cases;
}

/** Targeted cases: the ones the issue names, each a tree that must be decided exactly. */
export function targetedCases(debianConfig: string): SshdCase[] {
  const withDropin = (id: string, dropin: string, name = '50-test.conf'): SshdCase => ({ id, files: { sshd_config: debianConfig, [`sshd_config.d/${name}`]: dropin } });
  const appended = (id: string, tail: string): SshdCase => ({ id, files: { sshd_config: `${debianConfig}\n${tail}\n` } });
  return [
    appended('t-match-all-global', 'Match all\nCiphers +aes128-cbc'),
    appended('t-negated-group', 'AllowUsers root\nMatch Group sshusers,!sudo\n    AllowUsers alice'),
    appended('t-user-equals', 'Match User=alice\n    DenyUsers alice'),
    withDropin('t-time-0m30', 'LoginGraceTime 0m30\nClientAliveInterval 5m30\n'),
    withDropin('t-canonical', 'AllowTcpForwarding all\nLogLevel QUIET\n'),
    { id: 't-kbd-authmethods', files: { sshd_config: debianConfig.replace(/^KbdInteractiveAuthentication no$/m, 'KbdInteractiveAuthentication no\nAuthenticationMethods publickey,keyboard-interactive') } },
    withDropin('t-maxauthtries-neg', 'MaxAuthTries -1\n'),
    withDropin('t-kex-unsupported', 'KexAlgorithms curve25519-sha256,bogus-kex@example.com\n'),
    withDropin('t-misspelt', 'PermitRootLogn no\n'),
    withDropin('t-port-70000', 'Port 70000\n'),
    withDropin('t-x11-true', 'X11Forwarding true\n'),
    withDropin('t-bom', '\ufeffPermitRootLogin no\n'),
    appended('t-dup-subsystem', 'Subsystem sftp internal-sftp'),
    withDropin('t-cipher-wildcard', 'Ciphers -*cbc,*ctr\n'),
    appended('t-match-addr-hostbits', 'Match Address 10.0.0.5/8\n    PermitRootLogin yes'),
    appended('t-match-all-user', 'Match all User root\n    PermitRootLogin yes'),
    withDropin('t-harden-prohibit', 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitEmptyPasswords no\nMaxAuthTries 3\nLoginGraceTime 30\nX11Forwarding no\nAllowAgentForwarding no\nAllowTcpForwarding no\nClientAliveInterval 300\nClientAliveCountMax 2\n', '00-pvesec.conf'),
    withDropin('t-harden-peers-only', 'PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nMatch Address 10.10.10.1,10.10.10.2,10.10.10.3\n    PermitRootLogin prohibit-password\n', '00-pvesec.conf'),
    withDropin('t-harden-crypto', 'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org\nCiphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr\nMACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com\n', '00-pvesec.conf'),
    { id: 't-line-before-include', files: { sshd_config: debianConfig.replace(/^Include /m, 'PermitRootLogin yes\nInclude '), 'sshd_config.d/00-pvesec.conf': 'PermitRootLogin no\n' } },
    ...modelCases(withDropin, appended),
  ];
}

/**
 * Cases for branches of servconf.c the random trees rarely reach (added with the sshd model in
 * src/engines/sshd): lexer corners, per-version list and Subsystem handling, post-load checks.
 */
function modelCases(withDropin: (id: string, dropin: string, name?: string) => SshdCase, appended: (id: string, tail: string) => SshdCase): SshdCase[] {
  const d = (id: string, text: string): SshdCase => withDropin(`t-m-${id}`, text);
  const a = (id: string, text: string): SshdCase => appended(`t-m-${id}`, text);
  return [
    d('quoted-keyword', '"PermitRootLogin" no\n'),
    d('equals-spaces', 'PermitRootLogin   =   no\nMaxAuthTries=3 # trailing comment\n'),
    d('unterminated-quote', 'Banner "/etc/issue.net\n'),
    d('escaped-space', 'AcceptEnv LANG\\ X TZ\n'),
    d('hash-in-word', 'AcceptEnv LC_#X\n'),
    d('tab-crlf', 'PasswordAuthentication\tno\r\nX11Forwarding no\f\r\n'),
    d('version-addendum-comment', 'VersionAddendum hello # comment\n'),
    d('version-addendum-none', 'VersionAddendum None\n'),
    d('ipqos-tos-names', 'IPQoS lowdelay throughput\n'),
    d('ipqos-numeric', 'IPQoS 0x10 8\n'),
    d('rekeylimit-interval', 'RekeyLimit 1G 1h\n'),
    d('rekeylimit-small', 'RekeyLimit 8\n'),
    d('maxstartups-full', 'MaxStartups 5:50:60\nPerSourceMaxStartups 3\nPerSourceNetBlockSize 24:56\n'),
    d('maxstartups-bad', 'MaxStartups 60:30:10\n'),
    d('logverbose', 'LogVerbose kex.c:*:1000 auth.c:*\n'),
    d('channeltimeout', 'ChannelTimeout session=5m global=1h\n'),
    d('channeltimeout-none-not-alone', 'ChannelTimeout none session=5m\n'),
    d('setenv-duplicates', 'SetEnv FOO=bar FOO=baz BAR=1\nSetEnv X=1\n'),
    d('acceptenv-comment-only', 'AcceptEnv #nothing\n'),
    d('permitopen-any-not-alone', 'PermitOpen localhost:80 any\n'),
    d('permitlisten-port', 'PermitListen 8080 localhost:9090\n'),
    d('authkeyscommand-no-user', 'AuthorizedKeysCommand /usr/bin/true\n'),
    d('authkeyscommand-relative', 'AuthorizedKeysCommand true\n'),
    d('authmethods-any-then', 'AuthenticationMethods any publickey\n'),
    d('authmethods-two-lists', 'PasswordAuthentication no\nAuthenticationMethods publickey,password publickey\n'),
    d('streamlocalbindmask', 'StreamLocalBindMask 0077\n'),
    d('fingerprinthash-md5', 'FingerprintHash md5\n'),
    d('pubkeyauthoptions', 'PubkeyAuthOptions touch-required verify-required\n'),
    d('permituserenvironment-list', 'PermitUserEnvironment LANG,LC_*\n'),
    d('listen-ports', 'Port 2222\nPort 2200\nListenAddress 10.77.0.1\nListenAddress [::1]:2201\n'),
    d('addressfamily-inet6-v4', 'AddressFamily inet6\nListenAddress 10.77.0.1\n'),
    d('kex-gss-list', 'GSSAPIKexAlgorithms gss-curve25519-sha256-,gss-group16-sha512-\n'),
    d('hostkeyalgos-wildcard', 'HostKeyAlgorithms ssh-ed25519*,rsa-sha2-*\nCASignatureAlgorithms ^ssh-ed25519\n'),
    d('casig-cert', 'CASignatureAlgorithms ssh-ed25519-cert-v01@openssh.com\n'),
    d('ciphers-negated', 'Ciphers aes256-ctr,!aes128-ctr\n'),
    d('macs-remove-all', 'MACs -*\n'),
    d('persourcepenalties', 'PerSourcePenalties authfail:30s max:10m overflow:deny-all\n'),
    d('persourcepenalties-no', 'PerSourcePenalties no\n'),
    d('unused-timeout', 'UnusedConnectionTimeout 1h\nClientAliveInterval 1h30\n'),
    d('subsystem-args', 'Subsystem backup /usr/bin/backup-server -l "a b" -v\n'),
    a('subsystem-in-match', 'Match User alice\n    Subsystem sftp internal-sftp'),
    a('subsystem-match-new', 'Match User alice\n    Subsystem extra /usr/bin/extra'),
    a('match-localport-ssh', 'Match LocalPort ssh\n    PermitRootLogin no'),
    a('match-localport-bad', 'Match LocalPort 99999\n    PermitRootLogin no'),
    a('match-version', 'Match version OpenSSH_10*\n    PermitRootLogin no'),
    a('match-invalid-user', 'Match invalid-user\n    MaxAuthTries 1'),
    a('match-quoted', 'Match User "alice" Address 10.10.0.0/24\n    MaxAuthTries 2'),
    a('match-spaced-equals', 'Match User = alice\n    MaxAuthTries 2'),
    a('match-comment', 'Match User root # admins\n    MaxAuthTries 2'),
    a('match-all-comment', 'Match all # everything\nMaxAuthTries 2'),
    a('match-no-criteria', 'Match #none'),
    a('match-localaddress-bad', 'Match LocalAddress 10.77.0.1/8\n    MaxAuthTries 2'),
    a('match-forcecommand-none', 'ForceCommand /usr/bin/true\nMatch User alice\n    ForceCommand none\n    ChrootDirectory none'),
    a('match-all-arrays', 'AllowUsers root alice bob\nMatch all\n    AllowUsers alice\n    AcceptEnv TZ'),
    a('match-deprecated', 'Match User alice\n    RSAAuthentication no'),
    a('match-bad-option', 'Match User alice\n    Bogus yes'),
    a('match-group-negated-root', 'Match Group !root,*\n    MaxAuthTries 2'),
    a('match-host-case', 'Match Host BOB.Example\n    MaxAuthTries 2'),
    { id: 't-m-include-relative', files: { sshd_config: 'Include extra/*.conf\nInclude extra/none-*.conf\n', 'extra/a.conf': 'PermitRootLogin no\nMatch User root\n    PasswordAuthentication no\n', 'extra/b.conf': 'PasswordAuthentication yes\n' } },
    { id: 't-m-include-loop', files: { sshd_config: 'Include /etc/ssh/extra/loop.conf\n', 'extra/loop.conf': 'Include /etc/ssh/extra/loop.conf\n' } },
    { id: 't-m-include-empty', files: { sshd_config: 'Include\n' } },
    { id: 't-m-include-in-match-global', files: { sshd_config: 'Match User root\nInclude /etc/ssh/extra/g.conf\n', 'extra/g.conf': 'Port 2222\n' } },
  ];
}

/**
 * Every keyword in the keyword tables of OpenSSH 9.2 and 10.0 servconf.c (Debian builds), except
 * Match and Include. The generator probes each on real sshd: known, deprecated, unsupported or
 * unknown, and whether it is allowed inside a Match block.
 */
export const SERVCONF_KEYWORDS = [
  'acceptenv', 'addressfamily', 'afstokenpassing', 'allowagentforwarding', 'allowgroups',
  'allowstreamlocalforwarding', 'allowtcpforwarding', 'allowusers', 'authenticationmethods', 'authorizedkeyscommand',
  'authorizedkeyscommanduser', 'authorizedkeysfile', 'authorizedkeysfile2', 'authorizedprincipalscommand',
  'authorizedprincipalscommanduser', 'authorizedprincipalsfile', 'banner', 'casignaturealgorithms',
  'challengeresponseauthentication', 'channeltimeout', 'checkmail', 'chrootdirectory', 'ciphers',
  'clientalivecountmax', 'clientaliveinterval', 'compression', 'debianbanner', 'denygroups', 'denyusers',
  'disableforwarding', 'dsaauthentication', 'exposeauthinfo', 'fingerprinthash', 'forcecommand', 'gatewayports',
  'gssapiauthentication', 'gssapicleanupcredentials', 'gssapicleanupcreds', 'gssapikexalgorithms',
  'gssapikeyexchange', 'gssapistorecredentialsonrekey', 'gssapistrictacceptorcheck', 'gssapiusesessioncredcache',
  'gssusesessionccache', 'hostbasedacceptedalgorithms', 'hostbasedacceptedkeytypes', 'hostbasedauthentication',
  'hostbasedusesnamefrompacketonly', 'hostcertificate', 'hostdsakey', 'hostkey', 'hostkeyagent', 'hostkeyalgorithms',
  'ignorerhosts', 'ignoreuserknownhosts', 'ipqos', 'kbdinteractiveauthentication', 'keepalive',
  'kerberosauthentication', 'kerberosgetafstoken', 'kerberosorlocalpasswd', 'kerberostgtpassing',
  'kerberosticketcleanup', 'kexalgorithms', 'keyregenerationinterval', 'listenaddress', 'logingracetime', 'loglevel',
  'logverbose', 'macs', 'maxauthtries', 'maxsessions', 'maxstartups', 'modulifile', 'pamauthenticationviakbdint',
  'pamservicename', 'passwordauthentication', 'permitblacklistedkeys', 'permitemptypasswords', 'permitlisten',
  'permitopen', 'permitrootlogin', 'permittty', 'permittunnel', 'permituserenvironment', 'permituserrc',
  'persourcemaxstartups', 'persourcenetblocksize', 'persourcepenalties', 'persourcepenaltyexemptlist', 'pidfile',
  'port', 'printlastlog', 'printmotd', 'protocol', 'pubkeyacceptedalgorithms', 'pubkeyacceptedkeytypes',
  'pubkeyauthentication', 'pubkeyauthoptions', 'rdomain', 'refuseconnection', 'rekeylimit', 'requiredrsasize',
  'reversemappingcheck', 'revokedkeys', 'rhostsauthentication', 'rhostsrsaauthentication', 'rsaauthentication',
  'securitykeyprovider', 'serverkeybits', 'setenv', 'skeyauthentication', 'sshdauthpath', 'sshdsessionpath',
  'streamlocalbindmask', 'streamlocalbindunlink', 'strictmodes', 'subsystem', 'syslogfacility', 'tcpkeepalive',
  'trustedusercakeys', 'unusedconnectiontimeout', 'usedns', 'uselogin', 'usepam', 'useprivilegeseparation',
  'verifyreversemapping', 'versionaddendum', 'x11displayoffset', 'x11forwarding', 'x11uselocalhost', 'xauthlocation',
] as const;
