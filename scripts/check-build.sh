#!/usr/bin/env bash
# check-build.sh: can this machine build the extension for the PHP that PHP_CONFIG
# names? `make install` runs it instead of apt-get: on a production server nothing
# is installed behind the admin's back; what is missing is named, with the command
# that installs it (Debian/Ubuntu, and RunCloud's own PHP builds).
set -uo pipefail
php_config=${PHP_CONFIG:-php-config}
problems=()
hint_php() {
  cat <<HINT
  - RunCloud server: each PHP version RunCloud installs has its own php-config and headers:
      make install PHP_CONFIG=/RunCloud/Packages/php83rc/bin/php-config   (php81rc, php82rc, php84rc ...)
    Pick the version the web application runs (its Settings tab in RunCloud's dashboard).
  - Debian or Ubuntu with the distribution's PHP: apt-get install php8.X-dev  (the X of the PHP that FPM runs:
      Debian 12 has 8.2, Debian 13 has 8.4, Ubuntu 22.04 has 8.1, Ubuntu 24.04 has 8.3)
HINT
}
if ! command -v "$php_config" >/dev/null 2>&1; then
  problems+=("php-config not found (PHP_CONFIG=$php_config): the PHP development files are needed to build against that PHP.")
else
  ver=$("$php_config" --vernum 2>/dev/null || echo 0)
  inc=$("$php_config" --include-dir 2>/dev/null || true)
  bin=$("$php_config" --php-binary 2>/dev/null || true)
  if [ "${ver:-0}" -lt 80100 ]; then
    problems+=("$php_config is PHP $("$php_config" --version 2>/dev/null): wu_runcloud needs PHP 8.1 or newer (ext-php-rs cannot build for 7.4 or 8.0).")
  fi
  [ -f "$inc/main/php.h" ] || problems+=("$php_config names the header directory '$inc', which has no main/php.h: install that PHP's -dev package.")
  [ -x "$bin" ] || problems+=("$php_config names the PHP binary '$bin', which does not exist.")
fi
if ! command -v cargo >/dev/null 2>&1; then
  problems+=("cargo not found: install Rust with rustup (https://rustup.rs), 1.88 or newer.")
fi
if ! command -v cc >/dev/null 2>&1; then
  problems+=("no C compiler (cc): apt-get install build-essential")
fi
# bindgen (used by ext-php-rs) loads libclang at build time; look where clang-sys
# looks. No `ldconfig -p | grep -q` here: under pipefail grep's early exit makes
# ldconfig die of SIGPIPE and the check fail at random (it did in CI).
have_libclang() {
  [ -n "${LIBCLANG_PATH:-}" ] && return 0
  local f
  for f in /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/*-linux-gnu/libclang*.so* \
           /usr/lib64/libclang*.so* /usr/local/lib/libclang*.so*; do
    [ -e "$f" ] && return 0
  done
  local cache
  cache=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
  [[ "$cache" == *libclang* ]]
}
if ! have_libclang; then
  problems+=("libclang not found (ext-php-rs reads PHP's headers with it): apt-get install clang libclang-dev")
fi
if [ ${#problems[@]} -eq 0 ]; then
  exit 0
fi
echo "wu_runcloud cannot be built here yet:" >&2
for p in "${problems[@]}"; do echo "- $p" >&2; done
if printf '%s\n' "${problems[@]}" | grep -q 'php-config\|header'; then
  echo "Where PHP's development files come from:" >&2
  hint_php >&2
fi
exit 1
