#!/usr/bin/env bash
# Page budget: the officer's home and the portal home, with the demo data plus 100,000 generated
# cases, measured with wrk on loopback (median latency and requests per second).
# Usage: scripts/page-budget.sh [CASES]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-100000}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p fazhi --bin fazhi
cargo build --release -q -p fazhi-store --example generate
dir=$(mktemp -d); db="sqlite://$dir/budget.db"; port=18765
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT

# The demo, then the generated cases.
target/release/fazhi serve --demo --db "$db" --addr 127.0.0.1:$port >/dev/null 2>&1 &
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
kill %1; wait %1 2>/dev/null || true
target/release/examples/generate "$db" "$CASES"

FAZHI_LOG=warn target/release/fazhi serve --db "$db" --addr 127.0.0.1:$port >/dev/null 2>&1 &
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
cookie=$(curl -s -c - -H 'content-type: application/json' \
  -d '{"username":"bangongshi","password":"fazhi-demo-2008"}' "http://127.0.0.1:$port/api/v1/session" \
  | awk '$6=="fazhi_session"{print $7}')
echo "== portal home /  ($CASES generated cases)"
wrk -t2 -c16 -d10s --latency "http://127.0.0.1:$port/" | grep -E "^ +(50|90|99)%|Requests/sec"
echo "== officer home /home"
wrk -t2 -c8 -d10s --latency -H "Cookie: fazhi_session=$cookie" "http://127.0.0.1:$port/home" | grep -E "^ +(50|90|99)%|Requests/sec"
