/**
 * The self-contained revert script written into each transaction directory at begin. The dead-man
 * timer, the boot-time unit, a failing step, `revertScript` and `rollbackScript` all run this one file,
 * so a revert needs nothing of pvesec on the node.
 *
 *   sh revert deadline|boot|pmxcfs|live|failed|rollback [reason]
 *
 * Under the transaction's flock, and only when the state is armed (confirmed for rollback):
 *   1. units the transaction brought up (enabled/started where they were not; services of packages it
 *      newly installed) are disabled and stopped while their unit files still exist;
 *   2. every journaled path is restored in reverse order: previous bytes, mode and owner, or removed
 *      when it was absent; directories it created are removed; Proxmox calls (pve-call) are undone by
 *      their journaled inverse calls, in the same reverse order (at boot: queued to a unit after pve-cluster);
 *      at boot on a node with pve-cluster and /etc/pve not mounted yet, paths under /etc/pve are queued
 *      (pmxcfs-boot) to the unit pvesec-pmxcfs-revert-<id> after pve-cluster, which runs `revert pmxcfs`:
 *      until it has restored them the state is `reverting`, then reverted (or revert-failed);
 *   3. daemon-reload (when a unit file may have changed); units get their previous enablement back and the ones that were active are
 *      reload-or-restarted (sshd re-reads the restored configuration; established sessions survive);
 *      at boot nothing is started here (the boot transaction does that; we run before it);
 *   4. state reverted|rolled-back|revert-failed with the reason and time, the active marker released,
 *      and only then the timer stopped (a revert that dies half-way is done again by the timer).
 * Exit 0 done (or nothing to do for deadline/boot), 3 wrong state, 5 some part of the revert failed.
 */
import { PRELUDE } from './prelude.js';
import { checkTxId } from './sh.js';

const DPKG_INSTALLED = `dpkg-query -W -f='${'$'}{db:Status-Abbrev} ${'$'}{Package}\\n' 2>/dev/null | awk '$1 == "ii" { print $2 }'`;

/** The shell command printing the installed packages, one per line (also used by the step before apt). */
export const INSTALLED_PACKAGES_SH = DPKG_INSTALLED;

