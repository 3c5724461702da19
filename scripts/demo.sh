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
# DNS is asked of the simulator's own DNS server (UDP, its API port); owed
# certificate redeploys are kept in a private directory of this run.
state=$(mktemp -d)
"$php_bin" -n -d "extension=$ext" -d "wu_runcloud.resolver=127.0.0.1:${SIM_BASE##*:}" \
  -d "wu_runcloud.state_dir=$state" -d wu_runcloud.probe_port=0 "$here/demo/demo.php"
rm -rf "$state"
