/**
 * Tables pve-firewall consults while verifying a rule: its macro tables ($pve_fw_macros and the IPv6
 * overrides $pve_ipv6fw_macros), Debian's /etc/services (primary names) and /etc/protocols, and the
 * icmp type names it accepts.
 */

/** One expansion of a macro (every template takes the rule's action: `action => 'PARAM'`). */
export interface MacroTemplate {
  proto: string;
  dport?: string;
  sport?: string;
}

const t = (proto: string, dport?: string, sport?: string): MacroTemplate => ({ proto, dport, sport });

export const PVE_FW_MACROS: Record<string, { description: string; rules: MacroTemplate[] }> = {
  Amanda: { description: 'Amanda Backup', rules: [t('udp', '10080'), t('tcp', '10080')] },
  Auth: { description: 'Auth (identd) traffic', rules: [t('tcp', '113')] },
  BGP: { description: 'Border Gateway Protocol traffic', rules: [t('tcp', '179')] },
  BitTorrent: { description: 'BitTorrent traffic for BitTorrent 3.1 and earlier', rules: [t('tcp', '6881:6889'), t('udp', '6881')] },
  BitTorrent32: { description: 'BitTorrent traffic for BitTorrent 3.2 and later', rules: [t('tcp', '6881:6999'), t('udp', '6881')] },
  CVS: { description: 'Concurrent Versions System pserver traffic', rules: [t('tcp', '2401')] },
  Ceph: { description: 'Ceph Storage Cluster traffic (Ceph Monitors, OSD & MDS Daemons)', rules: [t('tcp', '6789'), t('tcp', '3300'), t('tcp', '6800:7300')] },
  Citrix: { description: 'Citrix/ICA traffic (ICA, ICA Browser, CGP)', rules: [t('tcp', '1494'), t('udp', '1604'), t('tcp', '2598')] },
  DAAP: { description: 'Digital Audio Access Protocol traffic (iTunes, Rythmbox daemons)', rules: [t('tcp', '3689'), t('udp', '3689')] },
  DCC: { description: 'Distributed Checksum Clearinghouse spam filtering mechanism', rules: [t('tcp', '6277')] },
  DHCPfwd: { description: 'Forwarded DHCP traffic', rules: [t('udp', '67:68', '67:68')] },
  DNS: { description: 'Domain Name System traffic (upd and tcp)', rules: [t('udp', '53'), t('tcp', '53')] },
  Distcc: { description: 'Distributed Compiler service', rules: [t('tcp', '3632')] },
  FTP: { description: 'File Transfer Protocol', rules: [t('tcp', '21')] },
  Finger: { description: 'Finger protocol (RFC 742)', rules: [t('tcp', '79')] },
  GNUnet: { description: 'GNUnet secure peer-to-peer networking traffic', rules: [t('tcp', '2086'), t('udp', '2086'), t('tcp', '1080'), t('udp', '1080')] },
  GRE: { description: 'Generic Routing Encapsulation tunneling protocol', rules: [t('47')] },
  Git: { description: 'Git distributed revision control traffic', rules: [t('tcp', '9418')] },
  HKP: { description: 'OpenPGP HTTP key server protocol traffic', rules: [t('tcp', '11371')] },
  HTTP: { description: 'Hypertext Transfer Protocol (WWW)', rules: [t('tcp', '80')] },
  HTTPS: { description: 'Hypertext Transfer Protocol (WWW) over SSL', rules: [t('tcp', '443')] },
  ICPV2: { description: 'Internet Cache Protocol V2 (Squid) traffic', rules: [t('udp', '3130')] },
  ICQ: { description: 'AOL Instant Messenger traffic', rules: [t('tcp', '5190')] },
  IMAP: { description: 'Internet Message Access Protocol', rules: [t('tcp', '143')] },
  IMAPS: { description: 'Internet Message Access Protocol over SSL', rules: [t('tcp', '993')] },
  IPIP: { description: 'IPIP capsulation traffic', rules: [t('94')] },
  IPsec: { description: 'IPsec traffic', rules: [t('udp', '500', '500'), t('50')] },
  IPsecah: { description: 'IPsec authentication (AH) traffic', rules: [t('udp', '500', '500'), t('51')] },
  IPsecnat: { description: 'IPsec traffic and Nat-Traversal', rules: [t('udp', '500'), t('udp', '4500'), t('50')] },
  IRC: { description: 'Internet Relay Chat traffic', rules: [t('tcp', '6667')] },
  Jetdirect: { description: 'HP Jetdirect printing', rules: [t('tcp', '9100')] },
  L2TP: { description: 'Layer 2 Tunneling Protocol traffic', rules: [t('udp', '1701')] },
  LDAP: { description: 'Lightweight Directory Access Protocol traffic', rules: [t('tcp', '389')] },
  LDAPS: { description: 'Secure Lightweight Directory Access Protocol traffic', rules: [t('tcp', '636')] },
  MDNS: { description: 'Multicast DNS', rules: [t('udp', '5353')] },
  MSNP: { description: 'Microsoft Notification Protocol', rules: [t('tcp', '1863')] },
  MSSQL: { description: 'Microsoft SQL Server', rules: [t('tcp', '1433')] },
  Mail: { description: 'Mail traffic (SMTP, SMTPS, Submission)', rules: [t('tcp', '25'), t('tcp', '465'), t('tcp', '587')] },
  Munin: { description: 'Munin networked resource monitoring traffic', rules: [t('tcp', '4949')] },
  MySQL: { description: 'MySQL server', rules: [t('tcp', '3306')] },
  NNTP: { description: 'NNTP traffic (Usenet).', rules: [t('tcp', '119')] },
  NNTPS: { description: 'Encrypted NNTP traffic (Usenet)', rules: [t('tcp', '563')] },
  NTP: { description: 'Network Time Protocol (ntpd)', rules: [t('udp', '123')] },
  OSPF: { description: 'OSPF multicast traffic', rules: [t('89')] },
  OpenVPN: { description: 'OpenVPN traffic', rules: [t('udp', '1194')] },
  PCA: { description: 'Symantec PCAnywere (tm)', rules: [t('udp', '5632'), t('tcp', '5631')] },
  PMG: { description: 'Proxmox Mail Gateway web interface', rules: [t('tcp', '8006')] },
  POP3: { description: 'POP3 traffic', rules: [t('tcp', '110')] },
  POP3S: { description: 'Encrypted POP3 traffic', rules: [t('tcp', '995')] },
  PPtP: { description: 'Point-to-Point Tunneling Protocol', rules: [t('47'), t('tcp', '1723')] },
  Ping: { description: 'ICMP echo request', rules: [t('icmp', 'echo-request')] },
  PostgreSQL: { description: 'PostgreSQL server', rules: [t('tcp', '5432')] },
  Printer: { description: 'Line Printer protocol printing', rules: [t('tcp', '515')] },
  RDP: { description: 'Microsoft Remote Desktop Protocol traffic', rules: [t('tcp', '3389')] },
  RIP: { description: 'Routing Information Protocol (bidirectional)', rules: [t('udp', '520')] },
  RNDC: { description: 'BIND remote management protocol', rules: [t('tcp', '953')] },
  // Takes the rule's action (`action => 'PARAM'` in current pve-firewall; old releases forced ACCEPT and rejected Razor(DROP)).
  Razor: { description: 'Razor Antispam System', rules: [t('tcp', '2703')] },
  Rdate: { description: 'Remote time retrieval (rdate)', rules: [t('tcp', '37')] },
  Rsync: { description: 'Rsync server', rules: [t('tcp', '873')] },
  SANE: { description: 'SANE network scanning', rules: [t('tcp', '6566')] },
  SMB: { description: 'Microsoft SMB traffic', rules: [t('udp', '135,445'), t('udp', '137:139'), t('udp', '1024:65535', '137'), t('tcp', '135,139,445')] },
  SMBswat: { description: 'Samba Web Administration Tool', rules: [t('tcp', '901')] },
  SMTP: { description: 'Simple Mail Transfer Protocol', rules: [t('tcp', '25')] },
  SMTPS: { description: 'Encrypted Simple Mail Transfer Protocol', rules: [t('tcp', '465')] },
  SNMP: { description: 'Simple Network Management Protocol', rules: [t('udp', '161:162'), t('tcp', '161')] },
  SPAMD: { description: 'Spam Assassin SPAMD traffic', rules: [t('tcp', '783')] },
  SPICEproxy: { description: 'Proxmox VE SPICE display proxy traffic', rules: [t('tcp', '3128')] },
  SSH: { description: 'Secure shell traffic', rules: [t('tcp', '22')] },
  SVN: { description: 'Subversion server (svnserve)', rules: [t('tcp', '3690')] },
  SixXS: { description: 'SixXS IPv6 Deployment and Tunnel Broker', rules: [t('tcp', '3874'), t('udp', '3740'), t('41'), t('udp', '5072,8374')] },
  Squid: { description: 'Squid web proxy traffic', rules: [t('tcp', '3128')] },
  Submission: { description: 'Mail message submission traffic', rules: [t('tcp', '587')] },
  Syslog: { description: 'Syslog protocol (RFC 5424) traffic', rules: [t('udp', '514'), t('tcp', '514')] },
  TFTP: { description: 'Trivial File Transfer Protocol traffic', rules: [t('udp', '69')] },
  Telnet: { description: 'Telnet traffic', rules: [t('tcp', '23')] },
  Telnets: { description: 'Telnet over SSL', rules: [t('tcp', '992')] },
  Time: { description: 'RFC 868 Time protocol', rules: [t('tcp', '37')] },
  Trcrt: { description: 'Traceroute (for up to 30 hops) traffic', rules: [t('udp', '33434:33524'), t('icmp', 'echo-request')] },
  VNC: { description: "VNC traffic for VNC display's 0 - 99", rules: [t('tcp', '5900:5999')] },
  VNCL: { description: 'VNC traffic from Vncservers to Vncviewers in listen mode', rules: [t('tcp', '5500')] },
  Web: { description: 'WWW traffic (HTTP and HTTPS)', rules: [t('tcp', '80'), t('tcp', '443')] },
  Webcache: { description: 'Web Cache/Proxy traffic (port 8080)', rules: [t('tcp', '8080')] },
  Webmin: { description: 'Webmin traffic', rules: [t('tcp', '10000')] },
  Whois: { description: 'Whois (nicname, RFC 3912) traffic', rules: [t('tcp', '43')] },
};

