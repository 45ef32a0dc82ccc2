#!/bin/bash
# JeedomConnect - puts the daemon binary in place (Jeedom packages.json post-install, run as root).
# 1. a prebuilt resources/bin/jeedomconnectd-<arch> (arch = dpkg architecture: amd64, arm64, armhf) is used when shipped;
# 2. otherwise the daemon is built from source with cargo at the plugin root (Cargo.toml);
# then it checks that `jeedomconnectd --version` prints the plugin version (plugin_info/version.json).
set -u
PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$PLUGIN_DIR/resources/bin"
TARGET="$BIN_DIR/jeedomconnectd"
PROGRESS_FILE="${1:-/tmp/jeedom_install_in_progress_JeedomConnect}"

progress() { echo "$1" > "$PROGRESS_FILE" 2>/dev/null || true; }
log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')][INFO] : $*"; }
fail() { echo "[$(date '+%Y-%m-%d %H:%M:%S')][ERROR] : $*"; rm -f "$PROGRESS_FILE"; exit 1; }

want_version() {
    sed -n 's/.*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$PLUGIN_DIR/plugin_info/version.json" | head -1
}
crate_version() {
    [ -f "$PLUGIN_DIR/Cargo.toml" ] || return 0
    awk '/^\[package\]/{p=1;next} /^\[/{p=0} p && /^version[[:space:]]*=/{gsub(/.*=[[:space:]]*"|".*/,"");print;exit}' "$PLUGIN_DIR/Cargo.toml"
}
binary_version() {
    [ -x "$1" ] || return 0
    "$1" --version 2>/dev/null | sed -n 's/^jeedomconnectd[[:space:]]\+\([^[:space:]]*\).*/\1/p' | head -1
}

progress 0
WANT="$(want_version)"
[ -n "$WANT" ] || fail "plugin_info/version.json: version introuvable"
CRATE="$(crate_version)"
if [ -n "$CRATE" ] && [ "$CRATE" != "$WANT" ]; then
    log "attention : Cargo.toml est en $CRATE, le plugin en $WANT"
fi
if [ "$(binary_version "$TARGET")" = "$WANT" ]; then
    log "jeedomconnectd $WANT déjà en place"
    progress 100; rm -f "$PROGRESS_FILE"; exit 0
fi
mkdir -p "$BIN_DIR"
ARCH="$(dpkg --print-architecture 2>/dev/null || uname -m)"
case "$ARCH" in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; armv7l|armv6l) ARCH=armhf ;; esac
PREBUILT="$BIN_DIR/jeedomconnectd-$ARCH"
progress 20
if [ -f "$PREBUILT" ] && [ "$(chmod 755 "$PREBUILT"; binary_version "$PREBUILT")" = "$WANT" ]; then
    log "binaire précompilé pour $ARCH"
    cp -f "$PREBUILT" "$TARGET.new" && mv -f "$TARGET.new" "$TARGET"
else
    CARGO="$(command -v cargo || true)"
    for c in "$HOME/.cargo/bin/cargo" /root/.cargo/bin/cargo /usr/local/cargo/bin/cargo; do
        [ -z "$CARGO" ] && [ -x "$c" ] && CARGO="$c"
    done
    [ -n "$CARGO" ] || fail "pas de binaire précompilé pour $ARCH et cargo est absent : impossible de construire le démon"
    [ -f "$PLUGIN_DIR/Cargo.toml" ] || fail "sources du démon absentes (Cargo.toml)"
    log "construction du démon depuis les sources ($CARGO build --release)"
    progress 40
    (cd "$PLUGIN_DIR" && "$CARGO" build --release --locked 2>&1 || "$CARGO" build --release 2>&1) || fail "échec de cargo build"
    cp -f "$PLUGIN_DIR/target/release/jeedomconnectd" "$TARGET.new" && mv -f "$TARGET.new" "$TARGET" || fail "copie du binaire impossible"
fi
progress 90
chmod 755 "$TARGET"
id www-data >/dev/null 2>&1 && chown www-data:www-data "$TARGET" "$BIN_DIR" 2>/dev/null
GOT="$(binary_version "$TARGET")"
[ "$GOT" = "$WANT" ] || fail "jeedomconnectd --version donne '$GOT', attendu '$WANT'"
log "jeedomconnectd $GOT installé"
progress 100
rm -f "$PROGRESS_FILE"
exit 0
