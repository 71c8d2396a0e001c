"""Rows of 网格录入 (the per-grid inputs) inserted, deleted or moved as Excel does it (issue 12, point 5).

dongying-2018 averages each town's grids.  The files are rewritten as Excel writes them after such an
edit (tests/xlsx_variants.remap_rows: the cells move, every formula that read them follows, the 评分
ranges over the grids grow or shrink).  Oracles: the averages computed by hand from the scheme's rules
(below), the scoring core on the grids as the clerk left them, and LibreOffice where it is installed.

六户镇's grids in the sample (rows 5-9), 日常 / 一般 / 较大 events and the per-grid points they earn:
  一网格 农村 348 46 13 -> 7 (52 short of 400: one step of 40), 16 (2 short of 48), 4.5 (1 over 12)
  二网格 厂区 192 47 12 -> 8 (8 short of 200: no whole step of 20), 17, 4
  三网格 农村 371 37  7 -> 8, 7 (11 short), 0 (5 short: at most 4 off)
  四网格 厂区 230 36 14 -> 8 (30 over: no whole step of 40), 6, 5
  五网格 农村 452 36 13 -> 8 (52 over: no whole step of 80), 6, 4.5
The new grid (城市 700 58 12) earns 9 (100 over 600: one step), 23 (10 over 48, 0.5 each), 4.
"""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from gridxl.core import get_scheme
from gridxl.workbook.check import check_workbook

from .excel_helpers import expected_table, refreshed, sample_inputs, table_differences, template_with, workbook_scores
from .xlsx_variants import delete_row, insert_row, move_row
from .tiers import sweep

TOWN = "六户镇"
NEW = {"unit": TOWN, "subunit": "六户镇新网格", "grid_type": "城市", "daily_reported": 700.0,
       "general_reported": 58.0, "major_reported": 12.0}
BEFORE = {"daily": 7.8, "general": 10.4, "major": 3.6}       # 39/5, 52/5, 18/5
WITH_NEW = {"daily": 8, "general": 12.5, "major": 3.67}      # 48/6, 75/6, 22/6 (to 2 decimals)
WITHOUT_THIRD = {"daily": 7.75, "general": 11.25, "major": 4.5}  # 一, 二, 四, 五: 31/4, 45/4, 18/4


def _gridxl(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def filled(tmp_path):
    scheme = get_scheme("dongying-2018")
    frame, subs = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "filled.xlsx", frame, subs)  # 网格录入 rows 5..45, one per grid
    return scheme, frame, subs, path


def _town(table: pd.DataFrame) -> dict:
    row = table[table["unit"] == TOWN].iloc[0]
    return {k: round(float(row[k]), 2) for k in BEFORE}


def _exported(path, tmp_path):
    """(recalc --export, score) of a template, as tables."""
    r = _gridxl("recalc", path, "-o", tmp_path / "r.xlsx", "--export", tmp_path / "r.csv", "--force")
    assert r.returncode == 0, r.stderr
    s = _gridxl("score", "dongying-2018", path, "-o", tmp_path / "s.csv", "--force")
    assert s.returncode == 0, s.stderr
    return pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig"), pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")


def test_the_hand_computed_averages_are_the_template_s(filled, tmp_path):
    scheme, frame, subs, path = filled
    assert _town(workbook_scores(path)) == BEFORE


def _inserted(scheme, path, tmp_path, at):
    """The template with a row inserted at ``at`` on 网格录入 and the new grid typed into it."""
    inserted = insert_row(path, tmp_path / "inserted.xlsx", "网格录入", at)
    wb = openpyxl.load_workbook(inserted)
    ws = wb["网格录入"]
    cols = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    for key, label in [("unit", scheme.unit), ("subunit", "网格"), ("grid_type", "网格类型"),
                       ("daily_reported", "上报日常事件数（件）"), ("general_reported", "上报一般事件数（件）"),
                       ("major_reported", "上报较大事件数（件）")]:
        ws.cell(at, cols[label]).value = NEW[key]
    wb.save(tmp_path / "typed.xlsx")
    return tmp_path / "typed.xlsx"


