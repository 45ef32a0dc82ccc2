#!/usr/bin/env bash
# Release and install checks (docs/release.md):
#  1. resources/install_daemon.sh, run on a copy of the plugin against a local HTTP server holding release files:
#     a good binary is installed; a wrong checksum, a missing asset, no network, a missing checksum, a binary of the
#     wrong version, an unknown architecture and an ARMv6 board are each refused with a clear message in the log and
#     in the reason file the daemon page shows, leaving no partial file and the previous binary untouched;
#  2. the release workflow builds only through tools/release.sh, with its defaults;
#  3. tools/release.sh builds an arm64 jeedomconnectd (debug profile, to fit the test budget) and smoke-tests it
#     under qemu-user on Debian 11's and 12's libc: --version, start, WebSocket CONNECT -> WELCOME, SIGTERM.
# Installs what it needs itself (rustup target, zig + cargo-zigbuild, qemu-user, libc debs: see tools/release.sh).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
VERSION="$(sed -n 's/.*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' plugin_info/version.json | head -1)"
T="$(mktemp -d /tmp/jc-release-test.XXXXXX)"
SERVER_PID=""
finish() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap finish EXIT
passed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
die() { echo "FAIL - $*"; [ -f "$T/out" ] && sed 's/^/    | /' "$T/out"; exit 1; }

echo "== install script against a local release server"
[ -x target/debug/jeedomconnectd ] || cargo build --quiet -p jeedomconnectd --bin jeedomconnectd
GOOD="$REPO/target/debug/jeedomconnectd"
"$GOOD" --version | grep -qx "jeedomconnectd $VERSION" || die "target/debug/jeedomconnectd is not version $VERSION"

P="$T/plugin"
mkdir -p "$P/resources" "$P/plugin_info" "$T/www/v$VERSION"
cp resources/install_daemon.sh resources/install_sendnotif.sh "$P/resources/"
cp plugin_info/version.json "$P/plugin_info/"
cp "$GOOD" "$T/www/v$VERSION/jeedomconnectd-$VERSION-amd64"
printf '#!/bin/sh\necho "jeedomconnectd 0.0.1"\n' > "$T/www/v$VERSION/jeedomconnectd-$VERSION-armhf"
good_sum="$(sha256sum "$GOOD" | cut -d' ' -f1)"
old_sum="$(sha256sum "$T/www/v$VERSION/jeedomconnectd-$VERSION-armhf" | cut -d' ' -f1)"
bad_sum="$(printf '%s' "$good_sum" | tr '0-9a-f' 'a-f0-9')"
# arm64 is listed but not published (missing asset); armhf is published with its right sum but is the wrong version.
sums() { printf '%s  jeedomconnectd-%s-amd64\n%s  jeedomconnectd-%s-arm64\n%s  jeedomconnectd-%s-armhf\n' \
    "$1" "$VERSION" "$good_sum" "$VERSION" "$old_sum" "$VERSION" > "$P/resources/SHA256SUMS"; }

python3 -u -m http.server --bind 127.0.0.1 --directory "$T/www" 0 > "$T/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    PORT="$(sed -n 's/.* port \([0-9]\+\).*/\1/p' "$T/server.log" | head -1)"
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "${PORT:-}" ] || die "python3 -m http.server did not start"
DEAD_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

