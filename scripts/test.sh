#!/usr/bin/env bash
# Every test of the workspace: formatting, lints, then the tests.
# Storage and end-to-end tests run on SQLite always, and on PostgreSQL too when FAZHI_TEST_PG
# names a server (e.g. postgres://postgres@127.0.0.1:5432/test); .ci/run sets it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (FAZHI_TEST_PG=${FAZHI_TEST_PG:-unset: PostgreSQL runs skipped})"
cargo test --workspace --locked

# The browser tests drive Debian's Chromium (apt-get install chromium fonts-noto-cjk; .ci/run
# installs them) against the binary the step above built. Screenshots: target/e2e-screenshots/.
echo "== browser tests (e2e/)"
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "Chromium is missing: apt-get install chromium fonts-noto-cjk (or set CHROMIUM=/path)" >&2
  exit 1
fi
(cd e2e && npm ci --no-audit --no-fund --silent && npm test)
