#!/usr/bin/env bash
# Differential rig: beside the real core of tests/jeedom/up.sh (<T>), a SECOND web root of the same core whose
# plugins/JeedomConnect is upstream Jeedom Connect 1.20.6 (../shared/real-jeedom/upstream-jeedomconnect-1.20.6.tar.xz,
# or $JC_UPSTREAM_ARCHIVE), served by its own private Apache on another free loopback port. Both web roots use the
# same MariaDB database and the same folder::tmp (Jeedom's cache), so one request sent to both plugins is answered
# from the same Jeedom data. Writes <T>/upstream/env (UP_WEB, UP_URL, UP_APACHE_DIR) and prints <T>/upstream.
#   U=$(bash tests/differential/up.sh <T>)  ...  bash tests/differential/down.sh <T>
# Needs root (Apache's workers as the web user). Upstream is a fixture: installed here, never copied into the project.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
log() { echo "[differential] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
T=${1:?usage: up.sh <core folder of tests/jeedom/up.sh>}
. "$T/env"
t_start=$(date +%s.%N)
ARCHIVE=${JC_UPSTREAM_ARCHIVE:-$REPO/../shared/real-jeedom/upstream-jeedomconnect-1.20.6.tar.xz}
[ -e "$ARCHIVE" ] || die "no upstream plugin at $ARCHIVE (set JC_UPSTREAM_ARCHIVE; see tests/differential/README.md)"
U="$T/upstream"
UWEB="$U/html"
UAPACHE="$U/apache"
rm -rf "$U"
mkdir -p "$UWEB" "$UAPACHE/run" "$UAPACHE/jeedom-fragments" "$UAPACHE/tree/mods-enabled" "$UAPACHE/tree/conf-enabled"
# The same core tree (same common.config.php: same database), our plugin left out.
tar -C "$JC_WEB" --exclude=./plugins/JeedomConnect -cf - . | tar -C "$UWEB" -xf -
if [ -d "$ARCHIVE" ]; then
    mkdir -p "$UWEB/plugins/JeedomConnect" && tar -C "$ARCHIVE" --exclude=./.git -cf - . | tar -C "$UWEB/plugins/JeedomConnect" -xf -
else
    tar -C "$UWEB/plugins" -xJf "$ARCHIVE"
fi
[ -f "$UWEB/plugins/JeedomConnect/core/api/JeedomConnect.api.php" ] || die "$ARCHIVE is not the Jeedom Connect plugin"
chown -R "$JC_WEB_USER:$JC_WEB_USER" "$U"
PORT=$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);')
# Apache: the rig's own configuration, moved to this folder, web root and port.
subst() { sed -e "s#$JC_APACHE_DIR#$UAPACHE#g" -e "s#$JC_WEB#$UWEB#g" -e "s#127.0.0.1:$JC_PORT#127.0.0.1:$PORT#g" "$1"; }
subst "$JC_APACHE_CONF" > "$UAPACHE/apache.conf"
for f in "$JC_APACHE_DIR"/jeedom-fragments/*.conf; do subst "$f" > "$UAPACHE/jeedom-fragments/$(basename "$f")"; done
"$JC_APACHE" -f "$UAPACHE/apache.conf" -k start || die "upstream's apache did not start"
URL="http://127.0.0.1:$PORT"
for i in $(seq 1 100); do
    case "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$URL/index.php")" in 200|302) break ;; esac
    [ "$i" -eq 100 ] && { tail -20 "$UAPACHE/error.log" >&2; die "upstream's Apache did not answer on $URL"; }
    sleep 0.1
done
cat > "$U/env" <<ENV
UP_WEB=$UWEB
UP_PORT=$PORT
UP_URL=$URL
UP_APACHE_DIR=$UAPACHE
UP_APACHE_CONF=$UAPACHE/apache.conf
ENV
echo "$U"
log "upstream 1.20.6 beside the core at $URL in $(php -r "printf('%.1f', microtime(true) - $t_start);")s"
