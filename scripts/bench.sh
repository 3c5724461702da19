#!/usr/bin/env bash
# bench.sh EXT SIM PROXY: starts runcloud-sim over TLS and two latency proxies
# in front of it (50 ms RTT; zero added latency goes to the simulator directly), then runs bench/bench.php with the
# extension and PHP's curl loaded. BENCH_REPS, BENCH_BATCH, BENCH_ONLY pass through.
set -euo pipefail
ext=$(realpath "$1"); sim=$(realpath "$2"); proxy=$(realpath "$3")
here=$(cd "$(dirname "$0")/.." && pwd)
php_bin=$(command -v "${PHP:-php}")
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
wait_for() { for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "bench: $2 did not start" >&2; exit 1; }

"$sim" --port 0 --port-file "$work/sim.port" --tls-generate "$work/tls" >/dev/null &
pids+=($!)
wait_for "$work/sim.port" runcloud-sim
sim_port=$(cat "$work/sim.port")
# Zero added latency means the simulator itself: a proxy hop would add its own cost.
proxies="{\"0\": $sim_port,"
for rtt in 50; do
  "$proxy" --listen 0 --to "127.0.0.1:$sim_port" --rtt-ms "$rtt" --port-file "$work/proxy$rtt.port" >/dev/null &
  pids+=($!)
  wait_for "$work/proxy$rtt.port" "latency-proxy ($rtt ms)"
  proxies+="\"$rtt\": $(cat "$work/proxy$rtt.port"),"
done
proxies="${proxies%,}}"
BENCH_SIM="https://127.0.0.1:$sim_port" BENCH_PROXY="$proxies" BENCH_CA="$work/tls/ca.pem" BENCH_EXT="$ext" \
  "$php_bin" -n -d "extension=$ext" -d extension=curl -d "wu_runcloud.resolver=127.0.0.1:$sim_port" \
  -d "wu_runcloud.state_dir=$work" -d wu_runcloud.probe_port=0 "$here/bench/bench.php"
