#!/usr/bin/env bash
# make e2e: the extension in a real stack, on loopback only, from Debian's packages:
# MariaDB, nginx, php8.2-fpm (+ php8.2-mysql) and Debian's WordPress installed as a
# subdomain multisite for network.test; the extension installed by `make install` and
# loaded by FPM from its ini file; runcloud-sim over HTTPS with a CA made here and trusted
# through wu_runcloud.ca_file; the glue (wordpress/wu-runcloud.php) as a must-use plugin.
# tests/e2e/suite.php then drives it through real HTTP requests to nginx.
# Everything lives in one temporary directory and is stopped and removed at the end
# (E2E_KEEP=1 keeps it, and the stack running, for a bug report: see the README).
set -euo pipefail
sim_bin=$(realpath "$1")
here=$(cd "$(dirname "$0")/.." && pwd)
php_bin=${PHP:-php}
tmp=$(mktemp -d /tmp/wu-e2e.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  status=$?
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    echo "e2e: kept the stack running in $tmp (pids ${pids[*]}); stop it with: kill ${pids[*]}"
    exit $status
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ $status -ne 0 ]; then
    for f in fpm.log fpm-noext.log nginx-error.log mysql.err wu_runcloud.log; do
      [ -s "$tmp/$f" ] && { echo "--- $f (last lines)"; tail -n 20 "$tmp/$f"; }
    done
  fi
  rm -rf "$tmp"
  exit $status
}
trap cleanup EXIT
free_port() { "$php_bin" -n -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo explode(":", stream_socket_get_name($s, false))[1];'; }
wait_for() { for _ in $(seq 1 150); do [ -e "$1" ] && return 0; sleep 0.1; done; echo "e2e: $2 did not start" >&2; return 1; }

# The CA and the simulator's certificate (for 127.0.0.1).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wu_runcloud e2e CA" \
  -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$tmp/sim.key" -out "$tmp/sim.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$tmp/sim.ext"
openssl x509 -req -in "$tmp/sim.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 2 \
  -extfile "$tmp/sim.ext" -out "$tmp/sim.pem" 2>/dev/null
"$sim_bin" --port 0 --port-file "$tmp/sim.port" --tls-cert "$tmp/sim.pem" --tls-key "$tmp/sim.key" >/dev/null &
pids+=($!)
wait_for "$tmp/sim.port" runcloud-sim
for _ in $(seq 1 50); do [ -s "$tmp/sim.port" ] && break; sleep 0.1; done
sim_base="https://127.0.0.1:$(cat "$tmp/sim.port")"

# MariaDB on a socket of its own, no TCP.
mariadb-install-db --user=root --datadir="$tmp/db" --auth-root-authentication-method=socket >/dev/null 2>&1
mariadbd --user=root --datadir="$tmp/db" --socket="$tmp/mysql.sock" --skip-networking \
  --pid-file="$tmp/mysql.pid" --log-error="$tmp/mysql.err" &
pids+=($!)
wait_for "$tmp/mysql.sock" MariaDB
mariadb --socket="$tmp/mysql.sock" -u root -e \
  "CREATE DATABASE wp; CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp-e2e'; GRANT ALL ON wp.* TO 'wp'@'localhost';"

# WordPress from Debian's package, with a wp-config.php of our own.
cp -a /usr/share/wordpress "$tmp/wp"
rm -f "$tmp/wp/.htaccess"
mkdir -p "$tmp/wp/wp-content/mu-plugins" "$tmp/wp/wp-content/themes"
[ -d /usr/share/wordpress/wp-content/themes/twentytwentythree ] || \
  cp -a /usr/share/wordpress/wp-content/themes/. "$tmp/wp/wp-content/themes/" 2>/dev/null || true
salt() { head -c 32 /dev/urandom | base64 | tr -d '/+='; }
cat > "$tmp/wp/wp-config.php" <<PHP
<?php
define('DB_NAME', 'wp');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp-e2e');
define('DB_HOST', 'localhost:$tmp/mysql.sock');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
\$table_prefix = 'wp_';
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as \$k) define(\$k, '$(salt)' . \$k);
define('WP_HTTP_BLOCK_EXTERNAL', true);   // no network here: WordPress must not wait on its update checks
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);          // the suite runs wp-cron.php itself
define('WP_DEBUG', false);
if (!getenv('WU_E2E_INSTALLING')) {
    define('WP_ALLOW_MULTISITE', true);
    define('MULTISITE', true);
    define('SUBDOMAIN_INSTALL', true);
    define('DOMAIN_CURRENT_SITE', 'network.test');
    define('PATH_CURRENT_SITE', '/');
    define('SITE_ID_CURRENT_SITE', 1);
    define('BLOG_ID_CURRENT_SITE', 1);
}
// The WU_RUNCLOUD_* constants, rewritten by the suite between scenarios.
if (file_exists(__DIR__ . '/wu-runcloud-config.php')) require __DIR__ . '/wu-runcloud-config.php';
define('WU_RUNCLOUD_RETRY_BASE', 1);
// The queued certificate redeploy a second after the adds (a section may widen the window).
define('WU_RUNCLOUD_SSL_WINDOW', (int) (@file_get_contents(__DIR__ . '/.ssl-window') ?: 1));
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
PHP

