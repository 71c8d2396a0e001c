"""One table of hand-computed cases for every rule kind, checked twice:
the Python evaluation of the kind's formula tree, and the Excel formula text
that the same tree prints, evaluated by the `formulas` spreadsheet engine.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from gridxl.core import REGISTRY, score_frame
from gridxl.core.excel_math import excel_round, excel_rounddown, excel_roundup
from gridxl.core.expr import Refs
from gridxl.core.scheme import scheme_from_dict

formulas = pytest.importorskip("formulas")


def _exact_round_in_formulas():
    """`formulas` rounds the raw double (56.62 for 45.3/80*100); use Excel's rule."""
    from formulas.functions import FUNCTIONS, wrap_ufunc
    FUNCTIONS["ROUND"] = wrap_ufunc(lambda x, d: excel_round(x, int(d)))
    FUNCTIONS["ROUNDUP"] = wrap_ufunc(lambda x, d: excel_roundup(x, int(d)))
    FUNCTIONS["ROUNDDOWN"] = wrap_ufunc(lambda x, d: excel_rounddown(x, int(d)))


_exact_round_in_formulas()


@functools.lru_cache(maxsize=None)
def _compiled_formula(text):
    return formulas.Parser().ast("=" + text)[1].compile()


def _excel_value(text):
    out = _compiled_formula(text)()
    out = np.asarray(out).reshape(-1)[0] if np.ndim(out) else out
    return float(out)


def _literal(v):
    v = np.asarray(v, dtype=object).reshape(-1)[0]
    if isinstance(v, str):
        return '"' + v + '"'
    return repr(float(v))


def excel_scores(scheme, key, rows):
    """Evaluate the printed Excel formula of indicator `key` for each row, with the inputs as literals."""
    comp = scheme.compiled()[key]
    measures = []
    if comp.measure is not None:
        for row in rows:
            text = comp.measure_cell().to_excel(Refs(lambda space, k, row=row: _literal(row[k])))
            measures.append(_compiled_formula(text)())
    column = "{" + ";".join(_literal(m) for m in measures) + "}"
    out = []
    for i, row in enumerate(rows):
        def cell(space, k, row=row, i=i):
            return _literal(measures[i]) if space == "measure" else _literal(row[k])
        out.append(_excel_value(comp.score.to_excel(Refs(cell, lambda space, k: column))))
    return out


def make_scheme(indicator: dict, fields: dict[str, str]):
    data = {"id": "case", "name": "case", "unit": "单位", "total_points": indicator["points"],
            "fields": [{"key": k, "label": k, "type": t, **({"choices": ["城市", "农村", "厂区"]} if t == "choice" else {})}
                       for k, t in fields.items()],
            "indicators": [{"key": "x", "name": "测试项", **indicator}]}
    return scheme_from_dict(data)


DEDUCT_BANDS = [{"from": 90, "deduct": 0}, {"from": 80, "deduct": 0.5}, {"from": 70, "deduct": 1},
                {"from": 60, "deduct": 1.5}, {"from": 0, "deduct": 2}]
CITY = {"by": "t", "城市": 600, "农村": 400, "厂区": 200}

