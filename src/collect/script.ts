import path from 'node:path';
import { VERSION } from '../version.js';
import { commandFileName } from './snapshot.js';
import { COMMANDS, FILES, PVE_SHARED_FILES, UNITS } from './sources.js';

/**
 * Generates the one POSIX sh script that collects a node. It writes command outputs, a redacted
 * /etc/shadow, pvesec/meta.json and pvesec/errors into a temp dir, then streams ONE gzip'd tar of
 * that dir plus the real files to stdout (the bundle format, docs/bundle-format.md).
 * Run it as `sh -s` with the script on stdin (locally or over SSH, root, sudo or plain user).
 */

export const DEFAULT_BACKUP_GLOB = '/root/pve-config-*.tar.gz';

/** Run it through sudo when possible: `sh -c WRAPPER` with the script on stdin. */
export const REMOTE_WRAPPER =
  'if [ "$(id -u)" = 0 ]; then exec sh -s; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then exec sudo -n sh -s; else exec sh -s; fi';

export interface ScriptOptions {
  /** Glob of configuration backups (config_backup_glob); only [A-Za-z0-9_./*?-] characters are accepted. */
  backupGlob?: string;
  /** Written to pvesec/meta.json "collector". */
  collector?: string;
  /**
   * Collect the cluster-wide /etc/pve files (PVE_SHARED_FILES, other nodes' /etc/pve/nodes/<node>/);
   * default true. False when another node of the same collection sends them: meta.json then says
   * "pveShared":false.
   */
  sharedPve?: boolean;
  /** Declared admin users (config admin_users) whose `sshd -T -C user=NAME` is collected; unsafe names are skipped. */
  sshdUsers?: string[];
}

/** What a script collects: a whole node, a node without cluster-wide /etc/pve, or only that. */
type Part = 'full' | 'node' | 'pveShared';

export function collectorName(): string {
  return `pvesec ${VERSION}`;
}

/** Single-quotes a string for sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const SAFE_GLOB = /^\/[A-Za-z0-9_./*?-]+$/;

/** Directories collected as whole trees (entry + readable files below them). */
export const TREE_DIRS: string[] = Object.entries(FILES)
  .filter(([key]) => key.endsWith('Dir') && key !== 'pveNodesDir')
  .map(([, p]) => p);

/** Single files from FILES (shadow is redacted separately, /root is a directory entry). */
export const SINGLE_FILES: string[] = Object.entries(FILES)
  .filter(([key]) => !key.endsWith('Dir') && key !== 'shadow' && key !== 'rootHome')
  .map(([, p]) => p);

export const NODE_FILES = ['host.fw', 'config', 'pve-ssl.pem', 'pveproxy-ssl.pem'] as const;

export function collectionScript(opts: ScriptOptions = {}): string {
  return script(opts, opts.sharedPve === false ? 'node' : 'full');
}

/**
 * The small script of the second round trip: only the cluster-wide /etc/pve files (and every
 * node's /etc/pve/nodes/<node>/ files), for a cluster none of whose collected nodes sent them.
 */
export function pveSharedScript(opts: Pick<ScriptOptions, 'collector'> = {}): string {
  return script(opts, 'pveShared');
}

