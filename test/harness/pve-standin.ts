/**
 * The pvesh / pveum STAND-IN of the test hosts (they have no Proxmox). It is not Proxmox: it implements
 * the few API calls pvesec makes, checks EVERY call against the Proxmox VE 9.1 API schema
 * (test/support/pve-cli-schema.ts, the same check the printed fix commands get), and applies it to
 * /etc/pve/user.cfg, /etc/pve/priv/tfa.cfg, /etc/pve/priv/token.cfg, /etc/pve/domains.cfg and
 * /etc/pve/datacenter.cfg in Proxmox's own formats, which pvesec's parsers read back. Whether those semantics are Proxmox's is
 * what the parser and permission-oracle tests establish; the stand-in tests the plumbing.
 *
 * Supported calls (pvesh get|set|create|delete PATH, or the pveum command mapping to the same call):
 *   GET    /access/tfa                          every user's TFA entries (pveum: none)
 *   GET    /access/tfa/{userid}                 one user's entries
 *   POST   /access/tfa/{userid}  --type totp --totp 'otpauth://totp/...' --value CODE [--description]
 *            the URI must carry only secret/digits/algorithm/period/issuer; CODE must match ±1 step
 *   POST   /access/tfa/{userid}  --type recovery     10 keys xxxx-xxxx-xxxx-xxxx, printed once, kept as HMACs
 *   DELETE /access/tfa/{userid}/{id}            one entry ('recovery': the key set)
 *   pveum user tfa list [USER]                  (pveum's own, reads tfa.cfg) as GET /access/tfa, text output only
 *   pveum user tfa delete USER [--id ID]        (pveum's own) one entry, or every factor of the user
 *   PUT    /access/users/{userid}/unlock-tfa     (pveum user tfa unlock) clears totp-locked / tfa-locked-until
 *   GET    /access/domains/{realm}              (pveum: none) realm properties
 *   PUT    /access/domains/{realm} [--tfa type=oath|yubico,...] [--comment] [--default] [--delete tfa,...]
 *            (pveum realm modify); any other realm property is refused as not implemented (exit 2)
 *   GET    /access/users [--enabled] [--full]   (pveum user list)
 *   PUT    /access/acl --path --roles [--users|--groups|--tokens] [--propagate] [--delete]
 *            (pveum acl modify|delete PATH ...): Proxmox's existence checks; path checked like check_path
 *   GET    /access/users/{userid}/token         (pveum user token list)
 *   POST   /access/users/{userid}/token/{tokenid} [--privsep] [--expire] [--comment]
 *            (pveum user token add): privsep defaults to 1, expire to the user's; the secret printed once
 *   DELETE /access/users/{userid}/token/{tokenid}   (pveum user token delete|remove): its ACLs go too
 *   GET    /cluster/options                     datacenter.cfg's keys
 *   PUT    /cluster/options [--webauthn 'rp=…,origin=…,id=…'] [--delete webauthn]   written to
 *            /etc/pve/datacenter.cfg as PVE::DataCenterConfig does (description `#` lines, then keys sorted);
 *            any other option is refused as not implemented (exit 2)
 * A valid call outside this list exits 2 ("not implemented by the stand-in"); an invalid one exits 255
 * with "400 Parameter verification failed." like Proxmox. Output: --output-format json|json-pretty as
 * Proxmox; the default text output is a plain `key: value` rendering, not Proxmox's tables.
 *
 * How it runs (as test/harness/pve-firewall-standin.ts): test hosts have no Node.js, so /usr/bin/pvesh
 * and /usr/sbin/pveum are sh scripts that drop their argv (NUL-separated) as a request file in
 * /run/pve-standin and wait; the test process polls the host's files through /proc/<its init>/root,
 * answers, and writes the host's /etc/pve files there. Every call is kept in `calls` (secret
 * arguments redacted) for assertions.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execIn, TH_VAR, type Host } from './hosts.js';
import { PveApiStandIn, RootFiles, type CallRecord, type PveApiOptions } from './pve-standin-api.js';

const REQ_DIR = '/run/pve-standin';

/** /usr/bin/pvesh or /usr/sbin/pveum on a test host. */
export function standinScript(program: 'pvesh' | 'pveum'): string {
  return `#!/bin/sh
# ${program} STAND-IN of the pvesec tests (not Proxmox's): the test harness checks the call against the
# Proxmox VE 9.1 API schema and applies it to /etc/pve (see test/harness/pve-standin.ts).
[ "$(id -u)" = 0 ] || { echo "${program}: only root can run this stand-in" >&2; exit 255; }
D=${REQ_DIR}
mkdir -p "$D" && chmod 700 "$D" || exit 2
n="$(date +%s%N).$$"
printf '%s\\0' ${program} "$@" > "$D/tmp.$n" && mv "$D/tmp.$n" "$D/req.$n" || exit 2
i=0
while [ ! -f "$D/rc.$n" ]; do
  i=$((i + 1))
  [ $i -gt 600 ] && { rm -f "$D/req.$n"; echo "${program} stand-in: the test harness did not answer within 60 s" >&2; exit 2; }
  sleep 0.1
done
cat "$D/out.$n"
cat "$D/err.$n" >&2
rc=$(cat "$D/rc.$n")
rm -f "$D/out.$n" "$D/err.$n" "$D/rc.$n"
exit "$rc"
`;
}

