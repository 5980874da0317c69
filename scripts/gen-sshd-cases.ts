/**
 * Runs the generated sshd configuration trees (scripts/sshd-cases.ts) through REAL OpenSSH on test
 * hosts of both Debian releases Proxmox VE ships on — bookworm (OpenSSH 9.2, PVE 8) and trixie
 * (OpenSSH 10.0, PVE 9) — and writes every answer to test/fixtures/sshd/cases.jsonl.gz:
 * `sshd -t` (exit code, messages), `sshd -T`, and `sshd -T -C <spec>` for each connection spec.
 * The unit tests compare pvesec's sshd model with these answers without any test host.
 *
 *   node --import tsx scripts/gen-sshd-cases.ts [--count 500] [--seed 13]
 *
 * Needs root and scripts/setup.sh; builds the trixie test-host image on first use (a few minutes).
 * Test hosts g190 (bookworm) and g191 (trixie), block `gen-sshd-cases` (10.77.0.190-199).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { claimBlock, downAll, mustExecIn, REPO_ROOT, TESTHOST_DIR, TH_VAR, upHost, type Host } from '../test/harness/hosts.js';
import { CONNECTION_SPECS, generateCases, SERVCONF_KEYWORDS, SPEC_USERS, targetedCases, type SshdCase } from './sshd-cases.js';

const SUITES = [
  { suite: 'bookworm', version: '9.2', name: 'g190', octet: 190 },
  { suite: 'trixie', version: '10.0', name: 'g191', octet: 191 },
] as const;

export const FIXTURE = join(REPO_ROOT, 'test/fixtures/sshd/cases.jsonl.gz');
export const KEYWORD_FIXTURE = join(REPO_ROOT, 'test/fixtures/sshd/versions.json');

/** The algorithm names this OpenSSH supports (`ssh -Q`; sshd is built from the same tables). */
export const ALGORITHM_QUERIES = ['cipher', 'mac', 'kex', 'key', 'key-sig', 'sig', 'cipher-auth'] as const;

/** What real sshd -t says about `KEYWORD x` globally and inside a (non-matching) Match block. */
export interface KeywordProbe {
  global: string;
  match: string;
}

export interface SshdRun {
  rc: number;
  out: string;
}

export interface SshdAnswers {
  /** The OpenSSH package version (`dpkg-query`), e.g. 1:9.2p1-2+deb12u10. */
  package: string;
  test: SshdRun;
  dump?: SshdRun;
  /** One per CONNECTION_SPECS entry; absent when `sshd -t` failed. */
  conn?: SshdRun[];
}

export interface SshdFixtureCase extends SshdCase {
  answers: Record<string, SshdAnswers>;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
}

/** The batch that runs inside the host: one case after another in /etc/ssh, answers under /root/out. */
const BATCH = `set -u
cd /root/cases
for id in *; do
  rm -rf /etc/ssh/sshd_config /etc/ssh/sshd_config.d /etc/ssh/extra /root/out/$id
  mkdir -p /etc/ssh/sshd_config.d /root/out/$id
  cp -a /root/cases/$id/. /etc/ssh/
  o=/root/out/$id
  /usr/sbin/sshd -t >$o/t.out 2>&1; echo $? >$o/t.rc
  /usr/sbin/sshd -T >$o/T.out 2>&1; echo $? >$o/T.rc
  n=0
  while read -r spec; do
    /usr/sbin/sshd -T -C "$spec" >$o/C$n.out 2>&1; echo $? >$o/C$n.rc
    n=$((n+1))
  done </root/specs
done
`;

/**
 * Keyword probe: `KEYWORD x` appended to Debian's file, then inside `Match User nobody`. sshd -t's
 * first message (or "ok") is recorded as is; the test derives known/deprecated/unsupported/unknown
 * and allowed-in-Match from it.
 */
const KEYWORD_BATCH = `set -u
cp /etc/ssh/sshd_config /root/sshd_config.debian
mkdir -p /root/kw
while read -r k; do
  { cat /root/sshd_config.debian; echo "$k x"; } >/etc/ssh/sshd_config
  /usr/sbin/sshd -t >/root/kw/$k.global 2>&1 || true
  { cat /root/sshd_config.debian; echo "Match User nobody"; echo "  $k x"; } >/etc/ssh/sshd_config
  /usr/sbin/sshd -t >/root/kw/$k.match 2>&1 || true
done </root/keywords
cp /root/sshd_config.debian /etc/ssh/sshd_config
`;

function firstMessage(text: string): string {
  return text.split('\n').map((l) => l.replace(/\r$/, '').trim()).find(Boolean) ?? 'ok';
}

function rootOf(host: Host): string {
  const pid = readFileSync(join(TH_VAR, 'hosts', host.name, 'init.pid'), 'utf8').trim();
  return `/proc/${pid}/root`;
}

