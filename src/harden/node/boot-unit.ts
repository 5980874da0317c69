/**
 * The boot-time revert: an enabled oneshot that runs early at boot (before sysinit.target, so before
 * ssh and every ordinary service; explicitly before netfilter-persistent, which is ordered early too and
 * must load the restored rules files) and reverts each transaction still armed, i.e. left unconfirmed by
 * a reboot or a power loss inside its confirmation window.
 */
import { BOOT_REVERT_PATH, TX_ROOT } from './layout.js';

export const BOOT_UNIT_TEXT = `[Unit]
Description=pvesec: revert hardening transactions left unconfirmed by a reboot
DefaultDependencies=no
RequiresMountsFor=${TX_ROOT}
After=local-fs.target systemd-journald.socket
Before=sysinit.target ssh.service sshd.service netfilter-persistent.service shutdown.target
Conflicts=shutdown.target
ConditionPathIsDirectory=${TX_ROOT}

[Service]
Type=oneshot
ExecStart=/bin/sh ${BOOT_REVERT_PATH}
TimeoutStartSec=300

[Install]
WantedBy=sysinit.target
`;

export const BOOT_REVERT_TEXT = `#!/bin/sh
# pvesec: run at boot by pvesec-boot-revert.service; each revert script only acts on an armed transaction.
for r in ${TX_ROOT}/*/revert; do
  [ -f "$r" ] && /bin/sh "$r" boot
done
exit 0
`;