BIN="$P/resources/bin/jeedomconnectd"
# install <arch> [machine] [url]: runs the script as Jeedom would (output = the dependency log); sets rc.
install() {
    rc=0
    env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY JEEDOMCONNECT_ARCH="$1" \
        JEEDOMCONNECT_MACHINE="${2:-x}" JEEDOMCONNECT_RELEASE_URL="${3-http://127.0.0.1:$PORT}" \
        JEEDOMCONNECT_SENDNOTIF_URL="${SENDNOTIF_URL:-http://127.0.0.1:$PORT/notif}" \
        JEEDOMCONNECT_CARGO=none bash "$P/resources/install_daemon.sh" "$T/progress" > "$T/out" 2>&1 || rc=$?
}
no_leftovers() {
    local left
    left="$(find "$P/resources/bin" -name '.jeedomconnectd.new*' 2>/dev/null)"
    [ -z "$left" ] || die "$1: partial file left: $left"
    [ ! -e "$T/progress" ] || die "$1: progress file left"
}
refused() { # refused <case> <expected message part>
    [ "$rc" -ne 0 ] || die "$1: the install succeeded"
    grep -q "\]\[ERROR\] : .*$2" "$T/out" || die "$1: no [ERROR] line with '$2' in the log"
    grep -q "$2" "$BIN.install-error" || die "$1: the reason file does not say '$2'"
    no_leftovers "$1"
}
requests() { grep -c '"GET ' "$T/server.log" || true; }

sums "$good_sum"
before="$(requests)"
install mips64el
refused "unknown architecture" "architecture 'mips64el' non prise en charge"
[ ! -e "$BIN" ] || die "unknown architecture: a binary was installed"
[ "$(requests)" = "$before" ] || die "unknown architecture: something was downloaded"
ok "unknown architecture (mips64el): refused before any download, reason logged and kept"

install armhf armv6l
refused "ARMv6" "processeur ARMv6 .*non pris en charge"
[ ! -e "$BIN" ] || die "ARMv6: a binary was installed"
ok "ARMv6 board (armhf userland, armv6l CPU): refused, the armhf binary is ARMv7"

install arm64
refused "missing asset" "jeedomconnectd-$VERSION-arm64 absent de la publication v$VERSION (.*HTTP 404)"
[ ! -e "$BIN" ] || die "missing asset: a binary was installed"
ok "missing asset: HTTP 404 reported with the asset's name and release"

sums "$bad_sum"
install amd64
refused "wrong checksum" "somme de contrôle SHA-256 incorrecte .*attendue $bad_sum, reçue $good_sum"
[ ! -e "$BIN" ] || die "wrong checksum: the binary was installed"
ok "wrong checksum: refused, expected and received SHA-256 in the log, no file left"

sums "$good_sum"
install amd64 x "http://127.0.0.1:$DEAD_PORT"
refused "no network" "téléchargement impossible de http://127.0.0.1:$DEAD_PORT/v$VERSION/jeedomconnectd-$VERSION-amd64"
ok "no network (closed port): download failure reported"

install armhf armv7l
refused "wrong version" "'jeedomconnectd --version' donne '0.0.1', attendu '$VERSION'"
[ ! -e "$BIN" ] || die "wrong version: the binary was installed"
ok "binary of another version (right checksum): refused by the --version check"

# the package's own record of its release (resources/RELEASE_URL, as the release workflow writes it), no override
echo "http://127.0.0.1:$PORT/" > "$P/resources/RELEASE_URL"
install amd64 x ""
[ "$rc" -eq 0 ] || die "good binary: install failed"
grep -q "jeedomconnectd $VERSION installé (amd64)" "$T/out" || die "good binary: no success line"
[ "$(sha256sum "$BIN" | cut -d' ' -f1)" = "$good_sum" ] || die "good binary: installed file differs"
"$BIN" --version | grep -qx "jeedomconnectd $VERSION" || die "good binary: installed file does not run"
[ ! -e "$BIN.install-error" ] || die "good binary: the previous failure's reason is still shown"
no_leftovers "good binary"
grep -q "\]\[ERROR\] : programme d'envoi des notifications non installé : architecture 'x' sans programme publié" "$T/out" \
    || die "good binary: no [ERROR] line for the notification sender of an unknown machine"
ok "good binary: downloaded, checked, installed; the previous failure's reason cleared; an unknown machine's missing notification sender does not fail it"

install amd64
[ "$rc" -eq 0 ] && grep -q "déjà en place" "$T/out" || die "second run: not recognised as installed"
ok "second run: already installed, nothing downloaded again"

