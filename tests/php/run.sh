#!/bin/bash
# JeedomConnect PHP checks: php -l on every PHP file, a PHP 7.4 syntax check of the plugin, then PHPUnit INSIDE the
# real Jeedom core of the test rig (tests/jeedom/up.sh), as the web user, with the real daemon. Uses the core named
# by JC_CORE (tests/run-all.sh sets one up for the whole run); without it, sets one up and stops it afterwards.
#   bash tests/php/run.sh [phpunit args, e.g. --filter testName]
set -eu
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"

bash "$REPO/tests/install-deps.sh"

echo "== php -l"
lint_failed=0
while IFS= read -r -d '' f; do
    out="$(php -l "$f" 2>&1)" || { echo "$out"; lint_failed=1; }
done < <(find . -path ./target -prune -o -path ./.git -prune -o -name '*.php' -type f -print0)
[ "$lint_failed" = 0 ] || { echo "php -l failed"; exit 1; }
echo "php -l: ok"

echo "== PHP 7.4 compatibility (Jeedom 4.4 on Debian 11)"
php "$REPO/tests/php/php74_compat.php" core desktop plugin_info

if [ -z "${JC_CORE:-}" ]; then
    JC_CORE=$(bash "$REPO/tests/jeedom/up.sh") || { [ -n "${JC_CORE:-}" ] && bash "$REPO/tests/jeedom/down.sh" "$JC_CORE"; exit 1; }
    trap 'bash "$REPO/tests/jeedom/down.sh" "$JC_CORE"' EXIT
else
    bash "$REPO/tests/jeedom/sync-plugin.sh" "$JC_CORE"   # this checkout's plugin into the running core
fi
export JC_CORE
. "$JC_CORE/env"

# The previous plugin's classes (upstream 1.20.6, a test fixture only): LayoutStorageTest compares its layout
# assembly with ours on the same storage. Only core/ (no plugin_info/: Jeedom does not list it as a plugin).
UPSTREAM_ARCHIVE="$REPO/../shared/real-jeedom/upstream-jeedomconnect-1.20.6.tar.xz"
rm -rf "$JC_WEB/plugins/jcUpstreamFixture"
if [ -f "$UPSTREAM_ARCHIVE" ]; then
    mkdir -p "$JC_WEB/plugins/jcUpstreamFixture"
    tar -xJf "$UPSTREAM_ARCHIVE" -C "$JC_WEB/plugins/jcUpstreamFixture" --strip-components=1 JeedomConnect/core
    chown -R "$JC_WEB_USER" "$JC_WEB/plugins/jcUpstreamFixture"
fi

echo "== phpunit (inside Jeedom 4.5.3 at $JC_URL, as $JC_WEB_USER)"
# The tests are read by the web user: a copy beside the core (the checkout may not be readable by it).
rm -rf "$JC_CORE/phpunit-tests" && cp -r "$REPO/tests/php" "$JC_CORE/phpunit-tests" && chown -R "$JC_WEB_USER" "$JC_CORE/phpunit-tests"
cd "$JC_WEB"
runuser -u "$JC_WEB_USER" -- env JC_CORE="$JC_CORE" phpunit -c "$JC_CORE/phpunit-tests/phpunit.xml" "$@"
