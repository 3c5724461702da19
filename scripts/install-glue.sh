#!/usr/bin/env bash
# Copies the glue into a mu-plugins directory: the one file WordPress loads
# (wu-runcloud.php) and the folder of concern files it loads (wu-runcloud/).
set -euo pipefail
dest=${1:?usage: install-glue.sh /path/to/wp-content/mu-plugins}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dest/wu-runcloud"
install -m 0644 "$here/wordpress/wu-runcloud.php" "$dest/wu-runcloud.php"
install -m 0644 "$here"/wordpress/wu-runcloud/*.php "$dest/wu-runcloud/"
echo "glue installed in $dest (wu-runcloud.php and wu-runcloud/)"