WU_E2E_INSTALLING=1 "$php_bin" "$here/tests/e2e/install.php" "$tmp/wp"
"$here/scripts/install-glue.sh" "$tmp/wp/wp-content/mu-plugins" >/dev/null
cp "$here/tests/e2e/driver.php" "$here/tests/e2e/um-stand-in.php" "$tmp/wp/wp-content/mu-plugins/"

# The real Action Scheduler (WU_E2E_ACTION_SCHEDULER: a copy of the library, as a plugin
# directory), network-activated as WordPress activates a plugin; the sections that need it
# are skipped, and say so, without it.
as_src=${WU_E2E_ACTION_SCHEDULER:-}
if [ -n "$as_src" ] && [ -f "$as_src/action-scheduler.php" ]; then
  mkdir -p "$tmp/wp/wp-content/plugins"
  cp -a "$as_src" "$tmp/wp/wp-content/plugins/action-scheduler"
  chmod -R u+w "$tmp/wp/wp-content/plugins/action-scheduler"
  "$php_bin" "$here/tests/e2e/activate.php" "$tmp/wp" action-scheduler/action-scheduler.php
  export E2E_AS=1
else
  echo "e2e: WU_E2E_ACTION_SCHEDULER does not name an Action Scheduler directory: the sections on the real queue are skipped"
fi
# The real WP-CLI (WU_E2E_WP_CLI: a wp-cli.phar), checked against the SHA-512 beside it when there is one.
wp_cli=${WU_E2E_WP_CLI:-}
if [ -n "$wp_cli" ] && [ -f "$wp_cli" ]; then
  if [ -f "$wp_cli.sha512" ] && [ "$(sha512sum < "$wp_cli" | cut -d' ' -f1)" != "$(cut -d' ' -f1 < "$wp_cli.sha512")" ]; then
    echo "e2e: $wp_cli does not match $wp_cli.sha512"; exit 1
  fi
  export E2E_WP_CLI=$wp_cli E2E_PHP=$php_bin
else
  echo "e2e: WU_E2E_WP_CLI does not name a wp-cli.phar: the WP-CLI section is skipped"
fi

