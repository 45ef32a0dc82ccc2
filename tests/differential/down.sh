#!/usr/bin/env bash
# Stops the upstream web root's Apache started by tests/differential/up.sh for the core folder <T> (its pid file)
# and removes that web root (<T>/upstream; the core and its database stay).   bash tests/differential/down.sh <T>
set -uo pipefail
T=${1:?usage: down.sh <core folder>}
[ -f "$T/upstream/env" ] || exit 0
. "$T/env"
. "$T/upstream/env"
if [ -f "$UP_APACHE_DIR/httpd.pid" ]; then
    "$JC_APACHE" -f "$UP_APACHE_CONF" -k stop >/dev/null 2>&1
    for _ in $(seq 1 50); do [ -f "$UP_APACHE_DIR/httpd.pid" ] || break; sleep 0.1; done
fi
rm -rf "$T/upstream"
exit 0
