#!/usr/bin/env bash
# make dist: prebuilt archives of the extension that PIE can install (composer.json's
# download-url-method: pre-packaged-binary, then the source build), one per PHP built
# here: 8.2 (Debian 12's, on this machine or in a Debian 12 root) and 8.4 (Debian 13's, in
# a Debian 13 root). Linked against glibc 2.31's symbol versions (scripts/zig-link.sh), so
# they load on Ubuntu 20.04, 22.04 and 24.04 and Debian 11 or newer. Each archive is named
# as PIE looks for it and holds wu_runcloud.so, its ini file, the WordPress glue and
# SHA256SUMS; a .sha256 file sits beside it. Then each is checked (scripts/dist-check.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
[ "$(id -u)" = 0 ] || { echo "dist: run as root (debootstrap and chroot)"; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
glibc=${WU_GLIBC:-2.31}
tools=target/dist-tools
out=target/dist/out
mkdir -p "$tools" "$out"
rm -f "$out"/php_wu_runcloud-*

# zig from PyPI (package ziglang), pinned: only its linker and glibc stubs are used.
zig_version=0.14.1
if ! "$tools/venv/bin/python" -m ziglang version 2>/dev/null | grep -qx "$zig_version"; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q "ziglang==$zig_version"
fi
zig=$(ls "$here/$tools"/venv/lib/python3*/site-packages/ziglang/zig)
build_packages="clang libclang-dev gcc libc6-dev make ca-certificates"

# build PHP_VERSION: the release .so for that PHP, in the Debian root that has it.
build() {
  local v=$1 suite root
  case "$v" in 8.2) suite=bookworm ;; 8.4) suite=trixie ;; *) echo "dist: no Debian root for PHP $v"; exit 1 ;; esac
  root=$(scripts/debian-root.sh "$suite" "$suite-php$v-dev" "php$v-cli" "php$v-dev" $build_packages)
  # The tree is at /work in the root; zig is under it.
  WITH_RUST=1 IN_ROOT_ENV="CARGO_TARGET_DIR=/work/target/dist/php$v PHP_CONFIG=/usr/bin/php-config$v PHP=/usr/bin/php$v \
WU_ZIG=/work/${zig#"$here/"} WU_GLIBC=$glibc CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=/work/scripts/zig-link.sh" \
    scripts/in-root.sh "$root" 'cargo build --release --quiet -p wu_runcloud --target x86_64-unknown-linux-gnu'
}

for v in ${DIST_PHP:-8.2 8.4}; do
  echo "dist: building for PHP $v (glibc $glibc baseline)"
  build "$v"
  so=target/dist/php$v/x86_64-unknown-linux-gnu/release/libwu_runcloud.so
  name=php_wu_runcloud-${version}_php$v-x86_64-linux-glibc
  stage=$(mktemp -d)
  cp "$so" "$stage/wu_runcloud.so"
  printf '; wu_runcloud %s for PHP %s (NTS). Enable it for the PHP that serves the site.\nextension=wu_runcloud.so\n' "$version" "$v" > "$stage/30-wu_runcloud.ini"
  scripts/install-glue.sh "$stage" >/dev/null
  cp README.md "$stage/README.md"
  (cd "$stage" && sha256sum wu_runcloud.so 30-wu_runcloud.ini wu-runcloud.php wu-runcloud/*.php README.md > SHA256SUMS)
  tar -C "$stage" -czf "$out/$name.tgz" wu_runcloud.so 30-wu_runcloud.ini wu-runcloud.php wu-runcloud README.md SHA256SUMS
  rm -rf "$stage"
  (cd "$out" && sha256sum "$name.tgz" > "$name.tgz.sha256")
  echo "dist: $out/$name.tgz"
done
scripts/dist-check.sh "$out"
