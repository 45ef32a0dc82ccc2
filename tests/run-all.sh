#!/usr/bin/env bash
# Runs every test of the project: the daemon's (cargo test: unit + integration against a fake plugin API), the
# plugin's PHP (php -l, PHP 7.4 syntax check, PHPUnit against a fake Jeedom core), the end-to-end rig (Apache +
# PHP + daemon) and the demo page in headless Chromium. Stops at the first suite that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
cargo build --all-targets
suites=0
run() { echo "== $1"; shift; "$@"; suites=$((suites + 1)); }
run "daemon: cargo test" cargo test --no-fail-fast
run "plugin: PHP" bash tests/php/run.sh
run "end to end: Apache + plugin + daemon" bash tests/e2e/run.sh
run "demo page: headless Chromium" bash tests/chromium/run.sh
echo "suites: $suites passed, 0 failed"
