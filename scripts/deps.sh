#!/usr/bin/env bash
# deps.sh PACKAGE...: installs the Debian packages the build, tests and demo need,
# only when missing. A package removed but not purged (dpkg state "rc") counts as
# missing: only "install ok installed" is installed.
set -euo pipefail
missing=()
for p in "$@"; do
  state=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$state" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing packages: ${missing[*]}. This script installs them with apt-get (Debian 12); install the equivalents yourself." >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "Missing packages: ${missing[*]}. Run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo (Rust 1.88 or newer) is needed: install it with rustup (https://rustup.rs)" >&2
  exit 1
fi
