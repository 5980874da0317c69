/**
 * TypeScript API over the test-host shell scripts (test/harness/testhost/) for end-to-end tests and
 * the benchmark. A test host is a real Debian node (sshd, sudo, iptables, fail2ban, rsyslog) in its
 * own namespaces on 10.77.0.0/24; a client is a bare network namespace from which the CLI is run.
 *
 * Every test file owns a fixed block of names and octets so files can run in parallel:
 *   audit-ssh a*  1-19 | harden h* 20-39 | errors e* 40-59 | bench b* 60-89 | collect-ssh c* 100-109
 *   firewall-iptables f* 110-139 | pve-shared p* 140-149 | systemd self-test s* 150-159
 *   scripts/gen-sshd-cases.ts g* 190-199 | fw-apply-pve fp* 230-235 | tfa t* 240-244 | identity k* 245-249
 * Two runs of the suite at once (several developers, or a developer and a watcher on one machine)
 * would fight over those names, so a file first claims its block (claimBlock, an flock held until
 * downAll): a second run of the same file waits instead of tearing down the first one's hosts.
 * Hosts a process brings up are remembered; call downAll() in after() (it only touches those).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TESTHOST_DIR = join(REPO_ROOT, 'test/harness/testhost');
export const TH_VAR = process.env.TH_VAR ?? '/var/tmp/testhost';
export const LAB_NET = '10.77.0';
/** IPv6 prefix of the lab (hosts get <prefix><octet>); empty when TH_NET6= disables IPv6, as in lib.sh. */
export const LAB_NET6 = process.env.TH_NET6 ?? 'fd77::';
export const CLI = join(REPO_ROOT, 'dist/cli.js');

/** Client keys: `root` is authorized for root on every host; `admin` is for users a test creates. */
export const keys = {
  root: join(TH_VAR, 'keys/id_ed25519'),
  rootPub: join(TH_VAR, 'keys/id_ed25519.pub'),
  admin: join(TH_VAR, 'keys/admin_ed25519'),
  adminPub: join(TH_VAR, 'keys/admin_ed25519.pub'),
} as const;

export interface Host {
  name: string;
  octet: number;
  ip: string;
  /** IPv6 address (fd77::<octet>), unless the lab runs without IPv6. */
  ip6?: string;
  kind: 'node' | 'client';
}

