"""A filled template saved again by LibreOffice and by Gnumeric: check stays clean, the scores stay the core's.

Oracles: the scoring core on the original inputs (`gridxl score`), and the two real engines'
own recalculation (Gnumeric's ``ssconvert --recalc``).  CI installs both (scripts/setup.sh); a
developer without Gnumeric may set GRIDXL_SKIP_GNUMERIC=1 to skip those tests knowingly.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import openpyxl
import pytest

from gridxl.core import get_scheme
from gridxl.engine.cached_values import Package
from gridxl.workbook.check import check_workbook
from gridxl.workbook.libreoffice import convert
from gridxl.engine import recalculate
from gridxl.workbook.export import scores_table

from .excel_helpers import (custom_inputs, custom_scheme, expected_table, sample_inputs, soffice_or_skip,
                            table_differences, template_with)
from .tiers import slow

pytestmark = slow  # the slow tier: --all, CI=1


ROUND_TRIP_SCHEMES = ["yushui-2022", "dongying-2018", "xx-township"]


def ssconvert_or_skip() -> str:
    path = shutil.which("ssconvert")
    if path is None:
        if os.environ.get("GRIDXL_SKIP_GNUMERIC") == "1":
            pytest.skip("Gnumeric (ssconvert) is not installed and GRIDXL_SKIP_GNUMERIC=1")
        pytest.fail("Gnumeric (ssconvert) is needed for the round-trip tests: apt-get install -y gnumeric "
                    "(or set GRIDXL_SKIP_GNUMERIC=1 to skip them on this machine)")
    return path


def gnumeric_save(source, output, recalc=False):
    cmd = [ssconvert_or_skip()] + (["--recalc"] if recalc else []) + [str(source), str(output)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, HOME=str(output.parent)))
    assert proc.returncode == 0 and output.exists(), proc.stderr[-2000:]
    return output


def _filled(scheme_id, folder):
    if scheme_id == "custom":
        scheme = custom_scheme(folder)
        frame, subs = custom_inputs()
    else:
        scheme = get_scheme(scheme_id)
        frame, subs = sample_inputs(scheme)
    return scheme, frame, subs, template_with(scheme, folder / f"{scheme.id}.xlsx", frame, subs, rows=len(frame) + 3)


def _export(path, tmp_path, name):
    """`gridxl recalc FILE -o OUT --export CSV` as a user runs it; the exported table."""
    import pandas as pd
    out, csv = tmp_path / f"{name}-recalc.xlsx", tmp_path / f"{name}-scores.csv"
    proc = subprocess.run([sys.executable, "-m", "gridxl", "recalc", str(path), "-o", str(out), "--export", str(csv)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return pd.read_csv(csv)


@pytest.mark.parametrize("scheme_id", ROUND_TRIP_SCHEMES + ["custom"])
def test_saved_again_by_gnumeric(scheme_id, tmp_path):
    scheme, frame, subs, original = _filled(scheme_id, tmp_path)
    resaved = gnumeric_save(original, tmp_path / "gnumeric.xlsx")
    result = check_workbook(resaved)
    assert [str(p) for p in result.problems] == []
    recalculated = recalculate(resaved)
    assert recalculated.engine == "columns", recalculated.reason
    assert recalculated.formula_cells == recalculate(original).formula_cells
    assert table_differences(expected_table(scheme, frame, subs), scores_table(recalculated)) == []


@pytest.mark.parametrize("scheme_id", ROUND_TRIP_SCHEMES)
def test_saved_again_by_libreoffice(scheme_id, tmp_path):
    soffice_or_skip()
    scheme, frame, subs, original = _filled(scheme_id, tmp_path)
    (resaved,) = convert([original], tmp_path / "lo")
    assert [str(p) for p in check_workbook(resaved).problems] == []
    assert table_differences(expected_table(scheme, frame, subs), scores_table(recalculate(resaved))) == []


def test_export_of_resaved_files_equals_score_on_the_inputs(tmp_path):
    """The command a user runs, on both re-saved files: the same table as `gridxl score` on the inputs."""
    import pandas as pd
    soffice_or_skip()
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    original = template_with(scheme, tmp_path / "t.xlsx", frame)
    scored = tmp_path / "scores.csv"
    proc = subprocess.run([sys.executable, "-m", "gridxl", "score", scheme.id,
                           str(sample_inputs.__globals__["SAMPLES"] / f"{scheme.id}.csv"), "-o", str(scored)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    expected = pd.read_csv(scored)
    (lo,) = convert([original], tmp_path / "lo")
    gn = gnumeric_save(original, tmp_path / "gn.xlsx")
    for name, path in (("libreoffice", lo), ("gnumeric", gn)):
        got = _export(path, tmp_path, name)
        assert table_differences(expected, got) == [], name


def test_gnumeric_ranks_like_the_core_with_blank_rows(tmp_path):
    """中国式排名 with unused rows and a unit left blank: Gnumeric's own recalculation gives the core's ranks.

    (With ISNUMBER(range) inside SUMPRODUCT Gnumeric counted every blank row as a higher total.)
    """
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame, rows=len(frame) + 8)
    wb = openpyxl.load_workbook(path)
    field = scheme.unit_fields()[0]
    wb["录入"].cell(7, 3).value = None  # the third unit's first input: it has no total and no rank
    wb.save(tmp_path / "blank.xlsx")
    blanked = frame.copy()
    blanked.loc[2, field.key] = float("nan")
    expected = expected_table(scheme, blanked, None)
    engine = gnumeric_save(tmp_path / "blank.xlsx", tmp_path / "gnumeric.xlsx", recalc=True)
    values = Package(engine).cells("评分").values()
    header = {v: c for (r, c), v in values.items() if r <= 4 and isinstance(v, str)}
    col = header["中国式排名"]
    got = [values.get((5 + i, col)) for i in range(len(frame))]
    want = [float(x) if x == x else "" for x in expected["rank_dense"].astype(float)]
    assert got == want
    assert got[2] == "" and got[0] == 1.0


def test_dense_rank_node_by_hand():
    """The node the core evaluates and the templates print: 1 + distinct higher totals; blank stays blank."""
    import numpy as np
    from gridxl.core.expr import Env, Refs
    from gridxl.core.ranks import DENSE_RANK
    got = DENSE_RANK.evaluate(Env({}, columns={"total": np.array([90.0, 95.0, 95.0, np.nan, 80.0])}))
    assert got[[0, 1, 2, 4]].tolist() == [2.0, 1.0, 1.0, 3.0] and np.isnan(got[3])
    text = DENSE_RANK.to_excel(Refs(lambda s, k: {"total": "M5", "ties": "P5"}[k],
                                    lambda s, k: {"total": "$M$5:$M$9", "ties": "$P$5:$P$9"}[k]))
    assert text == 'IF(ISNUMBER(M5),SUMPRODUCT(($M$5:$M$9<>"")*($M$5:$M$9<>"输入有误")*($M$5:$M$9>M5)/$P$5:$P$9)+1,M5)'
    assert "ISNUMBER($" not in text  # ISNUMBER of a range: one cell in Gnumeric inside SUMPRODUCT
