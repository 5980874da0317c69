/**
 * The node-side transaction runtime of `pvesec apply`: every function returns a POSIX sh script that
 * apply runs as root with `sh -s` (script on stdin). Nothing of pvesec is installed on the node; the
 * state lives in /var/lib/pvesec (see prelude.ts for the layout) and the revert program is written into
 * each transaction's directory. Scripts print "pvesec-tx <event> ..." lines (parseEvents).
 *
 * Exit codes: 0 ok, 3 refused (lock held, not systemd, tx unknown or in the wrong state, rollback
 * refused, a path that is a symlink), 4 an op or validator failed and the tx was reverted, 5 the revert
 * itself failed, 2 other error (journal write failed: the tx was reverted).
 */
import { randomBytes } from 'node:crypto';
import type { Op } from '../ops.js';
import { BOOT_REVERT_TEXT, BOOT_UNIT_TEXT } from './boot-unit.js';
import { BOOT_REVERT_PATH, BOOT_UNIT, BOOT_UNIT_PATH, timerUnitName, txDir } from './layout.js';
import { PRELUDE } from './prelude.js';
import { INSTALLED_PACKAGES_SH, revertProgram } from './revert.js';
import { checkTxId, oneLine, shQuote as q, TxInputError } from './sh.js';
import { compileOps, STEP_FUNCTIONS } from './step.js';

export { parseEvents, parseHistory, parsePruned, restAfter, type TxEvent, type TxRecord, type TxState } from './events.js';
export { TxInputError } from './sh.js';

export interface TxHeader {
  id: string;
  timeoutSec: number;
  controls: string[];
  origin: string;
  planDigest?: string;
  /** Transactions begin must not prune even when they are older than the retained ones (a rollback's target). */
  keep?: string[];
}

/** Finished transactions kept on the node (the newest); older ones are pruned at begin. */
export const TX_RETAIN = 20;

/**
 * sh function `prune_tx KEEP [ID...]`: removes the transaction directories of finished transactions
 * (confirmed, reverted, rolled-back) beyond the newest KEEP, never an armed one (nor revert-failed or
 * aborted: those need a human) nor one of the IDs given; adds the count to $P/pruned and prints
 * `pvesec-tx pruned N` when it removed any. Run under the node lock.
 */
export const PRUNE_FUNCTION = String.raw`prune_tx() {
  pk=$1; shift
  pn=0; pr=0
  for pid in $(ls -1 "$P/tx" 2>/dev/null | sort -r); do
    case "$pid" in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;; *) continue ;; esac
    case "$(st_get "$P/tx/$pid")" in confirmed|reverted|rolled-back) ;; *) continue ;; esac
    pn=$((pn + 1))
    [ "$pn" -le "$pk" ] && continue
    pskip=0
    for px in "$@"; do [ "$px" = "$pid" ] && pskip=1; done
    [ $pskip = 1 ] && continue
    rm -rf -- "$P/tx/$pid" && pr=$((pr + 1))
  done
  [ $pr -gt 0 ] || return 0
  pt=$(cat "$P/pruned" 2>/dev/null)
  case "$pt" in ''|*[!0-9]*) pt=0 ;; esac
  printf '%s
' "$((pt + pr))" > "$P/pruned.new" && mv -f "$P/pruned.new" "$P/pruned"
  ev "pruned $pr"
  return 0
}
`;

/** A new transaction id: UTC time of `now` plus 6 random hex digits (20261206T230102Z-a1b2c3). */
export function newTxId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const header = (what: string) => `#!/bin/sh\n# pvesec transaction runtime: ${what}\n${PRELUDE}`;

/** Shell that writes `content` byte for byte to `path` (base64 through a quoted here-document). */
function writeBytes(path: string, content: string, onError: string): string {
  const b64 = Buffer.from(content, 'utf8').toString('base64').replace(/(.{76})/g, '$1\n').replace(/\n$/, '');
  return `if base64 -d > ${q(path)} <<'PVESEC_B64_EOF'\n${b64}\nPVESEC_B64_EOF\nthen :; else ${onError}; fi`;
}

