#!/bin/bash
# The side-by-side benchmark: jeedomconnectd, nchan and the bare broadcast server, same client, same frames
# (tools/bench/src/compare.rs). Builds the release binaries, unpacks Debian's nginx and libnginx-mod-nchan into a
# temporary directory (`apt-get download` + `dpkg -x`: nothing is installed, no service is started), and runs the
# bench in its own network namespace when it may (loopback only either way). Arguments go to
# `jeedomconnect-bench compare` (e.g. --out BENCHMARKS.md, --clients 1000 --rate 10 --secs 10).
# Needs valgrind for the instruction counts (or pass --no-callgrind).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || {
    echo "valgrind is needed for the instruction counts: apt-get install valgrind (or pass --no-callgrind)" >&2
}
cargo build --release -p jeedomconnectd -p jeedomconnect-bench
work=$(mktemp -d /tmp/jcd-nchan.XXXXXX)
trap 'rm -rf "$work"' EXIT
nchan=()
if (cd "$work" && apt-get download nginx libnginx-mod-nchan >/dev/null 2>&1); then
    for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
    nchan=(--nchan-root "$work/root")
else
    echo "could not fetch nginx/libnginx-mod-nchan with apt-get download: nchan is skipped" >&2
fi
bench=(target/release/jeedomconnect-bench compare "${nchan[@]}" "$@")
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh "${bench[@]}"
fi
exec "${bench[@]}"
