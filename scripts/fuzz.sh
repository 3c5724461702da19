#!/usr/bin/env bash
# make fuzz: runs each cargo-fuzz target for FUZZ_SECONDS (default 60) and keeps
# any crashing input in fuzz/regressions/<target>/, where tests/fuzz_regressions.rs
# replays it in every `cargo test`. cargo-fuzz wants nightly flags; the stable
# toolchain accepts them with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
status=0
for target in domain_parse decode_answers; do
  mkdir -p "fuzz/corpus/$target" "fuzz/regressions/$target"
  cp -n fuzz/regressions/$target/* "fuzz/corpus/$target/" 2>/dev/null || true
  echo "fuzzing $target for ${seconds}s"
  set +e
  cargo fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -max_len=4096 > "/tmp/fuzz-$target.log" 2>&1
  rc=$?
  set -e
  if [ "$rc" -ne 0 ] && ! ls fuzz/artifacts/$target/* >/dev/null 2>&1; then
    tail -n 30 "/tmp/fuzz-$target.log"
    echo "fuzz: cargo fuzz failed for $target (exit $rc) without a crash input"
    exit 2
  fi
  for crash in fuzz/artifacts/$target/crash-* fuzz/artifacts/$target/oom-* fuzz/artifacts/$target/timeout-*; do
    [ -f "$crash" ] || continue
    cp "$crash" "fuzz/regressions/$target/"
    echo "kept $crash as fuzz/regressions/$target/$(basename "$crash")"
    status=1
  done
  grep -E "Done [0-9]+ runs" "/tmp/fuzz-$target.log" | tail -n1 | sed "s/^/$target: /" || true
done
[ "$status" -eq 0 ] && echo "fuzz: no crash" || echo "fuzz: crashes kept; fix them and commit fuzz/regressions/"
exit "$status"
