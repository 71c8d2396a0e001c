"""Bad typing is visible in the workbook (issue 12, point 1, conditional formatting part).

One definition of a valid input (gridxl/core/validity.py) is printed into the template's
conditional formatting and evaluated by `gridxl check`.  Oracles: check's own wording of each
value (value_problem), and LibreOffice evaluating the printed rule as a cell formula.
"""
from __future__ import annotations

import re

import numpy as np
import openpyxl
import pytest

from gridxl.core import get_scheme
from gridxl.core.expr import Env, Field
from gridxl.core.validity import invalid_value
from gridxl.engine.cached_values import Package
from gridxl.workbook.check import check_workbook, value_problem
from gridxl.workbook.libreoffice import convert

from .excel_helpers import sample_inputs, soffice_or_skip, template_with
from .tiers import slow

TYPED = ["八十", "36998", "４６５８", -5.0, 2.5, True, "#DIV/0!", " ", 12.0, 0.0, 95.0, 0.95, None]


def _verdict(spec, value) -> bool:
    tree = invalid_value(spec, Field(spec.key))
    return bool(np.asarray(tree.evaluate(Env({spec.key: np.asarray([value], dtype=object)}))).reshape(-1)[0])


@pytest.mark.parametrize("scheme_id", ["yushui-2022", "chengnan", "dongying-2018"])
def test_the_rule_and_checks_wording_agree_on_every_value(scheme_id):
    for spec in get_scheme(scheme_id).fields:
        if spec.type == "choice":
            assert invalid_value(spec, Field(spec.key)) is None
            continue
        for value in TYPED:
            worded = value is not None and value_problem(spec, value) is not None
            assert _verdict(spec, value) == worded, (spec.key, spec.type, value)


def test_every_input_column_carries_the_rule(tmp_path):
    scheme = get_scheme("yushui-2022")
    path = template_with(scheme, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["录入"]
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    assert rules["C5:C34"] == ["IF(ISNUMBER(C5),OR(N(C5)<0,N(C5)<>INT(N(C5))),NOT(ISBLANK(C5)))"]
    # the numerator of a rate is marked above its denominator (完成20件的网格员数 of 网格员总数)
    assert any("G5>E5" in f for f in rules["G5:G34"])
    assert len([s for s in rules if s.endswith("34")]) >= len(scheme.unit_fields())


@slow
def test_libreoffice_marks_exactly_the_cells_check_names(tmp_path):
    """The printed rules, evaluated by LibreOffice in cells beside the table, are TRUE on check's cells only."""
    soffice_or_skip()
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame)
    wb = openpyxl.load_workbook(path)
    ws = wb["录入"]
    typed = {"C5": "八十", "D6": "36998", "E7": "４６５８", "F8": -5, "G9": 2.5, "G11": 99999, "C12": "#N/A"}
    for ref, value in typed.items():
        ws[ref] = value
    # each rule, copied into a probe column far to the right, as a cell formula
    probes = {}
    for cf in ws.conditional_formatting:
        (rng,) = str(cf.sqref).split()
        col = rng.split(":")[0].rstrip("0123456789")
        for rule in cf.rules:
            probes.setdefault(col, []).append(rule.formula[0])
    ws.protection.sheet = False
    probe_cols = {}
    base = 60
    for i, (col, formulas) in enumerate(sorted(probes.items())):
        probe_cols[col] = base + i
        for r in range(5, 22):
            shifted = [re.sub(r"(?<![A-Z$])([A-Z]{1,3})5(?!\d)", lambda m: f"{m.group(1)}{r}", f) for f in formulas]
            ws.cell(r, base + i).value = f"=IF(OR({','.join(shifted)}),1,0)"  # the column's rules at row r
    wb.save(tmp_path / "probed.xlsx")
    (recalculated,) = convert([tmp_path / "probed.xlsx"], tmp_path / "lo")
    values = Package(recalculated).cells("录入").values()
    marked = {f"{col}{r}" for col, c in probe_cols.items() for r in range(5, 22) if values.get((r, c)) == 1.0}
    named = {p.cell for p in check_workbook(tmp_path / "probed.xlsx").problems if p.sheet == "录入"}
    assert marked == set(typed) == named


