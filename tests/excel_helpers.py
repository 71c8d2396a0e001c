"""Helpers shared by the workbook tests: inputs per scheme, building templates, comparing tables and cells."""
from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridxl.core import builtin_schemes, score_frame
from gridxl.engine import ExcelError, Package, recalculate
from gridxl.workbook.export import scores_table
from gridxl.workbook.template import build_template
from gridxl.io.inputs import read_table
from gridxl.workbook.check import check_workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "gridxl" / "samples"
TEMPLATES = ROOT / "workbook_templates"
SCHEMES = builtin_schemes()
IDS = [s.id for s in SCHEMES]


# A scheme using what the built-in ones use only here and there: per-grid rank decay, a base by grid type,
# ascending rank decay, a weighted part reading other scores, an extra bonus, grades, a forced grade, stars.
CUSTOM_TOML = """
id = "custom-test"
name = "测试方案"
unit = "乡镇"
subunit = "网格"
[[fields]]
key = "kind"
label = "类型"
type = "choice"
choices = ["城市", "农村"]
level = "subunit"
[[fields]]
key = "done"
label = "完成数"
level = "subunit"
[[fields]]
key = "total_tasks"
label = "任务数"
level = "subunit"
[[fields]]
key = "visits"
label = "走访数"
[[fields]]
key = "households"
label = "户数"
[[fields]]
key = "bonus_items"
label = "加分项"
[[indicators]]
key = "grid_rate"
name = "网格完成率"
points = 30
kind = "rank_decay"
value = "done / total_tasks"
standard = 1
step = 0.1
per_subunit = true
[[indicators]]
key = "grid_steps"
name = "网格基数"
points = 20
kind = "steps"
value = "done"
base = { by = "kind", "城市" = 50, "农村" = 30 }
step_down = 5
down_points = 1
per_subunit = true
[[indicators]]
key = "visit_rank"
name = "走访排名"
points = 30
kind = "rank_decay"
value = "visits / households"
standard = 0.9
step = 0.05
direction = "asc"
[[indicators]]
key = "half"
name = "折半"
points = 20
kind = "weighted"
parts = [ { value = "visit_rank", weight = 0.5 }, { value = "grid_steps", weight = 0.5 } ]
[[indicators]]
key = "bonus"
name = "加分"
points = 0
kind = "bonus"
extra = true
items = [ { field = "bonus_items", each = 0.5 } ]
cap = 3
[[grades]]
label = "优秀"
min = 90
[[grades]]
label = "合格"
min = 60
[[grades]]
label = "不合格"
max = 60
[[flags]]
key = "low"
label = "约谈"
if = "total < 80"
grade = "不合格"
[stars]
per = 20
max_stars = 5
"""


def custom_scheme(folder: Path):
    from gridxl.core import load_scheme
    path = folder / "custom-test.toml"
    path.write_text(CUSTOM_TOML, encoding="utf-8")
    return load_scheme(path)


def custom_inputs(seed: int = 3, units: int = 6, grids: int = 20):
    rng = np.random.default_rng(seed)
    names = [f"镇{i}" for i in range(units)]
    frame = pd.DataFrame({"unit": names, "visits": rng.integers(0, 100, units).astype(float),
                          "households": rng.integers(50, 100, units).astype(float),
                          "bonus_items": rng.integers(0, 9, units).astype(float)})
    subs = pd.DataFrame({"unit": [names[i % units] for i in range(grids)],
                         "subunit": [f"网格{i}" for i in range(grids)],
                         "kind": rng.choice(["城市", "农村"], grids), "done": rng.integers(0, 60, grids).astype(float),
                         "total_tasks": rng.integers(1, 60, grids).astype(float)})
    subs.loc[3, "total_tasks"] = 0.0  # a zero denominator: that grid has no rate
    return frame, subs


def udfs_available() -> bool:
    try:
        import gridxl.engine.formulas_udfs  # noqa: F401
    except ImportError:
        return False
    return True


needs_udfs = pytest.mark.skipif(not udfs_available(), reason="gridxl.engine.formulas_udfs (GRID_* for formulas) "
                                                             "is not there yet")


def sample_inputs(scheme):
    """(units frame, grids frame or None) of the scheme's sample file, as `gridxl score` would read it."""
    path = SAMPLES / f"{scheme.id}.csv"
    if not path.exists():
        return None
    ballots = SAMPLES / f"{scheme.id}-ballots.csv"
    if ballots.exists() and getattr(scheme, "ballots", None) is not None:
        from gridxl.core.ballots import merge_into, tally
        frame = merge_into(pd.read_csv(path), tally(scheme.ballots, pd.read_csv(ballots)))
    else:
        frame = read_table(path, scheme)
    subs = None
    if scheme.subunit_fields():
        subs = read_table(SAMPLES / f"{scheme.id}-subunits.csv", scheme, level="subunit")
    return frame, subs


def template_with(scheme, path: Path, frame=None, subs=None, formulas="native", **kw) -> Path:
    build_template(scheme, path, data=frame, subunits=subs, formulas=formulas, **kw)
    return path


