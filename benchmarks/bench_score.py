"""Batch scoring speed: 10,000 / 100,000 / 1,000,000 synthetic units of a 10-indicator scheme.

Run: python benchmarks/bench_score.py [--sizes 10000,100000,1000000] [--scheme yushui-2022]
Prints units per second for score_frame (the vectorised core the CLI uses).
Goal (issue 2): 1,000,000 units in under 5 seconds on the 2-core machine.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from gridxl.core import get_scheme, score_frame


def synthetic_units(scheme, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {"unit": [f"单位{i}" for i in range(n)]}
    for f in scheme.unit_fields():
        if f.type == "rate":
            data[f.key] = rng.integers(0, 10001, n) / 10000
        elif f.type == "flag":
            data[f.key] = rng.integers(0, 2, n).astype(float)
        elif f.type == "choice":
            data[f.key] = rng.choice(f.choices, n)
        else:
            data[f.key] = rng.integers(1, 5000, n).astype(float)
    frame = pd.DataFrame(data)
    # keep numerators at or below their denominators, as real inputs are
    if scheme.id == "yushui-2022":
        for num, den in [("gw_qualified", "gw_total"), ("centers_qualified", "centers_total"),
                         ("gw_hazard_qualified", "gw_total"), ("overdue_events", "new_events"),
                         ("gw_patrol_qualified", "gw_total"), ("special_visited", "special_total")]:
            frame[num] = np.minimum(frame[num], frame[den])
        frame["population"] = frame["population"] * 100
    return frame


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--scheme", default="yushui-2022")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    scheme = get_scheme(args.scheme)
    print(f"scheme {scheme.id}: {len(scheme.indicators)} indicators, {len(scheme.unit_fields())} input fields")
    for n in (int(s) for s in args.sizes.split(",")):
        frame = synthetic_units(scheme, n)
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            score_frame(scheme, frame)
            best = min(best, time.perf_counter() - t0)
        print(f"{n:>10,} units: {best:7.3f} s  ({n / best:>12,.0f} units/s)")


if __name__ == "__main__":
    main()
