#!/usr/bin/env bash
# Copies this checkout's plugin into the rig's core (tests/jeedom/up.sh), as a market install lays it out: the
# plugin's files under plugins/JeedomConnect (no target/, .git, tests/), and our daemon build offered to
# resources/install_daemon.sh as the prebuilt binary for this architecture. Run again after a change to refresh a
# running rig (the daemon binary is then put in place directly).   bash tests/jeedom/sync-plugin.sh <T>
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
T=$1
. "$T/env"
PLUGIN="$JC_WEB/plugins/JeedomConnect"
cargo build --quiet --bin jeedomconnectd
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | php -r 'echo json_decode(stream_get_contents(STDIN), true)["target_directory"];')
mkdir -p "$PLUGIN"
tar -C "$REPO" --exclude=./target --exclude=./.git --exclude=./tests --exclude=./data --exclude=./resources/bin -cf - . | tar -C "$PLUGIN" -xf -
ARCH=$(dpkg --print-architecture 2>/dev/null || uname -m)
case "$ARCH" in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; armv7l|armv6l) ARCH=armhf ;; esac
mkdir -p "$PLUGIN/resources/bin"
install -m 755 "$TARGET_DIR/debug/jeedomconnectd" "$PLUGIN/resources/bin/jeedomconnectd-$ARCH"
if [ -x "$PLUGIN/resources/bin/jeedomconnectd" ]; then
    install -m 755 "$TARGET_DIR/debug/jeedomconnectd" "$PLUGIN/resources/bin/jeedomconnectd.new"
    mv -f "$PLUGIN/resources/bin/jeedomconnectd.new" "$PLUGIN/resources/bin/jeedomconnectd"
fi
chown -R "$JC_WEB_USER:$JC_WEB_USER" "$PLUGIN"
