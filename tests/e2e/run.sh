#!/usr/bin/env bash
# End-to-end rig (issue 5): a Jeedom-like web root served by a real Apache with mod_php on 127.0.0.1, the fake
# Jeedom core at its root and this repository's plugin at plugins/JeedomConnect/, the real daemon started through
# the plugin's own deamon_start(); then tests/e2e.rs drives WebSocket, HTTP (SSE + JSON-RPC) and polling clients
# written as the app behaves.
#
#   bash tests/e2e/run.sh                 # everything (CI runs this from tests/run-all.sh)
#   E2E_KEEP=1 bash tests/e2e/run.sh      # keep the temp dir (logs, DB) for a look afterwards
#   bash tests/e2e/run.sh s1_ s5_         # only the scenarios whose names contain s1_ or s5_
#
# Runs as root (CI: Apache's workers, PHP and the daemon then run as www-data, like on a Jeedom box) or as a plain
# user (everything runs as that user). Needs tests/install-deps.sh's packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD

log() { echo "[e2e] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

for tool in apache2 php curl qrencode zbarimg cargo; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool missing (bash tests/install-deps.sh)"
done
APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
PHP_MODULE=$(ls /usr/lib/apache2/modules/libphp*.so 2>/dev/null | head -n1)
[ -n "$PHP_MODULE" ] || die "mod_php missing (libapache2-mod-php)"

free_port() {
    php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false);
            echo substr($n, strrpos($n, ":") + 1);'
}

T=$(mktemp -d /tmp/jc-e2e.XXXXXX)
chmod 755 "$T"
WEB="$T/www"
PLUGIN="$WEB/plugins/JeedomConnect"
JROOT="$T/jeedom"
APACHE_DIR="$T/apache"
APACHE_PORT=$(free_port)
RIG="http://127.0.0.1:$APACHE_PORT/e2e/rig.php"

if [ "$(id -u)" -eq 0 ]; then
    WEB_USER=www-data
    USER_LINES=$'User www-data\nGroup www-data'
else
    WEB_USER=$(id -un)
    USER_LINES=""
fi

apache_started=0
TEST_PID=
cleanup() {
    local rc=$?
    set +e
    [ -n "$TEST_PID" ] && kill -TERM "$TEST_PID" 2>/dev/null
    # The daemon was started by PHP under Apache: stop it through its pid file (never by name).
    if [ $apache_started -eq 1 ]; then
        curl -s -m 15 "$RIG?action=deamon_stop" >/dev/null 2>&1
    fi
    local pidfile="$JROOT/tmp/jeedom/JeedomConnect/deamon.pid"
    if [ -f "$pidfile" ]; then
        local pid
        pid=$(cat "$pidfile" 2>/dev/null)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        fi
    fi
    if [ -f "$APACHE_DIR/httpd.pid" ]; then
        "$APACHE" -f "$APACHE_DIR/apache.conf" -k stop >/dev/null 2>&1
        for _ in $(seq 1 50); do [ -f "$APACHE_DIR/httpd.pid" ] || break; sleep 0.1; done
    fi
    if [ $rc -ne 0 ]; then
        log "--- apache error.log (tail)"; tail -n 40 "$APACHE_DIR/error.log" 2>/dev/null >&2
        log "--- daemon log (tail)"; tail -n 60 "$JROOT/log/JeedomConnect_daemon" 2>/dev/null >&2
        log "--- plugin log (tail)"; tail -n 40 "$JROOT/log/JeedomConnect" 2>/dev/null >&2
    fi
    if [ "${E2E_KEEP:-0}" = "1" ] || [ $rc -ne 0 -a "${E2E_KEEP:-}" != "0" ]; then
        log "rig files kept in $T"
    else
        rm -rf "$T"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The daemon, built from this checkout, and the test clients.
log "building the daemon and the e2e clients"
cargo build --quiet --bin jeedomconnectd
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | php -r 'echo json_decode(stream_get_contents(STDIN), true)["target_directory"];')
DAEMON_BIN="$TARGET_DIR/debug/jeedomconnectd"
[ -x "$DAEMON_BIN" ] || die "no daemon binary at $DAEMON_BIN"
cargo test --quiet --test e2e --no-run 2>/dev/null || cargo test --test e2e --no-run

