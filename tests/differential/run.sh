#!/bin/bash
# Differential suite: the same JSON-RPC requests to our plugin and to upstream Jeedom Connect 1.20.6, on the same
# real Jeedom core and data (PHPUnit, as the web user). Uses the core named by JC_CORE (tests/run-all.sh sets one
# up) and adds upstream's web root beside it (tests/differential/up.sh) when it is not there yet; without JC_CORE,
# sets up both and stops them afterwards.
#   bash tests/differential/run.sh [phpunit args, e.g. --filter testName]
set -eu
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
own_core=0
if [ -z "${JC_CORE:-}" ]; then
    JC_CORE=$(bash "$REPO/tests/jeedom/up.sh") || { [ -n "${JC_CORE:-}" ] && bash "$REPO/tests/jeedom/down.sh" "$JC_CORE"; exit 1; }
    own_core=1
else
    bash "$REPO/tests/jeedom/sync-plugin.sh" "$JC_CORE"   # this checkout's plugin into the running core
    # Apache's PHP (opcache.revalidate_freq = 2 s) would still run the files it had before the copy for up to 2 s
    sleep 2.1
fi
export JC_CORE
cleanup() {
    bash "$REPO/tests/differential/down.sh" "$JC_CORE"
    [ "$own_core" = 1 ] && bash "$REPO/tests/jeedom/down.sh" "$JC_CORE"
    return 0
}
trap cleanup EXIT
[ -f "$JC_CORE/upstream/env" ] || bash "$REPO/tests/differential/up.sh" "$JC_CORE" >/dev/null
. "$JC_CORE/env"
# The tests are read by the web user: a copy beside the core (the checkout may not be readable by it).
D="$JC_CORE/differential-tests"
rm -rf "$D" && mkdir -p "$D" && cp -r "$REPO/tests/php" "$D/php" && cp -r "$REPO/tests/differential" "$D/differential"
chown -R "$JC_WEB_USER" "$D"
echo "== differential: our plugin vs upstream 1.20.6 (same core, same data)"
cd "$JC_WEB"
runuser -u "$JC_WEB_USER" -- env JC_CORE="$JC_CORE" phpunit -c "$D/differential/phpunit.xml" "$@"
