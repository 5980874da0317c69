import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyslogNgConf } from './syslog-ng.js';

const CONF = `@version: 4.3
@include "scl.conf"

# Syslog-ng configuration file, compatible with default Debian syslogd
options { chain_hostnames(off); flush_lines(0); use_dns(no); use_fqdn(no);
	  dns_cache(no); owner("root"); group("adm"); perm(0640);
	  stats(freq(0)); bad_hostname("^gconfd$");
};

source s_src {
       system();
       internal();
};

destination d_auth { file("/var/log/auth.log"); };
destination d_net { network("logs.example.com" port(514) transport("tcp")); };
destination d_unused { syslog("10.0.0.9" transport("udp")); };
# destination d_old { udp("192.0.2.1"); };

filter f_auth { facility(auth, authpriv); };

log { source(s_src); filter(f_auth); destination(d_auth); };
log { source(s_src); destination(d_net); };
log { source(s_src); destination { tcp("10.77.0.250" port(601)); }; };

@include "/etc/syslog-ng/conf.d/*.conf"
`;

test('network destinations, which log paths use them, inline destinations, includes', () => {
  const { value, diagnostics } = parseSyslogNgConf(CONF);
  assert.deepEqual(value.destinations.map((d) => [d.name, d.driver, d.target, d.line]), [
    ['d_net', 'network', 'logs.example.com', 16], ['d_unused', 'syslog', '10.0.0.9', 17],
  ]);
  assert.deepEqual(value.usedDestinations.map((u) => u.name), ['d_auth', 'd_net']);
  assert.deepEqual(value.inlineDestinations.map((d) => [d.driver, d.target, d.line]), [['tcp', '10.77.0.250', 24]]);
  assert.deepEqual(value.includes.map((i) => [i.glob, i.line]), [['scl.conf', 2], ['/etc/syslog-ng/conf.d/*.conf', 26]]);
  assert.deepEqual(diagnostics, []);
});

test('unclosed block is a diagnostic', () => {
  assert.equal(parseSyslogNgConf('destination d { network("x");\n').diagnostics.length, 1);
});

test('an inline destination nested in another is read once, with the outer one', () => {
  const { value } = parseSyslogNgConf('log {\n  destination {\n    destination { tcp("10.0.0.9"); };\n  };\n};\n');
  assert.deepEqual(value.inlineDestinations.map((d) => [d.driver, d.target, d.line]), [['tcp', '10.0.0.9', 3]]);
});