# 2. The web root: fake core at the root, the plugin as a Jeedom update would lay it out (no target/, .git, tests).
log "web root in $WEB (apache on 127.0.0.1:$APACHE_PORT, user $WEB_USER)"
mkdir -p "$WEB/plugins" "$PLUGIN" "$JROOT" "$APACHE_DIR/run" "$WEB/e2e"
cp -a tests/fake-jeedom/. "$WEB/"
mkdir -p "$WEB/core/config"
printf 'db=%s\nroot=%s\n' "$JROOT/jeedom.sqlite" "$JROOT" > "$WEB/core/config/fake.ini"
tar -C "$REPO" --exclude=./target --exclude=./fuzz --exclude=./.git --exclude=./tests --exclude=./data -cf - . | tar -C "$PLUGIN" -xf -
cp tests/e2e/rig.php "$WEB/e2e/rig.php"
cp tests/e2e/jeedom-root.htaccess "$WEB/.htaccess"
# The binary goes in place through the plugin's own install script (packages.json post-install): our build is
# offered as the "prebuilt binary for this architecture", which the script checks (--version) and installs.
ARCH=$(dpkg --print-architecture 2>/dev/null || uname -m)
case "$ARCH" in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; armv7l|armv6l) ARCH=armhf ;; esac
mkdir -p "$PLUGIN/resources/bin"
install -m 755 "$DAEMON_BIN" "$PLUGIN/resources/bin/jeedomconnectd-$ARCH"
bash "$PLUGIN/resources/install_daemon.sh" "$T/install_progress" >&2 || die "resources/install_daemon.sh failed"
[ -x "$PLUGIN/resources/bin/jeedomconnectd" ] || die "install_daemon.sh did not put resources/bin/jeedomconnectd in place"
chown -R "$WEB_USER" "$T"

# 3. Apache with its own config, pid and logs, and a private Debian-style tree for the plugin's proxy snippet.
mkdir -p "$APACHE_DIR/tree/"{mods-available,mods-enabled,conf-available,conf-enabled}
for m in proxy proxy_http proxy_wstunnel headers; do
    [ -f "/etc/apache2/mods-available/$m.load" ] || die "/etc/apache2/mods-available/$m.load missing (apache2)"
    cp "/etc/apache2/mods-available/$m.load" "$APACHE_DIR/tree/mods-available/"
done
sed -e "s#@APACHE_DIR@#$APACHE_DIR#g" -e "s#@PORT@#$APACHE_PORT#g" -e "s#@WEBROOT@#$WEB#g" \
    -e "s#@PHP_MODULE@#$PHP_MODULE#g" tests/e2e/apache.conf.in |
    awk -v lines="$USER_LINES" '{ if ($0 == "@USER_LINES@") print lines; else print }' > "$APACHE_DIR/apache.conf"
"$APACHE" -t -f "$APACHE_DIR/apache.conf" 2>&1 | grep -v "Syntax OK" >&2 || true
"$APACHE" -f "$APACHE_DIR/apache.conf" -k start
apache_started=1
for i in $(seq 1 100); do
    curl -s -m 2 "$RIG?action=ping" 2>/dev/null | grep -q '"pong"' && break
    [ "$i" -eq 100 ] && die "apache/PHP did not answer on $RIG"
    sleep 0.1
done

rig() { # rig <action> [k=v ...]: one call of the rig's PHP endpoint (through Apache, as www-data)
    local action=$1; shift
    local args=()
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    curl -s -m 60 -X POST "$RIG?action=$action" "${args[@]}"
}

# 4. Jeedom's side: network settings, plugin activation (install.php), ports, a user.
WS_PORT=$(free_port)
SOCKET_PORT=$(free_port)
out=$(rig setup "apachePort=$APACHE_PORT" "wsPort=$WS_PORT" "socketPort=$SOCKET_PORT")
echo "$out" | grep -q '"ok":true' || die "rig setup: $out"

# 5. The daemon, started by the plugin's own deamon_start() (as Jeedom's daemon check does), then deamon_info().
out=$(rig deamon_start)
echo "$out" | grep -q '"state":"ok"' || die "deamon_start() did not bring the daemon up: $out"
log "daemon up on 127.0.0.1:$WS_PORT (control $SOCKET_PORT): $out"

# 6. The scenarios.
export E2E_RIG="$RIG" E2E_DIR="$T" E2E_WEB="$WEB" E2E_APACHE_LOG="$APACHE_DIR/access.log"
export E2E_APACHE_CONF="$APACHE_DIR/apache.conf" E2E_APACHE_TREE="$APACHE_DIR/tree" E2E_WEB_USER="$WEB_USER"
# In the background so that a signal to this script runs the cleanup at once (bash defers traps while a
# foreground command runs).
RUST_BACKTRACE=0 timeout 900 cargo test --quiet --test e2e -- --ignored --test-threads=1 --nocapture "$@" &
TEST_PID=$!
wait $TEST_PID
TEST_PID=
log "all end-to-end scenarios passed"
