#!/usr/bin/env bash
# End-to-end rig: the real Jeedom core 4.5.3 of tests/jeedom/up.sh (MariaDB, Apache + mod_php on 127.0.0.1,
# Jeedom's installer and jeeCron) with this repository's plugin installed and enabled in it, the real daemon started
# through the plugin's own deamon_start(); then tests/e2e.rs drives WebSocket, HTTP (SSE + JSON-RPC) and polling
# clients written as the app behaves. Uses the core named by JC_CORE (tests/run-all.sh), else sets one up.
#
#   bash tests/e2e/run.sh                 # everything (CI runs this from tests/run-all.sh)
#   E2E_KEEP=1 bash tests/e2e/run.sh      # keep the core's temp dir (logs, DB) for a look afterwards
#   bash tests/e2e/run.sh s1_ s5_         # only the scenarios whose names contain s1_ or s5_
#
# Runs as root (Apache's workers, PHP, jeeCron and the daemon run as www-data, like on a Jeedom box). Needs
# tests/install-deps.sh's packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD

log() { echo "[e2e] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

for tool in apache2 php curl qrencode zbarimg cargo; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool missing (bash tests/install-deps.sh)"
done

free_port() {
    php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false);
            echo substr($n, strrpos($n, ":") + 1);'
}

# The real Jeedom core: the one of this test run (JC_CORE, from tests/run-all.sh) or one of our own.
OWN_CORE=0
if [ -z "${JC_CORE:-}" ]; then
    JC_CORE=$(bash tests/jeedom/up.sh) || { [ -n "${JC_CORE:-}" ] && bash tests/jeedom/down.sh "$JC_CORE"; exit 1; }
    OWN_CORE=1
else
    bash tests/jeedom/sync-plugin.sh "$JC_CORE"
fi
. "$JC_CORE/env"
WEB="$JC_WEB"
PLUGIN="$WEB/plugins/JeedomConnect"
APACHE_DIR="$JC_APACHE_DIR"
RIG="$JC_URL/e2e/rig.php"
T="$JC_CORE"

TEST_PID=
cleanup() {
    local rc=$?
    set +e
    [ -n "$TEST_PID" ] && kill -TERM "$TEST_PID" 2>/dev/null
    # The daemon was started by PHP under Apache: stop it through its pid file (never by name).
    curl -s -m 15 "$RIG?action=deamon_stop" >/dev/null 2>&1
    if [ $rc -ne 0 ]; then
        log "--- apache error.log (tail)"; tail -n 40 "$APACHE_DIR/error.log" 2>/dev/null >&2
        log "--- Jeedom http.error (tail)"; tail -n 40 "$WEB/log/http.error" 2>/dev/null >&2
        log "--- daemon log (tail)"; tail -n 60 "$WEB/log/JeedomConnect_daemon" 2>/dev/null >&2
        log "--- plugin log (tail)"; tail -n 40 "$WEB/log/JeedomConnect" 2>/dev/null >&2
    fi
    rm -rf "$WEB/e2e"
    if [ $OWN_CORE = 1 ]; then
        [ $rc -ne 0 ] && [ "${E2E_KEEP:-}" != "0" ] && export JC_KEEP=1
        [ "${E2E_KEEP:-0}" = "1" ] && export JC_KEEP=1
        bash tests/jeedom/down.sh "$JC_CORE"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building the e2e clients"
cargo test --quiet --test e2e --no-run 2>/dev/null || cargo test --test e2e --no-run

# The rig's page, only in the test core's web root.
mkdir -p "$WEB/e2e"
cp tests/e2e/rig.php "$WEB/e2e/rig.php"
chown -R "$JC_WEB_USER" "$WEB/e2e"
curl -s -m 10 "$RIG?action=ping" | grep -q '"pong"' || die "the rig page does not answer on $RIG"

rig() { # rig <action> [k=v ...]: one call of the rig's PHP endpoint (through Apache, as www-data)
    local action=$1; shift
    local args=()
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    curl -s -m 60 -X POST "$RIG?action=$action" "${args[@]}"
}

# Jeedom's side (network settings, the plugin enabled, admin user: tests/jeedom/up.sh): the configuration page's ports.
WS_PORT=$(free_port)
SOCKET_PORT=$(free_port)
out=$(rig setup "wsPort=$WS_PORT" "socketPort=$SOCKET_PORT")
echo "$out" | grep -q '"ok":true' || die "rig setup: $out"

# The daemon, started by the plugin's own deamon_start() (as Jeedom's daemon check does), then deamon_info().
out=$(rig deamon_start)
echo "$out" | grep -q '"state":"ok"' || die "deamon_start() did not bring the daemon up: $out"
log "daemon up on 127.0.0.1:$WS_PORT (control $SOCKET_PORT): $out"

# The scenarios.
export E2E_RIG="$RIG" E2E_DIR="$T" E2E_WEB="$WEB" E2E_APACHE_LOG="$APACHE_DIR/access.log"
export E2E_APACHE_CONF="$JC_APACHE_CONF" E2E_APACHE_TREE="$JC_APACHE_TREE" E2E_WEB_USER="$JC_WEB_USER"
# In the background so that a signal to this script runs the cleanup at once (bash defers traps while a
# foreground command runs).
RUST_BACKTRACE=0 timeout 900 cargo test --quiet --test e2e -- --ignored --test-threads=1 --nocapture "$@" &
TEST_PID=$!
wait $TEST_PID
TEST_PID=
log "all end-to-end scenarios passed"
