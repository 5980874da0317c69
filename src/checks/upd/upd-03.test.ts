import { test } from 'node:test';
import { assertCases } from '../testing.js';
import { upd03 } from './upd-03.js';

const conf = (line: string) => ({ '/etc/apt/apt.conf.d/50unattended-upgrades': `// Automatically reboot *WITHOUT CONFIRMATION*\n${line}\n` });

test('UPD-03 automatic reboot', () => {
  assertCases(upd03, [
    { name: 'commented (Debian default)', node: { files: conf('//Unattended-Upgrade::Automatic-Reboot "false";') }, expect: 'PASS', message: 'not set (default false)' },
    { name: 'explicit false', node: { files: conf('Unattended-Upgrade::Automatic-Reboot "false";') }, expect: 'PASS', message: '"false"' },
    { name: 'true', node: { files: conf('Unattended-Upgrade::Automatic-Reboot "true";\nUnattended-Upgrade::Automatic-Reboot-Time "02:00";') }, expect: 'FAIL', message: 'reboots by itself' },
    { name: 'nonsense value', node: { files: conf('Unattended-Upgrade::Automatic-Reboot "sometimes";') }, expect: 'WARN', message: 'sometimes' },
    { name: 'apt.conf.d not collected', node: {}, expect: 'SKIP', message: '/etc/apt/apt.conf.d' },
  ]);
});
