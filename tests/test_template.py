"""The template generator: what a clerk sees, what the formulas are made of, the committed templates."""
from __future__ import annotations

import re
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from gridxl.core import get_scheme, score_frame
from gridxl.engine.cached_values import Package
from gridxl.workbook.template import (FIRST_ROW, Plan, build_template, field_validation, read_layout)
from gridxl.io.inputs import read_table

from .excel_helpers import IDS, SAMPLES, SCHEMES, TEMPLATES, needs_udfs, sample_inputs, template_with

REFRESH = 'python -c "from gridxl.workbook.template import write_builtin_templates as w; w()"'
# what Excel 2010, WPS and LibreOffice all evaluate; nothing newer (no LET, LAMBDA, IFS, XLOOKUP, MAXIFS …)
EXCEL_2010 = {"IF", "AND", "OR", "NOT", "MIN", "MAX", "INT", "ABS", "ROUND", "ROUNDUP", "ROUNDDOWN", "SUMPRODUCT",
              "AVERAGEIF", "COUNT", "COUNTIF", "NA", "RANK", "ISNUMBER", "SUM", "IFERROR", "MOD", "SMALL", "INDEX",
              "ROW", "AVERAGE", "ISBLANK", "N", "COUNTIFS"}


def sheet_contents(path):
    """Everything a clerk or a formula sees, per sheet (not the zip bytes, which carry timestamps)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = {c.coordinate: (c.value, c.number_format, c.protection.locked)
                 for row in ws.iter_rows() for c in row if c.value is not None}
        out[ws.title] = {
            "state": ws.sheet_state, "cells": cells,
            "merged": sorted(map(str, ws.merged_cells.ranges)),
            "validations": sorted((str(v.sqref), v.type, v.operator, v.formula1, v.formula2, v.prompt, v.error)
                                  for v in ws.data_validations.dataValidation),
            "conditional": sorted(str(r.sqref) for r in ws.conditional_formatting),
            "freeze": ws.freeze_panes, "protected": ws.protection.sheet,
            "hidden": sorted(k for k, d in ws.column_dimensions.items() if d.hidden),
        }
    return out


@pytest.mark.parametrize("scheme", SCHEMES, ids=IDS)
def test_committed_template_is_current(scheme, tmp_path):
    committed = TEMPLATES / f"{scheme.id}.xlsx"
    assert committed.exists(), f"workbook_templates/{scheme.id}.xlsx is missing; run {REFRESH}"
    fresh = tmp_path / f"{scheme.id}.xlsx"
    build_template(scheme, fresh)
    old, new = sheet_contents(committed), sheet_contents(fresh)
    assert list(old) == list(new), f"sheets differ; run {REFRESH}"
    for name in new:
        for part in new[name]:
            assert old[name][part] == new[name][part], f"{scheme.id}: sheet {name}, {part} is stale; run {REFRESH}"


def test_generation_is_deterministic(tmp_path):
    scheme = get_scheme("dongying-2018")
    build_template(scheme, tmp_path / "a.xlsx", period="2018")
    build_template(scheme, tmp_path / "b.xlsx", period="2018")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_sheets_a_clerk_recognises(built_templates):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = built_templates.sample(scheme, period="2022-11")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", "录入", "评分", "汇总", "_gridxl"]
    assert wb["_gridxl"].sheet_state == "hidden" and wb.active.title == "录入"
    info = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    for ind in scheme.indicators:
        assert ind.rule in info  # every rule's text, verbatim
    inputs, scores = wb["录入"], wb["评分"]
    assert "2022年11月" in inputs["A1"].value and "2022年11月" in scores["A1"].value
    assert scheme.title in scores["A1"].value
    assert [inputs.cell(row=r, column=1).value for r in range(5, 22)] == list(range(1, 18))  # 序号
    assert [inputs.cell(row=r, column=2).value for r in range(5, 22)] == frame["unit"].tolist()
    # a header sits in row 4 under its section, or spans rows 3-4 when the scheme has no sections
    headers = [scores.cell(row=4, column=c).value or scores.cell(row=3, column=c).value for c in range(3, 13)]
    assert headers == [f"{i.name}\n（{i.points:g}分）" for i in scheme.indicators]
    assert scores["M3"].value.startswith("总分") and scores["N3"].value == "名次" and scores["O3"].value == "中国式排名"
    for ws in (inputs, scores, wb["汇总"]):
        assert ws.freeze_panes == "C5"
        assert ws.protection.sheet and not ws.protection.password
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.print_title_rows == "$3:$4"  # bands and headers repeat; the title prints once, never cut
    # inputs unlocked and validated, formulas locked, scores shown with two decimals
    assert inputs["C5"].protection.locked is False and inputs["B5"].protection.locked is False
    assert scores["C5"].protection.locked is True and scores["C5"].number_format == "0.00"
    assert inputs["A5"].protection.locked is True
    prompts = {str(v.sqref): v for v in inputs.data_validations.dataValidation}
    for f, col in zip(scheme.unit_fields(), "CDEFGHIJKLMNOPQRS"):
        dv = prompts[f"{col}5:{col}21"]
        assert dv.type == "whole" and dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
        assert "整数" in dv.prompt and dv.showInputMessage and dv.showErrorMessage
    # column widths fit the labels: a header of 15 Chinese characters wraps onto at most 3 lines
    for col in "CDEFGHIJKLMNOPQRS":
        header = inputs[f"{col}4"].value
        width = inputs.column_dimensions[col].width
        assert width >= 9 and len(header) * 2 / (width - 1) <= 4, (header, width)


def test_sections_group_indicators_and_grids_average(tmp_path):
    scheme = get_scheme("dongying-2018")
    path = tmp_path / "dy.xlsx"
    build_template(scheme, path, rows=12)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", "录入", f"{scheme.subunit}录入", "评分", "汇总", "_gridxl"]
    scores = wb["评分"]
    merged = {str(r) for r in scores.merged_cells.ranges}
    sections = {s.key: s for s in scheme.sections}
    first = next(i for i in scheme.indicators if i.section)
    col = 3 + scheme.indicators.index(first)
    assert scores.cell(row=3, column=col).value.startswith(sections[first.section].name)
    assert any(m.startswith(f"{openpyxl.utils.get_column_letter(col)}3:") for m in merged)
    per_grid = [i for i in scheme.indicators if i.per_subunit]
    assert per_grid
    text = scores.cell(row=FIRST_ROW, column=3 + scheme.indicators.index(per_grid[0])).value
    assert "AVERAGEIF(" in text and f"{scheme.subunit}录入!" in text
    grid = wb[f"{scheme.subunit}录入"]
    grid_units = next(v for v in grid.data_validations.dataValidation if v.type == "list" and "录入" in v.formula1)
    assert grid_units.formula1 == "录入!$B$5:$B$16"
    choice = next(f for f in scheme.subunit_fields() if f.type == "choice")
    lists = [v.formula1 for v in grid.data_validations.dataValidation if v.type == "list"]
    assert f'"{",".join(choice.choices)}"' in lists


@pytest.mark.parametrize("scheme", SCHEMES, ids=IDS)
def test_score_cells_are_the_compiled_expressions_behind_a_blank_guard(scheme, tmp_path):
    plan = Plan(scheme, "native", 3)
    row = FIRST_ROW + 1
    refs = plan.refs("unit", row, plan.score)
    for ind in scheme.indicators:
        if ind.per_subunit:
            continue
        formula = plan.score.get("score", ind.key).formula(row)
        body = scheme.compiled()[ind.key].score.to_excel(refs)
        # IF(an input is invalid,"输入有误",IF(an input is blank,"",score)); without numeric inputs no 输入有误
        assert formula.startswith("IF(") and (formula.endswith(f',"",{body}))') and '"输入有误"' in formula
                                              or formula.endswith(f',"",{body})')), ind.key


@pytest.mark.parametrize("mode", ["native", "udf"])
def test_formulas_use_only_functions_every_engine_has(mode):
    allowed = EXCEL_2010 | ({"GRID_SCORE", "GRID_RANK_DECAY"} if mode == "udf" else set())
    for scheme in SCHEMES:
        plan = Plan(scheme, mode, 3)
        for sheet, r, c, formula in plan.formula_cells():
            text = re.sub(r'"(?:[^"]|"")*"', '""', formula)
            names = set(re.findall(r"([A-Z][A-Z0-9._]*)\(", text))
            assert names <= allowed, (scheme.id, sheet, r, c, names - allowed)
            assert ":" not in re.sub(r"\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+", "", text), (scheme.id, formula)


@needs_udfs
def test_udf_templates_call_grid_functions_with_inputs_in_order(tmp_path):
    for scheme in SCHEMES:
        plan = Plan(scheme, "udf", 2)
        for ind in scheme.indicators:
            if ind.per_subunit:
                continue
            text = plan.score.get("score", ind.key).formula(FIRST_ROW)
            if ind.kind == "rank_decay":
                assert "GRID_RANK_DECAY(" in text and "GRID_SCORE" not in text
            else:
                comp = scheme.compiled()[ind.key]
                refs = plan.refs("unit", FIRST_ROW, plan.score)
                args = [refs.cell("score" if k in scheme.compiled() else "field", k) for k in comp.inputs]
                assert f'GRID_SCORE("{scheme.id}","{ind.key}",{",".join(args)})' in text


def test_validation_follows_the_field_type():
    scheme = get_scheme("dongying-2018")
    kinds = {f.type: field_validation(f) for f in scheme.fields}
    assert kinds["count"]["type"] == "whole" and kinds["count"]["formula1"] == "0"
    assert kinds["choice"]["type"] == "list" and "请从下拉列表中选择" in kinds["choice"]["prompt"]
    rate = next((f for s in SCHEMES for f in s.fields if f.type == "rate"), None)
    if rate is not None:
        v = field_validation(rate)
        assert v["type"] == "decimal" and v["formula1"] == "0" and v["formula2"] == "1" and "%" in v["prompt"]


def test_marker_records_scheme_rows_units_and_columns(tmp_path):
    scheme = get_scheme("yushui-2022")
    units = tmp_path / "units.txt"
    units.write_text("界水乡\n人和乡\n\n良山镇\n", encoding="utf-8")
    out = tmp_path / "t.xlsx"
    r = subprocess.run([sys.executable, "-m", "gridxl", "template", scheme.id, "-o", str(out), "--units", str(units),
                        "--rows", "5", "--period", "2026-11"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with Package(out) as pkg:
        layout = read_layout(pkg)
    assert layout.scheme == scheme.id and layout.formulas == "native" and layout.period == "2026-11"
    assert layout.unit_rows == 5 and layout.units == ["界水乡", "人和乡", "良山镇"]
    assert layout.column("评分", "score", "timely_rate") == 3 + [i.key for i in scheme.indicators].index("timely_rate")
    assert layout.column("录入", "field", "population") == 3
    wb = openpyxl.load_workbook(out)
    assert [wb["录入"].cell(row=r, column=2).value for r in range(5, 10)] == ["界水乡", "人和乡", "良山镇", None, None]


def test_a_prefilled_template_is_read_by_gridxl_score(tmp_path):
    scheme = get_scheme("dongying-2018")
    out = tmp_path / "dy.xlsx"
    r = subprocess.run([sys.executable, "-m", "gridxl", "template", scheme.id, "-o", str(out),
                        "--data", str(SAMPLES / "dongying-2018.csv"),
                        "--subunits", str(SAMPLES / "dongying-2018-subunits.csv")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "gridxl", "score", scheme.id, str(out), "-o", str(tmp_path / "s.csv")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    frame = read_table(SAMPLES / "dongying-2018.csv", scheme)
    subs = read_table(SAMPLES / "dongying-2018-subunits.csv", scheme, level="subunit")
    expected = score_frame(scheme, frame, subs).table
    got = pd.read_csv(tmp_path / "s.csv")
    assert got["total"].round(2).tolist() == expected["total"].round(2).tolist()


@pytest.mark.parametrize("args, message", [
    (["--rows", "1", "--data", str(SAMPLES / "yushui-2022.csv")], "fewer than the 17 units"),
    (["--formulas", "excel"], "invalid choice"),
    (["--rows", "0"], "at least 1"),
])
def test_template_refuses_bad_requests_in_one_line(tmp_path, args, message):
    r = subprocess.run([sys.executable, "-m", "gridxl", "template", "yushui-2022", "-o", str(tmp_path / "t.xlsx"),
                        *args], capture_output=True, text=True)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_template_never_writes_over_its_data(tmp_path):
    data = tmp_path / "data.xlsx"
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    template_with(scheme, data, frame)
    before = data.read_bytes()
    r = subprocess.run([sys.executable, "-m", "gridxl", "template", scheme.id, "-o", str(data), "--data", str(data)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "never writes over its input" in r.stderr
    assert data.read_bytes() == before


def test_duplicate_units_are_refused(tmp_path):
    units = tmp_path / "u.txt"
    units.write_text("甲\n乙\n甲\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "gridxl", "template", "yushui-2022", "-o", str(tmp_path / "t.xlsx"),
                        "--units", str(units)], capture_output=True, text=True)
    assert r.returncode == 2 and "listed twice: 甲" in r.stderr


def test_blank_template_rows_show_empty_scores(tmp_path):
    scheme = get_scheme("yushui-2022")
    path = tmp_path / "blank.xlsx"
    build_template(scheme, path, rows=3)
    values = openpyxl.load_workbook(path, data_only=True)["评分"]
    for r in range(FIRST_ROW, FIRST_ROW + 3):
        assert all(values.cell(row=r, column=c).value in (None, "") for c in range(2, 16)), r