def test_messy_typing_check_recalc_score_and_libreoffice_flag_the_same_cells(tmp_path):
    """For each bad-input class typed into a template: check names the cell, recalc --export and score refuse
    naming the same cells, and LibreOffice marks them (the previous test): all flag the same cells."""
    import subprocess
    import sys
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame)
    wb = openpyxl.load_workbook(path)
    typed = {"C5": "八十", "D6": "36998", "E7": "４６５８", "F8": -5, "G9": 2.5, "H10": True, "G11": 99999}
    for ref, value in typed.items():
        wb["录入"][ref] = value
    wb.save(tmp_path / "typed.xlsx")
    named = {p.cell for p in check_workbook(tmp_path / "typed.xlsx").problems}
    assert named == set(typed)
    cells = re.compile(r"录入!([A-Z]+\d+)")
    for args in (["recalc", tmp_path / "typed.xlsx", "-o", tmp_path / "o.xlsx", "--export", tmp_path / "s.csv"],
                 ["score", scheme.id, tmp_path / "typed.xlsx", "-o", tmp_path / "s2.csv"]):
        r = subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)
        assert r.returncode == 2, r.stderr
        assert set(cells.findall(r.stderr)) == set(typed), args[0]
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "s2.csv").exists()


@slow
def test_messy_typing_parity_recalc_libreoffice_gnumeric(tmp_path):
    """Typed into a template, every bad-input class shows 输入有误 in the unit's affected scores, total and
    ranks: gridxl recalc, LibreOffice and Gnumeric compute the same value in every formula cell, and the
    units with clean inputs keep the core's scores."""
    import pandas as pd
    from gridxl.engine import recalculate
    from .excel_helpers import cell_differences, expected_table, table_differences
    from .test_roundtrip import gnumeric_save
    soffice_or_skip()
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame)
    wb = openpyxl.load_workbook(path)
    typed = {"C5": "八十", "D6": "36998", "E7": "４６５８", "F8": -5, "G9": 2.5, "G11": 99999, "C12": "#N/A"}
    for ref, value in typed.items():
        wb["录入"][ref] = value
    wb.save(tmp_path / "typed.xlsx")
    mine = recalculate(tmp_path / "typed.xlsx")
    assert mine.engine == "columns", mine.reason
    (lo,) = convert([tmp_path / "typed.xlsx"], tmp_path / "lo")
    assert cell_differences(mine.values, Package(lo)) == []
    gn = gnumeric_save(tmp_path / "typed.xlsx", tmp_path / "gn.xlsx", recalc=True)
    assert cell_differences({"评分": mine.values["评分"]}, Package(gn)) == []
    scores = mine.values["评分"]
    # G11 (a numerator above its denominator) shows 输入有误 too: `score` and `check` refuse it (issue 12)
    bad_rows = {int(re.sub(r"[A-Z]+", "", ref)) for ref in typed}
    from gridxl.workbook.template import read_layout
    layout = read_layout(Package(path))
    total_col = next(c for (sheet, role, _k), c in layout.columns.items() if sheet == "评分" and role == "total")
    for r in range(5, 22):
        shown = scores[(r, total_col)]
        assert (shown == "输入有误") == (r in bad_rows), r
    clean = [r - 5 for r in range(5, 22) if r not in bad_rows and r != 11]
    keys = [ind.key for ind in scheme.indicators]
    want = expected_table(scheme, frame, None).iloc[clean][["unit"] + keys].reset_index(drop=True)
    got = pd.DataFrame({"unit": [scores[(r + 5, 2)] for r in clean],
                        **{k: [scores[(r + 5, 3 + j)] for r in clean] for j, k in enumerate(keys)}})
    assert table_differences(want, got) == []
