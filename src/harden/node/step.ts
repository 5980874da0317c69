/**
 * stepScript: journal the pre-state of everything an op touches (fsynced) BEFORE touching it, then apply
 * the op. Every op is compiled to a preflight part (checks that change nothing: symlinks, file types),
 * run for all ops first, and an apply part. A failing op or validator reverts the whole transaction at
 * once (exit 4); a journal write that fails (full disk) reverts it too (exit 2), so nothing stays changed.
 */
import { ACCOUNT_FILES, type Op } from '../ops.js';
import { TIMEOUTS } from './layout.js';
import { INSTALLED_PACKAGES_SH } from './revert.js';
import {
  checkAccountName, checkArgv, checkMode, checkOpId, checkPackage, checkPath, checkUnit, dirOf, oneLine, parentsOf, shQuote as q, TxInputError,
} from './sh.js';

/** Account files plus the "-" backups shadow's tools rewrite beside them. */
export const ACCOUNT_PATHS: readonly string[] = [...ACCOUNT_FILES, ...ACCOUNT_FILES.map((f) => `${f}-`)];

/** Shell functions of a step (after PRELUDE, with ID, T set and fd 9 holding the transaction lock). */
export const STEP_FUNCTIONS = String.raw`refuse() { ev "refused $*"; exit 3; }
after_abort() { # EXIT-CODE REASON: revert the whole transaction now, with the lock released
  exec 9>&- 7>&-
  sh "$T/revert" failed "$2"
  [ $? = 5 ] && exit 5
  exit "$1"
}
jfail() {
  ev "error cannot write the journal in $T for $(clean "$1") (disk full?): that change was not made; reverting the transaction"
  after_abort 2 "journal write failed for $1"
}
opfail() { # OP-ID REASON
  ev "failed $1 $(clean "$2")"
  after_abort 4 "$1 failed: $2"
}
seen() { grep -qxF "$1" "$T/seen" 2>/dev/null; }
jline() { # LINE WHAT: append one journal line and fsync it
  printf '%s\n' "$1" >> "$T/journal" && sync "$T/journal" || jfail "$2"
}
mark() { printf '%s\n' "$1" >> "$T/seen" || jfail "$1"; }
jnum() { echo $(( $(wc -l < "$T/journal") + 1 )); }
jfile() { # PATH: previous bytes, mode and owner, or absence; once per transaction
  seen "file $1" && return 0
  jn=$(jnum)
  if [ -L "$1" ]; then
    refuse "$1 is a symbolic link: pvesec never replaces a link"
  elif [ -f "$1" ]; then
    cat -- "$1" > "$T/files/$jn" || jfail "$1"
    jd=$(dg "$T/files/$jn")
    [ "$jd" = "$(dg "$1")" ] || jfail "$1 (the saved copy differs)"
    sync "$T/files/$jn" "$T/files" || jfail "$1"
    jline "file $1 $jn $jd $(stat -c '%a %u %g' -- "$1") ." "$1"
  elif [ -e "$1" ]; then
    refuse "$1 exists and is not a regular file"
  else
    jline "file $1 $jn absent - - - ." "$1"
  fi
  mark "file $1"
}
jdir() { # PATH: absence or mode and owner of a directory; once per transaction
  seen "dir $1" && return 0
  if [ -d "$1" ]; then jline "dir $1 $(stat -c '%a %u %g' -- "$1") ." "$1"; else jline "dir $1 absent ." "$1"; fi
  mark "dir $1"
}
jtree() { # PATH: a path that is absent now and that an op may create (removed recursively by a revert)
  seen "tree $1" && return 0
  if [ -e "$1" ] || [ -L "$1" ]; then return 0; fi
  jline "tree $1 ." "$1"
  mark "tree $1"
}
jsvc() { # UNIT: previous enablement and activity
  seen "svc $1" && return 0
  se=$(systemctl is-enabled "$1" 2>/dev/null | head -n 1)
  [ -n "$se" ] || se=not-found
  sa=$(systemctl is-active "$1" 2>/dev/null | head -n 1)
  [ -n "$sa" ] || sa=unknown
  jline "svc $1 $se $sa ." "$1"
  mark "svc $1"
}
jruleset() { # FAMILY SAVE-COMMAND: the live ruleset before the first load of the family; once per transaction
  seen "ruleset $1" && return 0
  jn=$(jnum)
  timeout 60 "$2" > "$T/files/$jn" 2>/dev/null 9>&- || jfail "the live ruleset ($2)"
  sync "$T/files/$jn" "$T/files" || jfail "the live ruleset ($2)"
  jline "ruleset $1 $jn $(dg "$T/files/$jn") ." "the live ruleset ($2)"
  mark "ruleset $1"
}
jpkgs() { # the installed packages before the first install of the transaction
  seen pkgs && return 0
  jn=$(jnum)
  ` + INSTALLED_PACKAGES_SH + String.raw` > "$T/pkgs.$jn" || jfail "the package list"
  [ -s "$T/pkgs.$jn" ] || jfail "the package list (empty)"
  sync "$T/pkgs.$jn" || jfail "the package list"
  jline "pkgs $jn ." "the package list"
  mark pkgs
}
applied() { printf '%s %s\n' "$1" "$(dg "$1")" >> "$T/applied" 2>/dev/null; return 0; }
attrs() { # PATH OWNER:GROUP MODE
  [ "$(stat -c '%U:%G %a' -- "$1" 2>/dev/null)" = "$2 $3" ] || { chown -- "$2" "$1" && chmod "$3" "$1"; }
}
pre_path() { # PATH file|dir: refuse symlinks (also above it) and a wrong file type, before any change
  pr=$(readlink -m -- "$1")
  [ "$pr" = "$1" ] || refuse "$1 is a symbolic link or lies under one (it resolves to $pr): pvesec never replaces a link; target $pr explicitly"
  if [ "$2" = file ] && [ -e "$1" ] && [ ! -f "$1" ]; then refuse "$1 exists and is not a regular file"; fi
  if [ "$2" = dir ] && [ -e "$1" ] && [ ! -d "$1" ]; then refuse "$1 exists and is not a directory"; fi
  return 0
}
tail3() { printf '%s\n' "$1" | tail -n 3; }
`;