/** Opens the transaction directory and takes its lock (exclusive, or shared for readers). */
function openTx(id: string, lock: 'exclusive' | 'shared'): string {
  return [
    `ID=${id}`,
    'T="$P/tx/$ID"',
    `[ -f "$T/state" ] || { ev "refused unknown transaction $ID"; exit 3; }`,
    `exec 9>>"$T/lock" || { ev "error cannot open $T/lock"; exit 2; }`,
    lock === 'exclusive' ? `flock 9 || { ev "error cannot take $T/lock"; exit 2; }` : `flock -s -w 60 9 || { ev "error $T/lock stays busy"; exit 2; }`,
  ].join('\n');
}

export function beginScript(h: TxHeader): string {
  const id = checkTxId(h.id);
  if (!Number.isInteger(h.timeoutSec) || h.timeoutSec < 1 || h.timeoutSec > 86_400) {
    throw new TxInputError(`confirmation timeout ${h.timeoutSec} refused: whole seconds 1..86400`);
  }
  const controls = (h.controls ?? []).map((c) => oneLine(c, 40).replace(/[\s,]/g, '')).filter(Boolean);
  const unit = timerUnitName(id);
  const meta = [`id ${id}`, 'time TIME', `controls ${controls.join(',')}`, `origin ${oneLine(h.origin ?? '', 200)}`, `timeout ${h.timeoutSec}`,
    `planDigest ${oneLine(h.planDigest ?? '', 128).replace(/\s/g, '')}`];
  return `${header(`begin ${id}`)}ID=${id}
T="$P/tx/$ID"
pid1=$(cat /proc/1/comm 2>/dev/null)
[ "$pid1" = systemd ] || { ev "refused PID 1 is $(clean "$pid1"), not systemd: no dead-man timer or boot-time revert is possible here"; exit 3; }
[ "$(id -u)" = 0 ] || { ev "refused not running as root"; exit 3; }
for c in flock systemd-run systemctl sha256sum base64 stat sync awk readlink timeout dpkg-query cmp; do
  command -v "$c" >/dev/null 2>&1 || { ev "refused $c is missing on this node"; exit 3; }
done
mkdir -p "$P/tx" && chmod 700 "$P" "$P/tx" || { ev "error cannot create $P/tx"; exit 2; }
exec 8>>"$P/lock" || { ev "error cannot open $P/lock"; exit 2; }
flock -w 30 8 || { ev "refused the node lock $P/lock is held by another pvesec"; exit 3; }
# a boot revert still waiting for pve-cluster to restore its /etc/pve files: a new transaction would journal
# (and its revert put back) the bytes that revert is about to replace
for d in "$P"/tx/*/; do
  d=\${d%/}
  if [ "$(st_get "$d")" = reverting ]; then
    ev "refused transaction \${d##*/} is still reverting: its /etc/pve files wait for pve-cluster (pvesec-pmxcfs-revert-\${d##*/}.service)"
    exit 3
  fi
done
if ! mkdir "$P/active" 2>/dev/null; then
  other=$(cat "$P/active/id" 2>/dev/null)
  if [ -n "$other" ] && [ "$(st_get "$P/tx/$other")" = armed ]; then
    if systemctl is-active --quiet "pvesec-revert-$other.timer" || systemctl is-active --quiet "pvesec-revert-$other.service"; then
      ev "refused transaction $other is armed on this node until $(sed -n 's/^deadline //p' "$P/tx/$other/meta" 2>/dev/null) (another apply is running)"
      exit 3
    fi
    ev "orphan $other is armed without its timer: reverting it first"
    sh "$P/tx/$other/revert" live "orphaned: armed without its dead-man timer" 8>&-
  fi
  rm -rf "$P/active"
  mkdir "$P/active" || { ev "error cannot create $P/active"; exit 2; }
fi
fail_begin() { ev "error $* (nothing was changed)"; rm -rf "$T" "$P/active"; exit 2; }
${PRUNE_FUNCTION}prune_tx ${TX_RETAIN}${(h.keep ?? []).map((k) => ` ${checkTxId(k)}`).join('')}
printf '%s\\n' "$ID" > "$P/active/id" || fail_begin "cannot write $P/active/id"
if [ -e "$T" ]; then ev "refused transaction $ID exists already"; rm -rf "$P/active"; exit 3; fi
mkdir -m 700 "$T" && mkdir -m 700 "$T/files" || fail_begin "cannot create $T"
printf '%s\\n' ${meta.map((m) => (m === 'time TIME' ? '"time $(date +%s)"' : q(m))).join(' ')} > "$T/meta" || fail_begin "cannot write $T/meta"
: > "$T/journal" && : > "$T/seen" && : > "$T/lock" || fail_begin "cannot create the journal in $T"
printf '%-511.511s\\n' "armed $(now) " > "$T/state" || fail_begin "cannot write $T/state"
${writeBytes(`${txDir(id)}/revert`, revertProgram(id), 'fail_begin "cannot write $T/revert"')}
chmod 700 "$T/revert" || fail_begin "cannot chmod $T/revert"
bu=${q(BOOT_UNIT_PATH)}
${writeBytes(`${BOOT_UNIT_PATH}.pvesec-new`, BOOT_UNIT_TEXT, 'fail_begin "cannot write $bu"')}
if cmp -s "$bu.pvesec-new" "$bu"; then rm -f "$bu.pvesec-new"; else
  chmod 644 "$bu.pvesec-new" && mv -f "$bu.pvesec-new" "$bu" && systemctl daemon-reload || fail_begin "cannot install $bu"
fi
br=${q(BOOT_REVERT_PATH)}
${writeBytes(`${BOOT_REVERT_PATH}.new`, BOOT_REVERT_TEXT, 'fail_begin "cannot write $br"')}
if cmp -s "$br.new" "$br"; then rm -f "$br.new"; else chmod 700 "$br.new" && mv -f "$br.new" "$br" || fail_begin "cannot install $br"; fi
systemctl is-enabled --quiet ${BOOT_UNIT} || systemctl enable --quiet ${BOOT_UNIT} || fail_begin "cannot enable ${BOOT_UNIT}"
deadline=$(( $(date +%s) + ${h.timeoutSec} ))
printf 'deadline %s\\n' "$deadline" >> "$T/meta" || fail_begin "cannot write $T/meta"
sync "$T/files" "$T/journal" "$T/seen" "$T/state" "$T/meta" "$T/revert" "$T" "$P/tx" "$P" "$bu" "$br" || fail_begin "sync failed"
if out=$(systemd-run --quiet --unit=${unit} --on-active=${h.timeoutSec}s --timer-property=AccuracySec=1s \\
    --description=${q(`pvesec: revert transaction ${id} unless it is confirmed`)} /bin/sh "$T/revert" deadline 2>&1); then
  ev "armed $ID ${unit}.timer $deadline"
  exit 0
fi
st_set "$T" aborted "cannot arm the dead-man timer: $out"
rm -rf "$P/active"
ev "error cannot arm the dead-man timer: $(clean "$out") (nothing was changed)"
exit 2
`;
}