function script(opts: ScriptOptions, part: Part): string {
  const glob = opts.backupGlob && SAFE_GLOB.test(opts.backupGlob) ? opts.backupGlob : DEFAULT_BACKUP_GLOB;
  const globDir = path.posix.dirname(glob);
  const collector = (opts.collector ?? collectorName()).replace(/[^A-Za-z0-9 ._+-]/g, '');

  const commandLines: string[] = [];
  for (const c of Object.values(COMMANDS)) {
    const file = commandFileName(c.name);
    const root = c.root ? 1 : 0;
    if (c.sh === '') {
      const fn = 'c_' + file.replace(/[^A-Za-z0-9]/g, '_');
      commandLines.push(`special ${shq(c.name)} ${shq(file)} ${root} ${fn} &`);
    } else {
      const prog = c.sh.split(/\s+/)[0];
      commandLines.push(`run ${shq(c.name)} ${shq(file)} ${root} ${shq(prog)} ${shq(c.sh)} &`);
    }
  }

  const LINKS = linkDecisions();
  return `# pvesec collection script (generated). Output: one tar.gz on stdout; nothing else.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
umask 077

pvesec_main() {
# temp dirs an earlier collection left behind (a connection dropped mid-way): only ours by name,
# directories (not links) owned by this user, untouched for an hour (a concurrent run's are fresh)
U=$(id -u)
find "\${TMPDIR:-/tmp}" -maxdepth 1 -type d -name 'pvesec.??????' -user "$U" -mmin +60 -exec rm -rf {} + 2>/dev/null
T=$(mktemp -d "\${TMPDIR:-/tmp}/pvesec.XXXXXX") || { echo 'pvesec: cannot create a temporary directory' >&2; return 70; }
# a dropped connection sends HUP, or PIPE on the next write: exit through the EXIT trap either way
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM
B="$T/b"; W="$T/w"
mkdir "$B" "$B/commands" "$B/pvesec" "$B/etc" "$W" || return 70
E="$B/pvesec/errors"; : >"$E"; : >"$W/list"
if [ "$U" = 0 ]; then
  ROOT=1; DENIED='permission denied'
  if [ -n "\${SUDO_USER:-}" ]; then PRIV=sudo; else PRIV=root; fi
else
  ROOT=0; PRIV=user; DENIED='permission denied (not collected as root)'
fi

H=''
read -r H </proc/sys/kernel/hostname 2>/dev/null || H=$(uname -n)
case $H in *[!A-Za-z0-9._-]*) H=$(printf '%s' "$H" | tr -cd 'A-Za-z0-9._-') ;; esac
# the Proxmox node name: /etc/pve/nodes/<N>/ holds this node's own files
N=\${H%%.*}

${COMMAND_FUNCTIONS(glob, globDir, (opts.sshdUsers ?? []).filter((u) => SAFE_USER.test(u)))}

${FILE_FUNCTIONS}
# the files: the longest chain of the script (list, decide on links, leave out private keys), so it starts
# first and runs beside the commands
{
${part === 'pveShared' ? '' : SHADOW}
${part === 'pveShared' ? sharedPveCollection() : fileCollection(part === 'full')}
${LINKS}
${SECRETS}
} &

${part === 'pveShared' ? '' : commandLines.join('\n')}

# where pvesec connects from, as this node sees it (issue 10's firewall gate): $SSH_CONNECTION, else that
# of the nearest ancestor (sudo drops it from the environment); only address/port characters are kept
SC=\${SSH_CONNECTION:-}
sp=$$
while [ -z "$SC" ] && [ -n "$sp" ] && [ "$sp" -gt 1 ] 2>/dev/null; do
  SC=$(tr '\\000' '\\n' <"/proc/$sp/environ" 2>/dev/null | sed -n 's/^SSH_CONNECTION=//p' | head -n 1)
  sp=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$sp/status" 2>/dev/null)
done
SC=$(printf '%s' "$SC" | tr -cd '0-9a-fA-F.: ')
printf '{"hostname":"%s","collectedAt":"%s","privilege":"%s","collector":"%s"${part === 'node' ? ',"pveShared":false' : ''},"sshConnection":"%s"}\\n' "$H" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PRIV" ${shq(collector)} "$SC" >"$B/pvesec/meta.json"

wait

(cd "$B" && find . ! -type d | sed 's|^\\./||') >"$W/own"
# links are stored as links (never -h): what they point at is in the bundle only if collected itself
tar -czf - --no-recursion --ignore-failed-read --warning=no-file-changed --warning=no-file-removed \\
  -C "$B" --verbatim-files-from -T "$W/own" -C / -T "$W/list2"
rc=$?
[ "$rc" -le 1 ] || { echo "pvesec: tar failed with exit code $rc" >&2; return "$rc"; }
return 0
}

pvesec_main </dev/null
`;
}

/** Never private keys, whatever directory they were found in (regular files only: links are not read). */
const SECRETS = `while IFS= read -r f; do [ -f "/$f" ] && [ ! -L "/$f" ] && printf '%s\\0' "$f"; done <"$W/list" |
  (cd / && xargs -0 grep -lsF -D skip -e 'PRIVATE KEY-----' -e 'PRIVATE KEY BLOCK-----' -- 2>/dev/null) >"$W/secrets"
while IFS= read -r s; do err "/$s" 'private key material (not collected)'; done <"$W/secrets"
grep -vxF -f "$W/secrets" "$W/list" >"$W/list2"`;

