"""Zero denominators guarded on the denominator expression, everywhere (issue 12, point 6).

Oracles: hand computation, and LibreOffice recalculating the template printed from the same tree.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gridxl.core import score_frame
from gridxl.core.scheme import scheme_from_dict
from gridxl.engine.cached_values import Package
from gridxl.workbook.libreoffice import convert
from gridxl.engine import recalculate

from .excel_helpers import (cell_differences, expected_table, soffice_or_skip, table_differences, template_with,
                            workbook_scores)

# the ratios are in 倍 (not shares of a whole): the rows divide 5 by 1 on purpose, which for a share would be a
# numerator above its denominator (输入有误 in the workbook, refused by `score`)
SCHEME = {
    "id": "zero-test", "name": "分母测试", "unit": "乡镇",
    "fields": [{"key": k, "label": label} for k, label in (("done", "完成数"), ("urban", "城镇户数"),
                                                            ("rural", "农村户数"), ("b", "应办数"), ("c", "免办数"),
                                                            ("items", "事项数"))],
    "indicators": [
        {"key": "r1", "name": "覆盖率", "points": 10, "kind": "ratio", "value": "done / (urban + rural)",
         "standard": 1, "value_unit": "倍"},
        {"key": "r2", "name": "办结率", "points": 10, "kind": "ratio", "value": "done / (b - c)", "standard": 1,
         "if_zero": 3, "value_unit": "倍"},
        {"key": "nested", "name": "嵌套", "points": 10, "kind": "ratio", "value": "done / (b / c)", "standard": 1,
         "value_unit": "倍"},
        {"key": "w", "name": "条件", "points": 10, "kind": "ratio", "value": "done / urban", "standard": 1,
         "value_unit": "倍", "when": [{"if": "rural / (b - c) > 1", "score": 1, "text": "农村户数超过应办数"}]},
        {"key": "bonus", "name": "加分", "points": 0, "kind": "bonus", "extra": True,
         "items": [{"value": "items / (b - c)", "each": 1}], "cap": 5},
    ],
    "flags": [{"key": "talk", "label": "约谈", "if": "done / (b - c) > 2"}],
}

#                 unit  done urban rural b   c   items
ROWS = [("甲镇", 5, 0, 10, 3, 3, 4),   # urban 0 but urban + rural = 10; b - c = 0
        ("乙镇", 5, 10, 0, 3, 2, 4),   # b - c = 1
        ("丙镇", 5, 10, 20, 30, 0, 60),  # c = 0: b / c divides by 0
        ("丁镇", 0, 0, 0, 4, 2, 1),    # urban + rural = 0
        ("戊镇", 5, 10, 10, 5, 0, 0)]  # the when rule fires: rural / (b - c) = 2


@pytest.fixture(scope="module")
def scheme():
    return scheme_from_dict(SCHEME)


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame(ROWS, columns=["unit", "done", "urban", "rural", "b", "c", "items"]).astype(
        {k: float for k in ("done", "urban", "rural", "b", "c", "items")})


def test_scores_by_hand(scheme, frame):
    t = score_frame(scheme, frame).table.set_index("unit")
    # 覆盖率: 5/10 -> 5 (the old guard gave 0 because urban alone is 0); 丁镇 0/0 -> if_zero 0
    assert t["r1"].tolist() == [5.0, 5.0, round(10 * 5 / 30, 2), 0.0, 2.5]
    # 办结率: b - c = 0 -> if_zero 3 (the old guard tested b and c: 5/0 = inf -> full marks)
    assert t["r2"].tolist() == [3.0, 10.0, round(10 * 5 / 30, 2), 0.0, 10.0]
    # 嵌套: b / c with c = 0 is guarded before b / c is used as a denominator
    assert t["nested"].tolist() == [10.0, 10.0, 0.0, 0.0, 0.0]
    # 条件: the when rule divides by b - c: it does not fire when that is 0 (甲镇: urban = 0 -> 0); 戊镇 fires
    assert t["w"].tolist() == [0.0, 5.0, 5.0, 0.0, 1.0]
    # 加分: items / (b - c) counts 0 when b - c = 0; 4/1 = 4; 60/30 = 2; 1/2 = 0.5
    assert t["bonus"].tolist() == [0.0, 4.0, 2.0, 0.5, 0.0]
    # 约谈: 5/1 > 2 for 乙镇 only (甲镇 divides by 0: no flag)
    assert t["talk"].tolist() == ["", "约谈", "", "", ""]


def test_explain_names_the_zero_denominator(scheme, frame):
    result = score_frame(scheme, frame, explain=True)
    assert "分母为 0" in result.explain["r2"][0] and "分母为 0" not in result.explain["r1"][0]
    assert "农村户数超过应办数" in result.explain["w"][4]


def test_printed_guards_test_the_denominator_expression(scheme, tmp_path):
    path = template_with(scheme, tmp_path / "t.xlsx")
    formulas = {(r, c): f.text for (r, c), f in Package(path).cells("评分").formulas.items()}
    row5 = " ".join(text for (r, _), text in formulas.items() if r == 5)
    # columns: C done, D urban, E rural, F b, G c
    assert "IF(录入!D5+录入!E5=0,0,ROUND(10*MIN(1,录入!C5/(录入!D5+录入!E5)),2))" in row5
    assert "IF(录入!F5-录入!G5=0,3,ROUND(10*MIN(1,录入!C5/(录入!F5-录入!G5)),2))" in row5
    assert "IF(IF(录入!F5-录入!G5=0,0,录入!C5/(录入!F5-录入!G5)>2),\"约谈\",\"\")" in row5  # the flag
    assert "IF(录入!G5=0,1,录入!F5/录入!G5=0)" in row5  # nested: c first, then b / c


def test_workbook_scores_as_the_core_in_recalc_and_libreoffice(scheme, frame, tmp_path):
    path = template_with(scheme, tmp_path / "zero.xlsx", frame)
    assert table_differences(expected_table(scheme, frame, None), workbook_scores(path)) == []
    soffice_or_skip()
    (lo,) = convert([path], tmp_path / "lo")
    mine = recalculate(path).values
    assert cell_differences(mine, Package(lo)) == []
    scores = Package(lo).cells("评分").values()
    shown = [scores.get((r, c)) for r in range(5, 10) for c in range(3, 8)]
    assert not any(isinstance(v, str) and v.startswith("#") for v in shown)  # no #DIV/0! anywhere
    assert not any(isinstance(v, float) and math.isinf(v) for v in shown)
    assert np.isfinite([v for v in shown if isinstance(v, float)]).all()
