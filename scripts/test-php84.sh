#!/usr/bin/env bash
# make test-php84: the .phpt suite and a PHP-FPM smoke test on Debian 13's PHP 8.4, inside
# a Debian 13 root made with debootstrap and kept between runs (scripts/debian-root.sh),
# built there with this machine's Rust toolchain (scripts/in-root.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "test-php84: run as root (debootstrap, chroot and bind mounts)"; exit 1; }
root=$("$here/scripts/debian-root.sh" trixie trixie-php84 \
  php8.4-cli php8.4-dev php8.4-fpm libfcgi-bin clang libclang-dev gcc libc6-dev make ca-certificates)
WITH_RUST=1 IN_ROOT_ENV="CARGO_TARGET_DIR=/work/target/php84 PHP_CONFIG=/usr/bin/php-config8.4 PHP=/usr/bin/php8.4 FPM_REQUESTS=${FPM_REQUESTS:-300}" \
  "$here/scripts/in-root.sh" "$root" '
    echo "test-php84: $(. /etc/os-release; echo "$PRETTY_NAME"), PHP $(php8.4 -r "echo PHP_VERSION;"), $(cargo --version)"
    cargo build --workspace --quiet
    ext=target/php84/debug/libwu_runcloud.so sim=target/php84/debug/runcloud-sim
    scripts/run-phpt.sh "$ext" "$sim"
    scripts/fpm-test.sh "$ext" "$sim"
  '
