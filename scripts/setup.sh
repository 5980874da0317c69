#!/bin/bash
# Prepare a fresh Debian machine (Node 20, npm, python3, g++ already there) for the full test suite:
# system packages the end-to-end tests need, then the cached test-host rootfs and the test keys.
# Idempotent: a second run installs nothing and reuses the cache in ${TH_VAR:-/var/tmp/testhost}.
# Must run as root (test hosts are namespaces + overlayfs).
set -euo pipefail
cd "$(dirname "$0")/.."
TESTHOST=test/harness/testhost
TH_VAR="${TH_VAR:-/var/tmp/testhost}"

step() { printf '[setup %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (test hosts need namespaces and mounts)"
command -v node >/dev/null || die "node not found (Node 20 expected)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || die "Node >= 20 required, found $(node --version)"

# debootstrap: build the rootfs; zstd/tar: its cache; bc: timings in the scripts; iproute2: ip netns,
# ss; util-linux: unshare/nsenter/setpriv/flock; openssh-client: ssh, ssh-keygen; openssl: TLS tests;
# procps: sysctl/ps; ca-certificates: apt over https mirrors; libxml2-utils: xmllint (JUnit report checked against its XSD);
# iptables: iptables-restore --test of compiled rulesets inside a throw-away network namespace (never the machine's own).
# oathtool: TOTP codes to check pvesec's (RFC 6238) against, and to enrol with in the TFA end-to-end test.
PACKAGES=(debootstrap debian-archive-keyring zstd bc iproute2 openssh-client util-linux tar openssl procps ca-certificates libxml2-utils iptables oathtool)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
else
  step "system packages present"
fi

# Kernel features the test hosts rely on.
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || die "overlayfs not available in this kernel"
unshare --net --mount true 2>/dev/null || die "cannot create namespaces (unshare --net --mount failed)"
# Each systemd test host is a whole systemd with inotify instances of its own, and all of them count against
# root's per-user limit (default 128): with a few dozen hosts up at once a booting systemd fails with "Failed
# to allocate manager object: Too many open files". Raise the limits, never lower them.
raise_sysctl() { local cur; cur=$(sysctl -n "$1"); [ "$cur" -ge "$2" ] || sysctl -qw "$1=$2" || die "cannot raise $1 to $2"; }
raise_sysctl fs.inotify.max_user_instances 8192
raise_sysctl fs.inotify.max_user_watches 1048576

# Test-host rootfs: debootstrap once (~1 min), then cached (instant).
step "test-host rootfs (cache: $TH_VAR/cache)"
TH_VAR="$TH_VAR" "$TESTHOST/build-rootfs.sh" || die "build-rootfs.sh failed"
# Second image with real systemd as PID 1 (tests of anything that changes a node: timers, reboots),
# carrying the offline apt repository of the packages `pvesec apply` installs; an existing image
# without it (or built for another package list) is rebuilt here.
step "test-host rootfs with systemd"
TH_VAR="$TH_VAR" TH_INIT=systemd "$TESTHOST/build-rootfs.sh" || die "build-rootfs.sh (systemd image) failed"

# Second client key: the non-root admin user of the e2e tests logs in with it.
if [ ! -e "$TH_VAR/keys/admin_ed25519" ]; then
  step "generating $TH_VAR/keys/admin_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C testhost-admin -f "$TH_VAR/keys/admin_ed25519"
fi

# Leftover hosts are not removed here: on a shared machine they may belong to a running test.
# .ci/run, which owns its machine, tears everything down.
step "ready"
