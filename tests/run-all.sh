#!/usr/bin/env bash
# Runs every test of the project: formatting and lints of the whole cargo workspace (daemon, demo, bench), the
# daemon's and the demo's tests (cargo test: unit + integration against a fake plugin API), the plugin's PHP (php -l,
# PHP 7.4 syntax check, PHPUnit inside the real Jeedom core 4.5.3), the end-to-end rig (the same real core: MariaDB,
# Apache + PHP, jeeCron, the plugin and its daemon), the plugin's pages in headless Chromium on that core, and the
# demo page in headless Chromium.
# The real core (tests/jeedom/up.sh) is set up ONCE for the PHP and end-to-end suites and stopped at the end.
# Stops at the first suite that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
# rustfmt and clippy come with rustup's default profile; add them where a minimal toolchain lacks them.
if command -v rustup >/dev/null 2>&1; then rustup component add rustfmt clippy >/dev/null 2>&1 || true; fi
cargo build --workspace --all-targets
suites=0
run() { echo "== $1"; shift; "$@"; suites=$((suites + 1)); }
run "workspace: cargo fmt --check" cargo fmt --all --check
run "workspace: cargo clippy" cargo clippy --workspace --all-targets -- -D warnings
run "daemon and demo: cargo test" cargo test --workspace --no-fail-fast
t0=$(date +%s)
JC_CORE=$(bash tests/jeedom/up.sh) || { [ -n "${JC_CORE:-}" ] && bash tests/jeedom/down.sh "$JC_CORE"; exit 1; }
export JC_CORE
trap 'bash tests/jeedom/down.sh "$JC_CORE"' EXIT
echo "== real Jeedom core set up in $(( $(date +%s) - t0 ))s ($JC_CORE)"
run "plugin: PHP inside the real Jeedom core" bash tests/php/run.sh
run "end to end: the real Jeedom core + plugin + daemon" bash tests/e2e/run.sh
run "plugin pages: headless Chromium inside the real Jeedom core" python3 tests/chromium/pages.py
run "demo page: headless Chromium" bash tests/chromium/run.sh
echo "suites: $suites passed, 0 failed"
