#!/usr/bin/env bash
# fresh-check.sh SUITE [TARGET...]: the README's commands the first time, as a root user runs them
# on a fresh Debian SUITE machine (bookworm: Debian 12, trixie: Debian 13). A pristine root made
# with debootstrap (minbase, and what a machine with Rust already has: git, make, ca-certificates,
# a C linker), this machine's Rust toolchain bound in, the committed HEAD cloned into /root/main
# (root's home, mode 0700, which no pool user can pass through), then `make demo`, `make test` and
# `make e2e` (or the TARGETs named) there, each timed, stopping at the first that fails. The real
# Action Scheduler and WP-CLI of ../shared are bound in read-only for the e2e when they are there.
# The base root is kept (WU_ROOT_CACHE); each run works on a copy of it, removed afterwards
# (FRESH_KEEP=1 keeps it). Not part of `make test` or CI: it builds everything from nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:?usage: fresh-check.sh bookworm|trixie [TARGET...]}; shift
targets=${*:-demo test e2e}
[ "$(id -u)" = 0 ] || { echo "fresh-check: run as root (debootstrap, chroot and bind mounts)"; exit 1; }
base=$("$here/scripts/debian-root.sh" "$suite" "fresh-$suite" git make ca-certificates gcc libc6-dev)
run=$base-run
if grep -qs " $run/" /proc/mounts; then echo "fresh-check: something is still mounted under $run"; exit 1; fi
rm -rf "$run"
cp -a "$base" "$run"
[ "${FRESH_KEEP:-0}" = 1 ] || trap 'grep -qs " $run/" /proc/mounts || rm -rf "$run"' EXIT
# No service starts inside the root when its package is installed (a real machine's would, under
# systemd); the tests start their own MariaDB, nginx and PHP-FPM.
printf '#!/bin/sh\nexit 101\n' > "$run/usr/sbin/policy-rc.d"; chmod 755 "$run/usr/sbin/policy-rc.d"
shared=$(cd "$here/.." && pwd)/shared binds= env=
if [ -f "$shared/vendor/action-scheduler/action-scheduler.php" ] && [ -f "$shared/tools/wp-cli.phar" ]; then
  binds="$shared:/shared"
  env="WU_E2E_ACTION_SCHEDULER=/shared/vendor/action-scheduler WU_E2E_WP_CLI=/shared/tools/wp-cli.phar"
fi
echo "fresh-check: Debian $suite root $run; cloning $(git -C "$here" rev-parse --short HEAD) into /root/main; make $targets"
WITH_RUST=1 IN_ROOT_BIND="$binds" IN_ROOT_ENV="$env" "$here/scripts/in-root.sh" "$run" "
  stat -c 'fresh-check: /root is %A' /root
  git config --global --add safe.directory /work
  git clone -q /work /root/main
  cd /root/main
  for t in $targets; do
    start=\$(date +%s)
    if make \$t > /root/make-\$t.log 2>&1; then rc=0; else rc=\$?; fi
    echo \"fresh-check: make \$t exited \$rc in \$(( \$(date +%s) - start )) s\"
    tail -n 4 /root/make-\$t.log | sed 's/^/  | /'
    mkdir -p /work/target; cp /root/make-\$t.log /work/target/fresh-$suite-\$t.log 2>/dev/null || true
    [ \$rc = 0 ] || exit \$rc
  done
"
