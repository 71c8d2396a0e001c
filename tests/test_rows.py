"""Rows of 录入 inserted, deleted or moved as Excel does it (issue 12, point 5).

The files are rewritten the way Excel writes them after such an edit (tests/xlsx_variants.remap_rows:
the cells move and every formula that read them follows); the oracle is the scoring core on the
inputs as the clerk left them.
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


def _gridxl(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def filled(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    return scheme, frame, template_with(scheme, tmp_path / "filled.xlsx", frame)  # rows 5..21, one per unit


def test_a_row_inserted_is_one_finding_and_refresh_scores_it(filled, tmp_path):
    scheme, frame, path = filled
    inserted = insert_row(path, tmp_path / "inserted.xlsx", "录入", 10)
    wb = openpyxl.load_workbook(inserted)
    new = {"unit": "新增镇"} | {f.key: float(v) for f, v in zip(scheme.unit_fields(), frame.iloc[0, 1:])}
    for j, key in enumerate(["unit"] + [f.key for f in scheme.unit_fields()], start=2):
        wb["录入"].cell(10, j).value = new[key]
    wb.save(tmp_path / "typed.xlsx")
    problems = [str(p) for p in check_workbook(tmp_path / "typed.xlsx").problems]
    assert problems == ["录入!B10: '新增镇' was inserted at row 10: no 评分 row scores it; `gridxl template --refresh "
                        "FILE -o NEW.xlsx` rebuilds the template around every typed value"]
    r = _gridxl("recalc", tmp_path / "typed.xlsx", "-o", tmp_path / "o.xlsx", "--export", tmp_path / "s.csv")
    assert r.returncode == 2 and "录入!B10" in r.stderr  # the export would drop the new unit: refused
    out = refreshed(tmp_path / "typed.xlsx", tmp_path)
    both = pd.concat([frame.iloc[:5], pd.DataFrame([new]), frame.iloc[5:]], ignore_index=True)
    assert table_differences(expected_table(scheme, both, None), workbook_scores(out)) == []


def test_a_row_deleted_is_one_finding_and_refresh_drops_it(filled, tmp_path):
    scheme, frame, path = filled
    deleted = delete_row(path, tmp_path / "deleted.xlsx", "录入", 10)
    gone = frame["unit"].iloc[5]
    problems = [str(p) for p in check_workbook(deleted).problems]
    assert len(problems) == 1 and problems[0].startswith(f"评分!B10: {gone!r} of row 10 was deleted on 录入")
    out = refreshed(deleted, tmp_path)
    rest = frame.drop(index=5).reset_index(drop=True)
    assert table_differences(expected_table(scheme, rest, None), workbook_scores(out)) == []


def test_a_row_moved_is_a_note_and_scores_stay(filled, tmp_path):
    scheme, frame, path = filled
    moved = move_row(path, tmp_path / "moved.xlsx", "录入", 15, 8)
    result = check_workbook(moved)
    assert [str(p) for p in result.problems] == []
    name = frame["unit"].iloc[10]
    assert any(n.startswith(f"{name!r} was moved on 录入 (now row 8)") for n in result.notes)
    # every unit is still scored by its own formulas: the table is the core's on the same inputs
    assert table_differences(expected_table(scheme, frame, None), workbook_scores(moved)) == []
    out = refreshed(moved, tmp_path)
    order = list(frame.index[:3]) + [10] + [i for i in frame.index[3:] if i != 10]
    reordered = frame.loc[order].reset_index(drop=True)
    assert table_differences(expected_table(scheme, reordered, None), workbook_scores(out)) == []