export interface HostOptions {
  /** Services started at boot (default: rsyslog ssh fail2ban pveproxy). */
  services?: string[];
  /** pool (default): pre-generated per-octet keys; fresh: new keys; shared: the image's keys. */
  hostKeys?: 'pool' | 'fresh' | 'shared';
  iptables?: 'nft' | 'legacy';
  /** PID 1 of the host: th-init (default, a small shell init with a systemctl shim) or real systemd (units, timers, reboot). */
  init?: 'th-init' | 'systemd';
  /** Debian release of the image: bookworm (default; OpenSSH 9.2, as PVE 8) or trixie (OpenSSH 10.0, as PVE 9; built on demand). */
  suite?: 'bookworm' | 'trixie';
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when the process was killed because it exceeded timeoutMs. */
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const ipOf = (octet: number): string => `${LAB_NET}.${octet}`;
const ip6Of = (octet: number): string | undefined => (LAB_NET6 ? `${LAB_NET6}${octet}` : undefined);

/** Creates the admin client key when missing (scripts/setup.sh normally does), once across processes. */
export async function ensureAdminKey(): Promise<void> {
  if (existsSync(keys.adminPub)) return;
  const r = await run(['flock', join(TH_VAR, 'keys', '.lock'), 'sh', '-c',
    `[ -e '${keys.admin}' ] || ssh-keygen -q -t ed25519 -N '' -C testhost-admin -f '${keys.admin}'`], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`cannot create ${keys.admin}: ${r.stderr.trim()}`);
}

/** Why end-to-end tests cannot run here, or undefined when they can. */
export function testHostsAvailable(): string | undefined {
  if (process.platform !== 'linux') return 'test hosts need Linux namespaces';
  if (process.getuid?.() !== 0) return 'test hosts need root (namespaces, overlayfs)';
  if (!existsSync(join(TH_VAR, 'cache', 'bookworm-base', 'etc'))) {
    return `no test-host rootfs in ${TH_VAR}/cache: run scripts/setup.sh`;
  }
  if (!existsSync(keys.root)) return `no test key ${keys.root}: run scripts/setup.sh`;
  return undefined;
}

/** Why systemd test hosts (TH_INIT=systemd) cannot run here, or undefined when they can. */
export function systemdHostsAvailable(): string | undefined {
  const base = testHostsAvailable();
  if (base) return base;
  if (!existsSync(join(TH_VAR, 'cache', 'bookworm-systemd', 'etc'))) return `no systemd test-host rootfs in ${TH_VAR}/cache: run scripts/setup.sh`;
  return undefined;
}

/** Skip reason for an e2e file that needs systemd test hosts; an error under CI, like e2eSkipReason. */
export function e2eSystemdSkipReason(): string | undefined {
  const reason = systemdHostsAvailable();
  if (reason && process.env.CI) throw new Error(`end-to-end tests cannot run under CI: ${reason}`);
  return reason;
}

/**
 * Skip reason for an e2e test file. Under CI (env CI set) the suite must really run, so an
 * unavailable harness is an error there rather than a silent skip.
 */
export function e2eSkipReason(): string | undefined {
  const reason = testHostsAvailable();
  if (reason && process.env.CI) throw new Error(`end-to-end tests cannot run under CI: ${reason}`);
  return reason;
}

/** Runs a program with a hard timeout (SIGKILL of its process group); never rejects. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills `ip netns exec`, ssh and all children
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // the child may exit before reading its input
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = '') => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extra,
        durationMs: performance.now() - started,
        timedOut,
      });
    };
    child.on('error', (e) => finish(null, null, String(e)));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

async function script(name: string, args: string[], timeoutMs = 30_000, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const r = await run([join(TESTHOST_DIR, name), ...args], { timeoutMs, env: { ...process.env, TH_VAR, ...env } });
  if (r.code !== 0) {
    throw new Error(`${name} ${args.join(' ')} failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}): ${r.stderr.trim()}`);
  }
  return r;
}

const started = new Map<string, Host>();
const claims = new Map<string, () => void>();

/**
 * Takes the exclusive lock of a block of test-host names (e.g. 'e2e-errors') for this process,
 * waiting up to waitMs for another run holding it. Released by downAll() or when the process ends.
 */
export async function claimBlock(block: string, waitMs = 180_000): Promise<void> {
  if (claims.has(block)) return;
  if (!/^[a-z0-9-]+$/.test(block)) throw new Error(`bad block name ${block}`);
  const dir = join(TH_VAR, 'locks');
  mkdirSync(dir, { recursive: true });
  // flock holds the lock while `cat` waits on our pipe: closing it (or our death) releases it.
  const holder = spawn('flock', ['-w', String(Math.ceil(waitMs / 1000)), join(dir, `${block}.lock`),
    'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  await new Promise<void>((resolvePromise, reject) => {
    holder.stdout.once('data', () => resolvePromise());
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`test-host block ${block} is busy (another test run holds it; flock exit ${code})`)));
  });
  holder.removeAllListeners('exit');
  holder.unref();
  (holder.stdout as unknown as { unref?: () => void }).unref?.();
  (holder.stdin as unknown as { unref?: () => void }).unref?.();
  claims.set(block, () => holder.stdin.end());
}

