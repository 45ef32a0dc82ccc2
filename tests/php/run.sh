#!/bin/bash
# JeedomConnect PHP checks: installs what is missing (as root), php -l on every PHP file of the plugin, builds the
# daemon (cargo build), then runs PHPUnit against the fake Jeedom core with the real daemon binary.
set -eu
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"

PKGS="php-cli php-sqlite3 php-curl php-mbstring php-xml phpunit qrencode zbar-tools"
missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = "0" ]; then
        echo "installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq $missing >/dev/null
    else
        echo "missing Debian packages:$missing (run as root to install them)" >&2
    fi
fi

echo "== php -l"
lint_failed=0
while IFS= read -r -d '' f; do
    out="$(php -l "$f" 2>&1)" || { echo "$out"; lint_failed=1; }
done < <(find . -path ./target -prune -o -path ./.git -prune -o -name '*.php' -type f -print0)
[ "$lint_failed" = 0 ] || { echo "php -l failed"; exit 1; }
echo "php -l: ok"

echo "== cargo build"
if command -v cargo >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/cargo" ]; then
    CARGO="$(command -v cargo || echo "$HOME/.cargo/bin/cargo")"
    "$CARGO" build --quiet 2>&1 | tail -20 || echo "cargo build failed: daemon tests will fail"
else
    echo "cargo not found: daemon tests will fail"
fi

echo "== phpunit"
export JEEDOMCONNECTD_BIN="$REPO/target/debug/jeedomconnectd"
exec phpunit -c "$REPO/tests/php/phpunit.xml" "$@"
