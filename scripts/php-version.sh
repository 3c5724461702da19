#!/usr/bin/env bash
# php-version.sh: prints the PHP version (X.Y) that the Makefile builds and tests
# for, so that it installs the matching phpX.Y-* packages.
#   - PHP_VERSION set: that;
#   - PHP_CONFIG set: the version that php-config reports, or, before it is
#     installed, the one in its name (/usr/bin/php-config8.4 -> 8.4);
#   - else the distribution's own PHP: Debian 12 has 8.2, Debian 13 has 8.4,
#     Ubuntu 22.04 8.1, Ubuntu 24.04 8.3.
# On a distribution it does not know it prints nothing and says on stderr what to set.
set -euo pipefail
if [ -n "${PHP_VERSION:-}" ]; then
  echo "$PHP_VERSION"
  exit 0
fi
if [ -n "${PHP_CONFIG:-}" ]; then
  if command -v "$PHP_CONFIG" >/dev/null 2>&1; then
    "$PHP_CONFIG" --version | cut -d. -f1,2
    exit 0
  fi
  v=$(basename "$PHP_CONFIG" | sed -n 's/^php-config\([0-9]\+\.[0-9]\+\)$/\1/p')
  if [ -n "$v" ]; then
    echo "$v"
    exit 0
  fi
fi
id=; version=
os_release=${WU_OS_RELEASE:-/etc/os-release}   # another file only to test this script
if [ -r "$os_release" ]; then
  id=$(. "$os_release"; echo "${ID:-}")
  version=$(. "$os_release"; echo "${VERSION_ID:-}")
fi
case "$id:$version" in
  debian:12) echo 8.2 ;;
  debian:13) echo 8.4 ;;
  ubuntu:22.04) echo 8.1 ;;
  ubuntu:24.04) echo 8.3 ;;
  *)
    echo "wu_runcloud: this system (${id:-unknown} ${version:-}) is not one whose PHP the Makefile knows (Debian 12 or 13, Ubuntu 22.04 or 24.04)." >&2
    echo "  Say which PHP to build for: make demo PHP_VERSION=8.3 (it installs php8.3-dev, php8.3-cli and the rest with apt-get)," >&2
    echo "  or PHP_CONFIG=/path/to/php-config for a PHP you installed yourself (RunCloud's: /RunCloud/Packages/php83rc/bin/php-config)." >&2
    exit 1
    ;;
esac
