#!/usr/bin/env bash
# A private state directory for each PHP-FPM pool user, where the extension keeps what it owes
# (certificate redeploys, names waiting for DNS) when the user's home is not its own, as on
# Debian and Ubuntu, whose pool user www-data has the root-owned home /var/www:
#   /var/lib/wu_runcloud          root, 0711 (users pass through, none can list or write)
#   /var/lib/wu_runcloud/<user>   that user, 0700
# The users: those named, else every `user =` of the PHP-FPM pools (Debian/Ubuntu's
# /etc/php/*/fpm/pool.d, RunCloud's /etc/php*rc/fpm.d), and www-data. Run by `make install`;
# run it again after adding a web application (RunCloud makes a user per app).
set -euo pipefail
base=${WU_STATE_BASE:-/var/lib/wu_runcloud}
if [ "$(id -u)" -ne 0 ]; then
  echo "prepare-state-dirs: run as root to prepare $base (skipped)"; exit 0
fi
users=("$@")
if [ ${#users[@]} -eq 0 ]; then
  for f in /etc/php/*/fpm/pool.d/*.conf /etc/php*rc/fpm.d/*.conf; do
    [ -f "$f" ] || continue
    while read -r u; do users+=("$u"); done < <(sed -n 's/^[[:space:]]*user[[:space:]]*=[[:space:]]*\([A-Za-z0-9._-][A-Za-z0-9._-]*\)[[:space:]]*$/\1/p' "$f")
  done
  getent passwd www-data >/dev/null && users+=(www-data)
fi
if [ -L "$base" ] || { [ -e "$base" ] && [ ! -d "$base" ]; }; then
  echo "prepare-state-dirs: $base is a link or not a directory: refused"; exit 1
fi
install -d -m 0711 -o root -g root "$base"
for u in $(printf '%s\n' "${users[@]}" | sort -u); do
  case "$u" in root|.*|*/*|'') continue ;; esac
  getent passwd "$u" >/dev/null || { echo "prepare-state-dirs: no user $u (skipped)"; continue; }
  d="$base/$u"
  if [ -L "$d" ] || { [ -e "$d" ] && [ ! -d "$d" ]; }; then
    echo "prepare-state-dirs: $d is a link or not a directory: refused"; continue
  fi
  install -d -m 0700 -o "$u" -g "$(id -gn "$u")" "$d"
  echo "state directory $d (owner $u, 0700)"
done
