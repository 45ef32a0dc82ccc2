#!/usr/bin/env bash
# Release build of the daemon: jeedomconnectd for every Jeedom box (amd64, arm64, armhf = ARMv7), each linked
# against glibc <= 2.28 with zig (cargo-zigbuild), a pinned Rust toolchain; writes <out>/SHA256SUMS and smoke-tests
# every binary under qemu-user on Debian 11's and Debian 12's own libc. The choices are explained in docs/release.md.
#
#   tools/release.sh                          # all targets, release profile, into dist/, smoke tests on Debian 11+12
#   tools/release.sh --targets arm64 --profile debug --out /tmp/x   # what the test suite runs
#   tools/release.sh --sums-to-repo           # also copy SHA256SUMS to resources/SHA256SUMS (the release workflow)
#
# Installs what it needs when missing: the Rust toolchain and targets (rustup), zig + cargo-zigbuild (pinned, in a
# private Python venv), qemu-user and debian-archive-keyring (apt, as root), Debian's libc6/libgcc-s1 debs (private
# apt state, see tools/release/sysroot.sh). Nothing else on the machine is changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

RUST_TOOLCHAIN="${RUST_TOOLCHAIN:-1.95.0}"
ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1
GLIBC_MAX=2.28
CACHE="${JC_RELEASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jeedomconnect-release}"

targets="amd64 arm64 armhf"
profile=release
out=dist
debians="11 12"
smoke=1
sums_to_repo=0
while [ $# -gt 0 ]; do
    case "$1" in
        --targets) targets="$2"; shift 2 ;;
        --profile) profile="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --debian) debians="$2"; shift 2 ;;
        --no-smoke) smoke=0; shift ;;
        --sums-to-repo) sums_to_repo=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "release: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$profile" in release|debug) ;; *) echo "release: --profile is release or debug" >&2; exit 2 ;; esac

say() { echo "release: $*" >&2; }
die() { echo "release: ERROR: $*" >&2; exit 1; }

# arch (Debian name) -> Rust target, ELF machine, qemu command
triple() {
    case "$1" in
        amd64) echo x86_64-unknown-linux-gnu ;;
        arm64) echo aarch64-unknown-linux-gnu ;;
        armhf) echo armv7-unknown-linux-gnueabihf ;;
        *) die "unknown target '$1' (amd64, arm64, armhf)" ;;
    esac
}
elf_machine() {
    case "$1" in amd64) echo "Advanced Micro Devices X86-64" ;; arm64) echo AArch64 ;; armhf) echo ARM ;; esac
}
qemu_cmd() {
    case "$1" in
        amd64) echo "qemu-x86_64" ;;
        arm64) echo "qemu-aarch64 -cpu cortex-a53" ;;
        armhf) echo "qemu-arm -cpu cortex-a7" ;;
    esac
}

for a in $targets; do triple "$a" >/dev/null; done

apt_install() {
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages: $* (run as root or: sudo apt-get install $*)"
    say "installing Debian packages: $*"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---- toolchain
command -v rustup >/dev/null || die "rustup is needed (https://rustup.rs), the toolchain is pinned to $RUST_TOOLCHAIN"
if ! rustup run "$RUST_TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    say "installing Rust $RUST_TOOLCHAIN"
    rustup toolchain install "$RUST_TOOLCHAIN" --profile minimal >&2
fi
triples=""
for a in $targets; do triples="$triples $(triple "$a")"; done
# The daemon's version as cargo sees it (a version of its own or the workspace's).
version="$(cargo "+$RUST_TOOLCHAIN" metadata --no-deps --format-version 1 --manifest-path "$ROOT/Cargo.toml" |
    python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "jeedomconnectd"))')" \
    || die "cargo metadata: no jeedomconnectd package"
plugin_version="$(sed -n 's/.*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' plugin_info/version.json | head -1)"
[ "$version" = "$plugin_version" ] || die "jeedomconnectd is $version but plugin_info/version.json is $plugin_version: the installer checks that they are equal"
# shellcheck disable=SC2086
rustup target add --toolchain "$RUST_TOOLCHAIN" $triples >&2 2>/dev/null || rustup target add --toolchain "$RUST_TOOLCHAIN" $triples >&2