function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/th-${name}`);
}

function checkName(name: string, octet: number): void {
  if (!/^[a-z][a-z0-9]{0,11}$/.test(name)) throw new Error(`bad test-host name ${name}`);
  if (!Number.isInteger(octet) || octet < 1 || octet > 254) throw new Error(`bad octet ${octet}`);
}

/**
 * Seconds a systemd test host may take to boot. Generous: under CI the CPU-bound test files (fuzzing,
 * big inputs) run beside the e2e files on two cores, and a boot there has been seen to take over 60 s.
 */
const SYSTEMD_BOOT_TIMEOUT_S = Number(process.env.TH_BOOT_TIMEOUT) || 180;
/** How many systemd test hosts boot at once on this machine, across all test processes. */
const BOOT_SLOTS = Math.max(1, Number(process.env.PVESEC_TH_BOOT_SLOTS) || 2);

/** Brings up a full test host (real sshd etc.) at 10.77.0.<octet>. */
export async function upHost(name: string, octet: number, opts: HostOptions = {}): Promise<Host> {
  checkName(name, octet);
  const env: NodeJS.ProcessEnv = {};
  if (opts.services) env.TH_SERVICES = opts.services.join(' ');
  if (opts.hostKeys) env.TH_HOSTKEYS = opts.hostKeys;
  if (opts.iptables) env.TH_IPTABLES = opts.iptables;
  env.TH_INIT = opts.init ?? 'th-init';
  if (opts.suite) env.TH_SUITE = opts.suite;
  if (netnsExists(name)) throw new Error(`test host ${name} is already up (another run, or a leftover: down.sh ${name})`);
  const host: Host = { name, octet, ip: ipOf(octet), ip6: ip6Of(octet), kind: 'node' };
  started.set(name, host); // before the script: a half-started host must still be torn down
  if (env.TH_INIT === 'systemd') {
    env.TH_BOOT_TIMEOUT = String(SYSTEMD_BOOT_TIMEOUT_S);
    // up.sh gives up (with the console, journal and failed units) before the harness kills it
    await withBootSlot(() => script('up.sh', [name, String(octet)], (SYSTEMD_BOOT_TIMEOUT_S + 30) * 1000, env));
  } else {
    await script('up.sh', [name, String(octet)], 60_000, env);
  }
  return host;
}

/** Holds an flock on path while the returned release function is not called; null when it is taken. */
function tryLock(path: string): Promise<(() => void) | null> {
  const holder = spawn('flock', ['-n', path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  return new Promise((resolvePromise) => {
    holder.stdout.once('data', () => {
      holder.removeAllListeners('exit');
      resolvePromise(() => holder.stdin.end());
    });
    holder.once('error', () => resolvePromise(null));
    holder.once('exit', () => resolvePromise(null));
  });
}

/**
 * Runs fn (a systemd boot) while holding one of BOOT_SLOTS machine-wide slots: a dozen systemd hosts
 * booting at once on two cores starve each other until every one misses its deadline.
 */
async function withBootSlot<T>(fn: () => Promise<T>, waitMs = 900_000): Promise<T> {
  const dir = join(TH_VAR, 'locks');
  mkdirSync(dir, { recursive: true });
  const end = Date.now() + waitMs;
  for (;;) {
    for (let slot = 0; slot < BOOT_SLOTS; slot++) {
      const release = await tryLock(join(dir, `boot-slot-${slot}.lock`));
      if (release) {
        try {
          return await fn();
        } finally {
          release();
        }
      }
    }
    if (Date.now() > end) throw new Error(`no systemd boot slot free after ${waitMs / 1000} s (${BOOT_SLOTS} slots in ${dir})`);
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
  }
}

/**
 * Reboots a systemd test host (`systemctl reboot` inside) and waits until it runs again: files on disk,
 * enabled units and host keys survive; processes, /run, /tmp and the network namespace (firewall rules,
 * net.* sysctls) are new. Returns the new boot id.
 */
export async function rebootHost(host: Host | string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const name = typeof host === 'string' ? host : host.name;
  const timeoutMs = opts.timeoutMs ?? (SYSTEMD_BOOT_TIMEOUT_S + 30) * 1000;
  const bootTimeoutS = Math.max(10, Math.floor(timeoutMs / 1000) - 20);
  await withBootSlot(() => script('reboot.sh', [name, '--wait'], timeoutMs, { TH_BOOT_TIMEOUT: String(bootTimeoutS) }));
  return bootId(name);
}

/** The current boot id of a systemd test host (changes with every boot). */
export function bootId(host: Host | string): string {
  const name = typeof host === 'string' ? host : host.name;
  return readFileSync(join(TH_VAR, 'hosts', name, 'boot_id'), 'utf8').trim();
}

/**
 * Waits until a systemd test host has booted again after a reboot it started itself (e.g. a tool ran
 * `systemctl reboot` inside): a boot id other than `oldBootId`, systemd running, sshd listening.
 */
export async function waitForBoot(host: Host | string, oldBootId: string, timeoutMs = (SYSTEMD_BOOT_TIMEOUT_S + 30) * 1000): Promise<string> {
  const name = typeof host === 'string' ? host : host.name;
  const r = await run(['bash', '-c', 'source "$1/lib.sh"; sd_wait_up "$2" "$3"', 'wait-boot', TESTHOST_DIR, name, oldBootId],
    { timeoutMs, env: { ...process.env, TH_VAR, TH_BOOT_TIMEOUT: String(Math.max(10, Math.floor(timeoutMs / 1000) - 20)) } });
  if (r.code !== 0) throw new Error(`${name}: no new boot after ${oldBootId}: ${r.stderr.trim()}`);
  return bootId(name);
}

/** Brings up a client network namespace th-<name> at 10.77.0.<octet>. */
export async function upClient(name: string, octet: number): Promise<Host> {
  checkName(name, octet);
  if (netnsExists(name)) throw new Error(`client ${name} is already up (another run, or a leftover: down.sh ${name})`);
  const host: Host = { name, octet, ip: ipOf(octet), ip6: ip6Of(octet), kind: 'client' };
  started.set(name, host);
  await script('up.sh', [name, String(octet), '--client'], 30_000);
  return host;
}

/** Tears down the given hosts (by name); tolerates hosts that are already gone. */
export async function down(hosts: (Host | string)[]): Promise<void> {
  const names = hosts.map((h) => (typeof h === 'string' ? h : h.name));
  if (names.length === 0) return;
  for (const n of names) started.delete(n);
  await script('down.sh', names, 60_000);
}

/** Tears down every host this process brought up (never other test files' hosts), then releases its blocks. */
export async function downAll(): Promise<void> {
  try {
    await down([...started.keys()]);
  } finally {
    for (const release of claims.values()) release();
    claims.clear();
  }
}

/** Runs a command inside a test host as root (nsenter through exec.sh). A string runs via sh -c. */
export function execIn(host: Host | string, cmd: string | string[], opts: RunOptions = {}): Promise<RunResult> {
  const name = typeof host === 'string' ? host : host.name;
  const argv = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd;
  return run([join(TESTHOST_DIR, 'exec.sh'), name, ...argv], {
    timeoutMs: opts.timeoutMs ?? 30_000,
    input: opts.input,
    env: { ...process.env, TH_VAR },
  });
}

/** Like execIn but throws (with stderr) unless the command exits 0; returns stdout. */
export async function mustExecIn(host: Host | string, cmd: string | string[], opts: RunOptions = {}): Promise<string> {
  const r = await execIn(host, cmd, opts);
  if (r.code !== 0) {
    const name = typeof host === 'string' ? host : host.name;
    throw new Error(`in ${name}: ${typeof cmd === 'string' ? cmd : cmd.join(' ')} -> exit ${r.code}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** Writes a file inside a test host (content via stdin to `cat`), then sets its mode. */