const SHADOW = `[ -e /etc/shadow ] && {
  if [ -r /etc/shadow ]; then
    # only the kind of password survives: '' empty, '!' locked, '*' no login, 'x' a hash is set
    awk -F: 'BEGIN { OFS = ":" } NF >= 2 { if ($2 == "") m = ""; else if ($2 ~ /^!/) m = "!"; else if ($2 ~ /^\\*/) m = "*"; else m = "x"; $2 = m; print }' /etc/shadow >"$B/etc/shadow"
    chown --reference=/etc/shadow "$B/etc/shadow" 2>/dev/null
    chmod --reference=/etc/shadow "$B/etc/shadow" 2>/dev/null
    touch -r /etc/shadow "$B/etc/shadow" 2>/dev/null
  else
    err /etc/shadow "$DENIED"
  fi
}`;

const SAFE_USER = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** systemd's search path for system units (`systemd-analyze unit-paths`, systemd 252). */
const UNIT_DIRS = [
  '/etc/systemd/system.control', '/run/systemd/system.control', '/run/systemd/transient', '/run/systemd/generator.early',
  '/etc/systemd/system', '/etc/systemd/system.attached', '/run/systemd/system', '/run/systemd/system.attached',
  '/run/systemd/generator', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system',
  '/run/systemd/generator.late',
];

function COMMAND_FUNCTIONS(glob: string, globDir: string, sshdUsers: string[]): string {
  const units = UNITS.join(' ');
  const globDirCheck = /[*?]/.test(globDir) ? '' : `[ "$ROOT" = 1 ] || { [ -r ${shq(globDir)} ] && [ -x ${shq(globDir)} ]; } || return 200`;
  return `err() { printf '%s\\t%s\\n' "$1" "$2" >>"$E"; }

# run NAME FILE NEEDS_ROOT PROGRAM SHELL_COMMAND: output (stdout+stderr) and exit status
run() {
  command -v "$4" >/dev/null 2>&1 || { err "$1" 'not installed'; return 0; }
  eval "$5" >"$B/commands/$2" 2>&1
  rc=$?
  if [ "$ROOT" = 0 ] && [ "$3" = 1 ] && [ "$rc" != 0 ]; then rm -f "$B/commands/$2"; err "$1" "$DENIED"; return 0; fi
  echo "$rc" >"$B/commands/$2.exit"
}

# special NAME FILE NEEDS_ROOT FUNCTION: 200 = not readable without root, 201 = source absent
special() {
  "$4" >"$B/commands/$2" 2>/dev/null
  rc=$?
  case $rc in
    200) rm -f "$B/commands/$2"; err "$1" "$DENIED" ;;
    201) rm -f "$B/commands/$2"; err "$1" "$(cat "$W/$2.why" 2>/dev/null)" ;;
    *) echo "$rc" >"$B/commands/$2.exit" ;;
  esac
  return 0
}

c_systemctl_states() {
  command -v systemctl >/dev/null 2>&1 || { echo 'not installed' >"$W/systemctl-states.why"; return 201; }
  set -f
  # is-active prints one line per unit
  systemctl is-active ${units} >"$W/active" 2>/dev/null &
  # is-enabled answers unit by unit but stops at the first unit it cannot find: a unit with no unit file
  # on systemd's search path and no SysV script is not-found without asking (each systemctl costs
  # ~30 ms of CPU); the others in one call, asked again after each unit it could not answer
  set --
  for u in ${units}; do
    case $u in *.*) f=$u ;; *) f=$u.service ;; esac
    for d in ${UNIT_DIRS.join(' ')} /etc/init.d; do
      [ "$d" = /etc/init.d ] && f=\${u%.service}
      if [ -e "$d/$f" ] || [ -L "$d/$f" ]; then set -- "$@" "$u"; break; fi
    done
  done
  while [ $# -gt 0 ]; do
    systemctl is-enabled "$@" >"$W/enabled" 2>/dev/null
    while [ $# -gt 0 ] && read -r e _; do echo "$e" >"$W/enabled.$1"; shift; done <"$W/enabled"
    [ $# -gt 0 ] && shift
  done
  wait
  for u in ${units}; do
    IFS= read -r a || a=''
    set -- $a unknown
    e=not-found; [ -s "$W/enabled.$u" ] && read -r e <"$W/enabled.$u"
    printf '%s %s %s\n' "$u" "$1" "$e"
  done <"$W/active"
  return 0
}

c_config_backups() {
  ${globDirCheck}
  f=''
  for c in ${glob}; do
    [ -f "$c" ] || continue
    if [ -z "$f" ] || [ "$c" -nt "$f" ]; then f=$c; fi
  done
  [ -n "$f" ] || return 0
  [ -r "$f" ] || return 200
  stat -c '%Y %s %n' "$f" || return 1
  tar -tzf "$f"
}

# /var/log/journal as journald sees it (a link to a directory counts: journald follows it)
c_journal_dir() {
  if [ -d /var/log/journal ]; then echo directory
  elif [ -e /var/log/journal ] || [ -L /var/log/journal ]; then echo 'not a directory'
  else echo absent; fi
  return 0
}

c_sshd__T__C() {
  [ "$ROOT" = 1 ] || return 200
  [ -x /usr/sbin/sshd ] || { echo 'no /usr/sbin/sshd' >"$W/sshd_-T_-C.why"; return 201; }
  {
    for u in ${sshdUsers.join(' ')}; do echo "user=$u"; done
    # root from each corosync ring/link address that is an IP (comments stripped; one-line blocks split)
    if [ -r /etc/pve/corosync.conf ]; then
      sed -e 's/#.*//' /etc/pve/corosync.conf | tr '{}' '\\n\\n' |
        sed -n -E 's/^[[:space:]]*(ring|link)[0-9]*_addr[[:space:]]*:[[:space:]]*([0-9A-Fa-f:.]+)[[:space:]]*$/\\2/p' |
        sort -u | head -n 64 | while read -r a; do echo "user=root,host=$a,addr=$a"; done
    fi
  } | while read -r spec; do
    echo "### $spec"
    /usr/sbin/sshd -T -C "$spec" 2>&1
    echo "### exit $?"
  done
  return 0
}

c_auth_failures() {
  P='sshd(-session)?\\[[0-9]+\\]: (Failed |Invalid user|[Aa]uthentication failure|error: maximum authentication|Connection closed by authenticating user|Disconnected from authenticating user)|(pvedaemon|pveproxy)\\[[0-9]+\\]: authentication failure'
  if [ -f /var/log/auth.log ]; then
    [ -r /var/log/auth.log ] || return 200
    { [ -r /var/log/auth.log.1 ] && cat /var/log/auth.log.1; cat /var/log/auth.log; } | grep -E "$P" | tail -n 2000
    return 0
  fi
  if command -v journalctl >/dev/null 2>&1; then
    [ "$ROOT" = 1 ] || return 200
    journalctl -q --no-pager -o short --since '7 days ago' -t sshd -t sshd-session -t pvedaemon -t pveproxy | grep -E "$P" | tail -n 2000
    return 0
  fi
  echo 'no /var/log/auth.log and no journalctl' >"$W/auth-failures.why"
  return 201
}`;
}

