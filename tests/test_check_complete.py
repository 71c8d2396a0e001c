"""`gridxl check` is complete (issue 12, point 7): what cannot be scored is one clear finding, never silence."""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

from gridxl.core import get_scheme
from gridxl.workbook.check import check_workbook, percent_advice, value_problem

from .excel_helpers import SAMPLES, sample_inputs, template_with


def _problems(path):
    return [str(p) for p in check_workbook(path).problems]


def test_grids_missing_for_a_scheme_that_averages_grids(tmp_path):
    scheme = get_scheme("dongying-2018")
    frame, subs = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "no-grids.xlsx", frame)  # prefilled without 网格录入 data
    problems = _problems(path)
    assert len(problems) == 1 and problems[0].startswith("网格录入: no 网格 row is filled in")
    r = subprocess.run([sys.executable, "-m", "gridxl", "recalc", path, "-o", tmp_path / "o.xlsx", "--export",
                        tmp_path / "s.csv"], capture_output=True, text=True)
    assert r.returncode == 2 and "网格录入" in r.stderr and not (tmp_path / "s.csv").exists()


def test_one_unit_without_grid_rows(tmp_path):
    scheme = get_scheme("dongying-2018")
    frame, subs = sample_inputs(scheme)
    first = frame["unit"].iloc[0]
    path = template_with(scheme, tmp_path / "t.xlsx", frame, subs[subs["unit"] != first].reset_index(drop=True))
    assert _problems(path) == [f"录入!B5: {first!r} has no rows on 网格录入: its per-网格 scores (日常事件、一般事件、"
                               f"较大事件) stay blank"]


def test_a_blank_template_is_one_finding(tmp_path):
    path = template_with(get_scheme("yushui-2022"), tmp_path / "blank.xlsx")
    problems = _problems(path)
    assert len(problems) == 1 and problems[0].startswith("录入: no 乡镇（街道） is filled in (rows 5–34")


def test_an_added_unit_with_every_input_blank_is_one_finding(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame, rows=30)
    wb = openpyxl.load_workbook(path)
    wb["录入"].cell(22, 2).value = "新增镇"
    wb.save(tmp_path / "added.xlsx")
    problems = _problems(tmp_path / "added.xlsx")
    n = len(scheme.unit_fields())
    assert len(problems) == 1, problems
    assert problems[0].startswith("录入!B22: '新增镇' was added: it is not one of the 17 乡镇（街道）")
    assert f"; {n} inputs are blank (C22:" in problems[0]
    # and a single blank stays a single, precise finding
    wb["录入"].cell(22, 2).value = None
    wb["录入"].cell(7, 4).value = None
    wb.save(tmp_path / "one.xlsx")
    assert _problems(tmp_path / "one.xlsx") == [f"录入!D7: blank: {scheme.unit_fields()[1].label} expects "
                                                f"whole number >= 0"]


def test_a_unit_typed_below_the_last_row(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame)  # exactly 17 rows: 5..21
    wb = openpyxl.load_workbook(path)
    wb["录入"].cell(22, 2).value = "新增镇"
    wb["录入"].cell(22, 3).value = 1000
    wb.save(tmp_path / "below.xlsx")
    problems = _problems(tmp_path / "below.xlsx")
    assert len(problems) == 1 and problems[0].startswith("录入!B22: '新增镇' typed below the template's last row (21)")
    assert "--refresh" in problems[0]


@pytest.mark.parametrize("value", ["95%", "９５％", 95.0])
def test_the_advice_on_a_percent_is_the_same_everywhere(value):
    spec = next(f for f in get_scheme("chengnan").fields if f.type == "rate")
    message = value_problem(spec, value)
    assert percent_advice(95) == "95% (or 0.95)" and percent_advice(95) in message