function ensureImage(suite: string): void {
  if (existsSync(join(TH_VAR, 'cache', `${suite}-base`, 'etc'))) return;
  console.error(`building the ${suite} test-host image (once)...`);
  execFileSync(join(TESTHOST_DIR, 'build-rootfs.sh'), [], { stdio: 'inherit', env: { ...process.env, TH_VAR, TH_SUITE: suite } });
}

async function runSuite(s: (typeof SUITES)[number], cases: SshdCase[]): Promise<{ answers: Map<string, SshdAnswers>; keywords: Record<string, KeywordProbe>; algorithms: Record<string, string[]> }> {
  ensureImage(s.suite);
  const host = await upHost(s.name, s.octet, { suite: s.suite });
  const pkg = (await mustExecIn(host, ['dpkg-query', '-W', '-f', '${Version}', 'openssh-server'])).trim();
  for (const [user, groups] of Object.entries(SPEC_USERS)) {
    await mustExecIn(host, `for g in ${groups.join(' ')}; do getent group $g >/dev/null || groupadd $g; done; useradd -m -G ${groups.join(',')} ${user}`);
  }
  const root = rootOf(host);
  rmSync(join(root, 'root/cases'), { recursive: true, force: true });
  for (const c of cases) {
    for (const [path, content] of Object.entries(c.files)) {
      const p = join(root, 'root/cases', c.id, path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content, { mode: 0o644 });
    }
  }
  writeFileSync(join(root, 'root/specs'), CONNECTION_SPECS.join('\n') + '\n');
  writeFileSync(join(root, 'root/keywords'), SERVCONF_KEYWORDS.join('\n') + '\n');
  await mustExecIn(host, ['sh', '-c', KEYWORD_BATCH], { timeoutMs: 30 * 60_000 });
  const algorithms: Record<string, string[]> = {};
  for (const q of ALGORITHM_QUERIES) algorithms[q] = (await mustExecIn(host, ['ssh', '-Q', q])).split('\n').filter(Boolean);
  const keywords: Record<string, KeywordProbe> = {};
  for (const k of SERVCONF_KEYWORDS) {
    keywords[k] = {
      global: firstMessage(readFileSync(join(root, 'root/kw', `${k}.global`), 'utf8')),
      match: firstMessage(readFileSync(join(root, 'root/kw', `${k}.match`), 'utf8')),
    };
  }
  const t0 = Date.now();
  await mustExecIn(host, ['sh', '-c', BATCH], { timeoutMs: 30 * 60_000 });
  console.error(`${s.suite}: ${cases.length} cases through OpenSSH ${pkg} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const out = new Map<string, SshdAnswers>();
  for (const c of cases) {
    const dir = join(root, 'root/out', c.id);
    const read = (name: string): SshdRun | undefined => (existsSync(join(dir, `${name}.rc`))
      ? { rc: Number(readFileSync(join(dir, `${name}.rc`), 'utf8')), out: readFileSync(join(dir, `${name}.out`), 'utf8') }
      : undefined);
    const test = read('t')!;
    const a: SshdAnswers = { package: pkg, test };
    if (test.rc === 0) {
      a.dump = read('T');
      a.conn = CONNECTION_SPECS.map((_, i) => read(`C${i}`)!);
    }
    out.set(c.id, a);
  }
  if (readdirSync(join(root, 'root/out')).length !== cases.length) throw new Error(`${s.suite}: answers missing`);
  return { answers: out, keywords, algorithms };
}

async function main(): Promise<void> {
  const count = arg('--count', 500);
  const seed = arg('--seed', 13);
  const debianConfig = readFileSync(join(TH_VAR, 'cache', 'bookworm-base', 'etc/ssh/sshd_config'), 'utf8');
  const cases = [...targetedCases(debianConfig), ...generateCases(debianConfig, count, seed)];
  await claimBlock('gen-sshd-cases');
  try {
    const results = await Promise.all(SUITES.map((s) => runSuite(s, cases)));
    const answers = results.map((r) => r.answers);
    const lines = cases.map((c) => JSON.stringify({ ...c, answers: Object.fromEntries(SUITES.map((s, i) => [s.version, answers[i].get(c.id)!])) }));
    mkdirSync(dirname(FIXTURE), { recursive: true });
    writeFileSync(FIXTURE, gzipSync(lines.join('\n') + '\n', { level: 9 }));
    const perVersion = Object.fromEntries(SUITES.map((s, i) => [s.version, { package: answers[i].values().next().value!.package, algorithms: results[i].algorithms, keywords: results[i].keywords }]));
    writeFileSync(KEYWORD_FIXTURE, JSON.stringify(perVersion, null, 1) + '\n');
    const refused = SUITES.map((s, i) => `${s.version}: ${[...answers[i].values()].filter((a) => a.test.rc !== 0).length} refused`);
    console.error(`wrote ${cases.length} cases (seed ${seed}; ${refused.join(', ')}) to ${FIXTURE}`);
  } finally {
    await downAll();
  }
}

await main();