/**
 * $pve_ipv6fw_macros: what a macro expands to in the IPv6 chains (PVE::Firewall's apply_macro uses
 * these when the rule, or the chain being generated, is IPv6). Macros found only here are IPv6-only:
 * they generate nothing in the IPv4 chains.
 */
export const PVE_IPV6_FW_MACROS: Record<string, { description: string; rules: MacroTemplate[] }> = {
  Ping: { description: 'ICMP echo request', rules: [t('icmpv6', 'echo-request')] },
  NeighborDiscovery: {
    description: 'IPv6 neighbor solicitation, neighbor and router advertisement',
    rules: [t('icmpv6', 'router-solicitation'), t('icmpv6', 'router-advertisement'), t('icmpv6', 'neighbor-solicitation'), t('icmpv6', 'neighbor-advertisement')],
  },
  DHCPv6: { description: 'DHCPv6 traffic', rules: [t('udp', '546:547', '546:547')] },
  Trcrt: { description: 'Traceroute (for up to 30 hops) traffic', rules: [t('udp', '33434:33524'), t('icmpv6', 'echo-request')] },
};

/** The templates a macro generates in the chains of one IP version; [] when the macro is specific to the other one. */
export function macroTemplates(name: string, ipversion: 4 | 6 | undefined): MacroTemplate[] {
  const base = PVE_FW_MACROS[name];
  const v6 = PVE_IPV6_FW_MACROS[name];
  if (!base) return ipversion === 4 ? [] : v6.rules;
  return ipversion === 6 && v6 ? v6.rules : base.rules;
}