class TemplateCache:
    """Templates of the built-in schemes on their sample data, built once per test session (the
    ``built_templates`` fixture): several modules test the same workbook.  The files are shared, so a test
    must not change one (``copy`` gives it its own); the session checks at its end that none changed."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._built: dict[tuple, tuple[Path, str]] = {}

    def sample(self, scheme, formulas: str = "native", period: str | None = None) -> Path | None:
        """The template prefilled with the scheme's sample file(s), as template_with builds it; None without one."""
        key = (scheme.id, formulas, period)
        if key not in self._built:
            inputs = sample_inputs(scheme)
            if inputs is None:
                return None
            name = "-".join(part for part in (scheme.id, formulas, period) if part) + ".xlsx"
            path = template_with(scheme, self.folder / name, *inputs, formulas=formulas,
                                 **({"period": period} if period else {}))
            self._built[key] = (path, _digest(path))
        return self._built[key][0]

    def copy(self, scheme, target: Path, **kw) -> Path:
        """A private copy of ``sample(scheme, **kw)`` at ``target``, free to change."""
        shutil.copyfile(self.sample(scheme, **kw), target)
        return target

    def changed(self) -> list[str]:
        return [path.name for path, digest in self._built.values() if _digest(path) != digest]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def workbook_scores(path: Path) -> pd.DataFrame:
    result = recalculate(path)
    assert result.engine == "columns", f"{path.name} went to the formulas engine: {result.reason}"
    return scores_table(result)


def table_differences(expected: pd.DataFrame, got: pd.DataFrame, digits: int = 2) -> list[str]:
    """Every cell where the two scoring tables differ (numbers compared to `digits` decimals)."""
    out = []
    if list(expected.columns) != list(got.columns):
        out.append(f"columns {list(expected.columns)} != {list(got.columns)}")
    if len(expected) != len(got):
        return out + [f"{len(expected)} rows != {len(got)} rows"]
    for col in expected.columns:
        if col not in got.columns:
            continue
        for i, (a, b) in enumerate(zip(expected[col].tolist(), got[col].tolist())):
            if _blank(a) and _blank(b):
                continue
            if isinstance(a, str) or isinstance(b, str):
                same = str(a) == str(b)
            else:  # both sides took the same Excel ROUND to `digits`: the same double, give or take an ulp
                try:
                    same = math.isclose(float(a), float(b), rel_tol=0, abs_tol=10 ** -(digits + 6))
                except (TypeError, ValueError):
                    same = False
            if not same:
                out.append(f"row {i} ({expected['unit'].iloc[i]}), {col}: expected {a!r}, got {b!r}")
    return out


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == ""


def expected_table(scheme, frame, subs) -> pd.DataFrame:
    table = score_frame(scheme, frame, subs).table.copy()
    for col in ("rank", "rank_dense", "stars"):
        if col in table:
            table[col] = table[col].astype("Int64")
    return table


def cell_differences(mine: dict, other: Package, tolerance: float = 1e-9) -> list[str]:
    """Formula cells whose value in `mine` ({sheet: {(r, c): value}}) differs from the values cached in `other`."""
    out = []
    for sheet, values in mine.items():
        theirs = other.cells(sheet).values()
        for key, v in values.items():
            w = theirs.get(key)
            if isinstance(v, float) and isinstance(w, float):
                same = abs(v - w) <= tolerance * max(1.0, abs(v))
            elif isinstance(v, ExcelError) or isinstance(w, ExcelError):
                same = str(v) == str(w)
            else:
                same = v == w or (v == "" and w is None) or (v is None and w == "")
            if not same:
                out.append(f"{sheet}!{key}: gridxl {v!r}, other {w!r}")
    return out


def soffice_or_skip():
    """soffice's path.  A missing LibreOffice fails the test (CI installs it: these tests are never skipped
    there); a developer without it may set GRIDXL_SKIP_LIBREOFFICE=1 to skip them knowingly."""
    from gridxl.workbook.libreoffice import find_soffice
    path = find_soffice()
    if path is None:
        if os.environ.get("GRIDXL_SKIP_LIBREOFFICE") == "1":
            pytest.skip("LibreOffice (soffice) is not installed and GRIDXL_SKIP_LIBREOFFICE=1")
        pytest.fail("LibreOffice (soffice) is needed for the real-engine parity tests: apt-get install -y "
                    "libreoffice-calc (or set GRIDXL_SKIP_LIBREOFFICE=1 to skip them on this machine)")
    return path


__all__ = ["SCHEMES", "IDS", "SAMPLES", "TEMPLATES", "ROOT", "sample_inputs", "template_with", "TemplateCache",
           "workbook_scores",
           "table_differences", "expected_table", "cell_differences", "soffice_or_skip", "udfs_available",
           "needs_udfs", "custom_scheme", "custom_inputs"]


def refreshed(path, tmp_path) -> Path:
    """`gridxl template --refresh` of a workbook, which must then check clean."""
    out = tmp_path / "refreshed.xlsx"
    r = subprocess.run([sys.executable, "-m", "gridxl", "template", "--refresh", str(path), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert [str(p) for p in check_workbook(out).problems] == []
    return out
