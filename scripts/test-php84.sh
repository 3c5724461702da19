#!/usr/bin/env bash
# make test-php84: the .phpt suite and a PHP-FPM smoke test on Debian 13's PHP 8.4,
# inside a Debian 13 root that this script makes with debootstrap from Debian's archive
# and keeps between runs (WU_ROOT_CACHE, default /var/cache/wu_runcloud). The tree is
# bind-mounted into it, and so is this machine's Rust toolchain (Debian 13's own cargo
# is too old); everything is unmounted when the script ends, however it ends.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "test-php84: run as root (debootstrap, chroot and bind mounts)"; exit 1; }
cache=${WU_ROOT_CACHE:-/var/cache/wu_runcloud}
root=$cache/trixie-php84
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages="php8.4-cli php8.4-dev php8.4-fpm libfcgi-bin clang libclang-dev gcc libc6-dev make ca-certificates"

if [ ! -x "$root/usr/bin/php8.4" ] || [ ! -f "$root/.wu-ready" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  mkdir -p "$cache"
  # Never a root with anything mounted in it: only the unfinished copy is removed.
  rm -rf "$root.tmp"
  echo "test-php84: making a Debian 13 root in $root (once; kept for later runs)"
  debootstrap --variant=minbase trixie "$root.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log"; exit 1; }
  cp /etc/resolv.conf "$root.tmp/etc/resolv.conf"
  chroot "$root.tmp" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null"
  touch "$root.tmp/.wu-ready"
  rm -rf "$root"
  mv "$root.tmp" "$root"
fi

mounted=()
cleanup() {
  local i
  for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; mounted+=("$2"); }
mount -t proc proc "$root/proc"; mounted+=("$root/proc")
bind /dev "$root/dev"
bind "$here" "$root/work"
bind "${CARGO_HOME:-$HOME/.cargo}" "$root/root/.cargo"
bind "${RUSTUP_HOME:-$HOME/.rustup}" "$root/root/.rustup"
cp /etc/resolv.conf "$root/etc/resolv.conf"

chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
  PATH=/root/.cargo/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  CARGO_TARGET_DIR=/work/target/php84 PHP_CONFIG=/usr/bin/php-config8.4 PHP=/usr/bin/php8.4 \
  FPM_REQUESTS="${FPM_REQUESTS:-300}" \
  bash -c '
    set -euo pipefail
    cd /work
    echo "test-php84: $(. /etc/os-release; echo "$PRETTY_NAME"), $(php8.4 -r "echo PHP_VERSION;"), $(cargo --version)"
    cargo build --workspace --quiet
    ext=target/php84/debug/libwu_runcloud.so sim=target/php84/debug/runcloud-sim
    php8.4 -n -d "extension=$ext" -r "echo \"loads in PHP \", PHP_VERSION, \": \", phpversion(\"wu_runcloud\"), \"\n\";"
    scripts/run-phpt.sh "$ext" "$sim"
    scripts/fpm-test.sh "$ext" "$sim"
  '
