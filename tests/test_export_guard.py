"""Exports refuse what `gridxl check` finds (issue 12, point 3)."""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from gridxl.core import get_scheme

from .excel_helpers import expected_table, sample_inputs, table_differences, template_with


def _gridxl(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def typed(tmp_path):
    """A filled yushui-2022 template with the clerk's mistakes of the issue typed into it."""
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "filled.xlsx", frame)
    wb = openpyxl.load_workbook(path)
    ws = wb["录入"]
    ws["C5"] = "八十"  # text in a count
    ws["D6"] = "36998"  # a number stored as text
    ws["F8"] = -5  # a negative
    wb["评分"]["C9"] = 12  # a score typed over its formula
    wb.save(tmp_path / "typed.xlsx")
    return scheme, frame, tmp_path / "typed.xlsx"


def test_recalc_export_refuses_and_names_every_cell(typed, tmp_path):
    _, _, path = typed
    out, csv = tmp_path / "out.xlsx", tmp_path / "scores.csv"
    r = _gridxl("recalc", path, "-o", out, "--export", csv)
    assert r.returncode == 2
    for cell in ("录入!C5", "录入!D6", "录入!F8", "评分!C9"):
        assert cell in r.stderr
    assert "--force" in r.stderr
    assert not out.exists() and not csv.exists()


def test_recalc_export_with_force_marks_the_units_rows(typed, tmp_path):
    scheme, frame, path = typed
    out, csv = tmp_path / "out.xlsx", tmp_path / "scores.csv"
    r = _gridxl("recalc", path, "-o", out, "--export", csv, "--force")
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(csv, keep_default_na=False)
    problems = dict(zip(table["unit"], table["problems"]))
    units = frame["unit"].tolist()
    assert problems[units[0]] == "录入!C5"
    assert problems[units[1]] == "录入!D6"
    assert problems[units[3]] == "录入!F8"
    assert problems[units[4]] == "评分!C9"
    assert all(problems[u] == "" for u in units[5:])
    # the units without problems carry the core's scores (indicator scores; ranks depend on the others)
    expected = expected_table(scheme, frame, None).iloc[5:].reset_index(drop=True)
    got = pd.read_csv(csv).iloc[5:].reset_index(drop=True)
    keys = [ind.key for ind in scheme.indicators]
    assert table_differences(expected[["unit"] + keys], got[["unit"] + keys]) == []


def test_score_on_a_template_refuses_what_check_finds(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "filled.xlsx", frame)
    wb = openpyxl.load_workbook(path)
    wb["评分"]["D7"] = 5  # typed over: score reads the inputs, but the workbook shows another number
    wb.save(tmp_path / "typed.xlsx")
    r = _gridxl("score", scheme.id, tmp_path / "typed.xlsx", "-o", tmp_path / "s.csv")
    assert r.returncode == 2 and "评分!D7" in r.stderr and not (tmp_path / "s.csv").exists()
    r = _gridxl("score", scheme.id, tmp_path / "typed.xlsx", "-o", tmp_path / "s.csv", "--force")
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "s.csv", keep_default_na=False)
    assert table.loc[2, "problems"] == "评分!D7" and table.loc[0, "problems"] == ""
    # a clean template scores without a problems column
    r = _gridxl("score", scheme.id, path, "-o", tmp_path / "clean.csv")
    assert r.returncode == 0, r.stderr
    assert "problems" not in pd.read_csv(tmp_path / "clean.csv").columns


def test_recalc_of_a_template_without_formulas_is_an_error(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "filled.xlsx", frame)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.value = 1
    wb.save(tmp_path / "pasted.xlsx")
    r = _gridxl("recalc", tmp_path / "pasted.xlsx", "-o", tmp_path / "out.xlsx")
    assert r.returncode == 2 and "no formula cell" in r.stderr
    assert not (tmp_path / "out.xlsx").exists()
