import { parsePublicKeyLine, type PublicKeyLine } from './admin-keys.js';
import type { PvesecConfig } from './schema.js';

/** Every admin_users entry by name, as written (alice, alice@pve, alice@pam, and the names of object entries). */
export function adminNames(config: Pick<PvesecConfig, 'admin_users'>): string[] {
  return config.admin_users.map((e) => (typeof e === 'string' ? e : e.name));
}

/** A declared administrator that is (or is to be) a host account. */
export interface AdminAccount {
  name: string;
  /** The public keys pvesec.yaml gives (empty when declared by name only). */
  keys: PublicKeyLine[];
  /** The login shell asked for (object entries only). */
  shell?: string;
  /** true for `{name, authorized_keys, shell}` entries: pvesec may create the account. */
  declaredAsObject: boolean;
}

/**
 * The declared admins that are host accounts: plain names without a realm or in realm pam
 * (alice, alice@pam -> alice), and every object entry. Proxmox-only users (alice@pve) are not.
 */
export function adminAccounts(config: Pick<PvesecConfig, 'admin_users'>): AdminAccount[] {
  const out = new Map<string, AdminAccount>();
  for (const e of config.admin_users) {
    if (typeof e === 'string') {
      if (e.includes('@') && !e.endsWith('@pam')) continue;
      const name = e.replace(/@pam$/, '');
      if (!out.has(name)) out.set(name, { name, keys: [], declaredAsObject: false });
      continue;
    }
    const keys = e.authorized_keys.map(parsePublicKeyLine).filter((k): k is PublicKeyLine => typeof k !== 'string');
    out.set(e.name, { name: e.name, keys, shell: e.shell, declaredAsObject: true });
  }
  return [...out.values()];
}
