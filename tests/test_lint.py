"""`gridxl lint` reports what each seed leaves ambiguous or inconsistent (computed and recorded)."""
from __future__ import annotations

import pytest

from gridxl.core import builtin_schemes, get_scheme
from gridxl.core.lint import grade_gaps, lint
from gridxl.core.scheme import scheme_from_dict

# (scheme, level, text that must appear in one finding)
KNOWN = [
    ("yushui-2022", "note", "罗坊镇"),                       # the printed rank 3 is a typo
    ("yushui-2022", "note", "25件"),                         # 达标综治中心: 25 vs 20+5
    ("xx-township", "note", "105"),                          # sections 一 and 二 disagree
    ("dongying-2018", "warning", "民意调查 (5 分): the seed gives no rule"),  # truncated 基础工作
    ("dongying-2018", "warning", "数据维护 (10 分): the seed gives no rule"),
    ("dongying-2018", "note", "办结数量: the bonus is uncapped"),  # 办结数量 may pass its 30
    ("chengnan", "warning", "联动数据: deductions are capped so the item never goes below 2 of its 3 points"),
    ("chengnan", "note", "500"),                             # 100-500 / 500+ overlap
    ("liujiaoting", "warning", "no grade covers totals between 94 and 95"),
    ("liujiaoting", "warning", "no grade covers totals between 79 and 80"),
    ("liujiaoting", "warning", "no grade covers totals between 60 and 70"),
    ("liujiaoting", "note", "560"),
    ("fire-grid", "note", "工作开展情况(10分)"),
    ("gridworker-stars", "note", "85"),
    ("community-sorted", "note", "17"),
    ("zengdu", "warning", "民情日志 (10 分): the seed gives no rule"),
    ("xiangxi", "warning", "民政残联 (30 分): the seed gives no rule"),
    ("minzhu-pingyi", "note", "废票"),
]


@pytest.mark.parametrize("sid,level,text", KNOWN)
def test_known_ambiguities_are_reported(sid, level, text):
    findings = lint(get_scheme(sid))
    assert any(f.level == level and text in f.message for f in findings), [str(f) for f in findings]


@pytest.mark.parametrize("scheme", builtin_schemes(), ids=lambda s: s.id)
def test_every_builtin_records_its_readings(scheme):
    assert scheme.ambiguities, f"{scheme.id} records no ambiguity: every seed has some"


def _scheme(points, total=100, grades=()):
    return scheme_from_dict({
        "id": "t", "name": "t", "unit": "u", "total_points": total,
        "fields": [{"key": "a", "label": "a", "type": "score"}],
        "indicators": [{"key": f"i{n}", "name": f"项{n}", "points": p, "kind": "entered", "value": "a"}
                       for n, p in enumerate(points)],
        "grades": list(grades)})


def test_points_that_do_not_add_up():
    findings = lint(_scheme([20, 30, 40]))
    assert any("add up to 90, not the stated total 100" in f.message for f in findings)
    assert not any("add up" in f.message for f in lint(_scheme([60, 40])))


def test_grade_gaps_and_overlaps():
    printed = [{"label": "优秀", "min": 90, "max": 100}, {"label": "合格", "min": 75, "max": 90},
               {"label": "基本合格", "min": 60, "max": 74}, {"label": "不合格", "max": 59.99}]
    assert grade_gaps(_scheme([100], grades=printed)) == [("gap", 74, 75), ("overlap", 90, 90)]
