#!/usr/bin/env bash
# with-php.sh CMD [ARGS...]: runs CMD with PHP and PHP_CONFIG set to the full
# paths of the PHP binary and of the php-config that PHP_CONFIG (default
# php-config) names. ext-php-rs's build script builds against that PHP; the test
# scripts run it. Looked up at run time, so a PHP that `make deps` has just
# installed is found.
set -euo pipefail
php_config=${PHP_CONFIG:-php-config}
if ! command -v "$php_config" >/dev/null 2>&1; then
  "$(dirname "$0")/check-build.sh" >&2 || true
  exit 1
fi
# ext-php-rs's build script takes both as paths, not names to look up on PATH.
PHP_CONFIG=$(command -v "$php_config")
PHP=$("$PHP_CONFIG" --php-binary)
if [ ! -x "$PHP" ]; then
  echo "wu_runcloud: $php_config names the PHP binary $PHP, which does not exist" >&2
  exit 1
fi
export PHP PHP_CONFIG
exec "$@"
