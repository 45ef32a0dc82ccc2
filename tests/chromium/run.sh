#!/usr/bin/env bash
# Loads the demo page in headless Chromium, once per mode (WebSocket, SSE, polling), and checks that a value change
# appears on the page and that the page's button runs a command. The page, opened with ?check=1, watches its own
# DOM and reports what it saw through the demo's simulated Jeedom, which prints "page check ok: mode=…".
# Debian's chromium comes from tests/install-deps.sh. Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v chromium >/dev/null 2>&1 || { echo "chromium missing (bash tests/install-deps.sh)" >&2; exit 1; }

cargo build --quiet -p jeedomconnect-demo
bin=target/debug/jeedomconnect-demo
work=$(mktemp -d)
demo_pid=""
chrome_pid=""
cleanup() {
    [ -n "$chrome_pid" ] && kill "$chrome_pid" 2>/dev/null || true
    [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true
    [ -n "$demo_pid" ] && wait "$demo_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the demo takes a free port and prints its URLs.
"$bin" --bind 127.0.0.1 --websocketport 0 --loglevel info --tick-ms 500 >"$work/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 1 100); do
    grep -q "device apiKey" "$work/demo.log" && break
    kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.log"; echo "the demo did not start" >&2; exit 1; }
    sleep 0.1
done
grep -q "device apiKey" "$work/demo.log" || { cat "$work/demo.log"; echo "the demo did not start in time" >&2; exit 1; }
port=$(sed -n 's|.*web page *http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/demo.log" | head -1)
[ -n "$port" ] || { cat "$work/demo.log"; echo "no port in the demo's banner" >&2; exit 1; }

failed=0
for mode in ws sse polling; do
    profile=$(mktemp -d "$work/profile-XXXX")
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --disable-dev-shm-usage --remote-debugging-port=0 \
        --user-data-dir="$profile" "http://127.0.0.1:$port/?mode=$mode&check=1" >"$work/chromium-$mode.log" 2>&1 &
    chrome_pid=$!
    verdict=""
    for _ in $(seq 1 400); do  # 40 s at most; the page gives up after 25 s
        verdict=$(grep -E "page check (ok|FAILED): mode=$mode " "$work/demo.log" | head -1 || true)
        [ -n "$verdict" ] && break
        kill -0 "$chrome_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$chrome_pid" 2>/dev/null || true
    wait "$chrome_pid" 2>/dev/null || true
    chrome_pid=""
    case "$verdict" in
        "page check ok"*) echo "chromium $mode: $verdict" ;;
        *)
            failed=1
            echo "chromium $mode: FAILED (${verdict:-no report from the page})" >&2
            tail -20 "$work/chromium-$mode.log" >&2 || true
            ;;
    esac
done
if [ "$failed" -ne 0 ]; then
    echo "--- demo log" >&2
    tail -40 "$work/demo.log" >&2
    echo "chromium: 0 passed, 1 failed"
    exit 1
fi
echo "chromium: 3 passed, 0 failed"