/** Macro names are looked up case-insensitively (`ssh(ACCEPT)` works) and stored under their preferred spelling. */
export const MACRO_BY_LOWER_NAME = new Map([...Object.keys(PVE_FW_MACROS), ...Object.keys(PVE_IPV6_FW_MACROS)].map((n) => [n.toLowerCase(), n]));

/** Debian's /etc/services, primary names only (aliases such as `www` are invalid in Proxmox). */
const SERVICES_TEXT =
  'tcpmux 1/tcp|echo 7/tcp,udp|discard 9/tcp,udp|systat 11/tcp|daytime 13/tcp,udp|netstat 15/tcp|' +
  'qotd 17/tcp|chargen 19/tcp,udp|ftp-data 20/tcp|ftp 21/tcp|fsp 21/udp|ssh 22/tcp|telnet 23/tcp|' +
  'smtp 25/tcp|time 37/tcp,udp|whois 43/tcp|tacacs 49/tcp,udp|domain 53/tcp,udp|bootps 67/udp|' +
  'bootpc 68/udp|tftp 69/udp|gopher 70/tcp|finger 79/tcp|http 80/tcp|kerberos 88/tcp,udp|' +
  'iso-tsap 102/tcp|acr-nema 104/tcp|pop3 110/tcp|sunrpc 111/tcp,udp|auth 113/tcp|nntp 119/tcp|' +
  'ntp 123/udp|epmap 135/tcp|netbios-ns 137/udp|netbios-dgm 138/udp|netbios-ssn 139/tcp|imap2 143/tcp|' +
  'snmp 161/tcp,udp|snmp-trap 162/tcp,udp|cmip-man 163/tcp,udp|cmip-agent 164/tcp,udp|mailq 174/tcp|' +
  'xdmcp 177/udp|bgp 179/tcp|smux 199/tcp|qmtp 209/tcp|z3950 210/tcp|ipx 213/udp|ptp-event 319/udp|' +
  'ptp-general 320/udp|pawserv 345/tcp|zserv 346/tcp|rpc2portmap 369/tcp,udp|codaauth2 370/tcp,udp|' +
  'clearcase 371/udp|ldap 389/tcp,udp|svrloc 427/tcp,udp|https 443/tcp,udp|snpp 444/tcp|' +
  'microsoft-ds 445/tcp|kpasswd 464/tcp,udp|submissions 465/tcp|saft 487/tcp|isakmp 500/udp|' +
  'rtsp 554/tcp,udp|nqs 607/tcp|asf-rmcp 623/udp|qmqp 628/tcp|ipp 631/tcp|ldp 646/tcp,udp|exec 512/tcp|' +
  'biff 512/udp|login 513/tcp|who 513/udp|shell 514/tcp|syslog 514/udp|printer 515/tcp|talk 517/udp|' +
  'ntalk 518/udp|route 520/udp|gdomap 538/tcp,udp|uucp 540/tcp|klogin 543/tcp|kshell 544/tcp|' +
  'dhcpv6-client 546/udp|dhcpv6-server 547/udp|afpovertcp 548/tcp|nntps 563/tcp|submission 587/tcp|' +
  'ldaps 636/tcp,udp|tinc 655/tcp,udp|silc 706/tcp|kerberos-adm 749/tcp|domain-s 853/tcp,udp|' +
  'rsync 873/tcp|ftps-data 989/tcp|ftps 990/tcp|telnets 992/tcp|imaps 993/tcp|pop3s 995/tcp|' +
  'socks 1080/tcp|proofd 1093/tcp|rootd 1094/tcp|openvpn 1194/tcp,udp|rmiregistry 1099/tcp|' +
  'lotusnote 1352/tcp|ms-sql-s 1433/tcp|ms-sql-m 1434/udp|ingreslock 1524/tcp|datametrics 1645/tcp,udp|' +
  'sa-msg-port 1646/tcp,udp|kermit 1649/tcp|groupwise 1677/tcp|l2f 1701/udp|radius 1812/tcp,udp|' +
  'radius-acct 1813/tcp,udp|cisco-sccp 2000/tcp|nfs 2049/tcp,udp|gnunet 2086/tcp,udp|' +
  'rtcm-sc104 2101/tcp,udp|gsigatekeeper 2119/tcp|gris 2135/tcp|cvspserver 2401/tcp|venus 2430/tcp,udp|' +
  'venus-se 2431/tcp,udp|codasrv 2432/tcp,udp|codasrv-se 2433/tcp,udp|mon 2583/tcp,udp|dict 2628/tcp|' +
  'f5-globalsite 2792/tcp|gsiftp 2811/tcp|gpsd 2947/tcp|gds-db 3050/tcp|icpv2 3130/udp|' +
  'isns 3205/tcp,udp|iscsi-target 3260/tcp|mysql 3306/tcp|ms-wbt-server 3389/tcp|nut 3493/tcp,udp|' +
  'distcc 3632/tcp|daap 3689/tcp|svn 3690/tcp|suucp 4031/tcp|sysrqd 4094/tcp|sieve 4190/tcp|' +
  'epmd 4369/tcp|remctl 4373/tcp|f5-iquery 4353/tcp|ntske 4460/tcp|ipsec-nat-t 4500/udp|iax 4569/udp|' +
  'mtn 4691/tcp|radmin-port 4899/tcp|sip 5060/tcp,udp|sip-tls 5061/tcp,udp|xmpp-client 5222/tcp|' +
  'xmpp-server 5269/tcp|cfengine 5308/tcp|mdns 5353/udp|postgresql 5432/tcp|freeciv 5556/tcp|' +
  'amqps 5671/tcp|amqp 5672/tcp,sctp|x11 6000/tcp|x11-1 6001/tcp|x11-2 6002/tcp|x11-3 6003/tcp|' +
  'x11-4 6004/tcp|x11-5 6005/tcp|x11-6 6006/tcp|x11-7 6007/tcp|gnutella-svc 6346/tcp,udp|' +
  'gnutella-rtr 6347/tcp,udp|redis 6379/tcp|sge-qmaster 6444/tcp|sge-execd 6445/tcp|' +
  'mysql-proxy 6446/tcp|babel 6696/udp|ircs-u 6697/tcp|bbs 7000/tcp|afs3-fileserver 7000/udp|' +
  'afs3-callback 7001/udp|afs3-prserver 7002/udp|afs3-vlserver 7003/udp|afs3-kaserver 7004/udp|' +
  'afs3-volser 7005/udp|afs3-bos 7007/udp|afs3-update 7008/udp|afs3-rmtsys 7009/udp|' +
  'font-service 7100/tcp|http-alt 8080/tcp|puppet 8140/tcp|bacula-dir 9101/tcp|bacula-fd 9102/tcp|' +
  'bacula-sd 9103/tcp|xmms2 9667/tcp|nbd 10809/tcp|zabbix-agent 10050/tcp|zabbix-trapper 10051/tcp|' +
  'amanda 10080/tcp|dicom 11112/tcp|hkp 11371/tcp|db-lsp 17500/tcp|dcap 22125/tcp|gsidcap 22128/tcp|' +
  'wnn6 22273/tcp|rtmp 1/ddp|nbp 2/ddp|zip 6/ddp|kerberos4 750/udp,tcp|kerberos-master 751/udp,tcp|' +
  'passwd-server 752/udp|krb-prop 754/tcp|zephyr-srv 2102/udp|zephyr-clt 2103/udp|zephyr-hm 2104/udp|' +
  'iprop 2121/tcp|supfilesrv 871/tcp|supfiledbg 1127/tcp|poppassd 106/tcp|moira-db 775/tcp|' +
  'moira-update 777/tcp|moira-ureg 779/udp|spamd 783/tcp|skkserv 1178/tcp|predict 1210/udp|' +
  'rmtcfg 1236/tcp|xtel 1313/tcp|xtelw 1314/tcp|zebrasrv 2600/tcp|zebra 2601/tcp|ripd 2602/tcp|' +
  'ripngd 2603/tcp|ospfd 2604/tcp|bgpd 2605/tcp|ospf6d 2606/tcp|ospfapi 2607/tcp|isisd 2608/tcp|' +
  'fax 4557/tcp|hylafax 4559/tcp|munin 4949/tcp|rplay 5555/udp|nrpe 5666/tcp|nsca 5667/tcp|' +
  'canna 5680/tcp|syslog-tls 6514/tcp|sane-port 6566/tcp|ircd 6667/tcp|zope-ftp 8021/tcp|' +
  'tproxy 8081/tcp|omniorb 8088/tcp|clc-build-daemon 8990/tcp|xinetd 9098/tcp|git 9418/tcp|' +
  'zope 9673/tcp|webmin 10000/tcp|kamanda 10081/tcp|amandaidx 10082/tcp|amidxtape 10083/tcp|' +
  'sgi-cmsd 17001/udp|sgi-crsd 17002/udp|sgi-gcd 17003/udp|sgi-cad 17004/tcp|binkp 24554/tcp|' +
  'asp 27374/tcp,udp|csync2 30865/tcp|dircproxy 57000/tcp|tfido 60177/tcp|fido 60179/tcp|';

