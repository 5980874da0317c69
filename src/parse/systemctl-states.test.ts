import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSystemctlStates } from './systemctl-states.js';

test('parses unit, active and enabled state per line', () => {
  const { value, diagnostics } = parseSystemctlStates('ssh active enabled\nfail2ban.service inactive not-found\nbroken\napt-daily-upgrade.timer active enabled\n');
  assert.deepEqual(value.get('fail2ban'), { unit: 'fail2ban', active: 'inactive', enabled: 'not-found', line: 2 });
  assert.equal(value.get('apt-daily-upgrade.timer')?.active, 'active');
  assert.deepEqual(diagnostics.map((d) => d.line), [3]);
});