const REVERT_BODY = String.raw`
T="$P/tx/$ID"
# a live revert outlives the SSH session that started it (its output is lost, the revert is not)
trap '' HUP PIPE
mode=live
[ $# -ge 1 ] && mode=$1
why=
[ $# -ge 2 ] && why=$(clean "$2")
case "$mode" in
  deadline) why="the confirmation deadline passed" ;;
  boot|pmxcfs) why="the node rebooted inside the confirmation window" ;;
  live|failed|rollback) ;;
  *) ev "error usage: revert deadline|boot|pmxcfs|live|failed|rollback [reason]"; exit 2 ;;
esac
[ -n "$why" ] || why=$mode
[ -d "$T" ] || { ev "refused unknown transaction $ID"; exit 3; }
exec 9>>"$T/lock" || { ev "revert-failed $ID cannot open $T/lock"; exit 5; }
flock 9 || { ev "revert-failed $ID cannot take $T/lock"; exit 5; }
pmxcfs_unit="pvesec-pmxcfs-revert-$ID"
pmxcfs_start() { # the unit that restores the queued /etc/pve files once pve-cluster has mounted pmxcfs
  sync "$T/pmxcfs-boot" 2>/dev/null
  if systemd-run --no-block --collect --unit "$pmxcfs_unit" --property After=pve-cluster.service \
      --property Wants=pve-cluster.service /bin/sh "$T/revert" pmxcfs >/dev/null 2>&1; then
    ev "deferred the /etc/pve files to $pmxcfs_unit.service (after pve-cluster mounts pmxcfs)"
  else
    ev "revert-error cannot start $pmxcfs_unit.service: the /etc/pve files listed in $T/pmxcfs-boot are not restored"; return 1
  fi
}
s=$(st_get "$T")
want=armed
[ "$mode" = rollback ] && want=confirmed
[ "$mode" = pmxcfs ] && want=reverting
# the /etc/pve files are still queued also after a failed revert (the rest failed, or /etc/pve was not mounted)
pmxcfs_queued=
case "$s" in reverting|revert-failed) [ -s "$T/pmxcfs-boot" ] && pmxcfs_queued=$s ;; esac
[ "$mode" = pmxcfs ] && [ -n "$pmxcfs_queued" ] && want=$s
if [ "$s" != "$want" ]; then
  # rebooted again before they were restored: the /etc/pve files still wait for pve-cluster
  if [ "$mode" = boot ] && [ -n "$pmxcfs_queued" ]; then pmxcfs_start; exit 0; fi
  [ "$mode" = boot ] || ev "state $ID $s $(st_why "$T")"
  case "$mode" in deadline|boot) exit 0 ;; esac
  exit 3
fi
ev "reverting $ID $why"
nb=
[ "$mode" = boot ] && nb=--no-block

unit_down() { # UNIT PREVIOUS-IS-ENABLED PREVIOUS-IS-ACTIVE: undo an enable and a start, while the unit file exists
  case "$2" in
    enabled|enabled-runtime|static|indirect|generated|alias|linked|linked-runtime|masked|masked-runtime|transient) ;;
    *)
      if [ "$(systemctl is-enabled "$1" 2>/dev/null)" = enabled ]; then
        if systemctl disable --quiet "$1" 2>/dev/null; then ev "service $1 disable"; else ev "revert-error cannot disable $1"; return 1; fi
      fi ;;
  esac
  if [ "$3" != active ] && { [ "$mode" = boot ] || systemctl is-active --quiet "$1"; }; then
    if systemctl stop $nb "$1" 2>/dev/null; then ev "service $1 stop"; else ev "revert-error cannot stop $1"; return 1; fi
  fi
  return 0
}

new_packages() { # N: packages installed now that were not in pkgs.N
  [ -s "$T/pkgs.$1" ] || return 0
  ` + DPKG_INSTALLED + String.raw` | grep -vxF -f "$T/pkgs.$1"
}

package_units() { # PKG: its unit files (no templates)
  dpkg-query -L "$1" 2>/dev/null | grep -E '^(/usr)?/lib/systemd/system/[^/@]+[.](service|socket|timer|path)$' | sed 's#.*/##'
}

norm_unit() {
  case "$1" in *.service|*.socket|*.timer|*.path|*.target|*.mount|*.automount|*.swap|*.slice|*.scope) echo "$1" ;; *) echo "$1.service" ;; esac
}
# units shipped by packages the transaction newly installed: they go down whatever a later op recorded
pkg_units=$(jfwd "$T" | awk '$1 == "pkgs" { print $2 }' | while read -r n; do
  for p in $(new_packages "$n"); do package_units "$p"; done
done)
is_pkg_unit() {
  u=$(norm_unit "$1")
  for x in $pkg_units; do [ "$x" = "$u" ] && return 0; done
  return 1
}

units_down() {
  r=0
  for u in $pkg_units; do unit_down "$u" disabled inactive || r=1; done
  jrev "$T" | {
    while read -r k a b c rest; do
      [ "$k" = svc ] || continue
      is_pkg_unit "$a" && continue
      unit_down "$a" "$b" "$c" || r=1
    done
    exit $r
  }
}

attrs_of() { # FILE PATH MODE UID GID: pmxcfs (/etc/pve) sets mode and owner itself and refuses chown/chmod
  case $2 in /etc/pve/*) case $(stat -f -c %T -- "$1" 2>/dev/null) in fuse*) return 0 ;; esac ;; esac
  chown "$4:$5" "$1" && chmod "$3" "$1"
}

restore_file() { # PATH N DIGEST MODE UID GID
  if [ "$3" = absent ]; then
    if [ -e "$1" ] || [ -L "$1" ]; then
      rm -rf -- "$1" || { ev "revert-error cannot remove $1"; return 1; }
      ev "removed $1"
    fi
    return 0
  fi
  src="$T/files/$2"
  if [ "$(dg "$src")" != "$3" ]; then ev "revert-error the saved copy of $1 ($src) is damaged"; return 1; fi
  if [ ! -L "$1" ] && [ "$(dg "$1")" = "$3" ] && [ "$(stat -c '%a %u %g' -- "$1" 2>/dev/null)" = "$4 $5 $6" ]; then return 0; fi
  tmp="$(dirname -- "$1")/.pvesec-revert.$$"
  if cat -- "$src" > "$tmp" && attrs_of "$tmp" "$1" "$4" "$5" "$6" && sync "$tmp" && mv -f -- "$tmp" "$1"; then
    :
  else
    rm -f -- "$tmp"
    # no room for a temporary copy (full disk): rewrite in place
    if cat -- "$src" > "$1" && attrs_of "$1" "$1" "$4" "$5" "$6"; then :; else ev "revert-error cannot restore $1"; return 1; fi
  fi
  sync "$1" "$(dirname -- "$1")" 2>/dev/null
  ev "restored $1"
}

restore_dir() { # PATH absent | PATH MODE UID GID
  if [ "$2" = absent ]; then
    if [ -d "$1" ] && [ ! -L "$1" ]; then
      rm -rf -- "$1" || { ev "revert-error cannot remove $1"; return 1; }
      ev "removed $1"
    fi
    return 0
  fi
  [ -d "$1" ] || { ev "revert-error directory $1 is gone"; return 1; }
  if [ "$(stat -c '%a %u %g' -- "$1")" != "$2 $3 $4" ]; then
    chown "$3:$4" "$1" && chmod "$2" "$1" || { ev "revert-error cannot restore $1"; return 1; }
    ev "restored $1"
  fi
  return 0
}

restore_copy() { # PATH N: a directory tree copied whole (cp -a) before a rollback removed it
  src="$T/files/$2"
  [ -d "$src" ] && [ ! -L "$src" ] || { ev "revert-error the saved copy of $1 ($src) is missing"; return 1; }
  if [ -e "$1" ] || [ -L "$1" ]; then rm -rf -- "$1" || { ev "revert-error cannot remove $1"; return 1; }; fi
  cp -a -- "$src" "$1" || { ev "revert-error cannot restore $1"; return 1; }
  ev "restored $1"
}

restore_txstate() { # ID STATE: the transaction a rollback rolled back is in that state again
  case "$(st_get "$P/tx/$1")" in
    rolled-back|revert-failed)
      st_set "$P/tx/$1" "$2" "its rollback $ID was reverted" || { ev "revert-error cannot record state $2 of $1"; return 1; }
      ev "state-restored $1 $2" ;;
  esac
  return 0
}

restore_ruleset() { # FAMILY N DIGEST: load the live ruleset saved before the transaction's first load
  # at boot the kernel holds no ruleset yet: the restored rules files are what netfilter-persistent loads next
  [ "$mode" = boot ] && return 0
  src="$T/files/$2"
  if [ "$(dg "$src")" != "$3" ]; then ev "revert-error the saved ruleset of IPv$1 ($src) is damaged"; return 1; fi
  cmd=iptables-restore
  [ "$1" = 6 ] && cmd=ip6tables-restore
  # the filter table back to empty first: iptables-save of a node without any table prints nothing, and
  # restoring nothing would leave the loaded rules in place (a saved *filter replaces this again)
  if { printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n'; cat -- "$src"; } | "$cmd" 2>/dev/null; then
    ev "restored ruleset IPv$1"
  else
    ev "revert-error $cmd of the saved ruleset failed"; return 1
  fi
}

pve_failed=$(jfwd "$T" | awk '$1 == "pvefailed" { print $2 }')
restore_pve() { # N DIGEST: run the inverse Proxmox calls journaled before call N (not when the call itself failed)
  for x in $pve_failed; do [ "$x" = "$1" ] && return 0; done
  src="$T/files/$1"
  if [ "$(dg "$src")" != "$2" ]; then ev "revert-error the saved inverse of Proxmox call $1 ($src) is damaged"; return 1; fi
  # at boot pmxcfs (/etc/pve) is not mounted yet: the inverse calls run in one unit after pve-cluster
  if [ "$mode" = boot ]; then cat -- "$src" >> "$T/pve-boot" || { ev "revert-error cannot queue $src"; return 1; }; return 0; fi
  if out=$(sh "$src" 2>&1 9>&-); then ev "undone Proxmox call $1"; else ev "revert-error undoing Proxmox call $1 failed: $(clean "$(printf '%s' "$out" | tail -n 2)")"; return 1; fi
}

pve_boot_queue() { # at boot: the queued inverse calls, in one transient unit ordered after pve-cluster
  [ -s "$T/pve-boot" ] || return 0
  if systemd-run --no-block --collect --unit "pvesec-pve-revert-$ID" --property After=pve-cluster.service \
      --property Wants=pve-cluster.service /bin/sh "$T/pve-boot" >/dev/null 2>&1; then
    ev "deferred the inverse Proxmox calls to pvesec-pve-revert-$ID.service (after pve-cluster)"
  else
    ev "revert-error cannot start pvesec-pve-revert-$ID.service: run sh $T/pve-boot once /etc/pve is mounted"; return 1
  fi
}

restore_entry() { # KIND ARGS...: one journal line
  k=$1
  shift
  case "$k" in
    ruleset) restore_ruleset "$1" "$2" "$3" ;;
    file) restore_file "$1" "$2" "$3" "$4" "$5" "$6" ;;
    dir) restore_dir "$1" "$2" "$3" "$4" ;;
    copy) restore_copy "$1" "$2" ;;
    txstate) restore_txstate "$1" "$2" ;;
    pve) restore_pve "$1" "$2" ;;
    tree)
      if [ -e "$1" ] || [ -L "$1" ]; then
        if rm -rf -- "$1"; then ev "removed $1"; else ev "revert-error cannot remove $1"; return 1; fi
      fi ;;
  esac
}

pmxcfs_later=
pmxcfs_not_yet() { # at boot on a Proxmox node: /etc/pve is pmxcfs, mounted later by pve-cluster (a plain directory elsewhere)
  [ "$mode" = boot ] || return 1
  if [ -z "$pmxcfs_later" ]; then
    pmxcfs_later=no
    # pve-cluster.service itself, loaded (not an alias of another unit, as on pvesec's test hosts)
    if [ "$(systemctl show -p Id,LoadState pve-cluster.service 2>/dev/null | sort | tr '\n' ' ')" = "Id=pve-cluster.service LoadState=loaded " ] &&
        ! mountpoint -q /etc/pve; then pmxcfs_later=yes; fi
  fi
  [ "$pmxcfs_later" = yes ]
}

restore_paths() {
  rm -f -- "$T/pve-boot" "$T/pmxcfs-boot" "$T/pmxcfs-boot.done" "$T/pmxcfs-early-ok"
  jrev "$T" | {
    r=0
    while read -r k a b c d e f rest; do
      # written now, a file under /etc/pve would land in the empty mountpoint, hidden once pmxcfs mounts
      case "$k $a" in
        "file /etc/pve/"*|"dir /etc/pve/"*|"copy /etc/pve/"*|"tree /etc/pve/"*)
          if pmxcfs_not_yet; then
            printf '%s\n' "$k $a $b $c $d $e $f" >> "$T/pmxcfs-boot" || { ev "revert-error cannot queue $a"; r=1; }
            continue
          fi ;;
      esac
      restore_entry "$k" "$a" "$b" "$c" "$d" "$e" "$f" || r=1
    done
    pve_boot_queue || r=1
    if [ -s "$T/pmxcfs-boot" ]; then pmxcfs_start || r=1; fi
    exit $r
  }
}

units_up() {
  jfwd "$T" | {
    r=0
    while read -r k a b c rest; do
      [ "$k" = svc ] || continue
      is_pkg_unit "$a" && continue
      case "$b" in enabled|masked) cur=$(systemctl is-enabled "$a" 2>/dev/null) ;; esac
      case "$b" in
        enabled)
          if [ "$cur" != enabled ]; then
            if systemctl enable --quiet "$a" 2>/dev/null; then ev "service $a enable"; else ev "revert-error cannot enable $a"; r=1; fi
          fi ;;
        masked)
          if [ "$cur" != masked ]; then
            if systemctl mask --quiet "$a" 2>/dev/null; then ev "service $a mask"; else ev "revert-error cannot mask $a"; r=1; fi
          fi ;;
      esac
      if [ "$c" = active ] && [ "$mode" != boot ]; then
        if systemctl reload-or-restart "$a" 2>/dev/null; then ev "service $a reload-or-restart"; else ev "revert-error cannot reload or restart $a"; r=1; fi
      fi
    done
    exit $r
  }
}

# A daemon that ran with the transaction's configuration can recreate, while it stops for the restart
# above, a directory the transaction created and the revert removed (journald with Storage=persistent
# recreates /var/log/journal when it closes its files; its successor then finds it and keeps the journal
# on disk). Remove such a directory again and restart the journaled active units once more, now without it.
dirs_again() {
  [ "$mode" = boot ] && return 0
  back=$(jrev "$T" | awk '$1 == "dir" && $3 == "absent" { print $2 }' | while read -r d; do
    if [ -d "$d" ] && [ ! -L "$d" ]; then printf '%s\n' "$d"; fi
  done)
  [ -n "$back" ] || return 0
  r=0
  for d in $back; do
    if rm -rf -- "$d"; then ev "removed $d again (recreated while a service restarted)"; else ev "revert-error cannot remove $d"; r=1; fi
  done
  # (not $u: is_pkg_unit sets it)
  for su in $(jfwd "$T" | awk '$1 == "svc" && $4 == "active" { print $2 }' | sort -u); do
    is_pkg_unit "$su" && continue
    if systemctl reload-or-restart "$su" 2>/dev/null; then ev "service $su reload-or-restart"; else ev "revert-error cannot reload or restart $su"; r=1; fi
  done
  return $r
}

# a rollback transaction: wait for the revert of the transaction it rolled back (its lock), never run beside it
for x in $(jfwd "$T" | awk '$1 == "txstate" { print $2 }'); do
  if [ -f "$P/tx/$x/lock" ]; then exec 7>>"$P/tx/$x/lock" && flock -w 600 7; exec 7>&-; fi
done
if [ "$mode" = pmxcfs ]; then
  # the second half of a boot revert: the /etc/pve files, now that pve-cluster has (or has not) mounted pmxcfs
  bad=0
  if mountpoint -q /etc/pve; then
    while read -r k a b c d e f rest; do
      restore_entry "$k" "$a" "$b" "$c" "$d" "$e" "$f" || bad=1
    done < "$T/pmxcfs-boot"
  else
    ev "revert-error /etc/pve is not mounted (pve-cluster did not start): $(wc -l < "$T/pmxcfs-boot") path(s) under /etc/pve not restored (listed in $T/pmxcfs-boot; once it is mounted: sh $T/revert pmxcfs)"
    bad=1
  fi
  # done: not again at the next boot
  [ $bad = 0 ] && mv -f -- "$T/pmxcfs-boot" "$T/pmxcfs-boot.done"
  final=reverted
  [ $bad = 0 ] || { final=revert-failed; why="$why; the /etc/pve files are not restored"; }
  # the early part of this revert failed: it stays failed, with that reason
  if [ ! -f "$T/pmxcfs-early-ok" ]; then final=revert-failed; why=$(st_why "$T"); fi
  st_set "$T" "$final" "$why" || ev "revert-error cannot record state $final in $T/state"
  if [ "$final" = reverted ]; then ev "reverted $ID $why"; exit 0; fi
  ev "revert-failed $ID $why (see the revert-error lines)"
  exit 5
fi
bad=0
units_down || bad=1
restore_paths || bad=1
# daemon-reload (slow on a busy node) only when a restored path can be a unit file or drop-in
if jfwd "$T" | grep -q '^[a-z]* [^ ]*/systemd/'; then
  systemctl daemon-reload 2>/dev/null || { ev "revert-error systemctl daemon-reload failed"; bad=1; }
fi
units_up || bad=1
dirs_again || bad=1
final=reverted
[ "$mode" = rollback ] && final=rolled-back
[ $bad = 0 ] || final=revert-failed
# the /etc/pve files are restored later by their own unit, which records reverted (or revert-failed)
if [ $bad = 0 ] && [ -s "$T/pmxcfs-boot" ]; then
  final=reverting
  : > "$T/pmxcfs-early-ok"
  why="$why; the /etc/pve files wait for pve-cluster ($pmxcfs_unit.service)"
fi
st_set "$T" "$final" "$why" || ev "revert-error cannot record state $final in $T/state"
marker_release "$ID"
# only now: a revert that dies half-way (killed, power loss) is done again by the timer or at boot
[ "$mode" = boot ] || timer_stop "$ID"
if [ $bad = 0 ]; then
  ev "$final $ID $why"
  exit 0
fi
ev "revert-failed $ID $why (see the revert-error lines)"
exit 5
`;

/** The revert script of transaction `id` (written to /var/lib/pvesec/tx/<id>/revert). */
export function revertProgram(id: string): string {
  checkTxId(id);
  return `#!/bin/sh
# pvesec transaction ${id}: puts back what the journal beside this file recorded before each change.
# Self-contained (POSIX sh, coreutils, util-linux flock, systemctl, dpkg-query).
${PRELUDE}ID=${id}
${REVERT_BODY}`;
}