const FILE_FUNCTIONS = `# hidden PATH: PATH is absent; an error line if a directory on its way cannot be searched
hidden() {
  d=\${1%/*}
  while [ -n "$d" ] && [ ! -e "$d" ]; do d=\${d%/*}; done
  [ -n "$d" ] && [ ! -x "$d" ] && err "$1" "$DENIED"
  return 0
}
# link PATH KIND: a symbolic link, decided on once everything is listed (N: a named system file)
link() { printf '%s%s\\n' "$2" "$1" >>"$W/links"; }
# addf PATH [N]: a single file, if present and readable
addf() {
  [ -L "$1" ] && { link "$1" "\${2:-L}"; return 0; }
  [ -e "$1" ] || { hidden "$1"; return 0; }
  if [ -r "$1" ] && [ ! -d "$1" ]; then printf '%s\\n' "\${1#/}" >>"$W/list"; else err "$1" "$DENIED"; fi
}
# addd PATH: a directory entry only (its mode and owner)
addd() {
  [ -L "$1" ] && { link "$1" L; return 0; }
  [ -d "$1" ] || return 0
  if [ -r "$1" ]; then printf '%s\\n' "\${1#/}" >>"$W/list"; else err "$1" "$DENIED"; fi
}
# realdir PATH: PATH is a directory, not a link to one
realdir() { [ -d "$1" ] && [ ! -L "$1" ]; }
`;

/**
 * What to do with each symbolic link found (docs/bundle-format.md, "Symbolic links"): it is always
 * stored as a link. Its target is read only when it is itself collected (the reader resolves the link
 * to that entry), or when the link is a named system file (/etc/os-release -> ../usr/lib/os-release)
 * whose target is a regular file outside /proc, /sys, /dev and /etc/pve/priv (stored under its own
 * path). Any other link gets an error line saying where it points. A followed link whose stored target
 * passes through further links is stored with its canonical target instead, so the reader resolves it
 * in one step.
 */
