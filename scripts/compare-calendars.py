#!/usr/bin/env python3
"""Cross-check fazhi's working-day calendar against two independent Python packages.

Every day 2004-01-01..2026-12-31, `fazhi calendar is-workday --stdin` is compared with
  - chinesecalendar: chinese_calendar.is_workday(day), and
  - holidays: holidays.country_holidays("CN").is_working_day(day) (public holidays; a weekend
    day is a working day when the package lists it in `weekend_workdays`, the make-up working
    days it derives from the notices' substituted days).

Each disagreement must be listed, with the notice's words that settle it, in
data/calendar/cross-check.toml. The check fails (exit 1) on a disagreement that is not listed, on a
listed one that no longer disagrees or disagrees differently, and on a listing that fits no
compared package and day. One check per package and day, plus one per listing that fits none;
the closing line reads `calendar cross-check: N passed, M failed`.

The packages are installed at pinned versions into a venv (default target/pyenv, created with
`python3 -m venv` on first use and reused while its pins match), and the script re-runs itself
with the venv's Python. Debian needs the python3-venv package for `python3 -m venv`.

Usage:
  cargo build -p fazhi
  python3 scripts/compare-calendars.py [--fazhi target/debug/fazhi] [--venv target/pyenv]
"""

import argparse
import datetime as dt
import os
import subprocess
import sys

FIRST = dt.date(2004, 1, 1)
LAST = dt.date(2026, 12, 31)
# Bump a pin only after reading the package's changes for China; a new version that changes a
# day shows up here as a failure to settle against the notice.
PINS = {"chinesecalendar": "1.11.0", "holidays": "0.108"}
PACKAGES = tuple(PINS)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CROSS_CHECK = os.path.join(ROOT, "data", "calendar", "cross-check.toml")
IN_VENV = "FAZHI_CALENDARS_VENV"
MARKER = "fazhi-pins.txt"


def pins_text():
    return "".join(f"{name}=={version}\n" for name, version in sorted(PINS.items()))


def ensure_venv(venv):
    """Create or reuse the venv with the pinned packages, then re-run this script inside it."""
    py = os.path.join(venv, "bin", "python")
    marker = os.path.join(venv, MARKER)
    want = pins_text()
    have = open(marker).read() if os.path.exists(marker) and os.path.exists(py) else None
    if have != want:
        if not os.path.exists(py):
            print(f"creating venv {venv}", flush=True)
            r = subprocess.run([sys.executable, "-m", "venv", venv])
            if r.returncode != 0 or not os.path.exists(py):
                sys.exit(
                    f"`{sys.executable} -m venv {venv}` failed; on Debian: apt-get install python3-venv"
                )
        print(f"installing {' '.join(want.split())} into {venv}", flush=True)
        subprocess.run(
            [py, "-m", "pip", "install", "-q", "--disable-pip-version-check", *want.split()],
            check=True,
        )
        with open(marker, "w") as f:
            f.write(want)
    env = dict(os.environ, **{IN_VENV: venv})
    os.execve(py, [py, os.path.abspath(__file__), *sys.argv[1:]], env)


def check_installed():
    from importlib.metadata import version

    for name, pinned in PINS.items():
        got = version(name)
        if got != pinned:
            sys.exit(f"{name} {got} is installed in the venv, {pinned} is pinned: delete the venv")


def load_listed():
    """The listed disagreements, keyed by (package, date); exits on a malformed file."""
    import tomllib

    with open(CROSS_CHECK, "rb") as f:
        data = tomllib.load(f)
    unknown = set(data) - {"disagreement"}
    if unknown:
        sys.exit(f"{CROSS_CHECK}: unknown keys {sorted(unknown)}")
    listed = {}
    fields = {"package", "date", "theirs", "ours", "notice", "words", "why"}
    for i, e in enumerate(data.get("disagreement", []), 1):
        where = f"{CROSS_CHECK}: disagreement #{i}"
        missing = fields - {"why"} - set(e)
        extra = set(e) - fields
        if missing or extra:
            sys.exit(f"{where}: missing {sorted(missing)}, unknown {sorted(extra)}")
        if not isinstance(e["date"], dt.date) or isinstance(e["date"], dt.datetime):
            sys.exit(f"{where}: date must be a TOML date (YYYY-MM-DD), not {e['date']!r}")
        for k in ("theirs", "ours"):
            if e[k] not in ("work", "rest"):
                sys.exit(f"{where}: {k} must be \"work\" or \"rest\", not {e[k]!r}")
        if e["theirs"] == e["ours"]:
            sys.exit(f"{where}: theirs and ours are both {e['ours']!r}: that is no disagreement")
        for k in ("notice", "words"):
            if not str(e[k]).strip():
                sys.exit(f"{where}: {k} is empty: quote the notice that settles the day")
        key = (e["package"], e["date"])
        if key in listed:
            sys.exit(f"{where}: {key[0]} {key[1]} is listed twice")
        listed[key] = e
    return listed


