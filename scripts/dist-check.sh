#!/usr/bin/env bash
# dist-check.sh DIR: checks every archive `make dist` wrote to DIR: its checksums, the
# highest GLIBC_ symbol version its .so needs (at most WU_GLIBC, 2.31), and that it loads
# and works (the demo, against the simulator) in a clean Debian root that has that PHP
# and no Rust and no C compiler.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
dir=$1
glibc=${WU_GLIBC:-2.31}
sim=target/debug/runcloud-sim
[ -x "$sim" ] || cargo build --quiet -p runcloud-sim
. scripts/sim.sh
trap stop_sim EXIT
shopt -s nullglob
archives=("$dir"/php_wu_runcloud-*.tgz)
[ ${#archives[@]} -gt 0 ] || { echo "dist-check: no archive in $dir"; exit 1; }
for a in "${archives[@]}"; do
  name=$(basename "$a" .tgz)
  v=$(echo "$name" | sed -n 's/.*_php\([0-9]\.[0-9]*\)-.*/\1/p')
  (cd "$dir" && sha256sum -c --quiet "$name.tgz.sha256")
  x=target/dist/check/$name
  rm -rf "$x"; mkdir -p "$x"; tar -C "$x" -xzf "$a"
  (cd "$x" && sha256sum -c --quiet SHA256SUMS)
  highest=$(objdump -T "$x/wu_runcloud.so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
  if [ "$(printf '%s\n%s\n' "$highest" "$glibc" | sort -V | tail -n1)" != "$glibc" ]; then
    echo "dist-check: $name needs GLIBC_$highest, newer than the $glibc baseline"; exit 1
  fi
  case "$v" in 8.2) suite=bookworm ;; 8.4) suite=trixie ;; *) echo "dist-check: no Debian root for PHP $v"; exit 1 ;; esac
  root=$(scripts/debian-root.sh "$suite" "$suite-php$v-run" "php$v-cli")
  # A simulator of its own for each archive's demo.
  start_sim "$sim"
  port=${SIM_BASE##*:}
  out=$(IN_ROOT_ENV="SIM_BASE=$SIM_BASE" scripts/in-root.sh "$root" "
    for tool in cargo rustc cc gcc clang; do command -v \$tool >/dev/null && { echo \"a toolchain is here: \$tool\"; exit 1; }; done
    state=\$(mktemp -d)
    php$v -n -d extension=/work/$x/wu_runcloud.so -d wu_runcloud.resolver=127.0.0.1:$port \
      -d wu_runcloud.state_dir=\$state -d wu_runcloud.probe_port=0 demo/demo.php
  " 2>&1) || { echo "$out" | tail -20; echo "dist-check: $name failed in a clean Debian $suite root"; exit 1; }
  stop_sim
  echo "$out" | grep -q "redeployed, covering 3 names" || { echo "$out" | tail -20; echo "dist-check: $name: the demo did not run through"; exit 1; }
  echo "dist-check: $name: checksums ok, highest GLIBC_$highest (baseline $glibc), loads and runs the demo in PHP $v on a clean Debian $suite root (no Rust, no C compiler)"
done