export function stepScript(txId: string, ops: Op[]): string {
  const id = checkTxId(txId);
  if (!Array.isArray(ops)) throw new TxInputError('ops is not an array');
  const { pre, apply } = compileOps(ops); // throws on bad input before any text exists
  return `${header(`step of ${id} (${ops.length} ops)`)}${openTx(id, 'exclusive')}
s=$(st_get "$T")
[ "$s" = armed ] || { ev "refused transaction $ID is $s, not armed"; exit 3; }
${STEP_FUNCTIONS}
# preflight: nothing below changes the node until every op passed it
${pre}
${apply}
ev "step-done $ID ${ops.length}"
exit 0
`;
}

export function confirmScript(txId: string): string {
  const id = checkTxId(txId);
  return `${header(`confirm ${id}`)}trap '' HUP PIPE
${openTx(id, 'exclusive')}
s=$(st_get "$T")
if [ "$s" != armed ]; then ev "state $ID $s $(st_why "$T")"; exit 3; fi
# the post-state first: if it cannot be recorded the transaction stays armed and its timer reverts it
rm -rf "$T/post.d" "$T/post.new"
keep() { ev "error cannot record the post-state in $T (disk full?): not confirmed, the dead-man timer stays armed"; rm -rf "$T/post.d" "$T/post.new"; exit 2; }
mkdir -m 700 "$T/post.d" && : > "$T/post.new" || keep
touched "$T" | {
  r=0; n=0
  while read -r p; do
    n=$((n + 1))
    printf '%s %s %s\\n' "$p" "$(dg "$p")" "$n" >> "$T/post.new" || r=1
    if [ -f "$p" ] && [ ! -L "$p" ]; then cat -- "$p" > "$T/post.d/$n" || r=1; fi
  done
  exit $r
} || keep
sync "$T/post.new" && mv -f "$T/post.new" "$T/post" || keep
timer_stop "$ID"
st_set "$T" confirmed "" || keep
marker_release "$ID"
ev "confirmed $ID"
exit 0
`;
}

