#!/usr/bin/env bash
# The phpize route (what PIE runs), on a copy of the tree: phpize, ./configure
# --with-php-config=<PHP_CONFIG>, make, make install into a staging root; then the
# staged wu_runcloud.so is loaded by that PHP. Nothing is installed on the system.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
php_config=$(command -v "${PHP_CONFIG:-php-config}")
# Debian's php-config8.2 goes with phpize8.2; a RunCloud build's bin/php-config with bin/phpize.
phpize=$(dirname "$php_config")/$(basename "$php_config" | sed 's/php-config/phpize/')
[ -x "$phpize" ] || phpize=$(command -v phpize)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src" "$tmp/root"
# The working tree's files (what a release archive holds), never the build outputs.
(cd "$here" && git ls-files -z | xargs -0 cp --parents -t "$tmp/src")
cd "$tmp/src"
"$phpize" >/dev/null
./configure --with-php-config="$php_config" >"$tmp/configure.log" || { cat "$tmp/configure.log"; exit 1; }
# Reuse the checkout's build when there is one.
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/target} make >"$tmp/make.log" 2>&1 || { tail -30 "$tmp/make.log"; exit 1; }
make install INSTALL_ROOT="$tmp/root" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
so="$tmp/root$("$php_config" --extension-dir)/wu_runcloud.so"
[ -f "$so" ] || { echo "phpize: make install did not stage $so"; cat "$tmp/install.log"; exit 1; }
php_bin=$("$php_config" --php-binary)
info=$("$php_bin" -n -d "extension=$so" --ri wu_runcloud)
echo "$info" | grep -q 'RunCloud integration => enabled' || { echo "phpize: the staged extension does not load"; echo "$info"; exit 1; }
"$php_bin" -n -d "extension=$so" -r 'exit(class_exists("WU_RunCloud_Integration") ? 0 : 1);'
echo "phpize: phpize, configure, make and make install built and staged wu_runcloud.so for PHP $("$php_config" --version); it loads"
