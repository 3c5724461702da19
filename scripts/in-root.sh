#!/usr/bin/env bash
# in-root.sh ROOT SCRIPT: runs the bash SCRIPT inside the Debian root ROOT (see
# debian-root.sh), with this tree bind-mounted at /work and, when WITH_RUST=1, this
# machine's Rust toolchain at /root/.cargo and /root/.rustup (Debian 13's own cargo is
# too old). Everything mounted is unmounted when it ends, however it ends. Extra
# environment for the script: IN_ROOT_ENV="NAME=value ..."; more directories bound
# (read-only): IN_ROOT_BIND="/host/dir:/dir/in/root ...".
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$1 script=$2
[ -f "$root/.wu-ready" ] || { echo "in-root: $root is not a finished root" >&2; exit 1; }
mounted=()
cleanup() {
  local i
  for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; mounted+=("$2"); }
mount -t proc proc "$root/proc"; mounted+=("$root/proc")
bind /dev "$root/dev"
bind "$here" "$root/work"
if [ "${WITH_RUST:-0}" = 1 ]; then
  bind "${CARGO_HOME:-$HOME/.cargo}" "$root/root/.cargo"
  bind "${RUSTUP_HOME:-$HOME/.rustup}" "$root/root/.rustup"
fi
for b in ${IN_ROOT_BIND:-}; do
  bind "${b%%:*}" "$root${b#*:}"
  mount -o remount,bind,ro "$root${b#*:}"
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
# shellcheck disable=SC2086
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
  PATH=/root/.cargo/bin:/usr/sbin:/usr/bin:/sbin:/bin ${IN_ROOT_ENV:-} \
  bash -c "set -euo pipefail; cd /work; $script"