export function revertScript(txId: string, reason: string): string {
  const id = checkTxId(txId);
  return `${header(`revert ${id}`)}ID=${id}
T="$P/tx/$ID"
[ -f "$T/revert" ] || { ev "refused unknown transaction $ID"; exit 3; }
exec sh "$T/revert" live ${q(oneLine(reason) || 'revert requested')}
`;
}

export function statusScript(txId: string): string {
  const id = checkTxId(txId);
  return `${header(`status ${id}`)}${openTx(id, 'shared')}
s=$(st_get "$T")
ev "state $ID $s $(st_time "$T") $(st_why "$T")"
touched "$T" | while read -r p; do
  pre=$(jfwd "$T" | awk -v p="$p" '$1 == "file" && $2 == p { print $4; exit }')
  post=
  if [ -f "$T/post" ]; then post=$(awk -v p="$p" '$1 == p { print $2; exit }' "$T/post"); fi
  if [ -z "$post" ] && [ -f "$T/applied" ]; then post=$(awk -v p="$p" '$1 == p { d = $2 } END { print d }' "$T/applied"); fi
  cur=$(dg "$p")
  if [ "$s" = confirmed ] && [ "$cur" = "$post" ]; then k=post
  elif [ "$cur" = "$pre" ]; then k=pre
  elif [ -n "$post" ] && [ "$cur" = "$post" ]; then k=post
  else k=other; fi
  ev "file $k $p"
done
exit 0
`;
}

export function historyScript(): string {
  return `${header('history')}[ -d "$P/tx" ] || exit 0
pt=$(cat "$P/pruned" 2>/dev/null)
case "$pt" in ''|*[!0-9]*) ;; *) ev "pruned-total $pt ${TX_RETAIN}" ;; esac
for id in $(ls -1 "$P/tx" 2>/dev/null | sort); do
  T="$P/tx/$id"
  [ -f "$T/meta" ] && [ -f "$T/state" ] || continue
  ev "tx $id $(st_get "$T") $(st_time "$T") $(st_why "$T")"
  awk -v id="$id" 'NF { print "pvesec-tx tx-meta " id " " $0 }' "$T/meta"
  touched "$T" | awk -v id="$id" '{ print "pvesec-tx tx-file " id " " $0 }'
done
exit 0
`;
}

/**
 * sh: pick the transaction to roll back into $ID (the given one, else the last confirmed one that is not
 * itself a rollback: those are rolled back only by id) and T; refuse while one is armed.
 */