export interface PveStandin {
  readonly host: Host;
  /** Every call answered, in order (secret arguments redacted). */
  readonly calls: CallRecord[];
  /** Failures of the stand-in itself (not API errors, which go to the caller). */
  readonly errors: string[];
  stop(): void;
}

function hostRoot(host: Host): string | undefined {
  try {
    const pid = readFileSync(join(TH_VAR, 'hosts', host.name, 'init.pid'), 'utf8').trim();
    const root = `/proc/${pid}/root`;
    return existsSync(`${root}/etc/hostname`) ? root : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Puts the pvesh and pveum stand-ins on a test host (with /etc/pve and /etc/pve/priv) and answers
 * their calls until stop(). Existing /etc/pve files are used as they are.
 */
export async function installPveStandin(host: Host, opts: PveApiOptions & { intervalMs?: number } = {}): Promise<PveStandin> {
  const r = await execIn(host, ['sh', '-c', `mkdir -p /usr/bin /usr/sbin /etc/pve/priv && chmod 700 /etc/pve/priv
cat > /usr/bin/pvesh <<'EOF'
${standinScript('pvesh')}EOF
cat > /usr/sbin/pveum <<'EOF'
${standinScript('pveum')}EOF
chmod 755 /usr/bin/pvesh /usr/sbin/pveum`]);
  if (r.code !== 0) throw new Error(`${host.name}: installing the pvesh/pveum stand-in failed: ${r.stderr}${r.stdout}`);
  const root = hostRoot(host);
  if (!root) throw new Error(`${host.name}: cannot reach the host's files through /proc/<init>/root`);
  const api = new PveApiStandIn(new RootFiles(root), opts);
  const errors: string[] = [];
  const dir = `${root}${REQ_DIR}`;
  let busy = false;
  const poll = () => {
    if (busy) return;
    busy = true;
    try {
      const requests = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('req.')).sort() : [];
      for (const req of requests) {
        const n = req.slice(4);
        const raw = readFileSync(`${dir}/${req}`, 'utf8');
        rmSync(`${dir}/${req}`, { force: true });
        const [program, ...args] = raw.split('\0').slice(0, -1);
        let res;
        try {
          res = api.run(program, args);
        } catch (e) {
          errors.push(`${program}: ${String(e)}`);
          res = { rc: 2, stdout: '', stderr: `${program} stand-in failed: ${String(e)}\n` };
        }
        mkdirSync(dir, { recursive: true });
        writeFileSync(`${dir}/out.${n}`, res.stdout, { mode: 0o600 });
        writeFileSync(`${dir}/err.${n}`, res.stderr, { mode: 0o600 });
        writeFileSync(`${dir}/tmp-rc.${n}`, String(res.rc));
        renameSync(`${dir}/tmp-rc.${n}`, `${dir}/rc.${n}`);
      }
    } catch (e) {
      errors.push(String(e));
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(poll, opts.intervalMs ?? 100);
  return { host, calls: api.calls, errors, stop: () => clearInterval(timer) };
}
