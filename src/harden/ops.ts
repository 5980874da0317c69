/**
 * The typed operations a hardening plan is made of. A remedy (beside each check) turns the model of a
 * node plus pvesec.yaml into operations; the plan orders them; the node-side transaction runtime
 * (src/harden/node/) journals, applies and reverts them on the node with nothing of pvesec installed.
 *
 * Every operation names the controls it fixes and whether it can cut access (sshd, sudo, PAM,
 * firewall): such operations are only activated after the admin path has been proven over a new
 * connection, and they are what the dead-man timer exists for.
 */

interface OpBase {
  /** Stable within a plan ("write:/etc/ssh/sshd_config.d/00-pvesec.conf"), for progress lines and tests. */
  id: string;
  /** Control ids this operation (helps to) fix. */
  controls: string[];
  /** True when a mistake in it can lock the operator out (sshd, sudoers, PAM, firewall). */
  cutsAccess: boolean;
  /** One human line: "sshd drop-in: root login prohibit-password, password auth off". */
  summary: string;
}

/** Create or replace one regular file (atomically: temp file in the same directory, fsync, rename). */
export interface WriteFileOp extends OpBase {
  kind: 'write-file';
  path: string;
  content: string;
  /** Octal mode as a number (0o600). */
  mode: number;
  owner: string;
  group: string;
  /**
   * The file lives on pmxcfs (/etc/pve): it fixes every file's mode and owner itself (0640 root:www-data,
   * 0600 under priv/) and refuses chmod/chown, so the node neither sets nor restores them.
   */
  pmxcfs?: boolean;
}

/** Create a directory (and record it, so a revert removes it when it did not exist). */
export interface MakeDirOp extends OpBase {
  kind: 'make-dir';
  path: string;
  mode: number;
  owner: string;
  group: string;
}

/** apt-get install (packages stay installed on revert; their config files and service state revert). */
export interface InstallPackagesOp extends OpBase {
  kind: 'install-packages';
  packages: string[];
}

/** useradd -m -s SHELL NAME (revert restores /etc/passwd, shadow, group, gshadow and removes the new home). */
export interface CreateUserOp extends OpBase {
  kind: 'create-user';
  user: string;
  shell: string;
}

/** usermod -aG GROUP USER. */
export interface AddToGroupOp extends OpBase {
  kind: 'add-to-group';
  user: string;
  group: string;
}

/** passwd -l USER (an account with an empty password gets a locked one). */
export interface LockPasswordOp extends OpBase {
  kind: 'lock-password';
  user: string;
}

/**
 * usermod -s SHELL USER for an existing account (ACC-02). The node refuses a shell that is not listed in
 * its /etc/shells or not executable; the account files are journaled like create-user's.
 */
export interface ChangeShellOp extends OpBase {
  kind: 'change-shell';
  user: string;
  shell: string;
}

/**
 * A service change. Activation ops come after the validators of the files they read. The previous
 * enabled/active state of the unit is journaled and restored by a revert.
 */
export interface ServiceOp extends OpBase {
  kind: 'service';
  unit: string;
  action: 'enable-now' | 'reload' | 'restart' | 'reload-or-restart';
}

/**
 * Run a validator on the node; a non-zero exit aborts the transaction and reverts it at once.
 * argv is run without a shell. Example: ['sshd', '-t'], ['visudo', '-cf', '/etc/sudoers'].
 */
export interface ValidateOp extends OpBase {
  kind: 'validate';
  argv: string[];
  /** Why this gate exists, shown when it fails. */
  why: string;
  /**
   * Lines that must appear in the validator's standard output (each compared whole, after trimming
   * trailing whitespace); a missing one fails the gate like a non-zero exit. For `sshd -T -C spec`:
   * the values sshd will really use for that connection ("permitrootlogin without-password").
   */
  expectOutput?: string[];
}

/** Run a command that activates something without a unit (sysctl --system). Non-zero exit aborts and reverts. */
export interface RunOp extends OpBase {
  kind: 'run';
  argv: string[];
}

/**
 * Load a netfilter ruleset file into the kernel (iptables-restore / ip6tables-restore), inside the
 * transaction: the file is validated first (`iptables-restore --test`), the live ruleset is journaled
 * (iptables-save / ip6tables-save) before it is replaced, and a revert loads that saved ruleset back.
 * At boot nothing is loaded by the revert: the kernel starts empty and the restored rules files are what
 * netfilter-persistent loads (the boot revert runs before it).
 */
export interface LoadRulesetOp extends OpBase {
  kind: 'load-ruleset';
  family: 4 | 6;
  /** The rules file (iptables-save format) to load: /etc/iptables/rules.v4. */
  path: string;
  /** The before/after exposure table of the change (plan text prints it under the operation). */
  exposure?: string[];
}

/**
 * A Proxmox access-control change (ACL, token, realm) made on the node with Proxmox's own CLI (pveum,
 * pvesh), which validates the call and takes pmxcfs's cluster-wide lock on user.cfg like the GUI does.
 * Before the call the node journals `inverse`, the calls that undo it; a revert runs the inverse calls of
 * every pve-call in reverse order (so an unrelated edit made meanwhile by someone else survives; see
 * docs/identity.md). argv and every inverse are run without a shell.
 */
export interface PveCallOp extends OpBase {
  kind: 'pve-call';
  /** ['pveum', 'acl', 'modify', '/vms', '--roles', 'PVEAuditor', '--users', 'bob@pve', '--propagate', '1'] */
  argv: string[];
  /** The calls that undo argv on the state the plan saw, run in this order by a revert. */
  inverse: string[][];
  /**
   * The call prints a secret (a new API token's value): its output is never journaled or logged; the
   * step prints it once as a `secret <op-id> <base64>` event for the command that asked for it.
   */
  secretOutput?: boolean;
}

export type Op =
  | PveCallOp
  | LoadRulesetOp
  | WriteFileOp
  | MakeDirOp
  | InstallPackagesOp
  | CreateUserOp
  | AddToGroupOp
  | LockPasswordOp
  | ChangeShellOp
  | ServiceOp
  | ValidateOp
  | RunOp;

export type OpKind = Op['kind'];

/**
 * The phases an operation belongs to, in the order apply runs them. Between 'admin' and 'restrict',
 * apply proves over a NEW SSH connection that every declared admin logs in with their key and has
 * sudo; 'restrict' holds everything that can cut access; 'activate' the rest.
 */
export const PHASES = ['packages', 'admin', 'restrict', 'activate'] as const;
export type Phase = (typeof PHASES)[number];

/** Files the node changes on its own when an op runs (journaled before the op, restored by a revert). */
export const ACCOUNT_FILES = ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow', '/etc/subuid', '/etc/subgid'] as const;