function rollbackResolve(wanted: string): string {
  return `ID=${wanted}
[ -d "$P/tx" ] || { ev "refused no pvesec transaction on this node"; exit 3; }
if [ -z "$ID" ]; then
  for id in $(ls -1 "$P/tx" 2>/dev/null | sort -r); do
    grep -q '^txstate ' "$P/tx/$id/journal" 2>/dev/null && continue
    if [ "$(st_get "$P/tx/$id")" = confirmed ]; then ID=$id; break; fi
  done
  [ -n "$ID" ] || { ev "refused no confirmed transaction on this node"; exit 3; }
fi
T="$P/tx/$ID"
[ -f "$T/revert" ] || { ev "refused unknown transaction $ID"; exit 3; }
other=$(cat "$P/active/id" 2>/dev/null)
if [ -n "$other" ] && [ "$(st_get "$P/tx/$other")" = armed ]; then ev "refused transaction $other is armed on this node (an apply is running)"; exit 3; fi
`;
}

/**
 * sh, with $ID/$T set and T's lock held: refuse unless confirmed with a post-state; print each file changed
 * since the confirmation (digests, and a diff except for shadow/gshadow); refuse on any unless forced.
 */
function rollbackChecks(force: boolean): string {
  return `s=$(st_get "$T")
[ "$s" = confirmed ] || { ev "refused transaction $ID is $s: only a confirmed transaction can be rolled back"; exit 3; }
[ -f "$T/post" ] || { ev "refused transaction $ID has no recorded post-state"; exit 3; }
changed=0
while read -r p d n; do
  cur=$(dg "$p")
  [ "$cur" = "$d" ] && continue
  changed=$((changed + 1))
  ev "changed $p $d $cur"
  case "$p" in
    /etc/shadow|/etc/shadow-|/etc/gshadow|/etc/gshadow-) ev "diff $p $p: diff not shown (it holds password hashes)"; continue ;;
  esac
  if [ -f "$T/post.d/$n" ] && [ -f "$p" ]; then
    diff -u --label "$p (confirmed)" --label "$p (now)" -- "$T/post.d/$n" "$p" | head -n 40 | awk -v p="$p" '{ print "pvesec-tx diff " p " " $0 }'
  fi
done < "$T/post"
if [ $changed != 0 ]; then
  ${force ? 'ev "forced $changed files changed since the confirmation are overwritten"' : 'ev "refused $changed files changed since transaction $ID was confirmed: a rollback would overwrite those changes (force to roll back anyway)"; exit 3'}
fi
`;
}

/**
 * Rolls a confirmed transaction back at once, with no dead-man (the primitive; `pvesec rollback` runs it
 * inside a transaction of its own: rollbackCheckScript, beginScript, rollbackStepScript, confirmScript).
 */
export function rollbackScript(txId: string | undefined, force: boolean): string {
  const wanted = txId === undefined ? '' : checkTxId(txId);
  return `${header(`rollback ${wanted || '(last confirmed)'}`)}${rollbackResolve(wanted)}exec 9>>"$T/lock" || { ev "error cannot open $T/lock"; exit 2; }
flock 9 || { ev "error cannot take $T/lock"; exit 2; }
${rollbackChecks(force)}exec 9>&-
exec sh "$T/revert" rollback ${q(force ? 'rollback requested (forced)' : 'rollback requested')}
`;
}

/**
 * Changes nothing: names the transaction a rollback would revert (`rollback-target <id> <controls>`), or
 * refuses (exit 3) as rollbackScript does, with the changed files and their diff.
 */
export function rollbackCheckScript(txId: string | undefined, force: boolean): string {
  const wanted = txId === undefined ? '' : checkTxId(txId);
  return `${header(`rollback check ${wanted || '(last confirmed)'}`)}${rollbackResolve(wanted)}exec 9>>"$T/lock" || { ev "error cannot open $T/lock"; exit 2; }
flock -s -w 60 9 || { ev "error $T/lock stays busy"; exit 2; }
${rollbackChecks(force)}ev "rollback-target $ID $(sed -n 's/^controls //p' "$T/meta")"
exit 0
`;
}

/**
 * The step of a rollback transaction `txId` (begun with keep: [targetId]): under both locks, checks the
 * target again like rollbackCheckScript, journals the present state of everything the target's revert
 * will touch (in the order that revert restores it; directories and homes it removes are copied whole),
 * records that the target is to be confirmed again, then runs the target's revert (mode rollback). If
 * this transaction is reverted (its dead-man, a failed verification), the target's post-state comes back
 * and the target is confirmed again.
 */
