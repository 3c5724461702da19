#!/usr/bin/env bash
# make demo: start runcloud-sim, run demo/demo.php through the real extension.
set -euo pipefail
ext=$(realpath "$1"); sim=$(realpath "$2")
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/sim.sh"
start_sim "$sim"
trap stop_sim EXIT
echo "runcloud-sim is standing in for RunCloud at $SIM_URL"
echo "extension: $ext"
echo
php_bin=$(command -v "${PHP:-php}")
"$php_bin" -n -d "extension=$ext" "$here/demo/demo.php"
