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

# The calendar day by day against two independent sources (PyPI packages chinesecalendar and
# holidays, in a venv under target/pyenv); disagreements settled by a notice are listed in
# data/calendar/cross-check.toml.
echo "== calendar cross-check (chinesecalendar, holidays)"
cargo build -p fazhi --locked
TARGET="${CARGO_TARGET_DIR:-target}"
python3 scripts/compare-calendars.py --fazhi "$TARGET/debug/fazhi" --venv "$TARGET/pyenv"

# The JSON API against its OpenAPI document: schemathesis (PyPI, pinned, venv under
# target/pyenv-st) fuzzes the debug binary with the demo; fails on 5xx or anything undocumented.
echo "== API fuzzing against the OpenAPI document (schemathesis)"
scripts/schemathesis.sh

# The whole suite again with the clock of every test process (and the servers they start) set
# years ahead by libfaketime (Debian's faketime): a test that reads the wall clock fails now,
# not on some future day. FAZHI_FAR_DATE= (empty) skips this run.
FAR_DATE="${FAZHI_FAR_DATE-2030-06-30 12:00:00}"
if [ -n "$FAR_DATE" ]; then
  if ! command -v faketime >/dev/null; then
    echo "faketime is missing: apt-get install faketime (or FAZHI_FAR_DATE= to skip)" >&2
    exit 1
  fi
  echo "== cargo test under a far date ($FAR_DATE)"
  HOST="$(rustc -vV | sed -n 's/^host: //p')"
  cargo test --workspace --locked \
    --config "target.$HOST.runner=[\"faketime\", \"$FAR_DATE\"]"
fi

# The browser tests drive Debian's Chromium (apt-get install chromium fonts-noto-cjk; .ci/run
# installs them) against the binary the step above built. Screenshots: target/e2e-screenshots/.
echo "== browser tests (e2e/)"
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "Chromium is missing: apt-get install chromium fonts-noto-cjk (or set CHROMIUM=/path)" >&2
  exit 1
fi
export FAZHI_BIN="${FAZHI_BIN:-$(cd "$TARGET" && pwd)/debug/fazhi}"
(cd e2e && npm ci --no-audit --no-fund --silent && npm test)
if [ -n "$FAR_DATE" ]; then
  echo "== browser tests under a far date ($FAR_DATE)"
  (cd e2e && faketime "$FAR_DATE" npm test)
fi
