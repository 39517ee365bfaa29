"""Encode the municipal-waste-42-dumping benchmark as OpenFisca formulas, evaluate the same
cases as `fazhi discretion batch`, check the results agree, print both times.

Run through compare-openfisca.sh (it makes the throw-away venv). Usage:
    python compare-openfisca.py BATCH_EXE N WORKDIR
BATCH_EXE is the `fazhi` binary (run as `fazhi discretion batch`) or the engine-only example
`target/release/examples/batch`; both print the same CSV.
"""

import os

import csv
import subprocess
import sys
import time

import numpy as np
from openfisca_core import periods
from openfisca_core.entities import build_entity
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

YEAR = getattr(getattr(periods, "DateUnit", None), "YEAR", None) or periods.YEAR
Case = build_entity(key="case", plural="cases", label="penalty case", is_person=True)

# Codes shared with the comparison below.
TIERS = ["unit-minor", "unit-ordinary", "unit-serious", "unit-grave",
         "individual-minor", "individual-ordinary", "individual-serious", "individual-grave"]
ADJ = ["standard", "lighter", "mitigated", "heavier", "no_penalty"]


def inp(name, vtype):
    return type(name, (Variable,), {"value_type": vtype, "entity": Case, "definition_period": YEAR,
                                    "label": name})


INPUTS = [inp("is_unit", bool), inp("volume_m3", int), inp("harm", int), inp("corrected_in_time", bool),
          inp("first_offence", bool), inp("repeat_within_year", bool), inp("age", int),
          inp("coerced", bool), inp("meritorious", bool)]


class tier(Variable):
    value_type = int
    entity = Case
    definition_period = YEAR
    label = "discretion tier — 《城市生活垃圾管理办法》 Art 42, model benchmark for Bazhong"
    reference = "data/discretion/municipal-waste-42-dumping.toml"

    def formula(case, period):
        u = case("is_unit", period)
        v = case("volume_m3", period)
        h = case("harm", period)
        minor = (v <= 1) & (h == 0)
        ordinary = ((v <= 1) & (h == 1)) | ((v > 1) & (v <= 5) & (h != 2))
        serious = (v <= 20) & ((h == 2) | (v > 5))
        grave = v > 20
        level = np.select([minor, ordinary, serious, grave], [0, 1, 2, 3], -1)
        return np.where(u, level, level + 4)


UNIT_FINES = np.array([[5000, 10000], [10000, 25000], [25000, 40000], [40000, 50000],
                       [20, 50], [50, 100], [100, 160], [160, 200]], dtype=np.int64) * 100


class statutory_min(Variable):
    value_type = int
    entity = Case
    definition_period = YEAR
    reference = "《城市生活垃圾管理办法》第四十二条: 单位 5000–50000 元, 个人 200 元以下"

    def formula(case, period):
        return np.where(case("is_unit", period), 500000, 0)


class statutory_max(Variable):
    value_type = int
    entity = Case
    definition_period = YEAR

    def formula(case, period):
        return np.where(case("is_unit", period), 5000000, 20000)


class adjustment(Variable):
    value_type = int
    entity = Case
    definition_period = YEAR
    reference = "《行政处罚法》(2021) Arts 30, 32, 33; benchmark rules (one ground lighter, two mitigated)"

    def formula(case, period):
        t = case("tier", period)
        age = case("age", period)
        no_penalty = (age < 14) | ((t % 4 == 0) & case("corrected_in_time", period) & (case("harm", period) == 0))
        grounds = ((age >= 14) & (age < 18)).astype(int) + case("coerced", period) + case("meritorious", period)
        return np.select([no_penalty, grounds >= 2, grounds == 1, case("repeat_within_year", period)], [4, 2, 1, 3], 0)


class waivable(Variable):
    value_type = bool
    entity = Case
    definition_period = YEAR
    reference = "《行政处罚法》(2021) Art 33(1) 首违不罚"

    def formula(case, period):
        return ((case("adjustment", period) != 4) & case("first_offence", period)
                & (case("harm", period) != 2) & case("corrected_in_time", period))