export const ETC_SERVICES: ReadonlyMap<string, { port: number; protos: string[] }> = new Map(
  SERVICES_TEXT.split('|').filter(Boolean).map((e) => {
    const [name, spec] = e.split(' ');
    const [port, protos] = spec.split('/');
    return [name, { port: Number(port), protos: protos.split(',') }];
  }),
);

/** Debian's /etc/protocols: name -> number. */
export const ETC_PROTOCOLS: ReadonlyMap<string, number> = new Map(Object.entries({
  ip: 0, hopopt: 0, icmp: 1, igmp: 2, ggp: 3, ipencap: 4, st: 5, tcp: 6, egp: 8, igp: 9, pup: 12, udp: 17, hmp: 20,
  'xns-idp': 22, rdp: 27, 'iso-tp4': 29, dccp: 33, xtp: 36, ddp: 37, 'idpr-cmtp': 38, ipv6: 41, 'ipv6-route': 43,
  'ipv6-frag': 44, idrp: 45, rsvp: 46, gre: 47, esp: 50, ah: 51, skip: 57, 'ipv6-icmp': 58, 'ipv6-nonxt': 59,
  'ipv6-opts': 60, rspf: 73, vmtp: 81, eigrp: 88, ospf: 89, 'ax.25': 93, ipip: 94, etherip: 97, encap: 98, pim: 103,
  ipcomp: 108, vrrp: 112, l2tp: 115, isis: 124, sctp: 132, fc: 133, 'mobility-header': 135, udplite: 136,
  'mpls-in-ip': 137, manet: 138, hip: 139, shim6: 140, wesp: 141, rohc: 142, ethernet: 143, mptcp: 262,
}));