@pytest.mark.parametrize("at", sweep([7, 5], keep=1))  # inside the grid rows, and at the first (Excel moves the ranges below it)
def test_a_grid_row_inserted_is_one_finding_and_refresh_averages_it(filled, tmp_path, at):
    scheme, frame, subs, path = filled
    _inserted(scheme, path, tmp_path, at)
    problems = [str(p) for p in check_workbook(tmp_path / "typed.xlsx").problems]
    assert problems == [f"网格录入!C{at}: '六户镇新网格' of '六户镇' was inserted at row {at}: no formula scores it, "
                        f"so 评分 leaves it out of '六户镇''s average; `gridxl template --refresh FILE -o NEW.xlsx` "
                        f"rebuilds the template around every typed value"]
    for args in (["recalc", tmp_path / "typed.xlsx", "-o", tmp_path / "o.xlsx", "--export", tmp_path / "x.csv"],
                 ["score", "dongying-2018", tmp_path / "typed.xlsx", "-o", tmp_path / "x.csv"]):
        r = _gridxl(*args)
        assert r.returncode == 2 and f"网格录入!C{at}" in r.stderr, r.stderr  # the export would leave it out
    out = refreshed(tmp_path / "typed.xlsx", tmp_path)
    assert _town(workbook_scores(out)) == WITH_NEW
    recalc, score = _exported(out, tmp_path)
    assert _town(recalc) == WITH_NEW and _town(score) == WITH_NEW
    both = pd.concat([subs.iloc[:at - 5], pd.DataFrame([NEW]), subs.iloc[at - 5:]], ignore_index=True)
    assert table_differences(expected_table(scheme, frame, both), workbook_scores(out)) == []


def test_a_grid_row_deleted_is_one_finding_and_refresh_drops_it(filled, tmp_path):
    scheme, frame, subs, path = filled
    deleted = delete_row(path, tmp_path / "deleted.xlsx", "网格录入", 7)  # 六户镇三网格
    problems = [str(p) for p in check_workbook(deleted).problems]
    assert len(problems) == 1 and problems[0].startswith("网格录入!B45: 1 row(s) were deleted on 网格录入: "
                                                          "the 网格 rows now end at row 44"), problems
    out = refreshed(deleted, tmp_path)
    assert _town(workbook_scores(out)) == WITHOUT_THIRD
    recalc, score = _exported(out, tmp_path)
    assert _town(recalc) == WITHOUT_THIRD and _town(score) == WITHOUT_THIRD
    rest = subs.drop(index=2).reset_index(drop=True)
    assert table_differences(expected_table(scheme, frame, rest), workbook_scores(out)) == []


def test_a_grid_row_moved_keeps_every_formula_right(filled, tmp_path):
    scheme, frame, subs, path = filled
    moved = move_row(path, tmp_path / "moved.xlsx", "网格录入", 20, 6)  # another town's grid among 六户镇's
    result = check_workbook(moved)
    assert [str(p) for p in result.problems] == []
    assert _town(workbook_scores(moved)) == BEFORE
    assert table_differences(expected_table(scheme, frame, subs), workbook_scores(moved)) == []


def test_libreoffice_averages_the_refreshed_grid(filled, tmp_path):
    from gridxl.engine.cached_values import Package
    from gridxl.workbook.libreoffice import convert

    from .excel_helpers import soffice_or_skip
    soffice_or_skip()
    scheme, frame, subs, path = filled
    out = refreshed(_inserted(scheme, path, tmp_path, 7), tmp_path)
    (recalculated,) = convert([out], tmp_path / "lo")
    values = Package(recalculated).cells("评分").values()
    heads = {values.get((4, c)): c for c in range(1, 40)}
    row = next(r for r in range(5, 40) if values.get((r, 2)) == TOWN)
    got = [round(float(values[(row, heads[h])]), 2) for h in ("日常事件\n（8分）", "一般事件\n（18分）", "较大事件\n（4分）")]
    assert got == [WITH_NEW["daily"], WITH_NEW["general"], WITH_NEW["major"]]