def fazhi_answers(fazhi, days):
    data = ("\n".join(d.isoformat() for d in days) + "\n").encode()
    p = subprocess.run([fazhi, "calendar", "is-workday", "--stdin"], input=data, capture_output=True)
    if p.returncode != 0:
        sys.exit(f"{fazhi} calendar is-workday --stdin failed ({p.returncode}): {p.stderr.decode()}")
    out = p.stdout.decode().split()
    if len(out) != len(days) or set(out) - {"true", "false"}:
        sys.exit(f"{fazhi} answered {len(out)} lines for {len(days)} days, or not true/false")
    return [o == "true" for o in out]


def package_answers(days):
    import chinese_calendar
    import holidays

    # One year either side, so make-up days a neighbouring year's notice puts in December (or a
    # January holiday substituted from December) are in.
    cn = holidays.country_holidays("CN", years=range(FIRST.year - 1, LAST.year + 2))
    return {
        "chinesecalendar": [chinese_calendar.is_workday(d) for d in days],
        "holidays": [cn.is_working_day(d) for d in days],
    }


def word(working):
    return "work" if working else "rest"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fazhi", default=os.path.join(ROOT, "target", "debug", "fazhi"))
    ap.add_argument("--venv", default=os.path.join(ROOT, "target", "pyenv"))
    a = ap.parse_args()
    if not os.path.exists(a.fazhi):
        sys.exit(f"{a.fazhi} not found: run `cargo build -p fazhi` or pass --fazhi")
    if os.environ.get(IN_VENV) != os.path.abspath(a.venv):
        ensure_venv(os.path.abspath(a.venv))
    check_installed()

    listed = load_listed()
    days = [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    ours = fazhi_answers(a.fazhi, days)
    theirs = package_answers(days)

    passed, failures = 0, []
    for pkg in PACKAGES:
        explained = 0
        for d, o, t in zip(days, ours, theirs[pkg]):
            e = listed.pop((pkg, d), None)
            if o == t and e is None:
                passed += 1
            elif o == t:
                failures.append(
                    f"{pkg} {d}: listed in cross-check.toml, but now agrees ({word(o)}): "
                    "remove the listing (or, if the notice says otherwise, fix the data)"
                )
            elif e is None:
                failures.append(
                    f"{pkg} {d} ({d:%a}): {pkg} says {word(t)}, fazhi says {word(o)}: not listed; "
                    "read the notice, then fix cn-mainland.toml or list it in cross-check.toml"
                )
            elif (e["theirs"], e["ours"]) != (word(t), word(o)):
                failures.append(
                    f"{pkg} {d}: listed as theirs={e['theirs']} ours={e['ours']}, "
                    f"but now theirs={word(t)} ours={word(o)}"
                )
            else:
                passed += 1
                explained += 1
        n_diff = sum(o != t for o, t in zip(ours, theirs[pkg]))
        plural = "" if n_diff == 1 else "s"
        print(
            f"{pkg} {PINS[pkg]}: {len(days)} days {FIRST}..{LAST}, {n_diff} disagreement{plural}, "
            f"{explained} of them listed with the notice's words"
        )
    for (pkg, d), _ in sorted(listed.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        failures.append(
            f"{pkg} {d}: listed in cross-check.toml, but no such package or day is compared "
            f"(packages {', '.join(PACKAGES)}; days {FIRST}..{LAST})"
        )
    for f in failures[:100]:
        print(f"  FAIL {f}")
    if len(failures) > 100:
        print(f"  ... and {len(failures) - 100} more")
    print(f"calendar cross-check: {passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