# (case id, indicator table, field types, input rows, expected scores — worked out by hand)
CASES = [
    # ratio: points × min(1, value / standard)
    ("ratio per 10k", dict(points=20, kind="ratio", value="e / (p / 10000)", standard=100),
     dict(e="count", p="count"),
     [dict(e=400, p=50000), dict(e=500, p=50000), dict(e=900, p=50000), dict(e=5, p=0)],
     [16.0,   # 400/5 = 80 per 万人; 20×80/100
      20.0,   # exactly the standard
      20.0,   # above the standard: capped
      0.0]),  # population 0: if_zero
    ("ratio x.xx5", dict(points=5, kind="ratio", value="a / b"), dict(a="count", b="count"),
     [dict(a=113, b=200), dict(a=1, b=3)],
     [2.83,   # 5×0.565 = 2.8249999999999997 as a double; Excel shows 2.83
      1.67]),  # 5/3 = 1.666…
    ("rate", dict(points=6, kind="rate", value="r"), dict(r="rate"),
     [dict(r=0.875), dict(r=1.0), dict(r=0.0)], [5.25, 6.0, 0.0]),  # 6×0.875
    # linear between 80% and 98% (004 处理及时率)
    ("linear", dict(points=20, kind="linear", value="(n - o) / n", scale=100, low=80, high=98),
     dict(n="count", o="count"),
     [dict(n=50, o=1), dict(n=2000, o=49), dict(n=10, o=2), dict(n=100, o=21), dict(n=10, o=1),
      dict(n=0, o=0)],
     [20.0,    # 49/50 = 98% exactly: full
      19.5,    # 97.55%: (97.55-80)/18×20 = 19.5
      0.0,     # exactly 80%: (80-80)/18×20 = 0
      0.0,     # 79% < 80%
      11.11,   # 90%: 10/18×20 = 11.111…
      0.0]),   # no new events: if_zero
    # base count with steps (001 日常事件, by grid type)
    ("steps by type", dict(points=8, kind="steps", value="d", base=CITY,
                           step_up={"by": "t", "城市": 100, "农村": 80, "厂区": 40},
                           step_down={"by": "t", "城市": 50, "农村": 40, "厂区": 20}, max_deduction=8),
     dict(t="choice", d="count"),
     [dict(t="城市", d=600), dict(t="城市", d=699), dict(t="城市", d=700), dict(t="城市", d=1000),
      dict(t="城市", d=551), dict(t="城市", d=550), dict(t="城市", d=0), dict(t="农村", d=480),
      dict(t="厂区", d=179)],
     [8.0,   # at the base
      8.0,   # 99 over: no whole step of 100
      9.0,   # one step over
      12.0,  # four steps, bonus uncapped
      8.0,   # 49 short of 50: no whole step
      7.0,   # 50 short: -1
      0.0,   # 600 short: 12 steps, at most -8
      9.0,   # 农村: 80 over base 400: +1
      7.0]),  # 厂区: 21 short of 200: one step of 20
    ("steps started", dict(points=8, kind="steps", value="d", base=600, step_down=50, max_deduction=8,
                           step_rounding="started"), dict(d="count"),
     [dict(d=551), dict(d=600)], [7.0, 8.0]),  # 49 short starts a step
    ("steps proportional", dict(points=8, kind="steps", value="d", base=600, step_down=50, max_deduction=8,
                                step_rounding="proportional"), dict(d="count"),
     [dict(d=575)], [7.5]),  # 25/50 of a step
    ("steps relative (办结数量)", dict(points=20, kind="steps", value="h", base=700, relative=True, step_up=10,
                                   step_down=5), dict(h="count"),
     [dict(h=770), dict(h=769), dict(h=665), dict(h=664), dict(h=0), dict(h=1400)],
     [21.0,   # +10%: +1
      20.0,   # +9.86%
      19.0,   # -5%: -1
      19.0,   # 664/700-1 = -5.14%: one whole step of 5%
      0.0,    # -100%: 20 steps, floor 0
      30.0]),  # +100%: 10 steps, uncapped
    # points lost per percentage point short (003 实有人口采集)
    ("shortfall", dict(points=5, kind="shortfall", value="r", scale=100, target=10), dict(r="rate"),
     [dict(r=0.075), dict(r=0.1), dict(r=0.0), dict(r=0.091)],
     [3.0,   # 2.5 points short: 2 whole points, -2
      5.0,   # at target
      0.0,   # 10 short, at most -5
      5.0]),  # 0.9 short: no whole point
    # per-occurrence deductions, 扣完为止
    ("deduction", dict(points=10, kind="deduction", items=[{"field": "m", "each": 0.5}]), dict(m="count"),
     [dict(m=0), dict(m=3), dict(m=20), dict(m=25)], [10.0, 8.5, 0.0, 0.0]),
    ("deduction with zero-out", dict(points=20, kind="deduction", items=[{"field": "m", "each": 0.5}],
                                     when=[{"if": "none = 1", "score": 0, "text": "没有记录，本项不得分"}]),
     dict(m="count", none="flag"), [dict(m=1, none=0), dict(m=1, none=1)], [19.5, 0.0]),
    ("deduction 倒扣", dict(points=10, kind="deduction", items=[{"field": "m", "each": 3}],
                           when=[{"if": "petition = 1", "score": -10}]),
     dict(m="count", petition="flag"), [dict(m=2, petition=0), dict(m=5, petition=0), dict(m=0, petition=1)],
     [4.0, 0.0, -10.0]),
    ("deduction with per-item caps and a band (消防)", dict(
        points=60, kind="deduction",
        items=[{"field": "login", "each": 5}, {"field": "xun", "each": 5, "cap": 15},
               {"value": "fix", "scale": 100, "bands": [{"from": 90, "deduct": 0}, {"from": 80, "deduct": 1},
                                                        {"from": 70, "deduct": 3}, {"from": 60, "deduct": 6},
                                                        {"from": 0, "deduct": 10}]}]),
     dict(login="flag", xun="count", fix="rate"),
     [dict(login=0, xun=0, fix=0.95), dict(login=1, xun=5, fix=0.85), dict(login=1, xun=1, fix=0.59),
      dict(login=0, xun=0, fix=0.9), dict(login=0, xun=0, fix=0.8999)],
     [60.0,   # nothing to deduct
      39.0,   # 5 + min(15, 25) + 1 (80..90)
      40.0,   # 5 + 5 + 10 (<60)
      60.0,   # exactly 90%: no deduction
      59.0]),  # 89.99%: 80..90 band
    ("penalty, one cap (五没有)", dict(points=6, kind="penalty", extra=True, cap=6,
                                    items=[{"field": "major", "each": 1}, {"field": "special", "each": 3}]),
     dict(major="count", special="count"),
     [dict(major=2, special=1), dict(major=3, special=2), dict(major=0, special=0)], [-5.0, -6.0, 0.0]),
    ("bonus by level, capped", dict(points=10, kind="bonus", extra=True, cap=10,
                                    items=[{"field": "qu", "each": 1}, {"field": "shi", "each": 2},
                                           {"field": "sheng", "each": 5}, {"field": "zhongyang", "each": 10}]),
     dict(qu="count", shi="count", sheng="count", zhongyang="count"),
     [dict(qu=3, shi=1, sheng=0, zhongyang=0), dict(qu=0, shi=0, sheng=1, zhongyang=1),
      dict(qu=0, shi=0, sheng=0, zhongyang=0)], [5.0, 10.0, 0.0]),
    ("checklist 2+2+1", dict(points=5, kind="checklist", items=[{"field": "a", "each": 2}, {"field": "b", "each": 2},
                                                               {"field": "c", "each": 1}]),
     dict(a="flag", b="flag", c="flag"), [dict(a=1, b=0, c=1), dict(a=1, b=1, c=1)], [3.0, 5.0]),
    ("checklist capped (看现场 parts add to 17, worth 15)", dict(
        points=15, kind="checklist", cap=15, items=[{"field": "a", "each": 5}, {"field": "b", "each": 5},
                                                    {"field": "c", "each": 7}]),
     dict(a="flag", b="flag", c="flag"), [dict(a=1, b=1, c=1), dict(a=1, b=0, c=1)], [15.0, 12.0]),
    ("bands (数据缺项)", dict(points=2, kind="bands", value="r", scale=100, bands=DEDUCT_BANDS), dict(r="rate"),
     [dict(r=0.95), dict(r=0.9), dict(r=0.85), dict(r=0.8), dict(r=0.7999), dict(r=0.65), dict(r=0.3)],
     [2.0, 2.0, 1.5, 1.5, 1.0, 0.5, 0.0]),
    ("rank decay among units below the standard", dict(points=20, kind="rank_decay", value="c / t", standard=1,
                                                      step=0.05),
     dict(c="count", t="count"),
     [dict(c=10, t=10), dict(c=9, t=10), dict(c=9, t=10), dict(c=8, t=10), dict(c=5, t=10)],
     [20.0,   # 100%: full
      19.0,   # first below: 95% of 20 (two tied share the place)
      19.0,
      17.0,   # two units ahead below the standard: third place, 85%
      16.0]),  # fourth place: 80%
    ("entered", dict(points=8, kind="entered", value="s"), dict(s="score"), [dict(s=7.5), dict(s=8)], [7.5, 8.0]),
    ("weighted 40/60", dict(points=100, kind="weighted", parts=[{"value": "h", "weight": 0.4},
                                                                {"value": "y", "weight": 0.6}]),
     dict(h="score", y="score"), [dict(h=90, y=80), dict(h=87.5, y=91.25)], [84.0, 89.75]),
]


@pytest.mark.parametrize("case_id,indicator,fields,rows,expected", CASES, ids=[c[0] for c in CASES])
def test_kind_python_and_excel(case_id, indicator, fields, rows, expected):
    scheme = make_scheme(indicator, fields)
    frame = pd.DataFrame([{"unit": f"单位{i}", **r} for i, r in enumerate(rows)])
    python = score_frame(scheme, frame).table["x"].tolist()
    assert python == expected
    assert excel_scores(scheme, "x", rows) == expected


def test_every_kind_has_a_case():
    covered = {c[1]["kind"] for c in CASES}
    assert covered == set(REGISTRY), f"kinds without a table case: {set(REGISTRY) - covered}"