def _range(case, period):
    t = case("tier", period)
    a = case("adjustment", period)
    smin = case("statutory_min", period).astype(np.int64)
    smax = case("statutory_max", period).astype(np.int64)
    tmin = UNIT_FINES[t, 0]
    tmax = UNIT_FINES[t, 1]
    share = (smax - smin) * 30 // 100
    lo = np.select([a == 4, a == 2, a == 1, a == 3], [-1, 0, smin, np.minimum(np.maximum(tmin, smax - share), smax)], tmin)
    hi = np.select([a == 4, a == 2, a == 1, a == 3],
                   [-1, np.maximum(smin - 1, 0), np.maximum(np.minimum(tmax, smin + share), smin), smax], tmax)
    return lo, hi


class min_fen(Variable):
    value_type = float  # int64 fen exceed OpenFisca's int32; values are whole numbers
    entity = Case
    definition_period = YEAR

    def formula(case, period):
        return _range(case, period)[0]


class max_fen(Variable):
    value_type = float
    entity = Case
    definition_period = YEAR

    def formula(case, period):
        return _range(case, period)[1]


class Discretion(TaxBenefitSystem):
    def __init__(self):
        super().__init__([Case])
        for v in INPUTS + [tier, statutory_min, statutory_max, adjustment, waivable, min_fen, max_fen]:
            self.add_variable(v)


def main():
    fazhi, n, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = np.random.default_rng(20240601)
    cols = {
        "is_unit": rng.integers(0, 2, n).astype(bool),
        "volume_m3": rng.choice(np.array([1, 1, 2, 5, 6, 20, 21, 50]), n) + rng.integers(0, 2, n) * rng.integers(0, 10, n),
        "harm": rng.integers(0, 3, n),
        "corrected_in_time": rng.random(n) < 0.3,
        "first_offence": rng.random(n) < 0.4,
        "repeat_within_year": rng.random(n) < 0.2,
        "age": np.where(rng.random(n) < 0.1, rng.integers(10, 18, n), 30),
        "coerced": rng.random(n) < 0.1,
        "meritorious": rng.random(n) < 0.1,
    }
    path = f"{work}/cases.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["violation", "decision", "party", "volume_m3", "harm", "corrected_in_time", "first_offence",
                    "repeat_within_year", "age", "coerced", "meritorious"])
        harm = np.array(["none", "minor", "serious"])[cols["harm"]]
        party = np.where(cols["is_unit"], "unit", "individual")
        tf = lambda a: np.where(a, "true", "false")
        for row in zip(party, cols["volume_m3"], harm, tf(cols["corrected_in_time"]), tf(cols["first_offence"]),
                       tf(cols["repeat_within_year"]), cols["age"], tf(cols["coerced"]), tf(cols["meritorious"])):
            w.writerow(("2023-05-01", "2023-06-01") + row)

    out = f"{work}/fazhi.csv"
    t0 = time.perf_counter()
    cmd = [fazhi] + (["discretion", "batch"] if os.path.basename(fazhi) == "fazhi" else [])
    r = subprocess.run(cmd + ["municipal-waste-42-dumping", "--cases", path, "--out", out],
                       capture_output=True, text=True)
    fazhi_wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"fazhi failed: {r.stderr}")
    fazhi_eval = r.stderr.strip()

    tbs = Discretion()
    sim = SimulationBuilder().build_default_simulation(tbs, n)
    for k, v in cols.items():
        sim.set_input(k, "2023", v)
    t0 = time.perf_counter()
    res = {k: sim.calculate(k, "2023") for k in ["tier", "adjustment", "waivable", "min_fen", "max_fen"]}
    of_time = time.perf_counter() - t0

    mism = 0
    with open(out) as f:
        rd = csv.reader(f)
        next(rd)
        for i, row in enumerate(rd):
            want = (TIERS[res["tier"][i]], ADJ[res["adjustment"][i]],
                    int(res["min_fen"][i]), int(res["max_fen"][i]), bool(res["waivable"][i]))
            got = (row[0], row[1], int(row[2]) if row[2] else -1, int(row[3]) if row[3] else -1, row[4] == "true")
            if want != got:
                mism += 1
                if mism <= 5:
                    print(f"case {i}: openfisca {want} fazhi {got}", file=sys.stderr)
        count = i + 1
    print(f"cases: {count}; disagreements: {mism}")
    print(f"fazhi:     {fazhi_eval}; whole process incl. CSV parsing {fazhi_wall:.2f} s")
    print(f"openfisca: {n} cases in {of_time:.3f} s (vectorised numpy formulas, excluding simulation set-up)")
    sys.exit(1 if mism or count != n else 0)


if __name__ == "__main__":
    main()
