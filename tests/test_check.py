"""`gridxl check`: every problem of a filled template, by sheet and cell; exit 1 when any."""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

from gridxl.core import get_scheme
from gridxl.workbook.check import check_workbook, rate_divisions, value_problem

from .excel_helpers import IDS, SAMPLES, SCHEMES, sample_inputs, template_with


def _gridxl(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def filled(tmp_path, built_templates):
    return built_templates.copy(get_scheme("yushui-2022"), tmp_path / "filled.xlsx", period="2022-11")


def _edit(path, out, edits: dict):
    wb = openpyxl.load_workbook(path)
    for (sheet, ref), value in edits.items():
        wb[sheet][ref] = value
    wb.save(out)
    return out


@pytest.mark.parametrize("scheme", SCHEMES, ids=IDS)
def test_a_correctly_filled_template_has_no_problems(scheme, built_templates):
    path = built_templates.sample(scheme)
    if path is None:
        pytest.skip("no sample")
    result = check_workbook(path)
    assert result.problems == [], [str(p) for p in result.problems]


def test_clean_file_exits_zero(filled):
    r = _gridxl("check", filled)
    assert r.returncode == 0 and "no problems found" in r.stderr and r.stdout == ""


def test_every_kind_of_problem_is_named_by_sheet_and_cell(filled, tmp_path):
    bad = _edit(filled, tmp_path / "bad.xlsx", {
        ("录入", "C5"): "１２３４５",  # full-width digits, stored as text
        ("录入", "D6"): -5,  # negative
        ("录入", "E7"): "many",  # text in a number cell
        ("录入", "G8"): 100,  # 达标网格员 100 of 55 workers
        ("录入", "F9"): None,  # blank
        ("录入", "H10"): 2.5,  # a fraction of a centre
        ("录入", "P11"): 99999,  # more overdue events than new events
        ("录入", "B12"): "新单位",  # renamed: 新单位 added, the old name removed
        ("录入", "B13"): "下村镇",  # a name twice
        ("评分", "C5"): 20,  # formula overwritten with a value
        ("评分", "D6"): "=5",  # formula changed
        ("评分", "E7"): None,  # formula deleted
    })
    r = _gridxl("check", bad)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()

    def line(prefix):
        hits = [x for x in lines if x.startswith(prefix)]
        assert hits, f"nothing reported at {prefix}:\n" + "\n".join(lines)
        return hits[0]

    assert "full-width" in line("录入!C5:") and "12345" in line("录入!C5:")
    assert "negative" in line("录入!D6:")
    assert "text 'many'" in line("录入!E7:")
    assert "more than" in line("录入!G8:") and "网格员总数" in line("录入!G8:")
    assert "blank" in line("录入!F9:")
    assert "whole number" in line("录入!H10:")
    assert "below 0" in line("录入!P11:")
    assert "'新单位' was added" in line("录入!B12:")
    assert any("was removed" in x for x in lines)
    assert "appears twice (first in row 13)" in line("录入!B17:")  # 下村镇's own row, now the second
    assert "overwritten with the value 20" in line("评分!C5:")
    assert "changed to =5" in line("评分!D6:")
    assert "deleted" in line("评分!E7:")
    assert "Traceback" not in r.stderr


def test_formulas_saved_by_excel_with_other_spelling_are_not_changes(filled, tmp_path):
    """Spaces, lower case, quoted sheet names and _xlfn. prefixes are how other programs save the same formula."""
    wb = openpyxl.load_workbook(filled)
    ws = wb["评分"]
    original = ws["N5"].value
    ws["N5"] = original.replace("RANK(", "rank( ").replace(",", ", ")
    ws["C6"] = ws["C6"].value.replace("录入!", "'录入'!")
    wb.save(tmp_path / "respelled.xlsx")
    assert check_workbook(tmp_path / "respelled.xlsx").problems == []


def test_units_compared_with_a_list_given_on_the_command_line(tmp_path):
    scheme = get_scheme("yushui-2022")
    blank = tmp_path / "blank.xlsx"
    template_with(scheme, blank, rows=3)
    filled = _edit(blank, tmp_path / "f.xlsx", {("录入", "B5"): "甲", ("录入", "B6"): "乙"})
    units = tmp_path / "units.txt"
    units.write_text("甲\n丙\n", encoding="utf-8")
    result = check_workbook(filled, units=units)
    messages = [str(p) for p in result.problems]
    assert any("'乙' was added" in m for m in messages) and any("'丙' was removed" in m for m in messages)


def test_grid_rows_of_an_unknown_unit(tmp_path):
    scheme = get_scheme("dongying-2018")
    frame, subs = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "dy.xlsx", frame, subs)
    sheet = f"{scheme.subunit}录入"
    bad = _edit(path, tmp_path / "bad.xlsx", {(sheet, "B5"): "不存在镇"})
    problems = [str(p) for p in check_workbook(bad).problems]
    assert any(p.startswith(f"{sheet}!B5:") and "not on the 录入 sheet" in p for p in problems), problems


def test_not_a_template(tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "plain.xlsx")
    r = _gridxl("check", tmp_path / "plain.xlsx")
    assert r.returncode == 2 and "not a gridxl template" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "x.xlsx").write_text("hello")
    r = _gridxl("check", tmp_path / "x.xlsx")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_numerator_denominator_pairs_come_from_the_rate_expressions():
    scheme = get_scheme("yushui-2022")
    pairs = {(ind.key, tuple(num.fields()), tuple(den.fields())) for ind, num, den in rate_divisions(scheme, "unit")}
    assert ("gw_qualified_rate", ("gw_qualified",), ("gw_total",)) in pairs
    assert ("special_visit_rate", ("special_visited",), ("special_total",)) in pairs
    assert ("timely_rate", ("new_events", "overdue_events"), ("new_events",)) in pairs
    # a count per person or per 10,000 people is not a share: more events than workers is fine
    assert not any(key in ("gw_avg_events", "events_per_10k") for key, _, _ in pairs)


@pytest.mark.parametrize("value, fragment", [
    ("１２", "full-width"), ("abc", "text 'abc'"), (-1.0, "negative"), (1.5, "whole number"), (True, "TRUE/FALSE"),
    ("12", "number stored as text"),
])
def test_value_problems_of_a_count_field(value, fragment):
    spec = get_scheme("yushui-2022").field("events")
    assert fragment in value_problem(spec, value)
    assert value_problem(spec, 12.0) is None


def test_rates_above_100_percent():
    rate = next((f for s in SCHEMES for f in s.fields if f.type == "rate"), None)
    if rate is None:
        pytest.skip("no built-in scheme has a rate field")
    assert "above 100%" in value_problem(rate, 95.0)
    assert value_problem(rate, 0.95) is None
    assert SAMPLES.exists()