# An update whose binary cannot be had keeps the installed one intact, and says why the daemon cannot start.
sed -i "s/\"version\":\"$VERSION\"/\"version\":\"9.9.9\"/" "$P/plugin_info/version.json"
install amd64
refused "update without binary" "aucune somme SHA-256 pour jeedomconnectd-9.9.9-amd64"
[ "$(sha256sum "$BIN" | cut -d' ' -f1)" = "$good_sum" ] || die "update without binary: the installed binary changed"
cp plugin_info/version.json "$P/plugin_info/"
ok "update with no published binary: refused, previous binary untouched"

# A package that carries the binary installs it without the network.
rm -f "$BIN"
cp "$GOOD" "$P/resources/bin/jeedomconnectd-amd64"
install amd64 x "http://127.0.0.1:$DEAD_PORT"
[ "$rc" -eq 0 ] && grep -q "binaire fourni avec le plugin" "$T/out" || die "shipped binary: not installed"
[ "$(sha256sum "$BIN" | cut -d' ' -f1)" = "$good_sum" ] || die "shipped binary: installed file differs"
ok "binary shipped in resources/bin: checked and installed without network"

echo "== notification sender program (resources/install_sendnotif.sh, run by install_daemon.sh)"
TAG="$(sed -n 's/^TAG=\(.*\)$/\1/p' resources/install_sendnotif.sh)"
grep -q "const BIN_TAG = '$TAG';" core/class/JeedomConnectNotifSender.class.php \
    || die "resources/install_sendnotif.sh's TAG ($TAG) is not JeedomConnectNotifSender::BIN_TAG"
[ "$TAG" = vNotif_2 ] || die "sender program tag: $TAG, Jeedom Connect's is vNotif_2"
grep -q '^BASE_URL="${JEEDOMCONNECT_SENDNOTIF_URL:-https://github.com/JeedomConnect-Team/JeedomConnect/releases/download}"$' \
    resources/install_sendnotif.sh || die "install_sendnotif.sh: not JeedomConnect-Team's release by default"
ok "sender program: tag $TAG as the plugin's sender, JeedomConnect-Team's release by default"
NOTIF="$P/resources/sendNotif"
mkdir -p "$T/www/notif/$TAG"
printf '#!/bin/sh\necho "response: {}"\n' > "$T/www/notif/$TAG/sendNotif_x64"
notif_sum="$(sha256sum "$T/www/notif/$TAG/sendNotif_x64" | cut -d' ' -f1)"
notif_leftovers() {
    local left
    left="$(find "$NOTIF" -name '.sendNotif.new*' 2>/dev/null)"
    [ -z "$left" ] || die "$1: partial file left: $left"
}

before="$(requests)"
install amd64 aarch64
[ "$rc" -eq 0 ] || die "sender 404: the daemon install failed"
grep -q "\]\[ERROR\] : programme d'envoi des notifications non installé : sendNotif_arm64 absent de la publication $TAG .*http://127.0.0.1:$PORT/notif/$TAG/sendNotif_arm64 : HTTP 404" "$T/out" \
    || die "sender 404: no [ERROR] line naming the asset, the release and HTTP 404"
grep -q "jeedomconnectd $VERSION déjà en place" "$T/out" || die "sender 404: the daemon part did not run"
[ -z "$(ls -A "$NOTIF")" ] || die "sender 404: something was left in $NOTIF: $(ls -A "$NOTIF")"
[ "$(requests)" = "$((before + 1))" ] || die "sender 404: expected one request"
ok "sender program missing from the release (HTTP 404): one clear [ERROR] line, nothing left, the daemon install succeeds"

SENDNOTIF_URL="http://127.0.0.1:$DEAD_PORT" install amd64 x86_64
[ "$rc" -eq 0 ] || die "sender no network: the daemon install failed"
grep -q "\]\[ERROR\] : programme d'envoi des notifications non installé : téléchargement impossible de http://127.0.0.1:$DEAD_PORT/$TAG/sendNotif_x64" "$T/out" \
    || die "sender no network: no [ERROR] line"
