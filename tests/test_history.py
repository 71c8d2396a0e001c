"""Results over many periods: the streak rule of seed 000, composites of seed 003, averages, rank movement, the store.

Every expected value below is worked out by hand in the comments beside it.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from gridxl.core import get_scheme
from gridxl.reports.history import (ResultStore, StreakRule, check_period, composite, parse_weights, period_averages,
                            period_sort_key, period_text, rank_movement, streak_events, streaks, year_end_vetoes)
from gridxl.io.inputs import InputError
from gridxl.io.outputs import OutputError

from .conftest import SAMPLES
from .tiers import slow

YUSHUI = SAMPLES / "yushui-2022.csv"
MONTHS = [f"2022-{m:02d}" for m in range(1, 13)]
NAN = float("nan")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def matrix(rows: dict[str, list[float]], months=MONTHS) -> pd.DataFrame:
    """Units by months from {unit: [total per month]}."""
    return pd.DataFrame(rows, index=months).T


# -- streaks over twelve months ----------------------------------------------------------------
# Five units A..E; each month's totals, its average, who is in the bottom 2 and below the average:
#  M1  95 90 85 80 70  avg 84    bottom D(1 lower) E(0)      both below          -> D, E count
#  M2  as M1                                                                      -> D, E
#  M3  95 90 85 92 70  avg 86.4  bottom C(1 lower) E(0)      both below          -> C, E   (D's run broken in month 3)
#  M4  as M1                                                                      -> D, E
#  M5  as M1                                                                      -> D, E
#  M6  95 90 80 85 70  avg 84    bottom C(1) E(0); D has 2 lower                  -> C, E
#  M7  95 90 85 80 96  avg 89.2  bottom C(1) D(0); E has 4 lower                  -> C, D
#  M8  95 90 75 75 75  avg 82    C, D, E tied last: 0 lower each, all bottom 2    -> C, D, E
#  M9  90 90 90 90 89  avg 89.8  everyone bottom 2 (A-D have 1 lower), only E below the average -> E
#  M10 as M1, M11 as M1, M12 as M1                                                -> D, E
TWELVE = matrix({
    "A": [95, 95, 95, 95, 95, 95, 95, 95, 90, 95, 95, 95],
    "B": [90, 90, 90, 90, 90, 90, 90, 90, 90, 90, 90, 90],
    "C": [85, 85, 85, 85, 85, 80, 85, 75, 90, 85, 85, 85],
    "D": [80, 80, 92, 80, 80, 85, 80, 75, 90, 80, 80, 80],
    "E": [70, 70, 70, 70, 70, 70, 96, 75, 89, 70, 70, 70],
})
# months running, per unit, month by month
RUNS = {
    "A": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    "B": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    "C": [0, 0, 1, 0, 0, 1, 2, 3, 0, 0, 0, 0],
    "D": [1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 3],
    "E": [1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5],
}


@pytest.fixture(scope="module")
def twelve():
    return streaks(TWELVE)


@pytest.mark.parametrize("unit", list(RUNS))
def test_runs_over_twelve_months(twelve, unit):
    rows = twelve[twelve["unit"] == unit]
    assert rows["period"].tolist() == MONTHS
    assert rows["run"].tolist() == RUNS[unit]


@pytest.mark.parametrize("month,bottom,counting", [
    ("2022-01", {"D", "E"}, {"D", "E"}),
    ("2022-03", {"C", "E"}, {"C", "E"}),  # D's 3-month streak broken in month 3
    ("2022-08", {"C", "D", "E"}, {"C", "D", "E"}),  # three tied last share the bottom two places
    ("2022-09", {"A", "B", "C", "D", "E"}, {"E"}),  # bottom 2 but not below the average 89.8
])
def test_bottom_two_with_ties_and_the_average(twelve, month, bottom, counting):
    rows = twelve[twelve["period"] == month].set_index("unit")
    assert set(rows.index[rows["bottom"]]) == bottom
    assert set(rows.index[rows["counts"]]) == counting


def test_averages_are_the_months_mean(twelve):
    avg = twelve.drop_duplicates("period").set_index("period")["average"]
    assert avg["2022-01"] == 84 and avg["2022-03"] == pytest.approx(86.4) and avg["2022-09"] == pytest.approx(89.8)


def test_status_and_warnings(twelve):
    status = twelve.set_index(["unit", "period"])["status"]
    assert status["E", "2022-02"] == "" and status["E", "2022-03"] == "约谈" and status["E", "2022-05"] == "约谈"
    assert status["E", "2022-06"] == "一票否决"  # exactly six months
    assert status["D", "2022-12"] == "约谈" and status["D", "2022-05"] == ""
    events = streak_events(twelve)
    assert list(zip(events["period"], events["unit"], events["run"])) == [
        ("2022-03", "E", 3), ("2022-06", "E", 6), ("2022-08", "C", 3), ("2022-10", "E", 3), ("2022-12", "D", 3)]
    assert year_end_vetoes(twelve) == {2022: ["E"]}  # E's second run ends at 5: one veto, in 2022


@pytest.mark.parametrize("months_running,veto", [(5, False), (6, True), (7, True)])
def test_six_months_exactly_for_the_veto(months_running, veto):
    # three units; Z lowest every month (0 lower) and below the average; X is bottom 2 (1 lower) but above it
    months = MONTHS[:months_running]
    rows = streaks(matrix({"X": [90] * months_running, "Y": [95] * months_running, "Z": [60] * months_running},
                          months))
    z = rows[rows["unit"] == "Z"]
    assert z["run"].tolist() == list(range(1, months_running + 1))
    assert rows[rows["unit"] == "X"]["run"].max() == 0  # avg (90+95+60)/3 = 81.67 < 90
    assert year_end_vetoes(rows) == ({2022: ["Z"]} if veto else {})


def test_a_missing_month_breaks_the_run():
    months = ["2022-01", "2022-02", "2022-04", "2022-05"]  # no March in the store
    rows = streaks(matrix({"X": [90] * 4, "Y": [95] * 4, "Z": [60] * 4}, months))
    assert rows[rows["unit"] == "Z"]["run"].tolist() == [1, 2, 1, 2]
    assert streak_events(rows).empty


def test_a_unit_without_a_score_breaks_its_run():
    rows = streaks(matrix({"X": [90] * 4, "Y": [95] * 4, "Z": [60, 60, NAN, 60]}, MONTHS[:4]))
    assert rows[rows["unit"] == "Z"]["run"].tolist() == [1, 2, 0, 1]


def test_runs_cross_the_new_year_and_the_veto_goes_to_the_year_it_completes():
    months = ["2022-09", "2022-10", "2022-11", "2022-12", "2023-01", "2023-02"]
    rows = streaks(matrix({"X": [90] * 6, "Y": [95] * 6, "Z": [60] * 6}, months))
    assert rows[rows["unit"] == "Z"]["run"].tolist() == [1, 2, 3, 4, 5, 6]
    assert year_end_vetoes(rows) == {2023: ["Z"]}


@pytest.mark.parametrize("rule,counting", [
    (StreakRule(), {"D", "E"}),  # month 1, avg 84: D 80 and E 70 are below it
    (StreakRule(margin=5), {"E"}),  # below 84 - 5 = 79: D's 80 is not
    (StreakRule(margin=14), set()),  # below 84 - 14 = 70: E's 70 is not ("below" is strict)
    (StreakRule(margin=0.1, relative=True), {"E"}),  # below 84 × 0.9 = 75.6
    (StreakRule(bottom=3), {"D", "E"}),  # C (2 lower) joins the bottom 3 but its 85 is above 84
])
def test_margin_for_clearly_below_the_average(rule, counting):
    rows = streaks(TWELVE[["2022-01"]], rule)
    assert set(rows.loc[rows["counts"], "unit"]) == counting


def test_streaks_need_months():
    with pytest.raises(InputError, match="streaks read months"):
        streaks(matrix({"X": [1.0]}, ["2022-H1"]))


# -- composites over named periods (seed 003) ------------------------------------------------
def dec_round(x: Decimal, places: int = 2) -> float:
    return float(x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("weights,totals,expected", [
    # 六角亭: 半年 40% + 年终 60%: 0.4×85 + 0.6×90 = 34 + 54
    ("2022-H1=40%,2022-年终=60%", [85, 90], 88.0),
    ("2022-H1=0.4,2022-年终=0.6", [87.25, 92.35], 90.31),  # 34.9 + 55.41
    # 七星街: 系统自评 30% + 社区街道考评 30% + 群众满意度 40%: 24 + 27 + 38
    ("2022-系统自评=30%,2022-社区街道考评=30%,2022-群众满意度=40%", [80, 90, 95], 89.0),
    # 24.003 + 27 + 38.012 = 89.015: Excel's ROUND gives 89.02 (Python's round(89.015, 2) says 89.01)
    ("2022-系统自评=30%,2022-社区街道考评=30%,2022-群众满意度=40%", [80.01, 90, 95.03], 89.02),
])
def test_composite_hand_cases(weights, totals, expected):
    parsed = parse_weights(weights)
    frame = pd.DataFrame({p: [t] for (p, _), t in zip(parsed, totals)}, index=pd.Index(["王某"], name="unit"))
    out = composite(frame, parsed)
    assert out.loc["王某", "composite"] == expected
    exact = sum(Decimal(str(w)) * Decimal(str(t)) for (_, w), t in zip(parsed, totals))
    assert dec_round(exact) == expected


def test_composite_leaves_a_unit_missing_a_period_blank_and_ranks_the_rest():
    weights = parse_weights("2022-H1=40%,2022-年终=60%")
    frame = pd.DataFrame({"2022-H1": [85, 90, 70], "2022-年终": [90, NAN, 95]},
                         index=pd.Index(["甲", "乙", "丙"], name="unit"))
    out = composite(frame, weights)
    assert out.loc["甲", "composite"] == 88 and np.isnan(out.loc["乙", "composite"])
    assert out.loc["丙", "composite"] == 85  # 28 + 57
    assert out.loc["甲", "rank"] == 1 and out.loc["丙", "rank"] == 2


@pytest.mark.parametrize("text,message", [
    ("2022-H1=40%,2022-年终=50%", "add up to 90%, expected 100%"),
    ("2022-H1=40%", "add up to 40%"),
    ("2022-H1:40%", "expected PERIOD=WEIGHT"),
    ("2022-H1=四成,2022=60%", "is not a number"),
    ("2022-H1=140%", "between 0 and 100%"),
    ("2022-H1=40%,2022-H1=60%", "given twice"),
    ("../x=100%", "expected 2022-11"),
])
def test_bad_weights_are_named(text, message):
    with pytest.raises(InputError, match=message):
        parse_weights(text)


# -- quarterly and annual averages ----------------------------------------------------------
def test_quarter_and_year_averages():
    totals = matrix({
        # Q1 90 91 95 -> 92; Q2 80 85.5 90 -> 255.5/3 = 85.1666… -> 85.17; Q3 100; Q4 70, –, 80 -> 75 (2 months)
        "甲": [90, 91, 95, 80, 85.5, 90, 100, 100, 100, 70, NAN, 80],
        # Q1 two months 90.01, 90.00 -> 90.005 -> 90.01 (Excel's ROUND; the double is 90.00499…)
        "乙": [90.01, NAN, 90.00, 60, 60, 60, 60, 60, 60, 60, 60, 60],
    })
    q, qn = period_averages(totals, "quarter")
    assert q.loc["甲"].tolist() == [92, 85.17, 100, 75]
    assert qn.loc["甲"].tolist() == [3, 3, 3, 2]
    assert q.loc["乙", "2022-Q1"] == 90.01 and qn.loc["乙", "2022-Q1"] == 2
    y, yn = period_averages(totals, "year")
    # 甲: (276 + 255.5 + 300 + 150) / 11 = 981.5 / 11 = 89.2272… -> 89.23 (not the mean of quarter means)
    assert y.loc["甲", "2022"] == 89.23 and yn.loc["甲", "2022"] == 11
    assert y.loc["乙", "2022"] == dec_round((Decimal("180.01") + 9 * 60) / 11)


# -- rank movement ----------------------------------------------------------------------------
def test_rank_movement():
    now = pd.Series({"A": 1, "B": 2, "C": 3, "D": 4})
    before = pd.Series({"A": 2, "B": 1, "C": 3, "E": 4, "D": 1})
    assert rank_movement(now, before).to_dict() == {"A": "↑1", "B": "↓1", "C": "–", "D": "↓3"}
    assert rank_movement(pd.Series({"F": 5}), before).to_dict() == {"F": "新"}
    assert rank_movement(now, None).to_dict() == {u: "" for u in now.index}


# -- periods ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,text", [
    ("2022-11", "2022年11月"), ("2022-01", "2022年1月"), ("2022-Q3", "2022年第三季度"), ("2022-H1", "2022年上半年"),
    ("2022-H2", "2022年下半年"), ("2022", "2022年"), ("2022-年终", "2022年年终"), ("2022-系统自评", "2022年系统自评"),
    (None, "本期"),
])
def test_period_text(name, text):
    assert period_text(name) == text


@pytest.mark.parametrize("bad", ["2022-13", "2022-1", "../2022-11", "2022.11", "", "a/b", "-x"])
def test_bad_period_names(bad):
    with pytest.raises(InputError):
        check_period(bad)


def test_periods_sort_in_time_order():
    names = ["2023-01", "2022", "2022-12", "2022-H2", "2022-Q4", "2022-H1", "2022-06", "2022-Q1", "2022-01"]
    assert sorted(names, key=period_sort_key) == [
        "2022-01", "2022-Q1", "2022-06", "2022-H1", "2022-12", "2022-Q4", "2022-H2", "2022", "2023-01"]


# -- the store ----------------------------------------------------------------------------------
def table(units, totals, ranks):
    return pd.DataFrame({"unit": units, "total": totals, "rank": ranks})


def test_store_saves_loads_and_finds_the_previous_month(tmp_path):
    store = ResultStore(tmp_path, get_scheme("yushui-2022"))
    assert store.periods() == []
    store.save("2022-11", table(["=1+1", "乙"], [90.5, 80], [1, 2]))
    store.save("2022-09", table(["=1+1", "乙"], [70, 80], [2, 1]))
    store.save("2022-H1", table(["=1+1", "乙"], [70, 80], [2, 1]))
    assert (tmp_path / "yushui-2022" / "2022-11.csv").exists()
    assert store.periods() == ["2022-H1", "2022-09", "2022-11"] and store.months() == ["2022-09", "2022-11"]
    assert store.previous("2022-12") == "2022-11" and store.previous("2022-11") == "2022-09"
    assert store.previous("2022-09") is None
    back = store.load("2022-11")
    assert back["unit"].tolist() == ["=1+1", "乙"]  # the CSV formula guard is undone on reading
    assert back["total"].tolist() == [90.5, 80]
    with pytest.raises(OutputError, match="already stored; pass --replace"):
        store.save("2022-11", table(["甲"], [1], [1]))
    store.save("2022-11", table(["甲"], [1], [1]), replace=True)
    assert store.load("2022-11")["unit"].tolist() == ["甲"]


def test_store_errors_name_the_file(tmp_path):
    store = ResultStore(tmp_path, get_scheme("yushui-2022"))
    with pytest.raises(InputError, match="period 2022-05 is not in the store"):
        store.load("2022-05")
    folder = tmp_path / "yushui-2022"
    folder.mkdir()
    (folder / "2022-01.csv").write_text("unit,score\n甲,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"2022-01.csv: missing column\(s\) total"):
        store.load("2022-01")
    (folder / "2022-02.csv").write_text("unit,total\n甲,1\n乙,九十\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"2022-02.csv, line 3, column total: expected a number, got '九十'"):
        store.load("2022-02")


# -- the command ---------------------------------------------------------------------------------
@slow  # a command started several times over
def test_history_command_over_three_months(tmp_path):
    results = tmp_path / "results"
    for month in ("2022-09", "2022-10", "2022-11"):
        r = run("history", "yushui-2022", results, "--add", YUSHUI, "--period", month)
        assert r.returncode == 0, r.stderr
    r = run("history", "yushui-2022", results, "-o", tmp_path / "h.xlsx")
    assert r.returncode == 0, r.stderr
    # the same month three times: 仙来办 (81.14) and 通洲办 (74.25) are the bottom two, far below the
    # average 95.49, three months running -> 约谈 in 2022-11; nobody moves (–)
    assert "2022-11  仙来办  连续3个月 -> 约谈" in r.stdout and "2022-11  通洲办  连续3个月 -> 约谈" in r.stdout
    assert "-> 年终一票否决" not in r.stdout and "年年终一票否决：" not in r.stdout
    assert "   17  通洲办  74.25  –" in r.stdout
    assert "2022-Q4" in r.stdout and "74.25（2个月）" in r.stdout  # Q4 has October and November only
    with zipfile.ZipFile(tmp_path / "h.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 17  # one trend chart per unit
        assert b"lineChart" in z.read(charts[0])
    again = run("history", "yushui-2022", results, "--add", YUSHUI, "--period", "2022-11")
    assert again.returncode == 2 and "already stored; pass --replace" in again.stderr


def test_history_xlsx_headers_are_the_offices_words_or_keys(tmp_path):
    import openpyxl
    results, sample = tmp_path / "results", SAMPLES / "liujiaoting.csv"
    for period in ("2022-01", "2022-02"):
        assert run("history", "yushui-2022", results, "--add", YUSHUI, "--period", period).returncode == 0
    for period in ("2022-H1", "2022-年终"):
        assert run("history", "liujiaoting", results, "--add", sample, "--period", period).returncode == 0

    def headers(out, *extra, scheme="yushui-2022"):
        r = run("history", scheme, results, "-o", out, *extra)
        assert r.returncode == 0, r.stderr
        wb = openpyxl.load_workbook(out)
        return {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets if ws.max_row > 1}

    zh = headers(tmp_path / "zh.xlsx")
    assert zh["名次变化"] == ["乡镇（街道）", "2022-01 名次", "2022-01 变化", "2022-02 名次", "2022-02 变化"]
    assert zh["连续后位"][:4] == ["乡镇（街道）", "月份", "总分", "当月平均分"] and "连续月数" in zh["连续后位"]
    keys = headers(tmp_path / "keys.xlsx", "--keys")
    assert keys["名次变化"] == ["unit", "2022-01_rank", "2022-01_move", "2022-02_rank", "2022-02_move"]
    assert keys["连续后位"][:4] == ["unit", "period", "total", "average"] and "run" in keys["连续后位"]
    weights = ("--weights", "2022-H1=40%,2022-年终=60%")
    assert headers(tmp_path / "c.xlsx", *weights, scheme="liujiaoting")["综合得分"][-2:] == ["综合得分", "名次"]
    assert headers(tmp_path / "ck.xlsx", *weights, "--keys", scheme="liujiaoting")["综合得分"][-2:] == \
        ["composite", "rank"]


@slow  # a command started several times over
def test_history_composite_command(tmp_path):
    """Seed 003 (六角亭, an annual scheme): 半年 40% + 年终 60%; a monthly scheme refuses such periods."""
    results, sample = tmp_path / "results", SAMPLES / "liujiaoting.csv"
    for period in ("2022-H1", "2022-年终"):
        assert run("history", "liujiaoting", results, "--add", sample, "--period", period).returncode == 0
    r = run("history", "liujiaoting", results, "--weights", "2022-H1=40%,2022-年终=60%")
    assert r.returncode == 0, r.stderr
    assert "综合得分（2022-H1 40%，2022-年终 60%）" in r.stdout
    # the same totals in both: 0.4 × t + 0.6 × t = t, for each of the 8 managers
    lines = [line.split() for line in r.stdout.splitlines() if "->" in line]
    assert len(lines) == 8 and all(parts[2] == parts[3] == parts[5] for parts in lines)
    monthly = run("history", "yushui-2022", results, "--add", YUSHUI, "--period", "2022-H1")
    assert monthly.returncode == 2 and "is assessed monthly" in monthly.stderr


@pytest.mark.parametrize("args,message", [
    (["--add", str(YUSHUI)], "--add needs --period"),
    (["--period", "2022-11"], "--period is for --add"),
    (["--margin", "多"], "--margin '多': expected points"),
    (["--weights", "2022-11=40%"], "add up to 40%"),  # a monthly scheme: months
    (["-o", "h.csv"], "expected a name ending in .xlsx"),
    (["--bottom", "0"], "--bottom 0: expected 1 or more"),
])
def test_history_user_errors(tmp_path, args, message):
    r = run("history", "yushui-2022", tmp_path / "results", *args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_history_of_an_empty_folder(tmp_path):
    r = run("history", "yushui-2022", tmp_path / "nothing")
    assert r.returncode == 0 and "结果库中还没有成绩" in r.stdout
