#!/bin/bash
# JeedomConnect - puts Jeedom Connect's notification sender program in place (docs/notifications.md, "Transport"):
# resources/sendNotif/<tag>_<asset>, downloaded from JeedomConnect-Team's release <tag> when it is missing. Run by
# resources/install_daemon.sh (the dependency install, as root; its output is the JeedomConnect_packages log).
#  - a program already there (an update over the previous plugin keeps resources/sendNotif/) is left untouched;
#  - the asset follows the machine (uname -m), as the plugin's sender picks it (JeedomConnectNotifSender::asset);
#  - the download goes to a temporary file beside the target, made executable, then renamed over it: never a
#    partial program at the path the plugin runs.
# Never fails the dependency install: every failure is one [ERROR] line saying why and what it means (the
# notifications then answer their own clear error), and the script exits 0.
# Test hooks: JEEDOMCONNECT_SENDNOTIF_URL replaces the release base URL, JEEDOMCONNECT_MACHINE uname's answer.
set -u
PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Release tag of the program: JeedomConnectNotifSender::BIN_TAG (tests/release/run.sh checks they agree).
TAG=vNotif_2
DIR="$PLUGIN_DIR/resources/sendNotif"
BASE_URL="${JEEDOMCONNECT_SENDNOTIF_URL:-https://github.com/JeedomConnect-Team/JeedomConnect/releases/download}"
BASE_URL="${BASE_URL%/}"
TMP=""

log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')][INFO] : $*"; }
cleanup() { [ -n "$TMP" ] && rm -f "$TMP" "$TMP.err"; TMP=""; }
trap cleanup EXIT
trap 'exit 0' INT TERM HUP
give_up() {
    echo "[$(date '+%Y-%m-%d %H:%M:%S')][ERROR] : programme d'envoi des notifications non installé : $* ; les notifications" \
        "ne pourront pas être envoyées tant qu'il manque (relancez l'installation des dépendances, ou voir la documentation" \
        "du plugin, page notifications)"
    cleanup
    exit 0
}

machine="${JEEDOMCONNECT_MACHINE:-$(uname -m)}"
case "$machine" in
    x86_64) ASSET=sendNotif_x64 ;;
    aarch64) ASSET=sendNotif_arm64 ;;
    armv7l) ASSET=sendNotif_arm ;;
    i686) ASSET=sendNotif_x32 ;;
    *) give_up "architecture '$machine' sans programme publié par Jeedom Connect (x86_64, aarch64, armv7l, i686)" ;;
esac
TARGET="$DIR/${TAG}_$ASSET"
if [ -e "$TARGET" ]; then
    log "programme d'envoi des notifications déjà en place ($TARGET)"
    exit 0
fi
mkdir -p "$DIR" || give_up "impossible de créer $DIR"
# Leftovers of a download that was killed: never used, always removed.
rm -f "$DIR"/.sendNotif.new.*
TMP="$(mktemp "$DIR/.sendNotif.new.XXXXXX")" || give_up "impossible d'écrire dans $DIR"
URL="$BASE_URL/$TAG/$ASSET"
log "téléchargement du programme d'envoi des notifications : $URL"
if ! command -v curl >/dev/null; then
    give_up "curl est absent"
fi
code="$(curl --silent --show-error --location --connect-timeout 15 --max-time 300 --retry 2 \
    --output "$TMP" --write-out '%{http_code}' "$URL" 2>"$TMP.err")"
rc=$?
err="$(head -c 300 "$TMP.err" 2>/dev/null)"; rm -f "$TMP.err"
if [ "$rc" -ne 0 ]; then
    give_up "téléchargement impossible de $URL (pas de réseau ? $err)"
elif [ "$code" = 404 ]; then
    give_up "$ASSET absent de la publication $TAG de Jeedom Connect ($URL : HTTP 404)"
elif [ "$code" != 200 ]; then
    give_up "téléchargement de $URL refusé : HTTP $code"
elif [ ! -s "$TMP" ]; then
    give_up "$URL : fichier vide"
fi
chmod 755 "$TMP" || give_up "impossible de rendre $TMP exécutable"
mv -f "$TMP" "$TARGET" || give_up "impossible de créer $TARGET"
TMP=""
id www-data >/dev/null 2>&1 && chown www-data:www-data "$DIR" "$TARGET" 2>/dev/null
log "programme d'envoi des notifications installé : $TARGET"
exit 0