venv="$CACHE/venv-zig$ZIGLANG_VERSION-zigbuild$CARGO_ZIGBUILD_VERSION"
if [ ! -x "$venv/bin/cargo-zigbuild" ]; then
    say "installing ziglang $ZIGLANG_VERSION and cargo-zigbuild $CARGO_ZIGBUILD_VERSION (PyPI) into $venv"
    if ! python3 -m venv "$venv" >&2; then
        rm -rf "$venv"
        apt_install python3-venv
        python3 -m venv "$venv" >&2 || die "python3 -m venv failed"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION" >&2
fi
export PATH="$venv/bin:$PATH"

missing=()
command -v readelf >/dev/null || missing+=(binutils)
if [ "$smoke" = 1 ]; then
    for a in $targets; do
        q="$(qemu_cmd "$a")"; command -v "${q%% *}" >/dev/null || { missing+=(qemu-user); break; }
    done
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# ---- build
mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -f "$out"/jeedomconnectd-* "$out/SHA256SUMS"
cargo_profile=(); [ "$profile" = release ] && cargo_profile=(--release)
for a in $targets; do
    t="$(triple "$a")"
    say "building jeedomconnectd $version for $a ($t, glibc $GLIBC_MAX, $profile)"
    start=$(date +%s)
    cargo "+$RUST_TOOLCHAIN" zigbuild --locked -p jeedomconnectd --bin jeedomconnectd "${cargo_profile[@]}" \
        --target "$t.$GLIBC_MAX" --target-dir "$ROOT/target/cross" >&2
    bin="$out/jeedomconnectd-$version-$a"
    cp "$ROOT/target/cross/$t/$profile/jeedomconnectd" "$bin.tmp" && mv "$bin.tmp" "$bin"
    chmod 755 "$bin"
    machine="$(readelf -h "$bin" | sed -n 's/^ *Machine: *//p')"
    [ "$machine" = "$(elf_machine "$a")" ] || die "$bin is for '$machine', not $a"
    glibc="$(readelf -V "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
    [ "$(printf '%s\n%s\n' "$glibc" "$GLIBC_MAX" | sort -V | tail -1)" = "$GLIBC_MAX" ] \
        || die "$bin needs glibc $glibc, more than $GLIBC_MAX"
    say "$a: $(stat -c %s "$bin") bytes, needs glibc >= $glibc, built in $(( $(date +%s) - start )) s"
done
(cd "$out" && sha256sum jeedomconnectd-"$version"-* > SHA256SUMS)
if [ "$sums_to_repo" = 1 ]; then
    cp "$out/SHA256SUMS" "$ROOT/resources/SHA256SUMS"
    say "resources/SHA256SUMS written (commit it with the release)"
fi

# ---- smoke tests under qemu-user, on each Debian's own C library
if [ "$smoke" = 1 ]; then
    for a in $targets; do
        for d in $debians; do
            root="$("$ROOT/tools/release/sysroot.sh" "$d" "$a" "$CACHE")"
            # The binary's loader must come from that Debian, never from the host (qemu -L falls back to the host).
            interp="$(readelf -l "$out/jeedomconnectd-$version-$a" | sed -n 's/.*interpreter: \([^]]*\)\]/\1/p')"
            [ -e "$root$interp" ] || die "Debian $d $a: no $interp in $root"
            say "smoke test $a on Debian $d ($(cat "$root/.complete" | tr '\n' ' '))"
            # shellcheck disable=SC2046
            python3 "$ROOT/tools/release/smoke.py" --version "$version" -- $(qemu_cmd "$a") -L "$root" \
                "$out/jeedomconnectd-$version-$a" >&2 || die "smoke test of $a on Debian $d failed"
        done
    done
fi

echo "jeedomconnectd $version ($profile, Rust $RUST_TOOLCHAIN, zig $ZIGLANG_VERSION, glibc <= $GLIBC_MAX) in $out:"
for a in $targets; do
    printf '  %-6s %-32s %9s bytes\n' "$a" "$(triple "$a")" "$(stat -c %s "$out/jeedomconnectd-$version-$a")"
done
echo "SHA256SUMS:"
sed 's/^/  /' "$out/SHA256SUMS"
[ "$smoke" = 1 ] && echo "smoke tests passed under qemu-user on Debian $debians: --version, start, WebSocket CONNECT -> WELCOME, SIGTERM"
exit 0
