/**
 * The sh functions every node-side script starts with (and the self-contained revert script embeds).
 * POSIX sh + coreutils/util-linux/systemd only. Shell `${...}` is written escaped (`\${`) in these
 * template literals; most of the code avoids it.
 *
 * On-node layout of a transaction $T=/var/lib/pvesec/tx/<id>:
 *   meta     "key value" lines (id, time, controls, origin, timeout, planDigest, deadline)
 *   state    one line "<state> <epoch.ms> <reason>", padded to 512 bytes and rewritten in place
 *            (so recording a state never needs a new disk block: a full disk cannot stop a revert)
 *   journal  one line per pre-state, appended and fsynced BEFORE the change it covers, each ending in
 *            " ." (a line cut short by a full disk is ignored):
 *              file <path> <n> <sha256|absent> <mode> <uid> <gid> .   previous bytes in files/<n>
 *              dir <path> absent .  |  dir <path> <mode> <uid> <gid> .
 *              tree <path> .          (absent before: removed recursively, e.g. a new home)
 *              svc <unit> <is-enabled> <is-active> .
 *              pkgs <n> .             (installed packages before, in pkgs.<n>)
 *              copy <path> <n> .      (a rollback: a directory tree copied whole to files/<n>)
 *              txstate <id> <state> . (a rollback: the state its target gets back when it is reverted)
 *              pve <n> <sha256> .     (a Proxmox call: the inverse calls that undo it, in files/<n>)
 *              pvefailed <n> .        (that call failed: nothing to undo)
 *   seen     "file <path>" / "svc <unit>" lines: what is journaled already (first pre-state wins)
 *   applied  "<path> <sha256>" after each change (the planned post-state, for status)
 *   post     "<path> <sha256|absent>" at confirm; post.d/<n> the confirmed bytes (rollback diffs)
 *   lock     the flock every script of the transaction takes (revert, confirm, step, rollback)
 *   revert   the self-contained revert script
 * /var/lib/pvesec/active/id names the armed transaction (mkdir-atomic marker, under the node lock).
 */
import { PVESEC_DIR } from './layout.js';

export const PRELUDE = String.raw`PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL
umask 022
P=${PVESEC_DIR}
ev() { printf 'pvesec-tx %s\n' "$*"; }
clean() { printf '%s' "$*" | tr '\000-\037\177' ' ' | cut -c1-400; }
now() { date +%s.%3N; }
dg() {
  if [ -L "$1" ]; then echo link
  elif [ -f "$1" ]; then sha256sum < "$1" | cut -c1-64
  elif [ -d "$1" ]; then echo dir
  elif [ -e "$1" ]; then echo other
  else echo absent; fi
}
st_line() { sed -n 1p "$1/state" 2>/dev/null; }
st_get() { st_line "$1" | cut -d' ' -f1; }
st_time() { st_line "$1" | cut -d' ' -f2; }
st_why() { st_line "$1" | cut -d' ' -f3- | sed 's/ *$//'; }
st_set() { printf '%-511.511s\n' "$2 $(now) $(clean "$3")" 1<>"$1/state" && sync "$1/state"; }
marker_release() { if [ "$(cat "$P/active/id" 2>/dev/null)" = "$1" ]; then rm -rf "$P/active"; fi; }
timer_stop() {
  systemctl stop "pvesec-revert-$1.timer" >/dev/null 2>&1
  systemctl reset-failed "pvesec-revert-$1.timer" >/dev/null 2>&1
  return 0
}
jfwd() { awk '/ \.$/' "$1/journal" 2>/dev/null; }
jrev() { awk '/ \.$/ { l[n++] = $0 } END { while (n > 0) print l[--n] }' "$1/journal" 2>/dev/null; }
touched() { jfwd "$1" | awk '$1 == "file" && !s[$2]++ { print $2 }'; }
`;
