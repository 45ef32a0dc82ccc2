#!/bin/bash
# JeedomConnect - puts the daemon binary resources/bin/jeedomconnectd in place (Jeedom packages.json post-install,
# run as root; its output is Jeedom's JeedomConnect_packages log). How releases are made: docs/release.md.
#  1. already installed at the plugin's version (plugin_info/version.json): nothing to do;
#  2. the box's architecture (dpkg: amd64, arm64, armhf on ARMv7 or later) picks the binary
#     jeedomconnectd-<version>-<arch>, whose SHA-256 is the one listed in resources/SHA256SUMS;
#  3. that binary comes from resources/bin/jeedomconnectd-<arch> when the package carries it, otherwise it is
#     downloaded from the project's release v<version> (base URL from resources/RELEASE_URL, which the release
#     workflow writes; $JEEDOMCONNECT_RELEASE_URL overrides it);
#  4. it is checked (SHA-256, then `--version` = the plugin's version) as a temporary file beside the target and only
#     then renamed over it: the target is the old binary or the new one, never a partial file;
#  5. when that fails and the box has cargo and the sources, the daemon is built from source instead.
# First, the previous plugin's Python daemon and environment (resources/venv, resources/JeedomConnectd) are removed.
# Then resources/install_sendnotif.sh puts the notification sender program in place when it is missing.
# On failure the reason goes to the log and to resources/bin/jeedomconnectd.install-error, which the plugin shows as
# the daemon's "not launchable" reason (JeedomConnectDaemon::info); a success removes that file.
# Test hooks: JEEDOMCONNECT_ARCH / JEEDOMCONNECT_MACHINE replace dpkg's and uname's answers, JEEDOMCONNECT_CARGO
# names cargo ("none": no build from source).
set -u
PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$PLUGIN_DIR/resources/bin"
TARGET="$BIN_DIR/jeedomconnectd"
ERROR_FILE="$TARGET.install-error"
SUMS="$PLUGIN_DIR/resources/SHA256SUMS"
# Where the release's files are: the package records its own release (resources/RELEASE_URL, written by the release
# workflow with the repository it ran in); JEEDOMCONNECT_RELEASE_URL overrides it.
RELEASE_URL="${JEEDOMCONNECT_RELEASE_URL:-$(head -n1 "$PLUGIN_DIR/resources/RELEASE_URL" 2>/dev/null | tr -d '[:space:]')}"
RELEASE_URL="${RELEASE_URL:-https://github.com/JeedomConnect/JeedomConnect/releases/download}"
RELEASE_URL="${RELEASE_URL%/}"
PROGRESS_FILE="${1:-/tmp/jeedom_install_in_progress_JeedomConnect}"
TMP=""

