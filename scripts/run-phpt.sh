#!/usr/bin/env bash
# Runs php-tests/*.phpt with PHP's own run-tests.php against a fresh simulator.
# Extra arguments after the two paths go to run-tests.php (e.g. -m for valgrind).
set -euo pipefail
ext=$(realpath "$1"); sim=$(realpath "$2"); shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
# The PHP that PHP_CONFIG names (scripts/with-php.sh sets PHP).
php_bin=$(command -v "${PHP:-php}")
run_tests=$("$php_bin" -n -r 'echo PHP_EXTENSION_DIR;')/build/run-tests.php
[ -f "$run_tests" ] || run_tests=$(ls /usr/lib/php/*/build/run-tests.php | head -n1)
. "$here/scripts/sim.sh"
start_sim "$sim"
trap stop_sim EXIT
# Per run: two checkouts testing at once must not read each other's counts.
log=$(mktemp /tmp/wu_runcloud-phpt.XXXXXX.log)
trap 'stop_sim; rm -f "$log"' EXIT
echo "$SIM_BASE" > "$here/php-tests/.sim-base"
echo "$sim" > "$here/php-tests/.sim-bin"
# Every test asks the simulator's DNS server (UDP, the API's port) and keeps
# owed redeploys in a private directory of this run; no HTTP probe.
state_dir=$(mktemp -d)
trap 'stop_sim; rm -f "$log"; rm -rf "$state_dir"' EXIT
sim_port=${SIM_BASE##*:}
export WU_SIM_BASE=$SIM_BASE WU_STATE_DIR=$state_dir TEST_PHP_EXECUTABLE=$php_bin NO_INTERACTION=1
cd "$here"
set +e
# -n: no php.ini and no conf.d, in the runner and in every test, so an installed
# wu_runcloud.ini (make install) neither loads a second copy nor another .so.
"$php_bin" -n "$run_tests" -n -q --no-color --show-diff -p "$php_bin" \
  -d "extension=$ext" -d "wu_runcloud.resolver=127.0.0.1:$sim_port" \
  -d "wu_runcloud.state_dir=$state_dir" -d wu_runcloud.probe_port=0 \
  "$@" ${PHPT_TESTS:-php-tests/} 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
count() { sed -n "s/^Tests $1 *: *\([0-9]*\).*/\1/p" "$log" | head -n1; }
passed=$(count passed); failed=$(count failed); skipped=$(count skipped)
leaked=$(count leaked)
passed=${passed:-0}; failed=$(( ${failed:-0} + ${leaked:-0} )); skipped=${skipped:-0}
# Under valgrind (-m) a leak or memory error counts as a failure.
[ "${leaked:-0}" -gt 0 ] && echo "phpt: ${leaked} tests leaked or had memory errors (see php-tests/*.mem)"
echo "phpt: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && [ "$status" -eq 0 ]
