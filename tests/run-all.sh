#!/usr/bin/env bash
# Runs every test of the project: the daemon's (cargo test: unit + integration against a fake plugin API), the
# plugin's PHP (php -l + PHPUnit against a fake Jeedom core), and the end-to-end rig (Apache + PHP + daemon).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
cargo build --all-targets
cargo test --no-fail-fast
if [ -f tests/php/run.sh ]; then bash tests/php/run.sh; fi
if [ -f tests/e2e/run.sh ]; then bash tests/e2e/run.sh; fi
if [ -f tests/chromium/run.sh ]; then bash tests/chromium/run.sh; fi
