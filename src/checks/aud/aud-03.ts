import { FILES } from '../../collect/sources.js';
import type { Evidence } from '../../core/types.js';
import { isInstalled, packagesFact, unitStatesFact } from '../../model/facts/system-base.js';
import { hideUserinfo, logForwardingFact } from '../../model/facts/system.js';
import { Unavailable } from '../../model/fact.js';
import { fail, pass, skip, type Check } from '../types.js';

interface Route { daemon: string; unit: string; target: string; evidence: Evidence }

export const aud03: Check = {
  meta: {
    id: 'AUD-03',
    section: 'AUD',
    title: 'Logs are forwarded off the host',
    severity: 'medium',
    scope: 'node',
    rationale: 'An intruder with root erases local logs first; a copy on another host keeps the trail (and lets one place see all nodes).',
    fix: 'Either: apt install rsyslog and create /etc/rsyslog.d/60-forward.conf with\n*.* action(type="omfwd" target="logs.example.com" port="514" protocol="tcp")\nthen `systemctl restart rsyslog`; or apt install systemd-journal-remote, set URL= in /etc/systemd/journal-upload.conf and `systemctl enable --now systemd-journal-upload`.',
    reads: [FILES.rsyslogConf, FILES.rsyslogDir + '/*.conf', FILES.journalUploadConf, FILES.syslogNgConf, FILES.syslogNgDir + '/*.conf', 'systemctl-states'],
    references: [
      { title: 'rsyslog omfwd', url: 'https://www.rsyslog.com/doc/configuration/modules/omfwd.html' },
      { title: 'journal-upload.conf(5)', url: 'https://www.freedesktop.org/software/systemd/man/latest/journal-upload.conf.html' },
    ],
  },
  evaluate(ctx) {
    const fwd = ctx.get(logForwardingFact);
    const routes: Route[] = [
      ...fwd.rsyslog.forwards.map((f) => ({ daemon: 'rsyslog', unit: 'rsyslog', target: `${f.protocol}://${f.target}${f.port ? ':' + f.port : ''}`, evidence: { source: f.file, line: f.line, text: `forward to ${f.target}${f.port ? ':' + f.port : ''} (${f.protocol})` } })),
      ...(fwd.journalUpload.url ? [{ daemon: 'systemd-journal-upload', unit: 'systemd-journal-upload', target: hideUserinfo(fwd.journalUpload.url.value), evidence: { source: fwd.journalUpload.url.file, line: fwd.journalUpload.url.line, text: `URL=${hideUserinfo(fwd.journalUpload.url.value)}` } }] : []),
      ...fwd.syslogNg.destinations.map((d) => ({ daemon: 'syslog-ng', unit: 'syslog-ng', target: `${d.driver}(${d.target})`, evidence: { source: d.file, line: d.line, text: `destination ${d.name}: ${d.driver}("${d.target}")` } })),
    ];
    const states = ctx.tryGet(unitStatesFact);
    if (routes.length) {
      if (!states) return skip(`forwarding is configured (${routes.map((r) => `${r.daemon} -> ${r.target}`).join(', ')}) but whether the service runs is unknown (${ctx.snapshot.whyMissing('systemctl-states')})`, routes.map((r) => r.evidence));
      const running = routes.filter((r) => states.get(r.unit)?.active === 'active');
      if (running.length) {
        const u = states.get(running[0].unit)!;
        return pass(`logs are forwarded: ${running.map((r) => `${r.daemon} -> ${r.target}`).join(', ')}`,
          [...running.map((r) => r.evidence), { source: 'systemctl-states', line: u.line, text: `${u.unit} ${u.active} ${u.enabled}` }]);
      }
      return fail(`forwarding is configured (${routes.map((r) => `${r.daemon} -> ${r.target}`).join(', ')}) but ${[...new Set(routes.map((r) => r.unit))].join(', ')} is not running`,
        [...routes.map((r) => r.evidence), ...[...new Set(routes.map((r) => r.unit))].map((u) => ({ source: 'systemctl-states', line: states.get(u)?.line, text: `${u} ${states.get(u)?.active ?? 'inactive'} ${states.get(u)?.enabled ?? 'not-found'}` }))]);
    }
    // nothing forwards: only a verdict if we know what is installed or configured at all
    const pkgs = ctx.tryGet(packagesFact);
    const seen = fwd.rsyslog.configured || fwd.journalUpload.configured || fwd.syslogNg.configured;
    if (!seen && !pkgs && !states) throw new Unavailable(`no logging configuration, package list or service state collected (${ctx.snapshot.whyMissing(FILES.rsyslogConf)})`);
    const present = [
      fwd.rsyslog.configured || (pkgs && isInstalled(pkgs, 'rsyslog')) ? 'rsyslog' : '',
      fwd.journalUpload.configured || (pkgs && isInstalled(pkgs, 'systemd-journal-remote')) ? 'systemd-journal-upload (no URL)' : '',
      fwd.syslogNg.configured || (pkgs && isInstalled(pkgs, 'syslog-ng-core')) ? 'syslog-ng' : '',
    ].filter(Boolean);
    const evidence: Evidence[] = [];
    if (fwd.rsyslog.configured) evidence.push({ source: FILES.rsyslogConf, text: 'no omfwd/@/@@ action in rsyslog.conf or its includes' });
    if (fwd.journalUpload.configured) evidence.push({ source: FILES.journalUploadConf, text: 'no URL= in [Upload]' });
    if (fwd.syslogNg.configured) evidence.push({ source: FILES.syslogNgConf, text: 'no network destination used by a log path' });
    if (pkgs) {
      const absent = ['rsyslog', 'syslog-ng-core', 'systemd-journal-remote'].filter((p) => !isInstalled(pkgs, p));
      if (absent.length) evidence.push({ source: FILES.dpkgStatus, text: `not installed: ${absent.join(', ')}` });
    }
    for (const u of ['rsyslog', 'syslog-ng', 'systemd-journal-upload']) {
      const st = states?.get(u);
      if (st) evidence.push({ source: 'systemctl-states', line: st.line, text: `${u} ${st.active} ${st.enabled}` });
    }
    return fail(`no log forwarding configured (${present.length ? `checked ${present.join(', ')}` : 'the journal stays local: no rsyslog, syslog-ng or systemd-journal-upload'})`, evidence);
  },
};