[ -z "$(ls -A "$NOTIF")" ] || die "sender no network: something was left in $NOTIF"
ok "sender program, no network (closed port): one clear [ERROR] line, nothing left, the daemon install succeeds"

install amd64 x86_64
[ "$rc" -eq 0 ] || die "sender download: the daemon install failed"
[ -x "$NOTIF/${TAG}_sendNotif_x64" ] || die "sender download: $NOTIF/${TAG}_sendNotif_x64 missing or not executable"
[ "$(sha256sum "$NOTIF/${TAG}_sendNotif_x64" | cut -d' ' -f1)" = "$notif_sum" ] || die "sender download: the file differs"
grep -q "\[INFO\] : programme d'envoi des notifications installé : .*/resources/sendNotif/${TAG}_sendNotif_x64" "$T/out" \
    || die "sender download: no success line"
! grep -q "ERROR" "$T/out" || die "sender download: an error was logged"
notif_leftovers "sender download"
ok "sender program downloaded from the release to resources/sendNotif/${TAG}_sendNotif_x64, executable"

# a program already there (an update over the previous plugin, a takeover) is kept as it is, without a request
printf 'the previous plugin s program\n' > "$NOTIF/${TAG}_sendNotif_x64"
chmod 700 "$NOTIF/${TAG}_sendNotif_x64"
kept="$(stat -c '%a %s %Y' "$NOTIF/${TAG}_sendNotif_x64") $(sha256sum "$NOTIF/${TAG}_sendNotif_x64" | cut -d' ' -f1)"
before="$(requests)"
install amd64 x86_64
[ "$rc" -eq 0 ] && grep -q "programme d'envoi des notifications déjà en place" "$T/out" || die "sender takeover: not recognised as in place"
[ "$(stat -c '%a %s %Y' "$NOTIF/${TAG}_sendNotif_x64") $(sha256sum "$NOTIF/${TAG}_sendNotif_x64" | cut -d' ' -f1)" = "$kept" ] \
    || die "sender takeover: the existing program was changed"
[ "$(requests)" = "$before" ] || die "sender takeover: something was downloaded"
ok "sender program already in place (takeover): kept untouched, nothing downloaded"

echo "== release workflow in step with tools/release.sh"
WF=.github/workflows/release.yml
grep -qx '        run: bash tools/release.sh --sums-to-repo' "$WF" || die "$WF does not run 'bash tools/release.sh --sums-to-repo'"
[ "$(grep -v 'sh.rustup.rs' "$WF" | grep -c 'cargo \|zigbuild\|--targets\|--profile\|--no-smoke')" = 0 ] \
    || die "$WF builds by itself or narrows tools/release.sh (targets, profile, smoke tests)"
grep -q 'dist/jeedomconnectd-\*' "$WF" && grep -q 'dist/SHA256SUMS' "$WF" && grep -q 'git add resources/SHA256SUMS' "$WF" \
    || die "$WF does not attach dist/jeedomconnectd-* and dist/SHA256SUMS and commit resources/SHA256SUMS"
ok "release workflow: builds only through tools/release.sh (all targets, smoke tests), attaches its files, commits its sums"

echo "== arm64 release binary under qemu-user (Debian 11 and 12)"
start=$(date +%s)
# No debug info: a third less to compile and link, and a 20 MB binary instead of 90 MB for qemu to load.
CARGO_PROFILE_DEV_DEBUG=0 bash tools/release.sh --targets arm64 --profile debug --out "$T/dist" --debian "11 12"
[ -s "$T/dist/SHA256SUMS" ] && (cd "$T/dist" && sha256sum -c --quiet SHA256SUMS) || die "release: SHA256SUMS missing or wrong"
ok "arm64 jeedomconnectd built by tools/release.sh, SHA256SUMS right, smoke test passed on Debian 11 and 12 ($(( $(date +%s) - start )) s)"

echo "release: $passed passed, 0 failed"