# Two PHP-FPM masters with Debian's php.ini: one with its conf.d as `make install` left it
# (the extension loads from 30-wu_runcloud.ini), one without that file.
v=$("$php_bin" -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')
fpm=$(command -v "php-fpm$v" || ls "/usr/sbin/php-fpm$v")
confd=/etc/php/$v/fpm/conf.d
[ -f "$confd/30-wu_runcloud.ini" ] || { echo "e2e: $confd/30-wu_runcloud.ini is missing: make install did not enable the extension for FPM"; exit 1; }
mkdir "$tmp/confd-noext"
# Owed certificate redeploys: a directory only the pool's user (root here) may use.
mkdir -m 700 "$tmp/state"
for f in "$confd"/*.ini; do [ "$(basename "$f")" = 30-wu_runcloud.ini ] || cp -P "$f" "$tmp/confd-noext/"; done
pool() { # name [with-extension-settings]
  cat <<CONF
[global]
pid = $tmp/$1.pid
error_log = $tmp/$1.log
daemonize = no
[www]
user = root
group = root
listen = $tmp/$1.sock
pm = static
pm.max_children = ${E2E_WORKERS:-2}
catch_workers_output = yes
php_admin_value[error_log] = $tmp/$1-php.log
php_admin_value[log_errors] = on
php_admin_value[opcache.revalidate_freq] = 0
CONF
  [ "${2:-}" = ext ] && cat <<CONF
php_admin_value[wu_runcloud.api_url] = $sim_base/api
php_admin_value[wu_runcloud.resolver] = 127.0.0.1:$(cat "$tmp/sim.port")
php_admin_value[wu_runcloud.state_dir] = $tmp/state
php_admin_value[wu_runcloud.probe_port] = 0
php_admin_value[wu_runcloud.ca_file] = $tmp/ca.pem
php_admin_value[wu_runcloud.log_file] = $tmp/wu_runcloud.log
php_admin_value[wu_runcloud.timeout] = 2
php_admin_value[wu_runcloud.max_retries] = 1
php_admin_value[wu_runcloud.circuit_break] = 3
CONF
  true
}
pool fpm ext > "$tmp/fpm.conf"
pool fpm-noext > "$tmp/fpm-noext.conf"
"$fpm" -R -F -y "$tmp/fpm.conf" &
pids+=($!)
PHP_INI_SCAN_DIR="$tmp/confd-noext" "$fpm" -R -F -y "$tmp/fpm-noext.conf" &
pids+=($!)
wait_for "$tmp/fpm.sock" php-fpm
wait_for "$tmp/fpm-noext.sock" "php-fpm (no extension)"

# nginx in front of each.
port=$(free_port); port_noext=$(free_port)
mkdir -p "$tmp/nginx"
server() { # port socket
  cat <<CONF
  server {
    listen 127.0.0.1:$1;
    server_name network.test *.network.test;
    root $tmp/wp;
    index index.php;
    location / { try_files \$uri \$uri/ /index.php?\$args; }
    location ~ \.php\$ {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_pass unix:$2;
    }
  }
CONF
}
cat > "$tmp/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
daemon off;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  proxy_temp_path $tmp/nginx/proxy;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
$(server "$port" "$tmp/fpm.sock")
$(server "$port_noext" "$tmp/fpm-noext.sock")
}
CONF
nginx -c "$tmp/nginx.conf" -p "$tmp/nginx" &
pids+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

echo "e2e: WordPress at http://127.0.0.1:$port (Host: network.test), without the extension at :$port_noext; RunCloud simulator at $sim_base"
E2E_URL="http://127.0.0.1:$port" E2E_URL_NOEXT="http://127.0.0.1:$port_noext" E2E_SIM="$sim_base" \
E2E_CA="$tmp/ca.pem" E2E_DIR="$tmp" E2E_WORKERS="${E2E_WORKERS:-2}" \
E2E_CLI_INI="-d wu_runcloud.api_url=$sim_base/api -d wu_runcloud.resolver=127.0.0.1:$(cat "$tmp/sim.port") -d wu_runcloud.state_dir=$tmp/state -d wu_runcloud.probe_port=0 -d wu_runcloud.ca_file=$tmp/ca.pem -d wu_runcloud.log_file=$tmp/wu_runcloud.log -d wu_runcloud.timeout=2 -d wu_runcloud.max_retries=1" \
  "$php_bin" -n "$here/tests/e2e/suite.php"
