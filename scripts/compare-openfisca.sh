#!/usr/bin/env bash
# Compare fazhi's discretion engine with an OpenFisca encoding of the same benchmark
# (municipal-waste-42-dumping) on the same 1,000,000 cases: results must agree; both times are
# printed. openfisca-core comes from PyPI into a throw-away venv.
#
#   scripts/compare-openfisca.sh [N]        (default N = 1000000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
n="${1:-1000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The engine-only batch example builds in seconds; FAZHI_BIN=path/to/fazhi uses the CLI's
# `fazhi discretion batch` instead (same output).
if [ -n "${FAZHI_BIN:-}" ]; then
  exe="$FAZHI_BIN"
else
  (cd "$root" && cargo build --release -p fazhi-discretion --example batch >&2)
  exe="${CARGO_TARGET_DIR:-$root/target}/release/examples/batch"
fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check openfisca-core numpy >&2
"$work/venv/bin/python" "$here/compare-openfisca.py" "$exe" "$n" "$work"