/** `-p` values pve-firewall accepts besides /etc/protocols: get_etc_protocols() adds `icmpv6` by hand. */
export const EXTRA_PROTOCOL_NAMES = new Set(['icmpv6']);

/** Protocols pve-firewall allows -dport/-sport with. */
export const PROTOCOLS_WITH_PORTS = new Set(['udp', '17', 'udplite', '136', 'tcp', '6', 'dccp', '33', 'sctp', '132']);

export const ICMP_TYPE_NAMES = new Set([
  'any', 'echo-reply', 'destination-unreachable', 'network-unreachable', 'host-unreachable', 'protocol-unreachable',
  'port-unreachable', 'fragmentation-needed', 'source-route-failed', 'network-unknown', 'host-unknown',
  'network-prohibited', 'host-prohibited', 'TOS-network-unreachable', 'TOS-host-unreachable', 'communication-prohibited',
  'host-precedence-violation', 'precedence-cutoff', 'source-quench', 'redirect', 'network-redirect', 'host-redirect',
  'TOS-network-redirect', 'TOS-host-redirect', 'echo-request', 'router-advertisement', 'router-solicitation',
  'time-exceeded', 'ttl-zero-during-transit', 'ttl-zero-during-reassembly', 'parameter-problem', 'ip-header-bad',
  'required-option-missing', 'timestamp-request', 'timestamp-reply', 'address-mask-request', 'address-mask-reply',
]);

export const ICMPV6_TYPE_NAMES = new Set([
  'destination-unreachable', 'no-route', 'communication-prohibited', 'beyond-scope', 'address-unreachable',
  'port-unreachable', 'failed-policy', 'reject-route', 'packet-too-big', 'time-exceeded', 'ttl-zero-during-transit',
  'ttl-zero-during-reassembly', 'parameter-problem', 'bad-header', 'unknown-header-type', 'unknown-option',
  'echo-request', 'echo-reply', 'router-solicitation', 'router-advertisement', 'neighbour-solicitation',
  'neighbor-solicitation', 'neighbour-advertisement', 'neighbor-advertisement', 'redirect',
]);
