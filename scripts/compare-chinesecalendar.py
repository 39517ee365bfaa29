#!/usr/bin/env python3
"""Cross-check fazhi's working-day calendar against the independent Python package chinesecalendar.

1. Data check: every day 2004-01-01 .. 2026-12-31, `fazhi calendar is-workday --stdin` against
   chinese_calendar.is_workday. Prints every disagreement.
2. Speed check: the same 1,000,000 "20th working day after D" queries answered by
   `fazhi calendar add --stdin 20` and by chinesecalendar; checks they agree; prints both times
   and their ratio.

Days on which chinesecalendar is known to be wrong (data/calendar/cross-check.toml, each with the
notice's words) are corrected in its tables first, so both checks compare like with like. The
full day-by-day cross-check, against chinesecalendar and holidays, with the known disagreements
checked rather than corrected, is scripts/compare-calendars.py.

chinesecalendar (pinned, as in compare-calendars.py) is installed into a throw-away venv (deleted
afterwards) unless it is importable.

Usage:
  cargo build --release -p fazhi
  python3 scripts/compare-chinesecalendar.py [--fazhi target/release/fazhi] [--queries 1000000]
"""

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

FIRST = dt.date(2004, 1, 1)
LAST = dt.date(2026, 12, 31)
# Start dates stop early enough that 20 working days later is still inside the data.
LAST_START = dt.date(2026, 10, 31)
CHINESECALENDAR = "chinesecalendar==1.11.0"
CROSS_CHECK = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "data", "calendar", "cross-check.toml"
)


def ensure_chinesecalendar():
    try:
        import chinese_calendar  # noqa: F401

        return
    except ImportError:
        pass
    if os.environ.get("FAZHI_CC_VENV"):
        sys.exit("chinesecalendar still not importable inside the throw-away venv")
    venv = tempfile.mkdtemp(prefix="fazhi-cc-venv-")
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        py = os.path.join(venv, "bin", "python")
        subprocess.run([py, "-m", "pip", "install", "-q", CHINESECALENDAR], check=True)
        env = dict(os.environ, FAZHI_CC_VENV=venv)
        code = subprocess.run([py, os.path.abspath(__file__), *sys.argv[1:]], env=env).returncode
    finally:
        shutil.rmtree(venv, ignore_errors=True)
    sys.exit(code)


def apply_known_errata():
    """Correct chinesecalendar's tables on the days cross-check.toml lists for it."""
    import tomllib

    from chinese_calendar import constants

    with open(CROSS_CHECK, "rb") as f:
        listed = tomllib.load(f).get("disagreement", [])
    fixed = []
    for e in listed:
        if e["package"] != "chinesecalendar":
            continue
        d = e["date"]
        if e["ours"] == "work":
            constants.holidays.pop(d, None)
            constants.workdays[d] = "listed in data/calendar/cross-check.toml"
        else:
            constants.workdays.pop(d, None)
            constants.holidays[d] = "listed in data/calendar/cross-check.toml"
        fixed.append(f"{d} {e['theirs']}->{e['ours']}")
    print(f"chinesecalendar corrected on {len(fixed)} listed day(s): {', '.join(fixed) or '-'}")


def run_fazhi(fazhi, args, lines):
    data = ("\n".join(lines) + "\n").encode()
    t0 = time.perf_counter()
    p = subprocess.run([fazhi, *args], input=data, capture_output=True)
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"fazhi {' '.join(args)} failed ({p.returncode}): {p.stderr.decode()}")
    return p.stdout.decode().split(), elapsed


def data_check(fazhi):
    import chinese_calendar as cc

    days = [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    ours, _ = run_fazhi(fazhi, ["calendar", "is-workday", "--stdin"], [d.isoformat() for d in days])
    diffs = [(d, o) for d, o in zip(days, ours) if (o == "true") != cc.is_workday(d)]
    print(f"data check: {len(days)} days {FIRST}..{LAST}, {len(diffs)} disagreements")
    for d, o in diffs[:50]:
        print(f"  {d} fazhi={o} chinesecalendar={cc.is_workday(d)}")
    return not diffs


def speed_check(fazhi, n, seed):
    import chinese_calendar as cc

    rng = random.Random(seed)
    span = (LAST_START - FIRST).days
    starts = [FIRST + dt.timedelta(days=rng.randrange(span + 1)) for _ in range(n)]
    lines = [d.isoformat() for d in starts]

    ours, t_fazhi = run_fazhi(fazhi, ["calendar", "add", "--stdin", "20"], lines)

    one = dt.timedelta(days=1)
    t0 = time.perf_counter()
    # find_workday(k, x) is the k-th working day after the first working day on or after x, so
    # the 20th working day after d (d not counted) is find_workday(19, d + 1 day).
    theirs = [cc.find_workday(19, d + one).isoformat() for d in starts]
    t_cc = time.perf_counter() - t0

    bad = [(s, a, b) for s, a, b in zip(lines, ours, theirs) if a != b]
    print(f"speed check: {n} queries '20th working day after D', D in {FIRST}..{LAST_START} (seed {seed})")
    print(f"  fazhi (one process, stdin batch, incl. start-up and I/O): {t_fazhi:.3f} s")
    print(f"  chinesecalendar (in-process loop):                       {t_cc:.3f} s")
    print(f"  ratio chinesecalendar / fazhi: {t_cc / t_fazhi:.1f}x")
    print(f"  answers agree: {len(bad) == 0} ({len(bad)} disagreements)")
    for s, a, b in bad[:20]:
        print(f"  {s}: fazhi={a} chinesecalendar={b}")
    return not bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--fazhi", default=os.path.join(here, "..", "target", "release", "fazhi"))
    ap.add_argument("--queries", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2008)
    a = ap.parse_args()
    if not os.path.exists(a.fazhi):
        sys.exit(f"{a.fazhi} not found: run `cargo build --release -p fazhi` or pass --fazhi")
    ensure_chinesecalendar()
    apply_known_errata()
    ok = data_check(a.fazhi)
    ok = speed_check(a.fazhi, a.queries, a.seed) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