export function rollbackStepScript(txId: string, targetId: string, force: boolean): string {
  const id = checkTxId(txId);
  const target = checkTxId(targetId);
  if (id === target) throw new TxInputError('a rollback transaction cannot roll back itself');
  return `${header(`rollback step of ${id}: ${target}`)}${openTx(id, 'exclusive')}
s=$(st_get "$T")
[ "$s" = armed ] || { ev "refused transaction $ID is $s, not armed"; exit 3; }
${STEP_FUNCTIONS}R="$T"
X="$P/tx/${target}"
[ -f "$X/revert" ] || refuse "unknown transaction ${target}"
exec 7>>"$X/lock" || { ev "error cannot open $X/lock"; exit 2; }
flock 7 || { ev "error cannot take $X/lock"; exit 2; }
(
  ID=${target}
  T="$X"
${rollbackChecks(force)}) || exit $?
jcopy() { # PATH: a directory tree the target's revert removes, copied whole (cp -a)
  seen "copy $1" && return 0
  jn=$(jnum)
  cp -a -- "$1" "$T/files/$jn" || jfail "$1"
  sync "$T/files" || jfail "$1"
  jline "copy $1 $jn ." "$1"
  mark "copy $1"
}
jredo() { # N FAILED: the target's Proxmox call N (not when it failed), redone should this rollback be reverted
  for x in $2; do [ "$x" = "$1" ] && return 0; done
  [ -f "$X/files/$1.redo" ] || return 0
  jn=$(jnum)
  cp -- "$X/files/$1.redo" "$T/files/$jn" && sync "$T/files/$jn" "$T/files" || jfail "the call $1 of ${target}"
  jline "pve $jn $(dg "$T/files/$jn") ." "the call $1 of ${target}"
}
jline "txstate ${target} confirmed ." "the state of ${target}"
# the new packages' units go down in the target's revert: their state now, to bring them back
jfwd "$X" | awk '$1 == "pkgs" { print $2 }' | while read -r n; do
  [ -s "$X/pkgs.$n" ] || continue
  ${INSTALLED_PACKAGES_SH} | grep -vxF -f "$X/pkgs.$n" | while read -r pkg; do
    dpkg-query -L "$pkg" 2>/dev/null | grep -E '^(/usr)?/lib/systemd/system/[^/@]+[.](service|socket|timer|path)$' | sed 's#.*/##'
  done
done > "$T/pkg-units" || jfail "the units of the packages ${target} installed"
while read -r u; do jsvc "$u"; done < "$T/pkg-units"
# everything else in the order the target's revert undoes it (reverse journal order)
pf=
jrev "$X" > "$T/target-journal" || jfail "the journal of ${target}"
while read -r k a b c d e f rest; do
  case "$k" in
    file) [ -L "$a" ] || jfile "$a" ;;
    dir) if [ "$b" = absent ]; then { [ -d "$a" ] && [ ! -L "$a" ]; } && jcopy "$a"; else [ -d "$a" ] && jdir "$a"; fi ;;
    tree) { [ -e "$a" ] || [ -L "$a" ]; } && jcopy "$a" ;;
    svc) jsvc "$a" ;;
    ruleset) if [ "$a" = 6 ]; then jruleset 6 ip6tables-save; else jruleset 4 iptables-save; fi ;;
    pvefailed) pf="$pf $a" ;;
    pve) jredo "$a" "$pf" ;;
  esac
done < "$T/target-journal"
exec 7>&-
ev "rolling-back ${target}"
sh "$X/revert" rollback ${q(`rolled back by transaction ${id}${force ? ' (forced)' : ''}`)} 9>&-
rc=$?
[ $rc = 0 ] || opfail rollback:${target} "the revert of ${target} exited $rc"
ev "step-done $ID 1"
exit 0
`;
}