export async function writeFileIn(host: Host | string, path: string, content: string, mode?: number): Promise<void> {
  const q = shellQuote(path);
  const chmod = mode === undefined ? '' : ` && chmod ${mode.toString(8)} ${q}`;
  await mustExecIn(host, ['sh', '-c', `mkdir -p "$(dirname ${q})" && cat > ${q}${chmod}`], { input: content });
}

/** Runs a program of this machine inside a client's network namespace (ip netns exec th-<client>). */
export function runInClient(client: Host | string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const name = typeof client === 'string' ? client : client.name;
  return run(['ip', 'netns', 'exec', `th-${name}`, ...argv], opts);
}

/**
 * known_hosts lines (`10.77.0.X ssh-ed25519 AAAA...`) for the hosts, read from inside them; with
 * ipv6, a second line per host for its fd77::X address.
 */
export async function knownHostsLines(hosts: Host[], opts: { ipv6?: boolean } = {}): Promise<string> {
  const lines: string[] = [];
  for (const h of hosts) {
    const pub = (await mustExecIn(h, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).trim();
    const [type, key] = pub.split(/\s+/);
    if (type !== 'ssh-ed25519' || !key) throw new Error(`${h.name}: unexpected host key ${type}`);
    lines.push(`${h.ip} ${type} ${key}`);
    if (opts.ipv6 && h.ip6) lines.push(`${h.ip6} ${type} ${key}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes a known_hosts file for the hosts into a fresh temporary directory; returns its path. */
export async function knownHostsFile(hosts: Host[], dir = tempDir(), opts: { ipv6?: boolean } = {}): Promise<string> {
  const file = join(dir, 'known_hosts');
  writeFileSync(file, await knownHostsLines(hosts, opts), { mode: 0o600 });
  return file;
}

/** A fresh private temporary directory (outside the repository). */
export function tempDir(prefix = 'pvesec-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Makes sure dist/cli.js is built from the current sources (npm run build when missing or older
 * than any file under src/, or than the build script). Serialised with flock, since several test files may
 * ask at once.
 */
export async function ensureCliBuilt(): Promise<void> {
  const newestInput = Math.max(newestMtime(join(REPO_ROOT, 'src')), statSync(join(REPO_ROOT, 'scripts/build.mjs')).mtimeMs);
  if (existsSync(CLI) && newestInput <= statSync(CLI).mtimeMs) return;
  const lock = join(tmpdir(), 'pvesec-build.lock');
  // Checked again under the lock: another test file may have built it while this one waited, and a second
  // build would swap dist/ under the CLI runs that one started.
  const stillStale = `[ ! -e dist/cli.js ] || [ scripts/build.mjs -nt dist/cli.js ] || [ -n "$(find src -name '*.ts' ! -name '*.test.ts' -newer dist/cli.js | head -n 1)" ]`;
  const r = await run(['flock', lock, 'sh', '-c', `cd ${shellQuote(REPO_ROOT)} && if ${stillStale}; then exec npm run --silent build; fi`], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
  if (!existsSync(CLI)) throw new Error(`npm run build did not produce ${CLI}`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}
