#!/usr/bin/env bash
# The JSON API against its own OpenAPI document, with schemathesis (PyPI) generating requests.
#
# Starts the debug binary (`fazhi serve --demo`) on a free port with a throwaway SQLite file,
# signs in as the demo administrator, creates an account holding the administrator and
# supervisor roles for every unit (so every operation can succeed), issues it an API token and
# hands schemathesis `Authorization: Bearer <token>`. A token rather than the session cookie:
# schemathesis also calls `DELETE /api/v1/session`, which would end a cookie session mid-run.
#
# Fails on a server error (5xx), a status the document does not list for the operation, a
# content type it does not list, or a body that does not match the documented schema. Bounded:
# ST_MAX_EXAMPLES examples per operation (default 30) and a hard ST_TIMEOUT in seconds for the
# run (default 600); ST_SEED fixes the generated data (default 1; `random` for a new seed).
# The closing line reads `schemathesis: N passed, M failed`, counted in operations.
#
# schemathesis is installed at a pinned version into a venv (default target/pyenv-st, created
# with `python3 -m venv` on first use and reused while the pin matches). The binary is
# $CARGO_TARGET_DIR/debug/fazhi (default target/debug/fazhi), built first (a no-op when fresh).
#
# Usage: scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION="4.32.5"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/debug/fazhi"
VENV="${ST_VENV:-$TARGET/pyenv-st}"
MAX_EXAMPLES="${ST_MAX_EXAMPLES:-30}"
TIMEOUT="${ST_TIMEOUT:-600}"
SEED="${ST_SEED:-1}"

cargo build -p fazhi --locked --quiet
if ! "$VENV/bin/st" --version 2>/dev/null | grep -qx "st, version $ST_VERSION"; then
  echo "== installing schemathesis $ST_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

FAZHI_LOG=warn "$BIN" serve --demo --addr 127.0.0.1:0 --db "sqlite://$WORK/fazhi.db" \
  >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 240); do
  BASE="$(sed -n 's/^fazhi listening on //p' "$WORK/server.out" | head -n1)"
  [ -n "$BASE" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "schemathesis: the server did not start:" >&2
    cat "$WORK/server.err" >&2
    exit 1
  fi
  sleep 0.5
done
if [ -z "$BASE" ]; then
  echo "schemathesis: the server printed no address within 120 s" >&2
  exit 1
fi
echo "== schemathesis $ST_VERSION against $BASE (at most $MAX_EXAMPLES examples per operation)"

# The demo administrator creates the fuzzing account; it signs in and takes an API token.
TOKEN="$("$VENV/bin/python" - "$BASE" <<'PY'
import http.cookiejar, json, secrets, sys, urllib.request

base = sys.argv[1]

def opener():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

def post(agent, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"}, method="POST")
    with agent.open(req, timeout=60) as res:
        return json.load(res)

admin = opener()
post(admin, "/api/v1/session", {"username": "admin", "password": "fazhi-demo-2008"})
password = secrets.token_urlsafe(24)
grants = [{"role": "administrator", "scope": None}, {"role": "supervisor", "scope": None}]
post(admin, "/api/v1/users", {"username": "schemathesis", "display_name": "schemathesis",
                              "password": password, "unit": "legal-affairs-office",
                              "roles": grants})
fuzzer = opener()
post(fuzzer, "/api/v1/session", {"username": "schemathesis", "password": password})
print(post(fuzzer, "/api/v1/tokens", {"name": "schemathesis"})["token"])
PY
)"

SEED_ARGS=()
if [ "$SEED" != "random" ]; then
  SEED_ARGS=(--seed "$SEED")
fi
# Run from the scratch directory: schemathesis keeps a cache of failing cases in its working
# directory (.schemathesis/), which would otherwise replay old failures into the next run.
VENV="$(cd "$VENV" && pwd)"
set +e
(cd "$WORK" && timeout --kill-after=10 "$TIMEOUT" "$VENV/bin/st" run "$BASE/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$MAX_EXAMPLES" \
  --workers 2 \
  --generation-database none \
  "${SEED_ARGS[@]}" \
  --no-color \
  --report junit --report-junit-path "$WORK/junit.xml") \
  | tee "$WORK/st.out"
STATUS=${PIPESTATUS[0]}
set -e

# One test case per operation in the JUnit report: count those with a failure or an error.
read -r PASSED FAILED < <("$VENV/bin/python" - "$WORK/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
except (OSError, ET.ParseError):
    print(0, 1)
    sys.exit()
passed = failed = 0
for case in cases:
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is None:
        passed += 1
print(passed, failed)
PY
)
if [ "$STATUS" -ne 0 ] && [ "$FAILED" -eq 0 ]; then
  # Killed by the timeout, or schemathesis itself failed: count the run as one failure.
  FAILED=1
fi
if [ -s "$WORK/server.err" ] && grep -q '"level":"ERROR"' "$WORK/server.err"; then
  echo "-- server errors logged:"
  grep '"level":"ERROR"' "$WORK/server.err" | head -n 20
fi
echo "schemathesis: $PASSED passed, $FAILED failed"
[ "$STATUS" -eq 0 ] && [ "$FAILED" -eq 0 ]
