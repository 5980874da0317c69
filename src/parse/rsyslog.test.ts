import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRsyslogConf } from './rsyslog.js';

// Trimmed Debian 12 /etc/rsyslog.conf
const DEBIAN = `# /etc/rsyslog.conf configuration file for rsyslog
#
# For more information install rsyslog-doc and see
# /usr/share/doc/rsyslog-doc/html/configuration/index.html

#################
#### MODULES ####
#################

module(load="imuxsock") # provides support for local system logging
module(load="imklog")   # provides kernel logging support
#module(load="immark")  # provides --MARK-- message capability

###########################
#### GLOBAL DIRECTIVES ####
###########################

# Set the default permissions for all log files.
$FileOwner root
$FileGroup adm
$FileCreateMode 0640
$DirCreateMode 0755
$Umask 0022

# Where to place spool and state files
$WorkDirectory /var/spool/rsyslog

# Include all config files in /etc/rsyslog.d/
$IncludeConfig /etc/rsyslog.d/*.conf

###############
#### RULES ####
###############

# Log anything besides private authentication messages to a single log file
*.*;auth,authpriv.none		-/var/log/syslog

# Log commonly used facilities to their own log file
auth,authpriv.*			/var/log/auth.log
cron.*				-/var/log/cron.log
kern.*				-/var/log/kern.log
mail.*				-/var/log/mail.log
user.*				-/var/log/user.log

# Emergencies are sent to everybody logged in.
*.emerg				:omusrmsg:*
#*.* @@loghost.example.com:514
`;

test('stock Debian rsyslog.conf forwards nothing and includes rsyslog.d', () => {
  const { value } = parseRsyslogConf(DEBIAN);
  assert.deepEqual(value.forwards, []);
  assert.deepEqual(value.includes, [{ glob: '/etc/rsyslog.d/*.conf', file: '/etc/rsyslog.conf', line: 29 }]);
});

test('legacy @ (udp), @@ (tcp), options, IPv6, and :omrelp:', () => {
  const text = [
    '*.* @10.77.0.250:514',
    'auth,authpriv.* @@(o)logs.example.com:6514;RSYSLOG_SyslogProtocol23Format',
    '*.* @[2001:db8::5]',
    '*.info :omrelp:relp.example.com:2514',
  ].join('\n');
  const { value } = parseRsyslogConf(text, '/etc/rsyslog.d/90-remote.conf');
  assert.deepEqual(value.forwards.map((f) => [f.target, f.port, f.protocol, f.line]), [
    ['10.77.0.250', '514', 'udp', 1], ['logs.example.com', '6514', 'tcp', 2], ['2001:db8::5', undefined, 'udp', 3], ['relp.example.com', '2514', 'relp', 4],
  ]);
});

test('RainerScript action(type="omfwd") over several lines, in blocks; comments ignored', () => {
  const text = `# forward everything
/* action(type="omfwd" target="commented.example.com") */
if $syslogfacility-text == 'authpriv' then {
  action(type="omfwd"
         target="siem.example.com" port="6514"
         protocol="tcp" StreamDriver="gtls")
}
# action(type="omfwd" target="also-commented")
include(file="/etc/rsyslog.d/extra/*.conf" mode="optional")
`;
  const { value } = parseRsyslogConf(text, '/etc/rsyslog.d/60-siem.conf');
  assert.deepEqual(value.forwards.map((f) => [f.target, f.port, f.protocol, f.line]), [['siem.example.com', '6514', 'tcp', 4]]);
  assert.equal(value.includes[0].glob, '/etc/rsyslog.d/extra/*.conf');
  assert.equal(value.includes[0].line, 9);
});

test('omfwd without target is a diagnostic', () => {
  const r = parseRsyslogConf('action(type="omfwd" port="514")\n');
  assert.equal(r.value.forwards.length, 0);
  assert.equal(r.diagnostics[0].line, 1);
});

test('legacy actions after "then", a property filter or "&"; strings never look like actions', () => {
  const text = [
    "if $programname == 'sshd' then @@10.0.0.1:514",
    ':programname, isequal, "pvedaemon" @logs.example.com',
    'auth.* /var/log/auth.log',
    '& @@backup.example.com',
    'template(name="t" type="string" string="%msg% @notahost\\n")',
    '*.emerg :omusrmsg:*',
    'mail.* -/var/log/mail.log',
  ].join('\n');
  const { value } = parseRsyslogConf(text, '/etc/rsyslog.d/70-filters.conf');
  assert.deepEqual(value.forwards.map((f) => [f.target, f.protocol, f.line]), [
    ['10.0.0.1', 'tcp', 1], ['logs.example.com', 'udp', 2], ['backup.example.com', 'tcp', 4],
  ]);
});
