#!/usr/bin/env bash
# PHP-FPM, for real: Debian's php-fpm8.2 with the extension loaded from an ini
# file, several workers, thousands of FastCGI requests through cgi-fcgi.
# Checks: every request succeeds, connections to RunCloud are reused, no worker
# dies, worker memory does not grow. Prints the figures.
set -euo pipefail
ext=$(realpath "$1"); sim=$(realpath "$2")
requests=${FPM_REQUESTS:-3000}; workers=${FPM_WORKERS:-4}
here=$(cd "$(dirname "$0")/.." && pwd)
v=$("${PHP:-php}" -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')
fpm=$(command -v "php-fpm$v" || ls "/usr/sbin/php-fpm$v" 2>/dev/null || command -v php-fpm || true)
[ -x "$fpm" ] || { echo "fpm-test: php-fpm$v not found (apt-get install php$v-fpm)"; exit 1; }
command -v cgi-fcgi >/dev/null || { echo "fpm-test: cgi-fcgi not found (apt-get install libfcgi-bin)"; exit 1; }
. "$here/scripts/sim.sh"
start_sim "$sim"
tmp=$(mktemp -d)
# What a pool of another user (www-data) runs: copied out of the checkout, which that user may
# not be able to reach (a clone in root's 0700 home), into a directory made for it: root's,
# 0755, files 0644, so the pool user reads it and cannot change it.
www=$(mktemp -d)
cleanup() { if [ -n "${fpm_pid:-}" ]; then kill "$fpm_pid" 2>/dev/null; wait "$fpm_pid" 2>/dev/null || true; fi; stop_sim; rm -rf "$tmp" "$www"; }
trap cleanup EXIT
cat > "$tmp/php.ini" <<INI
extension=$ext
wu_runcloud.api_url=$SIM_URL
wu_runcloud.log=off
; DNS from the simulator's own server (UDP, its API port); owed redeploys kept in this run's dir.
wu_runcloud.resolver=127.0.0.1:${SIM_BASE##*:}
wu_runcloud.state_dir=$tmp/state
wu_runcloud.probe_port=0
INI
mkdir -m 700 "$tmp/state"
cat > "$tmp/fpm.conf" <<CONF
[global]
pid = $tmp/fpm.pid
error_log = $tmp/fpm.log
daemonize = no
[www]
user = root
group = root
listen = $tmp/fpm.sock
pm = static
pm.max_children = $workers
catch_workers_output = yes
CONF
PHP_INI_SCAN_DIR= "$fpm" -R -c "$tmp/php.ini" -y "$tmp/fpm.conf" &
fpm_pid=$!
for _ in $(seq 1 100); do [ -S "$tmp/fpm.sock" ] && break; sleep 0.1; done
[ -S "$tmp/fpm.sock" ] || { echo "fpm-test: php-fpm did not start"; cat "$tmp/fpm.log"; exit 1; }
one() {
  REQUEST_METHOD=GET SCRIPT_FILENAME="$here/php-tests/fpm/app.php" REQUEST_N=$1 \
    cgi-fcgi -bind -connect "$tmp/fpm.sock" 2>/dev/null | tail -n 1
}
export -f one; export here tmp
# The FPM workers: children of the master, found through /proc (no procps needed).
workers_of() { for st in /proc/[0-9]*/stat; do awk -v pp="$1" '$4 == pp {print $1}' "$st" 2>/dev/null; done; }
rss() { for p in $(workers_of "$fpm_pid"); do awk '/VmRSS/{print $2}' "/proc/$p/status"; done | awk '{s+=$1} END {print s+0}'; }
warm=$((requests / 5))
seq 1 "$warm" | xargs -P "$workers" -I{} bash -c 'one {}' > "$tmp/out1"
rss_warm=$(rss)
start=$(date +%s%N)
seq $((warm + 1)) "$requests" | xargs -P "$workers" -I{} bash -c 'one {}' > "$tmp/out2"
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
rss_end=$(rss)
cat "$tmp/out1" "$tmp/out2" > "$tmp/out"
total=$(wc -l < "$tmp/out")
okc=$(grep -c '"ok":true' "$tmp/out" || true)
pids=$(grep -o '"pid":[0-9]*' "$tmp/out" | sort -u | wc -l)
stats=$("${PHP:-php}" -n -r "echo file_get_contents('$SIM_BASE/__sim/stats');")
api_conns=$(echo "$stats" | grep -o '"api_connections":[0-9]*' | cut -d: -f2)
api_reqs=$(echo "$stats" | grep -o '"api_requests":[0-9]*' | cut -d: -f2)
died=$(grep -ciE 'exited on signal|SIGSEGV|core dumped|exited with code [1-9]' "$tmp/fpm.log" || true)
alive=$(workers_of "$fpm_pid" | wc -l)
growth=$(( (rss_end - rss_warm) / workers ))
echo "fpm-test: $total FastCGI requests to $workers workers ($pids distinct pids), $okc succeeded, in ${took_ms} ms after a ${warm}-request warm-up"
echo "fpm-test: RunCloud saw $api_reqs API requests over $api_conns connections"
echo "fpm-test: worker RSS ${rss_warm} KiB after warm-up, ${rss_end} KiB at the end (${growth} KiB a worker); $alive workers alive, $died crashes logged"
fail=0
[ "$total" -eq "$requests" ] && [ "$okc" -eq "$requests" ] || { echo "fpm-test: FAIL: not every request succeeded"; fail=1; }
# A worker's first add asks at once what it must know before its POST (the two wildcard
# questions, the SSL set-up, a basic certificate's names): at most 5 connections over
# HTTP/1.1, then kept for every later call.
[ "$api_conns" -le $((workers * 5)) ] || { echo "fpm-test: FAIL: connections were not reused"; fail=1; }
[ "$died" -eq 0 ] && [ "$alive" -eq "$workers" ] || { echo "fpm-test: FAIL: a worker died"; cat "$tmp/fpm.log"; fail=1; }
[ "$growth" -lt 4096 ] || { echo "fpm-test: FAIL: workers grew by more than 4 MiB each"; fail=1; }

# Stock Debian: a pool of www-data, whose home /var/www belongs to root, with no state_dir set.
# After `make install` (scripts/prepare-state-dirs.sh) what a worker owes is on disk in
# /var/lib/wu_runcloud/www-data, and a restarted pool finds it.
durable() {
  kill "$fpm_pid"; wait "$fpm_pid" 2>/dev/null || true; fpm_pid=
  getent passwd www-data >/dev/null || { echo "fpm-test: no user www-data here: durable state not tested"; return 1; }
  "$here/scripts/prepare-state-dirs.sh" www-data >/dev/null
  chmod 0755 "$www"
  install -m 0644 "$here/php-tests/fpm/owed.php" "$www/owed.php"
  runuser -u www-data -- test -r "$www/owed.php" || { echo "fpm-test: www-data cannot read $www/owed.php"; return 1; }
  local dir=/var/lib/wu_runcloud/www-data name="durable-$$.example.com"
  find "$dir" -maxdepth 1 -name 'owed-*' -delete
  grep -v '^wu_runcloud.state_dir' "$tmp/php.ini" | sed 's/^wu_runcloud.log=off/wu_runcloud.log=on/' > "$tmp/php-stock.ini"
  sed -e 's/^user = root/user = www-data/' -e 's/^group = root/group = www-data/' "$tmp/fpm.conf" > "$tmp/fpm-stock.conf"
  start_pool() {
    rm -f "$tmp/fpm.sock"
    PHP_INI_SCAN_DIR= "$fpm" -R -c "$tmp/php-stock.ini" -y "$tmp/fpm-stock.conf" &
    fpm_pid=$!
    for _ in $(seq 1 100); do [ -S "$tmp/fpm.sock" ] && break; sleep 0.1; done
  }
  ask() { REQUEST_METHOD=GET SCRIPT_FILENAME="$www/owed.php" ADD_NAME=$1 \
    cgi-fcgi -bind -connect "$tmp/fpm.sock" 2>/dev/null | tail -n 1; }
  start_pool
  local first; first=$(ask "$name")
  kill "$fpm_pid"; wait "$fpm_pid" 2>/dev/null || true
  start_pool
  local again; again=$(ask "")
  kill "$fpm_pid"; wait "$fpm_pid" 2>/dev/null || true; fpm_pid=
  local on_disk; on_disk=$(cat "$dir"/owed-* 2>/dev/null | grep -c "^$name\$" || true)
  local owner; owner=$(stat -c %U "$dir"/owed-* 2>/dev/null | sort -u | tr '\n' ' ')
  echo "fpm-test: stock pool (www-data, home owned by root, no state_dir): add answered $first; after a restart the pool owes $again; $dir holds the name $on_disk time(s), files owned by $owner"
  find "$dir" -maxdepth 1 -name 'owed-*' -delete
  ! grep -q 'memory only' "$tmp/fpm.log" && echo "$first" | grep -q '"ssl":"queued"' \
    && echo "$again" | grep -q "\"$name\"" && [ "$on_disk" = 1 ] && [ "$owner" = "www-data " ]
}
durable || { echo "fpm-test: FAIL: a stock www-data pool did not keep what it owes on disk"; tail -n 5 "$tmp/fpm.log"; fail=1; }
[ "$fail" -eq 0 ] && echo "fpm-test: 1 passed, 0 failed" || { echo "fpm-test: 0 passed, 1 failed"; exit 1; }
