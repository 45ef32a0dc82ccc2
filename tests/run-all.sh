#!/usr/bin/env bash
# Runs every test of the project: formatting and lints of the whole cargo workspace (daemon, demo, bench), the
# daemon's and the demo's tests (cargo test: unit + integration against a fake plugin API), the plugin's PHP (php -l,
# PHP 7.4 syntax check, PHPUnit against a fake Jeedom core), the end-to-end rig (Apache + PHP + daemon), the demo
# page in headless Chromium, and the release (the daemon's installer against a local release server; an arm64
# binary from tools/release.sh smoke-tested under qemu). Stops at the first suite that fails.
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
run "plugin: PHP" bash tests/php/run.sh
run "end to end: Apache + plugin + daemon" bash tests/e2e/run.sh
run "demo page: headless Chromium" bash tests/chromium/run.sh
run "release: installer + arm64 binary under qemu" bash tests/release/run.sh
echo "suites: $suites passed, 0 failed"
