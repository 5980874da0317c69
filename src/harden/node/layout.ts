/** Where the transaction runtime keeps its state on a node, and the names of its systemd units. */

export const PVESEC_DIR = '/var/lib/pvesec';
export const TX_ROOT = `${PVESEC_DIR}/tx`;
export const BOOT_UNIT = 'pvesec-boot-revert.service';
export const BOOT_UNIT_PATH = `/etc/systemd/system/${BOOT_UNIT}`;
export const BOOT_REVERT_PATH = `${PVESEC_DIR}/boot-revert`;

export const txDir = (id: string): string => `${TX_ROOT}/${id}`;
/** The transient dead-man units systemd-run creates: <name>.timer fires <name>.service. */
export const timerUnitName = (id: string): string => `pvesec-revert-${id}`;

/** The event prefix every script prints its machine-readable lines with. */
export const EVENT_PREFIX = 'pvesec-tx';

/** Upper bounds for commands run inside a transaction (the dead-man revert waits for the running op). */
export const TIMEOUTS = { validate: 120, run: 300, service: 120, apt: 1800 } as const;
