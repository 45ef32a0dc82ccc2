#!/usr/bin/env bash
# Fetches Debian's C runtime (libc6, libgcc-s1) of one release and architecture into a directory, for running a
# cross-built binary under qemu-user with `-L <dir>`. Uses a private apt state under the cache directory: the
# machine's own apt configuration is never read for sources nor written.
#   tools/release/sysroot.sh <debian: 11|12> <arch: amd64|arm64|armhf> <cache dir>   -> prints the sysroot path
set -euo pipefail
debian="$1" arch="$2" cache="$3"
case "$debian" in
    11) suite=bullseye ;;
    12) suite=bookworm ;;
    *) echo "sysroot: Debian $debian is not one this script knows (11, 12)" >&2; exit 2 ;;
esac
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
root="$cache/sysroot-$suite-$arch"
if [ -f "$root/.complete" ]; then echo "$root"; exit 0; fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "sysroot: $keyring missing (Debian package debian-archive-keyring)" >&2; exit 1; }
state="$cache/apt-$suite-$arch"
rm -rf "$state" "$root"
mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/etc/apt.conf.d" "$state/etc/preferences.d" \
    "$state/etc/trusted.gpg.d" "$state/debs"
: > "$state/status"
echo "deb [arch=$arch signed-by=$keyring] $mirror $suite main" > "$state/etc/sources.list"
apt_private=(
    -o "Dir::Etc=$state/etc" -o "Dir::Etc::SourceList=$state/etc/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::Etc::Parts=$state/etc/apt.conf.d" -o "Dir::Etc::PreferencesParts=$state/etc/preferences.d"
    -o "Dir::Etc::TrustedParts=$state/etc/trusted.gpg.d"
    -o "Dir::State=$state" -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status"
    -o "Dir::Cache=$state" -o "Dir::Cache::Archives=$state/archives"
    -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root"
)
apt-get "${apt_private[@]}" -qq update >&2
(cd "$state/debs" && apt-get "${apt_private[@]}" -qq download "libc6:$arch" "libgcc-s1:$arch" >&2)
mkdir -p "$root"
for deb in "$state/debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done
# Absolute symlinks (e.g. /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-2.31.so) would lead qemu to the
# host's files: point them inside the sysroot.
find "$root" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
    ln -sfn "$root$(readlink "$link")" "$link"
done
ls "$state/debs" > "$root/.complete"
rm -rf "$state"
echo "$root"
