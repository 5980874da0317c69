import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { aud03 } from './aud-03.js';
import { dpkgStatus } from '../../../test/fixtures/system/helpers.js';

const RSYSLOG = `module(load="imuxsock")
module(load="imklog")
$FileOwner root
$IncludeConfig /etc/rsyslog.d/*.conf
auth,authpriv.*			/var/log/auth.log
*.*;auth,authpriv.none		-/var/log/syslog
`;
const FORWARD = '*.* action(type="omfwd" target="10.10.10.50" port="514" protocol="tcp"\n           queue.type="linkedList" queue.filename="fwd_central")\n';
const states = (unit: string, active: string) => ({ 'systemctl-states': `ssh active enabled\n${unit} ${active} enabled\n` });
const UPLOAD = '[Upload]\nURL=https://logs.example.com:19532\n# ServerKeyFile=/etc/ssl/private/journal-upload.pem\n';
const NG = '@version: 4.3\nsource s_src { system(); internal(); };\ndestination d_net { syslog("10.0.0.9" transport("tcp") port(601)); };\nlog { source(s_src); destination(d_net); };\n';

test('AUD-03 log forwarding', () => {
  assertCases(aud03, [
    { name: 'rsyslog omfwd in rsyslog.d, running', node: { files: { '/etc/rsyslog.conf': RSYSLOG, '/etc/rsyslog.d/60-forward.conf': FORWARD }, commands: states('rsyslog', 'active') }, expect: 'PASS', message: 'rsyslog -> tcp://10.10.10.50:514' },
    { name: 'rsyslog forwarding, stopped', node: { files: { '/etc/rsyslog.conf': RSYSLOG, '/etc/rsyslog.d/60-forward.conf': FORWARD }, commands: states('rsyslog', 'failed') }, expect: 'FAIL', message: 'rsyslog is not running' },
    { name: 'forward file not included (wrong extension)', node: { files: { '/etc/rsyslog.conf': RSYSLOG, '/etc/rsyslog.d/60-forward.conf.disabled': FORWARD }, commands: states('rsyslog', 'active') }, expect: 'FAIL', message: 'no log forwarding configured (checked rsyslog)' },
    { name: 'legacy @@ in rsyslog.conf', node: { files: { '/etc/rsyslog.conf': RSYSLOG + '*.* @@logs.example.com:6514\n' }, commands: states('rsyslog', 'active') }, expect: 'PASS', message: 'tcp://logs.example.com:6514' },
    { name: 'systemd-journal-upload', node: { files: { '/etc/systemd/journal-upload.conf': UPLOAD }, commands: states('systemd-journal-upload', 'active') }, expect: 'PASS', message: 'systemd-journal-upload -> https://logs.example.com:19532' },
    { name: 'syslog-ng', node: { files: { '/etc/syslog-ng/syslog-ng.conf': NG }, commands: states('syslog-ng', 'active') }, expect: 'PASS', message: 'syslog-ng -> syslog(10.0.0.9)' },
    { name: 'PVE 9 default: journal only', node: { files: { '/var/lib/dpkg/status': dpkgStatus({ systemd: '257.8-1' }) }, commands: states('rsyslog', 'inactive') }, expect: 'FAIL', message: 'the journal stays local' },
    { name: 'configured, states unknown', node: { files: { '/etc/rsyslog.conf': RSYSLOG + '*.* @10.0.0.1\n' } }, expect: 'SKIP', message: 'whether the service runs is unknown' },
    { name: 'nothing collected', node: {}, expect: 'SKIP', message: 'no logging configuration' },
  ]);
});

test('AUD-03 never shows upload URL credentials', async () => {
  const { runCheck } = await import('../testing.js');
  const text = JSON.stringify(runCheck(aud03, { node: { files: { '/etc/systemd/journal-upload.conf': '[Upload]\nURL=https://uploader:hunter2@logs.example.com:19532\n' }, commands: states('systemd-journal-upload', 'active') } }));
  if (text.includes('hunter2')) throw new Error(`credentials leaked: ${text}`);
});
