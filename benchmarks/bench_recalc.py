"""How long `gridxl recalc` takes, against LibreOffice headless on the same file.

    python benchmarks/bench_recalc.py [--scheme yushui-2022] [--units 1400] [--big 10000] [--repeat 3]
                                      [--libreoffice-big]

Builds native templates of the scheme filled with random valid inputs (1,400 units: a district's
grid workers; 10,000 units), then times, in one run on this machine:

* ``gridxl recalc FILE -o OUT`` as a command (Python start-up included) and in-process;
* ``soffice --headless --convert-to xlsx`` on the same file, with a private profile that makes it
  recalculate on load (without it LibreOffice keeps the cached values and computes nothing);

and prints the times and the ratio.  The issue's goal: the 1,400-unit file in no more time than
LibreOffice (ratio <= 1), 10,000 units in under 10 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridxl.core import get_scheme  # noqa: E402
from gridxl.workbook.libreoffice import convert, find_soffice  # noqa: E402
from gridxl.engine import recalculate, write_recalculated  # noqa: E402
from gridxl.workbook.template import build_template  # noqa: E402


def random_inputs(scheme, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {"unit": [f"单位{i + 1:05d}" for i in range(n)]}
    for f in scheme.unit_fields():
        lo, hi = f.bounds()
        if f.type == "choice":
            data[f.key] = rng.choice(f.choices, n)
        elif f.type == "rate":
            data[f.key] = rng.integers(0, 10001, n) / 10000
        elif f.type == "flag":
            data[f.key] = rng.integers(0, 2, n).astype(float)
        elif f.type == "score":
            data[f.key] = rng.integers(int((lo or 0) * 100), int((hi or 100) * 100) + 1, n) / 100
        else:
            data[f.key] = rng.integers(int(lo or 0) + 1, 3000, n).astype(float)
    return pd.DataFrame(data)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def show(label: str, times: list[float]) -> float:
    med = statistics.median(times)
    print(f"  {label:44} median {med:7.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times)})")
    return med


def bench(scheme, n: int, folder: Path, repeat: int, libreoffice: bool):
    src = folder / f"{scheme.id}-{n}.xlsx"
    start = time.perf_counter()
    build_template(scheme, src, data=random_inputs(scheme, n))
    result = recalculate(src)
    print(f"\n{scheme.id}, {n} units: {result.formula_cells} formula cells in "
          f"{len(result.values)} sheets ({src.stat().st_size / 1e6:.1f} MB; template built in "
          f"{time.perf_counter() - start:.1f} s)")
    out = folder / f"{scheme.id}-{n}-out.xlsx"

    def cli():
        subprocess.run([sys.executable, "-m", "gridxl", "recalc", str(src), "-o", str(out)], check=True,
                       capture_output=True, cwd=Path(__file__).resolve().parent.parent)

    def in_process():
        write_recalculated(recalculate(src), out)

    t_cli = show("gridxl recalc (command, Python start-up incl.)", timed(cli, repeat))
    t_lib = show("gridxl recalc (in-process: read, compute, write)", timed(in_process, repeat))
    if not libreoffice:
        return t_cli, t_lib, None
    lo_out = folder / "lo"
    t_lo = show("soffice --headless --convert-to xlsx", timed(lambda: convert([src], lo_out), repeat))
    return t_cli, t_lib, t_lo


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scheme", default="yushui-2022")
    p.add_argument("--units", type=int, default=1400)
    p.add_argument("--big", type=int, default=10000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--libreoffice-big", action="store_true", help="time LibreOffice on the big file too (slow)")
    args = p.parse_args(argv)
    scheme = get_scheme(args.scheme)
    have_lo = find_soffice() is not None
    print(f"gridxl recalc vs LibreOffice — {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}"
          + ("" if have_lo else "; LibreOffice not installed: its times are left out"))
    with tempfile.TemporaryDirectory(prefix="gridxl-bench-") as tmp:
        folder = Path(tmp)
        t_cli, t_lib, t_lo = bench(scheme, args.units, folder, args.repeat, have_lo)
        if t_lo:
            print(f"  ratio gridxl recalc / LibreOffice: {t_cli / t_lo:.2f} (command), {t_lib / t_lo:.2f} (in-process)"
                  f"  -> {'goal met' if t_cli <= t_lo else 'goal NOT met'} (<= 1)")
        b_cli, b_lib, b_lo = bench(scheme, args.big, folder, args.repeat, have_lo and args.libreoffice_big)
        print(f"  {args.big} units: {b_cli:.2f} s (command) -> {'goal met' if b_cli < 10 else 'goal NOT met'} (< 10 s)")
        if b_lo:
            print(f"  ratio gridxl recalc / LibreOffice: {b_cli / b_lo:.2f}")


if __name__ == "__main__":
    main()