function linkDecisions(): string {
  return `sort -u "$W/list" >"$W/set"
: >>"$W/links"
while IFS= read -r l; do
  p=\${l#?}
  t=$(readlink -- "$p") || continue
  tp=$(printf '%s' "$t" | tr '\\t\\n' '  ')
  case $t in /dev/null) printf '%s\\n' "\${p#/}" >>"$W/list"; continue ;; esac
  c=$(readlink -f -- "$p" 2>/dev/null) || c=''
  use=''
  if [ -n "$c" ] && [ -e "$c" ]; then
    if grep -qxF -e "\${c#/}" "$W/set" || { [ "$c" = /etc/shadow ] && [ -f "$B/etc/shadow" ]; }; then
      use=$c
    elif [ "\${l%"$p"}" = N ] && [ -f "$c" ] && [ -r "$c" ]; then
      case $c in
        /proc/*|/sys/*|/dev/*|/etc/pve/priv/*|*.key|*/ssh_host_*_key) ;;
        *) use=$c; printf '%s\\n' "\${c#/}" >>"$W/list" ;;
      esac
    fi
  fi
  if [ -z "$use" ]; then
    printf '%s\\n' "\${p#/}" >>"$W/list"
    if [ -n "$c" ] && [ -e "$c" ]; then err "$p" "symbolic link to $tp (outside the collected files, not read)"
    else err "$p" "symbolic link to $tp (target missing)"; fi
    continue
  fi
  case $t in /*) lit=$t ;; *) lit=\${p%/*}/$t ;; esac
  if [ "$(realpath -s -m -- "$lit" 2>/dev/null)" = "$use" ]; then
    printf '%s\\n' "\${p#/}" >>"$W/list"
  else
    mkdir -p "$B/\${p%/*}" && ln -s "$use" "$B/\${p#/}"
  fi
done <"$W/links"`;
}

function fileCollection(sharedPve: boolean): string {
  const files = sharedPve ? SINGLE_FILES : SINGLE_FILES.filter((f) => !PVE_SHARED_FILES.includes(f));
  const single = files.map((f) => `addf ${shq(f)} N`).join('\n');
  const trees = TREE_DIRS.map(shq).join(' ');
  return `${single}
addd /root
addd /root/.ssh
if realdir /root/.ssh; then
  addf /root/.ssh/authorized_keys
  addf /root/.ssh/authorized_keys2
fi
for h in /home/*; do
  [ -L "$h" ] && { link "$h" L; continue; }
  [ -d "$h" ] || continue
  addd "$h"
  addd "$h/.ssh"
  realdir "$h/.ssh" || continue
  addf "$h/.ssh/authorized_keys"
  addf "$h/.ssh/authorized_keys2"
done
${pveNodeFiles(sharedPve ? '/etc/pve/nodes/*' : '"/etc/pve/nodes/$N"')}
set --
for d in ${trees}; do
  if [ -L "$d" ]; then link "$d" L; elif [ -d "$d" ]; then set -- "$@" "$d"; fi
done
if [ $# -gt 0 ]; then
  # R = readable (collected), U = unreadable (an error line), L = a link (decided on later);
  # never *.key or ssh host keys; links are not followed (no -L)
  find "$@" -maxdepth 3 \\( -name '*.key' -o -name 'ssh_host_*_key' \\) -prune -o -type l -printf 'L%p\\n' -o \\( -type d -o -type f \\) \\
    \\( -readable -printf 'R%p\\n' -o -printf 'U%p\\n' \\) 2>/dev/null |
  while IFS= read -r line; do
    p=\${line#?}
    case $line in
      R*) printf '%s\\n' "\${p#/}" >>"$W/list" ;;
      L*) link "$p" L ;;
      *) err "$p" "$DENIED" ;;
    esac
  done
fi
`;
}

/** /etc/pve, /etc/pve/nodes and the NODE_FILES of the node directories matching nodeGlob (sh syntax). */
function pveNodeFiles(nodeGlob: string): string {
  return `addd /etc/pve
addd /etc/pve/nodes
for n in ${nodeGlob}; do
  [ -L "$n" ] && { link "$n" L; continue; }
  [ -d "$n" ] || continue
  addd "$n"
  for f in ${NODE_FILES.join(' ')}; do addf "$n/$f"; done
done`;
}

function sharedPveCollection(): string {
  return `${PVE_SHARED_FILES.map((f) => `addf ${shq(f)} N`).join('\n')}
${pveNodeFiles('/etc/pve/nodes/*')}
`;
}