interface Compiled {
  pre: string[];
  apply: string[];
}

function modeText(mode: number, what: string): string {
  checkMode(mode, what);
  return mode.toString(8);
}

function mkParents(path: string, opId: string): string[] {
  return parentsOf(path).map((d) =>
    `[ -d ${q(d)} ] || { jdir ${q(d)}; mkdir -- ${q(d)} && chmod 755 ${q(d)} || opfail ${q(opId)} ${q(`cannot create directory ${d}`)}; }`);
}

function base64Lines(content: string): string {
  const b64 = Buffer.from(content, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\n');
}

/** The command prefix running argv with a timeout and without the lock descriptor. */
function guarded(argv: string[], timeoutSec: number): string {
  return `timeout ${timeoutSec} ${argv.map(q).join(' ')} 2>&1 9>&-`;
}

/** Lines a validator must print (whole lines, trailing blanks ignored): one line each, no control characters. */
function expectedLines(lines: string[], opId: string): string[] {
  return lines.map((l) => {
    const line = l.replace(/\s+$/, '');
    if (!line || /[\x00-\x1f\x7f]/.test(line)) throw new TxInputError(`${opId}: expected output line ${JSON.stringify(l)} is empty or not one line`);
    return line;
  });
}

interface AccountChange {
  /** Lines run first, unconditionally. */
  first?: string[];
  /** A shell condition true when the change is made already (then nothing is journaled or run). */
  done: string;
  doneEvent: string;
  /** Checks that refuse the change before anything is journaled. */
  checks?: string[];
  /** Lines run after the account files are journaled, before argv. */
  before?: string[];
  argv: string[];
  /** The command in words for the failure message. */
  what: string;
  event: string;
}

/** An account change by a shadow tool: the account files (and their "-" backups) journaled, the tool run, unless made already. */
function accountChange(qid: string, c: AccountChange): Compiled {
  return {
    pre: [],
    apply: [
      ...(c.first ?? []),
      `if ${c.done}; then ev ${q(c.doneEvent)}; else`,
      ...(c.checks ?? []).map((l) => `  ${l}`),
      ...ACCOUNT_PATHS.map((f) => `  jfile ${q(f)}`),
      ...(c.before ?? []).map((l) => `  ${l}`),
      `  out=$(${guarded(c.argv, TIMEOUTS.run)}) || opfail ${qid} "${c.what} failed: $(tail3 "$out")"`,
      ...ACCOUNT_PATHS.map((f) => `  applied ${q(f)}`),
      `  ev ${q(c.event)}`,
      'fi',
    ],
  };
}

/** The programs a pve-call may run: Proxmox's own CLI tools, which take pmxcfs's locks themselves. */
const PVE_PROGRAMS = new Set(['pveum', 'pvesh']);

function checkPveArgv(argv: string[], what: string): string[] {
  checkArgv(argv, what);
  if (!PVE_PROGRAMS.has(argv[0])) throw new TxInputError(`${what}: ${JSON.stringify(argv[0])} is not pveum or pvesh`);
  return argv;
}

/**
 * A Proxmox API call: its inverse calls are written to files/<n> (checked digest) and journaled as
 * `pve <n> <sha256> .` BEFORE the call; a call that fails is journaled `pvefailed <n> .` so a revert does
 * not undo what never happened. A call killed half-way is undone (its inverse may then fail: loud).
 */
function pveCall(op: Extract<Op, { kind: 'pve-call' }>, id: string): Compiled {
  const qid = q(id);
  const argv = checkPveArgv(op.argv, id);
  if (!Array.isArray(op.inverse)) throw new TxInputError(`${id}: inverse is not a list of calls`);
  const inverse = op.inverse.map((a, i) => checkPveArgv(a, `${id}: inverse ${i + 1}`));
  const label = oneLine(argv.join(' '), 160);
  const undo = inverse.map((a) => `${guarded(a, TIMEOUTS.run)} || exit 1`).join('\n');
  // the call itself, for a rollback of this transaction that is reverted in turn (its output, a secret maybe, discarded)
  const redo = `${guarded(argv, TIMEOUTS.run).replace(' 2>&1', ' >/dev/null 2>&1')} || exit 1`;
  const run = op.secretOutput
    // the secret goes to the operator once, in this event, and nowhere else (not into the journal, not into a log)
    ? [`out=$(${guarded(argv, TIMEOUTS.run).replace(' 2>&1', ' 2>/dev/null')}); rc=$?`,
      `[ $rc = 0 ] || { jline "pvefailed $jn ." ${q(id)}; opfail ${qid} ${q(`${label} exited `)}"$rc"; }`,
      `ev ${q(`secret ${id}`)}" $(printf '%s' "$out" | base64 -w 0)"`]
    : [`out=$(${guarded(argv, TIMEOUTS.run)}); rc=$?`,
      `[ $rc = 0 ] || { jline "pvefailed $jn ." ${q(id)}; opfail ${qid} ${q(`${label} exited `)}"$rc: $(tail3 "$out")"; }`];
  return {
    pre: [`command -v ${q(argv[0])} >/dev/null 2>&1 || refuse ${q(`${argv[0]} is not installed on this node (is it a Proxmox VE node?)`)}`],
    apply: [
      'jn=$(jnum)',
      `if (umask 077 && base64 -d > "$T/files/$jn") <<'PVESEC_B64_EOF'\n${base64Lines(`${undo}\n`)}\nPVESEC_B64_EOF`,
      `then sync "$T/files/$jn" "$T/files" || jfail ${q(id)}; else jfail ${q(id)}; fi`,
      `if (umask 077 && base64 -d > "$T/files/$jn.redo") <<'PVESEC_B64_EOF'\n${base64Lines(`${redo}\n`)}\nPVESEC_B64_EOF`,
      `then sync "$T/files/$jn.redo" || jfail ${q(id)}; else jfail ${q(id)}; fi`,
      `jline "pve $jn $(dg "$T/files/$jn") ." ${q(id)}`,
      ...run,
      `ev ${q(`pve ${label}`)}`,
    ],
  };
}

function compileOp(op: Op): Compiled {
  const id = checkOpId(op.id);
  const qid = q(id);
  switch (op.kind) {
    case 'write-file': {
      const path = checkPath(op.path, `${id}: path`);
      const owner = `${checkAccountName(op.owner, 'owner')}:${checkAccountName(op.group, 'group')}`;
      const mode = modeText(op.mode, path);
      if (typeof op.content !== 'string') throw new Error(`${id}: content is not a string`);
      const tmp = `${dirOf(path)}/.pvesec-new.`;
      return {
        pre: [`pre_path ${q(path)} file`],
        apply: [
          ...mkParents(path, id),
          `jfile ${q(path)}`,
          `tmp=${q(tmp)}$$`,
          'jtree "$tmp"', // a step killed between writing and renaming leaves no stray file behind a revert
          // umask 077: the new content is never readable by others before its mode is set
          `if (umask 077 && base64 -d > "$tmp") <<'PVESEC_B64_EOF'\n${base64Lines(op.content)}\nPVESEC_B64_EOF`,
          `then :; else rm -f -- "$tmp"; opfail ${qid} ${q(`cannot write a temporary file beside ${path}`)}; fi`,
          // pmxcfs (/etc/pve) sets mode and owner itself and refuses chmod/chown
          `${op.pmxcfs ? '' : `attrs "$tmp" ${q(owner)} ${mode} && `}sync "$tmp" && mv -f -- "$tmp" ${q(path)} && sync ${q(dirOf(path))} || { rm -f -- "$tmp"; opfail ${qid} ${q(`cannot install ${path} as ${owner} ${mode}`)}; }`,
          `applied ${q(path)}`,
          `ev ${q(`wrote ${path}`)}`,
        ],
      };
    }
    case 'make-dir': {
      const path = checkPath(op.path, `${id}: path`);
      const owner = `${checkAccountName(op.owner, 'owner')}:${checkAccountName(op.group, 'group')}`;
      const mode = modeText(op.mode, path);
      return {
        pre: [`pre_path ${q(path)} dir`],
        apply: [
          ...mkParents(path, id),
          `jdir ${q(path)}`,
          `[ -d ${q(path)} ] || mkdir -- ${q(path)} || opfail ${qid} ${q(`cannot create directory ${path}`)}`,
          `attrs ${q(path)} ${q(owner)} ${mode} || opfail ${qid} ${q(`cannot set ${owner} ${mode} on ${path}`)}`,
          `ev ${q(`dir ${path}`)}`,
        ],
      };
    }
    case 'install-packages': {
      if (!Array.isArray(op.packages) || op.packages.length === 0) throw new Error(`${id}: no packages`);
      const pkgs = op.packages.map(checkPackage);
      const argv = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends',
        '-o', 'Dpkg::Options::=--force-confold', '-o', 'Dpkg::Options::=--force-confdef', ...pkgs];
      return {
        pre: [],
        apply: [
          'jpkgs',
          `out=$(${guarded(argv, TIMEOUTS.apt)}) || opfail ${qid} "apt-get install ${pkgs.join(' ')} failed: $(tail3 "$out")"`,
          `ev ${q(`installed ${pkgs.join(' ')}`)}`,
        ],
      };
    }
    case 'create-user': {
      const user = checkAccountName(op.user);
      const shell = checkPath(op.shell, `${id}: shell`);
      return accountChange(qid, {
        done: `id -u ${q(user)} >/dev/null 2>&1`, doneEvent: `user ${user} exists`,
        before: [`uh=$(useradd -D 2>/dev/null | sed -n 's/^HOME=//p'); [ -n "$uh" ] || uh=/home`, `jtree "$uh/"${q(user)}`, `jtree /var/mail/${q(user)}`],
        argv: ['useradd', '-m', '-s', shell, user], what: 'useradd', event: `user ${user} created`,
      });
    }
    case 'add-to-group': {
      const user = checkAccountName(op.user);
      const group = checkAccountName(op.group, 'group');
      return accountChange(qid, {
        done: `id -nG ${q(user)} 2>/dev/null | tr ' ' '\\n' | grep -qxF ${q(group)}`, doneEvent: `group ${user} ${group} member`,
        argv: ['usermod', '-aG', group, user], what: `usermod -aG ${group} ${user}`, event: `group ${user} ${group} added`,
      });
    }
    case 'lock-password': {
      const user = checkAccountName(op.user);
      return accountChange(qid, {
        done: `[ "$(passwd -S ${q(user)} 2>/dev/null | cut -d' ' -f2)" = L ]`, doneEvent: `locked ${user} already`,
        argv: ['passwd', '-l', user], what: `passwd -l ${user}`, event: `locked ${user}`,
      });
    }
    case 'change-shell': {
      const user = checkAccountName(op.user);
      const shell = checkPath(op.shell, `${id}: shell`);
      return accountChange(qid, {
        first: [`id -u ${q(user)} >/dev/null 2>&1 || opfail ${qid} ${q(`${user} is not an account on this node`)}`],
        done: `[ "$(getent passwd ${q(user)} | cut -d: -f7)" = ${q(shell)} ]`, doneEvent: `shell ${user} ${shell} already`,
        checks: [
          `grep -qxF -- ${q(shell)} /etc/shells 2>/dev/null || opfail ${qid} ${q(`${shell} is not listed in /etc/shells on this node`)}`,
          `[ -f ${q(shell)} ] && [ -x ${q(shell)} ] || opfail ${qid} ${q(`${shell} is not an executable file on this node`)}`,
        ],
        argv: ['usermod', '-s', shell, user], what: `usermod -s ${shell} ${user}`, event: `shell ${user} ${shell} changed`,
      });
    }
    case 'pve-call': return pveCall(op, id);
    case 'service': {
      const unit = checkUnit(op.unit);
      const verb: Record<typeof op.action, string[]> = {
        'enable-now': ['enable', '--now'],
        reload: ['reload'],
        restart: ['restart'],
        'reload-or-restart': ['reload-or-restart'],
      };
      const args = verb[op.action];
      if (!args) throw new Error(`${id}: unknown service action ${JSON.stringify(op.action)}`);
      const argv = ['systemctl', ...args, unit];
      return {
        pre: [],
        apply: [
          `jsvc ${q(unit)}`,
          `out=$(${guarded(argv, TIMEOUTS.service)}) || opfail ${qid} "${argv.join(' ')} failed: $(tail3 "$out")"`,
          `ev ${q(`service ${unit} ${op.action}`)}`,
        ],
      };
    }
    case 'load-ruleset': {
      const path = checkPath(op.path, `${id}: path`);
      if (op.family !== 4 && op.family !== 6) throw new TxInputError(`${id}: family must be 4 or 6`);
      const restore = op.family === 4 ? 'iptables-restore' : 'ip6tables-restore';
      const save = op.family === 4 ? 'iptables-save' : 'ip6tables-save';
      return {
        pre: [`pre_path ${q(path)} file`],
        apply: [
          `[ -f ${q(path)} ] || opfail ${qid} ${q(`${path} does not exist`)}`,
          `out=$(timeout ${TIMEOUTS.validate} ${restore} --test < ${q(path)} 2>&1 9>&-) || opfail ${qid} "${restore} --test ${path} rejects it: $(tail3 "$out")"`,
          `jruleset ${op.family} ${save}`,
          `out=$(timeout ${TIMEOUTS.validate} ${restore} < ${q(path)} 2>&1 9>&-) || opfail ${qid} "${restore} ${path} failed: $(tail3 "$out")"`,
          `ev ${q(`loaded ${path}`)}`,
        ],
      };
    }
    case 'validate':
    case 'run': {
      const argv = checkArgv(op.argv, id);
      const label = oneLine(argv.join(' '), 120);
      const why = op.kind === 'validate' ? `${oneLine(op.why, 200)}: ` : '';
      const timeout = op.kind === 'validate' ? TIMEOUTS.validate : TIMEOUTS.run;
      return {
        pre: [],
        apply: [
          `out=$(${guarded(argv, timeout)}); rc=$?`,
          `[ $rc = 0 ] || opfail ${qid} ${q(`${why}${label} exited `)}"$rc: $(tail3 "$out")"`,
          ...(op.kind === 'validate' ? expectedLines(op.expectOutput ?? [], id).map((line) =>
            `printf '%s\\n' "$out" | sed 's/[[:space:]]*$//' | grep -qxF -- ${q(line)} || opfail ${qid} ${q(`${why}${label} does not print "${oneLine(line, 120)}"`)}`) : []),
          `ev ${q(`${op.kind === 'validate' ? 'validated' : 'ran'} ${id}`)}`,
        ],
      };
    }
    default: {
      const never: never = op;
      throw new Error(`unknown operation kind ${JSON.stringify((never as { kind?: unknown }).kind)}`);
    }
  }
}

/** Preflight and apply lines of the ops, in order (throws TxInputError before producing any text). */
export function compileOps(ops: Op[]): { pre: string; apply: string } {
  const compiled = ops.map(compileOp);
  const apply = compiled.map((c, i) => `# ${i + 1}. ${ops[i].kind} ${oneLine(ops[i].id, 200)}\n${c.apply.join('\n')}`);
  return { pre: compiled.flatMap((c) => c.pre).join('\n'), apply: apply.join('\n') };
}
