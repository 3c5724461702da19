#!/usr/bin/env bash
# make install: copy the release build into the PHP's extension dir and enable
# it for the CLI and PHP-FPM (Debian/Ubuntu layout, and RunCloud's /etc/phpXXrc).
set -euo pipefail
ext=$1; php_config=$2
dir=$("$php_config" --extension-dir)
install -m 0755 "$ext" "$dir/wu_runcloud.so"
echo "installed $dir/wu_runcloud.so"
ini_body="; wu_runcloud: keeps a RunCloud web app in step with Ultimate Multisite's domains
extension=wu_runcloud.so
; wu_runcloud.timeout = 20
; wu_runcloud.connect_timeout = 5
; wu_runcloud.max_retries = 3
; wu_runcloud.www = main_only
; wu_runcloud.ssl = auto
; wu_runcloud.log = on"
ver=$("$php_config" --version | cut -d. -f1,2)
written=0
for confd in "/etc/php/$ver/cli/conf.d" "/etc/php/$ver/fpm/conf.d" "/etc/php${ver/./}rc/conf.d"; do
  if [ -d "$confd" ]; then
    echo "$ini_body" > "$confd/30-wu_runcloud.ini"
    echo "enabled in $confd/30-wu_runcloud.ini"
    written=1
  fi
done
scan=$("$php_config" --ini-dir 2>/dev/null || true)
if [ "$written" = 0 ] && [ -n "$scan" ] && [ -d "$scan" ]; then
  echo "$ini_body" > "$scan/30-wu_runcloud.ini"
  echo "enabled in $scan/30-wu_runcloud.ini"
  written=1
fi
[ "$written" = 1 ] || echo "add 'extension=wu_runcloud.so' to php.ini yourself"
# Where each pool user's worker keeps what it owes when its home is not its own (www-data).
"$(dirname "$0")/prepare-state-dirs.sh"
echo "restart PHP-FPM to load it, then check: php --ri wu_runcloud"
# The glue too, when told where WordPress keeps its must-use plugins.
if [ -n "${MU_PLUGINS:-}" ]; then
  "$(dirname "$0")/install-glue.sh" "$MU_PLUGINS"
else
  echo "the glue: MU_PLUGINS=/path/to/wp-content/mu-plugins make install, or scripts/install-glue.sh that path"
fi
