/**
 * Changes to a test host that several end-to-end tests and the benchmark make "by hand", the way an
 * operator would on a real node. Everything runs inside the host through exec.sh.
 */
import { readFileSync } from 'node:fs';
import { ensureAdminKey, keys, mustExecIn, shellQuote, writeFileIn, type Host } from './hosts.js';

export interface UserOptions {
  /** Add the user to group sudo and give it a NOPASSWD rule in /etc/sudoers.d (what the collector needs). */
  sudo?: boolean;
  /** Public key line for ~/.ssh/authorized_keys (default: the harness admin key). */
  authorizedKey?: string;
  /** Sets a password (so /etc/shadow holds a real hash the tool must never print). */
  password?: string;
}

/** Creates a login user with a key, like `useradd -m -s /bin/bash [-G sudo] NAME`. */
export async function addUser(host: Host, name: string, opts: UserOptions = {}): Promise<void> {
  if (opts.authorizedKey === undefined) await ensureAdminKey();
  const key = (opts.authorizedKey ?? readFileSync(keys.adminPub, 'utf8')).trim();
  const q = shellQuote(name);
  await mustExecIn(host, `useradd -m -s /bin/bash ${opts.sudo ? '-G sudo ' : ''}${q}`);
  await mustExecIn(host, `install -d -m 700 -o ${q} -g ${q} /home/${name}/.ssh`);
  await writeFileIn(host, `/home/${name}/.ssh/authorized_keys`, `${key}\n`, 0o600);
  await mustExecIn(host, `chown ${q}:${q} /home/${name}/.ssh/authorized_keys`);
  if (opts.password !== undefined) {
    await mustExecIn(host, ['chpasswd'], { input: `${name}:${opts.password}\n` });
  }
  if (opts.sudo) {
    await writeFileIn(host, `/etc/sudoers.d/90-${name}`, `${name} ALL=(ALL:ALL) NOPASSWD: ALL\n`, 0o440);
    await mustExecIn(host, ['visudo', '-cq']);
  }
}

/** Sets (or replaces) an sshd_config directive in the main file, as `sed` would by hand. */
export async function setSshdOption(host: Host, keyword: string, value: string): Promise<void> {
  const k = keyword.replace(/[^A-Za-z0-9]/g, '');
  await mustExecIn(host, ['sh', '-c',
    `if grep -qiE '^#?${k}[[:space:]]' /etc/ssh/sshd_config; then ` +
    `sed -i -E 's/^#?${k}[[:space:]].*/${k} ${value}/I' /etc/ssh/sshd_config; ` +
    `else echo '${k} ${value}' >> /etc/ssh/sshd_config; fi`]);
}

/** Restarts sshd through the systemctl shim (sshd -t first, like ssh.service); returns once port 22 listens. */
export async function restartSshd(host: Host): Promise<void> {
  await mustExecIn(host, 'systemctl restart ssh && systemctl is-active --quiet ssh && ' +
    `for i in $(seq 100); do ss -Hltn 'sport = :22' | grep -q . && exit 0; sleep 0.05; done; echo 'sshd not listening on 22' >&2; exit 1`);
}

/** The shadow field of a user (for asserting it never leaks). */
export async function shadowHash(host: Host, user: string): Promise<string> {
  const line = (await mustExecIn(host, ['getent', 'shadow', user])).trim();
  return line.split(':')[1] ?? '';
}