progress() { echo "$1" > "$PROGRESS_FILE" 2>/dev/null || true; }
log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')][INFO] : $*"; }
warn() { echo "[$(date '+%Y-%m-%d %H:%M:%S')][WARNING] : $*"; }
cleanup() { [ -n "$TMP" ] && rm -f "$TMP" "$TMP.err"; TMP=""; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
# The reason is kept for the daemon page, then the install stops; no partial file is left (cleanup).
fail() {
    echo "[$(date '+%Y-%m-%d %H:%M:%S')][ERROR] : $*"
    mkdir -p "$BIN_DIR" && printf '%s\n' "$*" > "$ERROR_FILE"
    rm -f "$PROGRESS_FILE"
    exit 1
}

want_version() {
    sed -n 's/.*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$PLUGIN_DIR/plugin_info/version.json" | head -1
}
binary_version() {
    [ -f "$1" ] && [ -x "$1" ] || return 0
    "$1" --version 2>/dev/null | sed -n 's/^jeedomconnectd[[:space:]]\+\([^[:space:]]*\).*/\1/p' | head -1
}
expected_sum() { # SHA-256 listed for a file name in resources/SHA256SUMS ('' if none)
    [ -f "$SUMS" ] || return 0
    awk -v f="$1" '{n=$2; sub(/^\*/, "", n)} n == f && $1 ~ /^[0-9a-f]{64}$/ {print $1; exit}' "$SUMS"
}
# Echoes the architecture of the release binary for this box, or fails with the reason it has none.
box_arch() {
    local arch machine
    arch="${JEEDOMCONNECT_ARCH:-$(dpkg --print-architecture 2>/dev/null || uname -m)}"
    machine="${JEEDOMCONNECT_MACHINE:-$(uname -m)}"
    case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; armv7l) arch=armhf ;; esac
    case "$arch" in
        amd64|arm64) echo "$arch" ;;
        armhf|armv6l|armel)
            # The armhf binary is ARMv7: an ARMv6 board (Raspberry Pi 1, Zero, Zero W) cannot run it.
            if [ "$arch" != armhf ] || [ "$machine" = armv6l ]; then
                echo "unsupported:processeur ARMv6 ($arch, $machine : Raspberry Pi 1, Zero) non pris en charge : le démon existe pour ARMv7 et plus récent (armhf), arm64 et amd64"
            else
                echo armhf
            fi ;;
        *) echo "unsupported:architecture '$arch' non prise en charge : le démon existe pour amd64, arm64 et armhf (ARMv7)" ;;
    esac
}
# cargo for a build from source, when the box has it and the sources are there ('' otherwise).
find_cargo() {
    [ -f "$PLUGIN_DIR/Cargo.toml" ] || return 0
    if [ -n "${JEEDOMCONNECT_CARGO:-}" ]; then
        [ "$JEEDOMCONNECT_CARGO" != none ] && [ -x "$JEEDOMCONNECT_CARGO" ] && echo "$JEEDOMCONNECT_CARGO"
        return 0
    fi
    local c
    for c in "$(command -v cargo)" "$HOME/.cargo/bin/cargo" /root/.cargo/bin/cargo /usr/local/cargo/bin/cargo; do
        [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
    done
}
# Checks the temporary file $TMP and renames it over the target; on refusal sets REASON and returns 1.
install_tmp() {
    local what="$1" want_sum="$2" got_sum got
    if [ -n "$want_sum" ]; then
        got_sum="$(sha256sum "$TMP" | cut -d' ' -f1)"
        if [ "$got_sum" != "$want_sum" ]; then
            REASON="somme de contrôle SHA-256 incorrecte pour $what (attendue $want_sum, reçue $got_sum) : binaire refusé"
            return 1
        fi
    fi
    chmod 755 "$TMP"
    got="$(binary_version "$TMP")"
    if [ "$got" != "$WANT" ]; then
        REASON="$what : 'jeedomconnectd --version' donne '${got:-rien (ne démarre pas sur cette machine)}', attendu '$WANT' : binaire refusé"
        return 1
    fi
    if ! mv -f "$TMP" "$TARGET"; then
        REASON="impossible de remplacer $TARGET"
        return 1
    fi
    TMP=""
    return 0
}

progress 0
# The Python daemon of the plugin this one replaces (same id, docs/layout-storage.md) and its environment are never
# used here: removed (as root, whoever created them), whatever happens next.
for old in "$PLUGIN_DIR/resources/venv" "$PLUGIN_DIR/resources/JeedomConnectd"; do
    if [ -e "$old" ]; then
        rm -rf -- "$old" && log "ancien environnement Python supprimé : ${old#"$PLUGIN_DIR"/}" \
            || warn "impossible de supprimer ${old#"$PLUGIN_DIR"/}"
    fi
done
# Jeedom Connect's notification sender program, when missing; never fails this install (its own failures are logged).
bash "$PLUGIN_DIR/resources/install_sendnotif.sh" || warn "resources/install_sendnotif.sh a échoué : voir ci-dessus"
WANT="$(want_version)"
[ -n "$WANT" ] || fail "plugin_info/version.json : version introuvable"
if [ "$(binary_version "$TARGET")" = "$WANT" ]; then
    rm -f "$ERROR_FILE"
    log "jeedomconnectd $WANT déjà en place"
    progress 100; rm -f "$PROGRESS_FILE"; exit 0
fi
mkdir -p "$BIN_DIR" || fail "impossible de créer $BIN_DIR"
# Leftovers of an install that was killed (power cut): never used, always removed.
rm -f "$BIN_DIR"/.jeedomconnectd.new.*

ARCH="$(box_arch)"
REASON=""
progress 10
if [ "${ARCH#unsupported:}" != "$ARCH" ]; then
    REASON="${ARCH#unsupported:}"
else
    ASSET="jeedomconnectd-$WANT-$ARCH"
    SUM="$(expected_sum "$ASSET")"
    SHIPPED="$BIN_DIR/jeedomconnectd-$ARCH"
    TMP="$(mktemp "$BIN_DIR/.jeedomconnectd.new.XXXXXX")" || fail "impossible d'écrire dans $BIN_DIR"
    if [ -z "$SUM" ]; then
        REASON="aucune somme SHA-256 pour $ASSET dans resources/SHA256SUMS : ce paquet du plugin n'a pas de binaire publié pour $ARCH"
    elif [ -f "$SHIPPED" ]; then
        log "binaire fourni avec le plugin pour $ARCH : $SHIPPED"
        cp -f "$SHIPPED" "$TMP" || REASON="copie de $SHIPPED impossible"
        [ -n "$REASON" ] || install_tmp "$SHIPPED" "$SUM"
    else
        URL="$RELEASE_URL/v$WANT/$ASSET"
        log "téléchargement de $URL"
        progress 30
        if command -v curl >/dev/null; then
            code="$(curl --silent --show-error --location --connect-timeout 15 --max-time 600 --retry 2 \
                --output "$TMP" --write-out '%{http_code}' "$URL" 2>"$TMP.err")"
            rc=$?
            err="$(head -c 300 "$TMP.err" 2>/dev/null)"; rm -f "$TMP.err"
        else
            code=000; rc=127; err="curl est absent"
        fi
        if [ "$rc" -ne 0 ]; then
            REASON="téléchargement impossible de $URL (pas de réseau ? $err)"
        elif [ "$code" = 404 ]; then
            REASON="$ASSET absent de la publication v$WANT ($URL : HTTP 404)"
        elif [ "$code" != 200 ]; then
            REASON="téléchargement de $URL refusé : HTTP $code"
        else
            progress 60
            install_tmp "$URL" "$SUM"
        fi
    fi
fi

if [ -n "$REASON" ]; then
    cleanup
    CARGO="$(find_cargo)"
    if [ -z "$CARGO" ]; then
        [ -f "$PLUGIN_DIR/Cargo.toml" ] && why="cargo absent" || why="sources du démon absentes"
        fail "$REASON ; pas de construction depuis les sources ($why) : le démon ne peut pas être installé"
    fi
    warn "$REASON ; construction depuis les sources avec $CARGO"
    progress 70
    (cd "$PLUGIN_DIR" && "$CARGO" build --release --locked -p jeedomconnectd --bin jeedomconnectd 2>&1) \
        || fail "$REASON ; la construction depuis les sources a échoué (cargo build)"
    TMP="$(mktemp "$BIN_DIR/.jeedomconnectd.new.XXXXXX")" || fail "impossible d'écrire dans $BIN_DIR"
    cp -f "$PLUGIN_DIR/target/release/jeedomconnectd" "$TMP" || fail "copie du binaire construit impossible"
    install_tmp "binaire construit depuis les sources" "" || fail "$REASON"
fi
progress 90
id www-data >/dev/null 2>&1 && chown www-data:www-data "$TARGET" "$BIN_DIR" 2>/dev/null
rm -f "$ERROR_FILE"
log "jeedomconnectd $(binary_version "$TARGET") installé ($ARCH)"
progress 100
rm -f "$PROGRESS_FILE"
exit 0
