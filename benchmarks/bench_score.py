"""What a user waits for: `gridxl score` as a process, file in and file out, next to pandas' own I/O.

Run: python benchmarks/bench_score.py [--csv 10000,100000,1000000] [--xlsx 10000,100000] [--scheme yushui-2022]

For each size it writes a synthetic export of the scheme's input fields, then times, in the same run:
* `gridxl score SCHEME IN -o OUT` (a new process: start-up, reading, checking, scoring, writing);
* the same with `--explain`;
* the anchor: a new Python process in which pandas reads the same file and writes it back
  (`read_csv` + `to_csv`, or `read_excel(engine="calamine")` + `to_excel`);
and prints the seconds, the peak memory of each process (ru_maxrss) and the ratios. The in-process
scoring core alone (`score_frame` on a frame already in memory) is printed as its own row.

Goals (issue 9): 1,000,000 CSV rows <= 3x the anchor and under 10 s, peak memory under 2 GB;
100,000 xlsx rows in and out under 20 s; --explain at most 2x the plain run.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from gridxl.core import get_scheme, score_frame

ROOT = Path(__file__).resolve().parent.parent


def synthetic_units(scheme, n: int, seed: int = 1) -> pd.DataFrame:
    """Inputs within every field's bounds, numerators at or below their denominators."""
    from gridxl.core.shares import rate_divisions

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
    for _, num, den in rate_divisions(scheme, "unit"):
        part, whole = num.fields(), den.fields()
        if len(part) == 1 and len(whole) == 1:  # part / whole
            frame[part[0]] = np.minimum(frame[part[0]], frame[whole[0]])
        elif len(part) == 2 and part[0] == whole[0]:  # (whole - missed) / whole
            frame[part[1]] = np.minimum(frame[part[1]], frame[whole[0]])
    if "population" in frame:
        frame["population"] = frame["population"] * 100
    return frame


def _write_xlsx(frame: pd.DataFrame, path: Path):
    import xlsxwriter
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("录入")
    ws.write_row(0, 0, list(frame.columns))
    for i, row in enumerate(zip(*[frame[c].tolist() for c in frame.columns]), start=1):
        ws.write_row(i, 0, row)
    book.close()


_MEASURED = """
import resource, subprocess, sys, time
t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - t0
sys.stderr.write(r.stderr.decode("utf-8", "replace"))
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)
"""


def run(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak MiB) of one process, from start to exit.

    A small launcher process starts the command, so the peak memory it reports is the command's
    own and not that of this benchmark (a forked child starts with its parent's pages).
    """
    out = subprocess.run([sys.executable, "-c", _MEASURED, *cmd], capture_output=True, text=True)
    seconds, peak_kib, code = out.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{out.stderr}")
    return float(seconds), int(peak_kib) / 1024


def anchor(kind: str, src: Path, out: Path) -> list[str]:
    if kind == "csv":
        code = f"import pandas as pd; pd.read_csv({str(src)!r}).to_csv({str(out)!r}, index=False)"
    else:
        code = (f"import pandas as pd; pd.read_excel({str(src)!r}, engine='calamine')"
                f".to_excel({str(out)!r}, index=False)")
    return [sys.executable, "-c", code]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default="10000,100000,1000000", help="CSV sizes (rows)")
    ap.add_argument("--xlsx", default="10000,100000", help="xlsx sizes (rows)")
    ap.add_argument("--scheme", default="yushui-2022")
    ap.add_argument("--no-explain", action="store_true", help="skip the --explain runs")
    args = ap.parse_args()
    scheme = get_scheme(args.scheme)
    gridxl = [sys.executable, "-m", "gridxl"]
    print(f"scheme {scheme.id}: {len(scheme.indicators)} indicators, {len(scheme.unit_fields())} input fields; "
          f"{os.cpu_count()} cores")
    print(f"{'input':>16} {'gridxl score':>14} {'--explain':>14} {'pandas I/O':>14} {'score/pandas':>13} "
          f"{'explain/plain':>14}")
    cases = [("csv", int(n)) for n in args.csv.split(",") if n] + [("xlsx", int(n)) for n in args.xlsx.split(",") if n]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for kind, n in cases:
            frame = synthetic_units(scheme, n)
            src = tmp / f"units-{n}.{kind}"
            if kind == "csv":
                frame.to_csv(src, index=False)
            else:
                _write_xlsx(frame, src)
            plain = run(gridxl + ["score", scheme.id, str(src), "-o", str(tmp / f"s-{n}.{kind}")])
            explain = None if args.no_explain else \
                run(gridxl + ["score", scheme.id, str(src), "-o", str(tmp / f"e-{n}.{kind}"), "--explain"])
            base = run(anchor(kind, src, tmp / f"p-{n}.{kind}"))
            e_text = f"{explain[0]:7.2f} s {explain[1]:4.0f}M" if explain else f"{'-':>14}"
            ratio = f"{explain[0] / plain[0]:13.2f}x" if explain else f"{'-':>14}"
            print(f"{n:>10,} {kind:>5} {plain[0]:7.2f} s {plain[1]:4.0f}M {e_text} {base[0]:7.2f} s {base[1]:4.0f}M "
                  f"{plain[0] / base[0]:12.2f}x {ratio}", flush=True)
            for f in tmp.iterdir():
                if f.name != src.name:
                    f.unlink()
            src.unlink()
    n = max(int(s) for s in args.csv.split(",")) if args.csv else 100_000
    frame = synthetic_units(scheme, n)
    t0 = time.perf_counter()
    score_frame(scheme, frame)
    core = time.perf_counter() - t0
    print(f"in-process core only (score_frame on {n:,} units already in memory): {core:.2f} s")


if __name__ == "__main__":
    main()
