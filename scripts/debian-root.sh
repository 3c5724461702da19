#!/usr/bin/env bash
# debian-root.sh SUITE NAME PACKAGES...: prints the path of a Debian SUITE root (bookworm,
# trixie) with PACKAGES installed, made with debootstrap from Debian's archive the first
# time and kept under WU_ROOT_CACHE (default /var/cache/wu_runcloud) for later runs.
# A root is used only once it is complete (.wu-ready); nothing is ever mounted in one
# that is being made or removed.
set -euo pipefail
suite=$1 name=$2; shift 2
cache=${WU_ROOT_CACHE:-/var/cache/wu_runcloud}
root=$cache/$name
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
want="$*"
if [ -f "$root/.wu-ready" ] && [ "$(cat "$root/.wu-ready")" = "$want" ]; then
  echo "$root"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "debian-root: run as root (debootstrap and chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
mkdir -p "$cache"
if grep -qs " $root/" /proc/mounts; then
  echo "debian-root: something is still mounted under $root; not touching it" >&2
  exit 1
fi
rm -rf "$root.tmp"
echo "debian-root: making a Debian $suite root in $root (once; kept for later runs)" >&2
debootstrap --variant=minbase "$suite" "$root.tmp" "$mirror" >"$cache/$name-debootstrap.log" 2>&1 \
  || { tail -20 "$cache/$name-debootstrap.log" >&2; exit 1; }
cp /etc/resolv.conf "$root.tmp/etc/resolv.conf"
chroot "$root.tmp" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
  "apt-get update -qq && apt-get install -y -qq --no-install-recommends $want >/dev/null" >&2
echo "$want" > "$root.tmp/.wu-ready"
rm -rf "$root"
mv "$root.tmp" "$root"
echo "$root"
