"""Seeds 000 (XX乡, xx-township), 001 (东营 2018, dongying-2018) and 002 (城南办事处, chengnan).

One table of hand-computed cases: every indicator of the three schemes, with the boundaries the
seeds draw (exactly at a threshold, 49 vs 50 short, caps reached, floors, band edges, 扣完为止).
Each case starts from a unit that earns full marks (BASE) and changes the fields it names; the
arithmetic is in the comment next to the expected scores.  The same cases are then checked against
the Excel formula the scheme prints (through the `formulas` engine), and the bundled samples are
scored and checked against each indicator's score_bounds.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridxl.core import ScoringError, get_scheme, load_scheme, score_frame
from gridxl.core.lint import lint
from gridxl.io.inputs import read_table

from .conftest import ROOT, SAMPLES

SCHEME_DIR = ROOT / "gridxl" / "schemes"
IDS = ("xx-township", "dongying-2018", "chengnan")
SCHEMES = {sid: load_scheme(SCHEME_DIR / f"{sid}.toml") for sid in IDS}
XX, DY, CN = IDS

# A unit that earns every base point (000: 100; 001: 90, as 办结数量 earns 20 of its 30 at the base; 002: 100).
BASE = {
    XX: dict(key_group_completeness=1.0, volunteer_activities=2, patrol_hours=1.0, village_events=15, grids=6,
             worker_events=60, minsheng_events=1, cloud_disputes=1, workers=6, app_downloaded=6, app_activities=2,
             app_events=6, anomalies_minor=0, anomalies_major=0, media_district=0, media_city=0,
             media_province=0, media_central=0),
    DY: dict(missed_found=0, wrong_level=0, duplicate_fake=0, major_unreported=0, general_closed=700,
             non_closed_loop=0, satisfaction=1.0, mech_established=1, mech_lists=1, topic_meetings=4, std_uniform=1,
             std_board=1, std_groups=1, std_staff=1, std_volunteers=1, mgmt_plan=1, mgmt_records=1, mgmt_monthly=1,
             survey_score=5, data_maintenance_score=10, complaints_central=0, complaints_province=0,
             complaints_city=0, complaints_district=0, endorse_central=0, endorse_province=0, endorse_city=0,
             endorse_district=0, media_central=0, media_province=0, media_city=0, media_district=0,
             major_safety_incident=0),
    CN: dict(grids_total=5, party_grids=5, comp_grids=4, login_grids=4, residents=1000, linked_residents=1000,
             visits_due=100, visits_done=100, closure_rate=1.0, fake_count=0, data_completeness=1.0,
             id_match_rate=1.0, grid_match_rate=1.0, task_match_rate=1.0, feedback_rate=1.0,
             collection_short_grids=0, site_score=3, staffing_score=3, no_publicity=0, no_meeting=0, no_patrol=0,
             no_reporting=0, no_consultation=0, stability_score=8, awareness_rate=1.0, satisfaction_rate=1.0,
             key_persons_lost=0, murders=0, crime_venues=0, major_cases=0, especially_major_cases=0,
             mass_100_499=0, mass_500_plus=0, mass_major_impact=0, meeting_province=0, meeting_taizhou=0,
             meeting_jingjiang=0, material_province=0, material_taizhou=0, material_jingjiang=0,
             info_jingjiang=0, info_taizhou=0, info_province=0),
}
# 001: a grid at every base (城市 600 / 48 / 12): 8 + 18 + 4.
GRID = dict(grid_type="城市", daily_reported=600, general_reported=48, major_reported=12)
TOWNS = ["六户镇", "牛庄镇", "商贸园", "史口镇", "龙居镇", "辛店街道", "文汇街道", "胜园街道", "黄河路街道", "东城街道",
         "胜利街道"]


def g(unit, grid_type="城市", d=600, ge=48, m=12):
    """One 001 grid: its town, type, and daily / general / major events reported."""
    return dict(unit=unit, grid_type=grid_type, daily_reported=d, general_reported=ge, major_reported=m)


def one_grid_each(*grids):
    """Grids given one per town, towns in order: (unit rows, grids)."""
    return [{"unit": x["unit"]} for x in grids], list(grids)


def frames(sid, rows, grids=None):
    """The unit frame (BASE + each row's changes) and, for 001, the grid frame (one standard grid per town)."""
    units = [{"unit": f"单位{i + 1}", **BASE[sid], **r} for i, r in enumerate(rows)]
    frame = pd.DataFrame(units)
    subs = None
    if SCHEMES[sid].subunit:
        if grids is None:
            grids = [{"unit": u["unit"]} for u in units]
        subs = pd.DataFrame([{"subunit": f"网格{j + 1}", **GRID, **x} for j, x in enumerate(grids)])
    return frame, subs


def score(sid, rows, grids=None):
    frame, subs = frames(sid, rows, grids)
    return score_frame(SCHEMES[sid], frame, subs)


# (case id, scheme, indicator, unit rows (changes to BASE), 001 grids or None, expected scores by hand)
CASES = [
    # ---------------------------------------------------------------- 000 XX乡 ----------------------------
    # 1 重点人群资料完整度 20, rank decay 5%: 100% full; below it ranked largest first, ties share a place.
    ("000 completeness ranks", XX, "completeness",
     [dict(key_group_completeness=v) for v in (1.0, 0.99, 0.99, 0.97, 0.5)], None,
     [20.0,    # exactly 100%: full
      19.0,    # first below the standard: 20×(1-0.05)
      19.0,    # tied with it: the same place
      17.0,    # two units ahead: third place, 20×(1-3×0.05)
      16.0]),  # fourth place: 20×(1-4×0.05)
    # 2 志愿者活动 10: >=2 full, -5 per missing one, none -> 0; no bonus above 2.
    ("000 volunteer steps", XX, "volunteer", [dict(volunteer_activities=v) for v in (0, 1, 2, 3)], None,
     [0.0,     # none: 未组织参与志愿者活动得0分 (also 10 - 2×5)
      5.0,     # one short: 10 - 5
      10.0,    # exactly 2
      10.0]),  # above 2: no bonus
    # 3 日均巡查 >=1 h 10, rank decay 10%.
    ("000 patrol threshold", XX, "patrol", [dict(patrol_hours=v) for v in (1.0, 0.999, 1.5)], None,
     [10.0,    # exactly 1 hour: full
      9.0,     # just below: first place, 10×0.9
      10.0]),  # above
    ("000 patrol decay reaches 0", XX, "patrol",
     [dict(patrol_hours=round(0.99 - 0.01 * k, 2)) for k in range(11)], None,
     # eleven units below 1 h, places 1..11: 10×(1-0.1×place), never below 0
     [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 0.0]),
    # 4 村上报事件 >=15 5, rank decay 10%.
    ("000 village events >= 15", XX, "village_report",
     [dict(village_events=v) for v in (15, 14, 16, 14, 10, 0)], None,
     [5.0,     # exactly 15: full (heading ≧15, not 正文 大于15)
      4.5,     # 14: first below, 5×0.9
      5.0,     # 16
      4.5,     # 14 tied
      3.5,     # 10: two ahead, third place, 5×0.7
      3.0]),   # 0: fourth place, 5×0.6
    # 5 网格员月均上报 >=10 15 (section 一), per grid (一格一员), rank decay 6%.
    ("000 worker events per grid", XX, "worker_report",
     [dict(worker_events=e, grids=n) for e, n in ((60, 6), (59, 6), (45, 5), (0, 0), (27, 3), (8, 1))], None,
     [15.0,    # 60/6 = 10: exactly the standard
      14.1,    # 9.83: first below, 15×0.94
      13.2,    # 9.0: second, 15×0.88
      0.0,     # no grids: no value (if_zero), not ranked
      13.2,    # 27/3 = 9.0 tied
      11.4]),  # 8.0: three ahead (9.83, 9, 9), fourth place, 15×0.76
    # 6 民安民生 + 纠纷 >=2 10, rank decay 5%.
    ("000 minsheng or disputes", XX, "minsheng_report",
     [dict(minsheng_events=a, cloud_disputes=b) for a, b in ((2, 0), (0, 2), (1, 0), (0, 0), (1, 1))], None,
     [10.0,    # 2 through the platform
      10.0,    # 2 through the dispute cloud
      9.5,     # 1: first below, 10×0.95
      9.0,     # 0: second, 10×0.9
      10.0]),  # 1 + 1
    # 7 平安APP 20: mean of download rate, activities/2, events per worker, each capped at 1.
    ("000 app three ratios", XX, "app",
     [dict(app_downloaded=d, app_activities=a, app_events=e, workers=w)
      for d, a, e, w in ((6, 2, 6, 6), (3, 1, 3, 6), (6, 4, 12, 6), (6, 0, 0, 6), (0, 0, 0, 6), (4, 1, 5, 6),
                         (6, 2, 3, 6), (0, 2, 0, 0))], None,
     [20.0,    # all three complete
      10.0,    # (0.5 + 0.5 + 0.5)/3 × 20
      20.0,    # over-achievement capped: (1 + 1 + 1)/3
      6.67,    # (1 + 0 + 0)/3 × 20 = 6.666…
      0.0,     # nothing done: 未开展此项工作的得零分
      13.33,   # (4/6 + 1/2 + 5/6)/3 = 2/3, × 20 = 13.333…
      16.67,   # (1 + 1 + 0.5)/3 × 20 = 16.666…
      0.0]),   # no grid workers: if_zero
    # 8 九项日常工作 10: -0.2 / -0.3 per anomaly, 扣完为止.
    ("000 spot-check anomalies", XX, "daily_work",
     [dict(anomalies_minor=a, anomalies_major=b) for a, b in ((0, 0), (1, 0), (0, 1), (2, 3), (10, 10), (20, 20),
                                                             (50, 0))], None,
     [10.0,    # none
      9.8,     # 10 - 0.2
      9.7,     # 10 - 0.3
      8.7,     # 10 - 0.4 - 0.9
      5.0,     # 10 - 2 - 3
      0.0,     # 10 - 4 - 6 = 0 exactly
      0.0]),   # 10 - 10: no further
    # 9 平安宣传加分, extra, at most 10.
    ("000 publicity bonus", XX, "publicity_bonus",
     [dict(media_district=a, media_city=b, media_province=c, media_central=d)
      for a, b, c, d in ((3, 1, 0, 0), (0, 0, 1, 0), (1, 1, 1, 0), (10, 0, 0, 0), (0, 0, 1, 1), (0, 0, 0, 0))], None,
     [5.0,     # 3×1 + 1×2
      5.0,     # 省级 5
      8.0,     # 1 + 2 + 5
      10.0,    # exactly the cap
      10.0,    # 5 + 10 = 15, capped at 10
      0.0]),
    ("000 total with bonus", XX, "total",
     [dict(), dict(media_central=1), dict(volunteer_activities=1, anomalies_major=1)], None,
     [100.0,   # every base point
      110.0,   # 100 + 10 (中央级 1 篇)
      94.7]),  # 100 - 5 (one activity short) - 0.3
    # ---------------------------------------------------------------- 001 东营 2018 -------------------------
    # 日常事件 8, per grid: 城市/商业 base 600 +1/100 -1/50; 农村 400 +1/80 -1/40; 厂区 200 +1/40 -1/20; at most -8.
    ("001 daily 城市/商业", DY, "daily",
     *one_grid_each(g("六户镇", d=600), g("牛庄镇", d=699), g("商贸园", d=700), g("史口镇", d=1000),
                    g("龙居镇", d=551), g("辛店街道", d=550), g("文汇街道", d=200), g("胜园街道", d=0),
                    g("黄河路街道", "商业", d=650), g("东城街道", "商业", d=500)),
     [8.0,     # at the base
      8.0,     # 99 over: no whole step of 100
      9.0,     # 100 over: +1
      12.0,    # 400 over: +4, uncapped
      8.0,     # 49 short: no whole step of 50
      7.0,     # 50 short: -1
      0.0,     # 400 short: 8 steps = the most that can go
      0.0,     # 600 short: 12 steps, at most -8
      8.0,     # 商业 like 城市: 50 over, no step
      6.0]),   # 商业 100 short: -2
    ("001 daily 农村/厂区", DY, "daily",
     *one_grid_each(g("六户镇", "农村", d=400), g("牛庄镇", "农村", d=480), g("商贸园", "农村", d=361),
                    g("史口镇", "农村", d=360), g("龙居镇", "农村", d=79), g("辛店街道", "厂区", d=200),
                    g("文汇街道", "厂区", d=240), g("胜园街道", "厂区", d=181), g("黄河路街道", "厂区", d=180),
                    g("东城街道", "厂区", d=280), g("胜利街道", "厂区", d=39)),
     [8.0,     # 农村 at 400
      9.0,     # 80 over: +1
      8.0,     # 39 short of a step of 40
      7.0,     # 40 short: -1
      0.0,     # 321 short: 8 steps (320), -8
      8.0,     # 厂区 at 200
      9.0,     # 40 over: +1
      8.0,     # 19 short of a step of 20
      7.0,     # 20 short: -1
      10.0,    # 80 over: +2
      0.0]),   # 161 short: 8 steps, -8
    # 一般事件 18: base 48, +0.5 per event over (uncapped), -1 per event under, at most -18.
    ("001 general", DY, "general",
     *one_grid_each(*(g(t, ge=v) for t, v in zip(TOWNS, (48, 49, 60, 47, 30, 20, 0)))),
     [18.0,    # at the base
      18.5,    # +0.5
      24.0,    # 12 over: +6, uncapped
      17.0,    # -1
      0.0,     # 18 short: exactly the most
      0.0,     # 28 short: at most -18
      0.0]),
    # 较大事件 4: base 12, +0.5 per event over, -1 per event under, at most -4.
    ("001 major", DY, "major",
     *one_grid_each(*(g(t, m=v) for t, v in zip(TOWNS, (12, 13, 20, 11, 8, 5)))),
     [4.0, 4.5,
      8.0,     # 8 over: +4
      3.0,
      0.0,     # 4 short: exactly the most
      0.0]),   # 7 short: at most -4
    # The town's score is the average of its grids' scores (ROUND to 2, half away from zero).
    ("001 averaged over grids: daily", DY, "daily",
     [dict(unit="六户镇"), dict(unit="辛店街道")],
     [g("六户镇", "城市", d=600), g("六户镇", "农村", d=360), g("六户镇", "厂区", d=240),
      g("辛店街道", d=700), g("辛店街道", d=550)],
     [8.0,     # (8 + 7 + 9)/3
      8.0]),   # (9 + 7)/2
    ("001 averaged over grids: general", DY, "general",
     [dict(unit="六户镇")], [g("六户镇", ge=49), g("六户镇", ge=47), g("六户镇", ge=48)],
     [17.83]),  # (18.5 + 17 + 18)/3 = 17.8333…
    ("001 averaged over grids: major, x.xx5", DY, "major",
     [dict(unit="六户镇")], [g("六户镇", m=13), g("六户镇", m=12), g("六户镇", m=12), g("六户镇", m=12)],
     [4.13]),  # (4.5 + 4 + 4 + 4)/4 = 4.125: Excel ROUND 4.13 (Python's round gives 4.12)
    # 事件上报扣分: -1 / -1 / -1 / -5 each; 扣完为止 on the 30-point section (default reading).
    ("001 report deductions", DY, "report_deductions",
     [dict(unit="六户镇", missed_found=1), dict(unit="牛庄镇", wrong_level=2),
      dict(unit="商贸园", duplicate_fake=1, major_unreported=1), dict(unit="史口镇"),
      dict(unit="龙居镇", missed_found=10, wrong_level=10, duplicate_fake=10), dict(unit="辛店街道", major_unreported=7),
      dict(unit="文汇街道", major_unreported=3), dict(unit="胜园街道", major_unreported=8)],
     [{"unit": t} for t in ("六户镇", "牛庄镇", "商贸园", "史口镇", "龙居镇", "辛店街道")]
     + [g("文汇街道", d=200, ge=40, m=10), g("胜园街道", d=1000, ge=60, m=20)],
     [-1.0,    # one missed event
      -2.0,    # two level errors
      -6.0,    # 1 + 5
      0.0,     # nothing found
      -30.0,   # 30: exactly the section's 8 + 18 + 4
      -30.0,   # 35, but the section stops at 0: 扣完为止
      -12.0,   # 15, but this town's grids earned 0 + 10 + 2 = 12
      -40.0]),  # 40 against 12 + 24 + 8 = 44 (uncapped bonuses): the section keeps 4
    ("001 section 事件上报 stops at 0", DY, "total",
     [dict(unit="辛店街道", major_unreported=7)], None,
     [60.0]),  # 30 - 30 + 事件处理 20+5+5 + 基础工作 30
    # 办结数量: 20 at the town's base (500/700/900/1100), +1 per whole 10% over (uncapped), -1 per whole 5% under.
    ("001 closed count A", DY, "closed_count",
     [dict(unit=t, general_closed=v) for t, v in (
         ("六户镇", 500), ("牛庄镇", 0), ("商贸园", 550), ("东营商贸园", 525), ("史口镇", 770), ("龙居镇", 664),
         ("辛店街道", 665), ("文汇街道", 769), ("胜园街道", 666), ("黄河路街道", 990), ("东城街道", 2200),
         ("胜利街道", 1045))], None,
     [20.0,    # 500 at base 500
      0.0,     # -100%: 20 steps of 5%, not below 0
      21.0,    # +10% exactly
      20.0,    # 东营商贸园 (also base 500): +5%, no whole step
      21.0,    # 700 -> 770: +10%
      19.0,    # -5.14%: one whole step
      19.0,    # -5% exactly
      20.0,    # +9.86%
      20.0,    # -4.86%
      21.0,    # 900 -> 990: +10%
      30.0,    # 1100 -> 2200: +100%, the nominal 30
      19.0]),  # 1100 -> 1045: -5%
    ("001 closed count B", DY, "closed_count",
     [dict(unit=t, general_closed=v) for t, v in (
         ("六户镇", 549), ("牛庄镇", 475), ("商贸园", 476), ("黄河路街道", 989), ("东城街道", 3300),
         ("胜利街道", 1046), ("史口镇", 1400), ("龙居镇", 350))], None,
     [20.0,    # +9.8%
      19.0,    # -5%
      20.0,    # -4.8%
      20.0,    # +9.89%
      40.0,    # +200%: 不设上限, past the nominal 30
      20.0,    # -4.9%
      30.0,    # +100%
      10.0]),  # -50%: 10 steps
    # 闭环办理 5: -0.5 each, at most -5.
    ("001 closed loop", DY, "closed_loop",
     [dict(unit=t, non_closed_loop=v) for t, v in zip(TOWNS, (0, 1, 9, 10, 15))], None,
     [5.0, 4.5, 0.5, 0.0, 0.0]),
    # 满意度 5: 100% full, -0.5 per whole percentage point short, at most -5.
    ("001 satisfaction", DY, "satisfaction_eval",
     [dict(unit=t, satisfaction=v) for t, v in zip(TOWNS, (1.0, 0.99, 0.995, 0.955, 0.93, 0.9, 0.5))], None,
     [5.0,
      4.5,     # 1 point short
      5.0,     # 0.5 short: no whole point
      3.0,     # 4.5 short: 4 points, -2
      1.5,     # 7 short: -3.5
      0.0,     # 10 short: exactly -5
      0.0]),   # 50 short: at most -5
    # 基础工作 checklists.
    ("001 制度保障 2+2+1", DY, "institution",
     [dict(unit=t, mech_established=a, mech_lists=b, topic_meetings=c)
      for t, (a, b, c) in zip(TOWNS, ((1, 1, 4), (1, 1, 3), (0, 1, 5), (1, 0, 0), (0, 0, 0)))], None,
     [5.0,     # 2 + 2 + 1 (exactly 4 meetings)
      4.0,     # 3 meetings: not 至少4次
      3.0,     # 2 + 1
      2.0,
      0.0]),
    ("001 标准化建设 1×5", DY, "standardization",
     [dict(unit="六户镇"), dict(unit="牛庄镇", std_board=0, std_staff=0),
      dict(unit="商贸园", std_uniform=0, std_board=0, std_groups=0, std_staff=0, std_volunteers=0)], None,
     [5.0, 3.0, 0.0]),
    ("001 管理考核 1+2+2", DY, "management",
     [dict(unit="六户镇"), dict(unit="牛庄镇", mgmt_records=0), dict(unit="商贸园", mgmt_plan=0, mgmt_monthly=0)], None,
     [5.0, 3.0, 2.0]),
    ("001 民意调查 entered", DY, "opinion_survey",
     [dict(unit="六户镇", survey_score=4.5), dict(unit="牛庄镇", survey_score=0)], None, [4.5, 0.0]),
    ("001 数据维护 entered", DY, "data_maintenance",
     [dict(unit="六户镇", data_maintenance_score=7.25), dict(unit="牛庄镇")], None, [7.25, 10.0]),
    # 加减分: complaints -5/-4/-3/-2, endorsements and media +5/+4/+3/+2 (extra, uncapped).
    ("001 plus/minus", DY, "plus_minus",
     [dict(unit="六户镇", complaints_central=1), dict(unit="牛庄镇", complaints_district=2, media_city=1),
      dict(unit="商贸园", endorse_province=1, media_central=1), dict(unit="史口镇", complaints_province=3),
      dict(unit="龙居镇"), dict(unit="辛店街道", endorse_central=1, endorse_province=1, endorse_city=1,
                              endorse_district=1)], None,
     [-5.0,    # 中央 complaint
      -1.0,    # -2×2 + 3
      9.0,     # 4 + 5
      -12.0,   # -4×3
      0.0,
      14.0]),  # 5 + 4 + 3 + 2
    ("001 totals", DY, "total",
     [dict(unit="辛店街道"), dict(unit="文汇街道", general_closed=1400), dict(unit="胜园街道", complaints_city=1)],
     None,
     [90.0,    # 30 + (20 + 5 + 5) + 30: 办结数量 earns 20 at the base
      100.0,   # +100% closed: 30
      87.0]),  # 90 - 3
    # ---------------------------------------------------------------- 002 城南办事处 -----------------------
    ("002 党建覆盖率 6×rate", CN, "party_coverage",
     [dict(party_grids=a, grids_total=b) for a, b in ((4, 5), (5, 5), (0, 5), (3, 0), (6, 5))], None,
     [4.8,     # 6 × 4/5
      6.0, 0.0,
      0.0,     # no grids: if_zero
      6.0]),   # more than all: capped at 100%
    ("002 终端登录率", CN, "login_rate",
     [dict(login_grids=a, comp_grids=b) for a, b in ((3, 4), (2, 3), (1, 3))], None,
     [4.5, 4.0, 2.0]),  # 6×0.75; 6×2/3; 6×1/3
    ("002 人房关联率", CN, "house_link_rate",
     [dict(linked_residents=a, residents=b) for a, b in ((875, 1000), (113, 400), (0, 0))], None,
     [5.25,    # 6 × 0.875
      1.7,     # 6 × 0.2825 = 1.6949999999999998 as a double: Excel shows 1.70 (Python's round: 1.69)
      0.0]),
    ("002 巡查走访率", CN, "visit_rate",
     [dict(visits_done=a, visits_due=b) for a, b in ((90, 100), (100, 100))], None, [5.4, 6.0]),
    ("002 事件办结率", CN, "event_closure",
     [dict(closure_rate=v) for v in (0.97, 1.0, 0.0)], None, [5.82, 6.0, 0.0]),
    ("002 虚假数据 -0.1", CN, "fake_data",
     [dict(fake_count=v) for v in (0, 1, 3, 20, 25)], None,
     [2.0, 1.9, 1.7,
      0.0,     # 20 × 0.1 = 2: exactly used up
      0.0]),   # 扣完为止
    ("002 数据缺项 bands (完整率)", CN, "missing_data",
     [dict(data_completeness=v) for v in (0.95, 0.9, 0.8999, 0.85, 0.8, 0.7999, 0.7, 0.65, 0.6, 0.5999, 0.0)], None,
     [2.0,
      2.0,     # exactly 90%: the higher band, no deduction
      1.5,     # [80, 90): -0.5
      1.5,
      1.5,     # exactly 80%: [80, 90)
      1.0,     # [70, 80): -1
      1.0,     # exactly 70%
      0.5,     # [60, 70): -1.5
      0.5,     # exactly 60%
      0.0,     # below 60%: -2
      0.0]),
    ("002 数据关联 three bands", CN, "data_link",
     [dict(id_match_rate=a, grid_match_rate=b, task_match_rate=c) for a, b, c in (
         (1, 1, 1), (0.9, 0.9, 0.8), (0.8999, 1, 1), (1, 0.85, 1), (1, 0.8, 1), (1, 0.7999, 1), (1, 1, 0.79),
         (1, 1, 0.6), (1, 1, 0.5999), (0.5, 0.5, 0.5), (0.89, 0.85, 0.7))], None,
     [6.0,
      6.0,     # every rate exactly at its lower edge: nothing
      4.0,     # 身份证 below 90%: -2
      5.0,     # 网格 [80, 90): -1
      5.0,     # exactly 80%: -1
      4.0,     # below 80%: -2
      5.0,     # 任务编号 [60, 80): -1
      5.0,     # exactly 60%: -1
      4.0,     # below 60%: -2
      0.0,     # -2 -2 -2: all six
      2.0]),   # -2 -1 -1
    ("002 联动数据 loses at most 1", CN, "linkage_data",
     [dict(feedback_rate=v) for v in (0.95, 0.9, 0.8999, 0.8, 0.7999, 0.0)], None,
     [3.0, 3.0,   # exactly 90%: nothing
      2.5, 2.5,   # [80, 90): -0.5
      2.0, 2.0]),  # below 80%: -1, the most (literal reading: worth 3, can lose 1)
    ("002 数据采集 -0.1 per grid", CN, "data_collection",
     [dict(collection_short_grids=v) for v in (0, 1, 7, 30, 45)], None,
     [3.0, 2.9, 2.3,
      0.0,     # exactly used up
      0.0]),
    ("002 阵地建设 entered", CN, "site", [dict(site_score=2.5), dict()], None, [2.5, 3.0]),
    ("002 人员配备 entered", CN, "staffing", [dict(staffing_score=1), dict(staffing_score=0)], None, [1.0, 0.0]),
    ("002 健全机制 -2 each", CN, "mechanisms",
     [dict(), dict(no_meeting=1), dict(no_publicity=1, no_patrol=1, no_consultation=1),
      dict(no_publicity=1, no_meeting=1, no_patrol=1, no_reporting=1, no_consultation=1)], None,
     [10.0, 8.0, 4.0, 0.0]),
    ("002 平安稳定数据上报率 entered", CN, "stability_report",
     [dict(stability_score=6.5), dict(), dict(stability_score=0)], None, [6.5, 8.0, 0.0]),
    ("002 知晓率 15×rate", CN, "awareness",
     [dict(awareness_rate=v) for v in (0.87, 1.0, 0.877)], None,
     [13.05, 15.0,
      13.16]),  # 15 × 0.877 = 13.155 (13.154999… as a double): Excel 13.16, Python's round 13.15
    ("002 满意率 15×rate", CN, "resident_satisfaction",
     [dict(satisfaction_rate=v) for v in (0.93, 0.5)], None, [13.95, 7.5]),
    ("002 重点人员漏管 -0.5, cap 5", CN, "pen_key_persons",
     [dict(key_persons_lost=v) for v in (0, 1, 9, 10, 12)], None, [0.0, -0.5, -4.5, -5.0, -5.0]),
    ("002 民转刑命案 -0.2, cap 5", CN, "pen_murders",
     [dict(murders=v) for v in (1, 3, 25, 30)], None, [-0.2, -0.6, -5.0, -5.0]),
    ("002 聚集场所 -0.5, cap 5", CN, "pen_crime_venues",
     [dict(crime_venues=v) for v in (2, 11)], None, [-1.0, -5.0]),
    ("002 恶性刑事案件 -1/-3, cap 6", CN, "pen_criminal_cases",
     [dict(major_cases=a, especially_major_cases=b) for a, b in ((1, 0), (0, 1), (2, 1), (3, 1), (0, 3))], None,
     [-1.0, -3.0, -5.0,
      -6.0,    # 3 + 3: exactly the cap
      -6.0]),  # 9, at most 6
    ("002 群体性事件 -1/-2/-3, cap 6", CN, "pen_mass_incidents",
     [dict(mass_100_499=a, mass_500_plus=b, mass_major_impact=c)
      for a, b, c in ((1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1), (2, 2, 1))], None,
     [-1.0,
      -2.0,    # a 500-person event: 500人以上
      -3.0,    # 重大影响: only -3, not stacked on its size
      -6.0,    # 1 + 2 + 3: exactly the cap
      -6.0]),  # 9, at most 6
    ("002 现场会/经验材料 加分", CN, "bonus_meetings",
     [dict(meeting_province=1), dict(meeting_taizhou=1, meeting_jingjiang=1),
      dict(material_province=1, material_taizhou=2, material_jingjiang=1), dict()], None,
     [5.0, 5.0, 13.0, 0.0]),  # 3 + 2; 5 + 6 + 2
    ("002 动态信息 加分", CN, "bonus_info",
     [dict(info_jingjiang=3, info_taizhou=1, info_province=1), dict(info_jingjiang=1)], None,
     [11.0, 1.0]),  # 3 + 3 + 5
    ("002 totals", CN, "total",
     [dict(), dict(key_persons_lost=2, info_province=1), dict(no_meeting=1, fake_count=1, feedback_rate=0.85)], None,
     [100.0,   # every base point
      104.0,   # 100 - 1 + 5
      97.4]),  # 100 - 2 - 0.1 - 0.5
]


@pytest.mark.parametrize("case_id,sid,key,rows,grids,expected", CASES, ids=[c[0] for c in CASES])
def test_hand_computed(case_id, sid, key, rows, grids, expected):
    table = score(sid, rows, grids).table
    assert table[key].tolist() == expected


def test_every_indicator_has_a_case():
    for sid, scheme in SCHEMES.items():
        covered = {c[2] for c in CASES if c[1] == sid}
        missing = {i.key for i in scheme.indicators} - covered
        assert not missing, f"{sid}: indicators without a hand-computed case: {missing}"


def _excel_rows(sid, key, rows, grids):
    """The inputs of the printed formula, one dict per row; None where the formula alone cannot say
    (totals, and a town's average over several grids).  Scores of other indicators that a formula
    reads (事件上报扣分 reads the three averages) are taken from the Python result."""
    scheme = SCHEMES[sid]
    if key == "total":
        return None
    comp = scheme.compiled()[key]
    if comp.indicator.per_subunit:
        units = [x["unit"] for x in grids]
        if len(set(units)) != len(units) or [r["unit"] for r in rows] != units:
            return None
        return [{**GRID, **x} for x in grids]
    frame, _ = frames(sid, rows, grids)
    out = frame.to_dict("records")
    deps = [k for k in comp.inputs if k in scheme.compiled()]
    if deps:
        table = score(sid, rows, grids).table
        for i, row in enumerate(out):
            row.update({k: float(table.loc[i, k]) for k in deps})
    return out


EXCEL_CASES = [c for c in CASES if _excel_rows(*c[1:5]) is not None]


@pytest.mark.parametrize("case_id,sid,key,rows,grids,expected", EXCEL_CASES, ids=[c[0] for c in EXCEL_CASES])
def test_excel_formula_agrees(case_id, sid, key, rows, grids, expected):
    """The formula a template would hold gives the same hand-computed scores (`formulas` engine)."""
    from .test_kinds import excel_scores  # needs the `formulas` engine; skips without it
    assert excel_scores(SCHEMES[sid], key, _excel_rows(sid, key, rows, grids)) == expected


def test_excel_check_covers_every_indicator():
    for sid, scheme in SCHEMES.items():
        covered = {c[2] for c in EXCEL_CASES if c[1] == sid}
        assert covered == {i.key for i in scheme.indicators}, sid


def test_unknown_town_cannot_be_scored():
    """办结数量's base is given for the eleven units the seed names; another name is an error, not a guess."""
    with pytest.raises(ScoringError, match="closed_count"):
        score(DY, [dict(unit="广饶县")])


def test_grid_scores_are_kept():
    result = score(DY, [dict(unit="六户镇")], [g("六户镇", d=700, ge=49, m=11), g("六户镇", "农村", d=360)])
    sub = result.subunit_table
    assert sub["daily"].tolist() == [9.0, 7.0]      # 城市 +100; 农村 40 short
    assert sub["general"].tolist() == [18.5, 18.0]
    assert sub["major"].tolist() == [3.0, 4.0]
    assert result.table.loc[0, "major"] == 3.5       # (3 + 4)/2


def test_funding_flag_carries_no_points():
    table = score(DY, [dict(unit="辛店街道", major_safety_incident=1), dict(unit="文汇街道")]).table
    assert table["funding_cancelled"].tolist() == ["取消网格化工作经费资格", ""]
    assert table["total"].tolist() == [90.0, 90.0]  # both at their base of 700: no point lost for the flag


# ---- the scheme files themselves ---------------------------------------------------------------
@pytest.mark.parametrize("sid", IDS)
def test_scheme_structure(sid):
    scheme = SCHEMES[sid]
    assert scheme.id == sid and get_scheme(sid).id == sid  # also found as a built-in
    assert sum(i.points for i in scheme.base_indicators) == scheme.total_points == 100
    for sec in scheme.sections:
        if sec.points is not None:
            assert sum(i.points for i in scheme.indicators if i.section == sec.key and not i.extra) == sec.points
    assert all(i.rule for i in scheme.indicators), "every indicator keeps the seed's text"
    assert all(i.key.isascii() for i in scheme.indicators) and all(f.key.isascii() for f in scheme.fields)
    assert len(scheme.ambiguities) >= 5
    findings = lint(scheme)
    assert not [f for f in findings if f.level == "error"]
    assert not [f for f in findings if "add up to" in f.message]


def test_seed_specific_structure():
    xx, dy, cn = (SCHEMES[s] for s in IDS)
    assert [i.points for i in xx.base_indicators] == [20, 10, 10, 5, 15, 10, 20, 10]  # section 一, not 二 (105)
    assert [i.key for i in xx.indicators if i.extra] == ["publicity_bonus"]
    assert not xx.flags  # 约谈 / 一票否决 need several months
    assert {i.key for i in dy.indicators if i.per_subunit} == {"daily", "general", "major"}
    assert {i.key for i in dy.indicators if i.unspecified} == {"opinion_survey", "data_maintenance"}
    assert [f.key for f in dy.flags] == ["funding_cancelled"]
    assert {i.key for i in cn.indicators if i.extra and i.kind == "penalty"} == {
        "pen_key_persons", "pen_murders", "pen_crime_venues", "pen_criminal_cases", "pen_mass_incidents"}
    assert {i.key for i in cn.indicators if i.unspecified} == {"site", "staffing"}


SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # shared/ lies beside the checkout
SEED_FILES = {XX: "000_230be33bb130868c.txt", DY: "001_05d260da711e6f7e.txt", CN: "002_07a3983354220b8c.txt"}
# What a rule adds to the seed's words: section numbers of 000, row labels of 001, remarks in brackets.
EDITORIAL = r"（原文至此截断）|（考核细则表中缺失。考核内容：）|^一、|二、(?=\d)|城市、商业网格：|农村网格：|厂区网格："


@pytest.mark.skipif(not SEEDS.exists(), reason="the seed documents are not in this checkout")
@pytest.mark.parametrize("sid", IDS)
def test_rules_are_the_seed_text(sid):
    """Every sentence of every `rule` is in the seed (whitespace of the PDF extraction aside)."""
    squash = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    seed = squash((SEEDS / SEED_FILES[sid]).read_text(encoding="utf-8"))
    seed = seed.replace("-4-", "")  # 001: a page number inside 数据维护's sentence
    missing = []
    for ind in SCHEMES[sid].indicators:
        for part in re.sub(EDITORIAL, "|", ind.rule).split("|"):
            missing += [(ind.key, s) for s in re.split(r"(?<=[.;。；])", squash(part)) if s and s not in seed]
    assert not missing


# ---- the bundled samples ---------------------------------------------------------------------------
SAMPLE_FILES = {XX: ("xx-township.csv", None), DY: ("dongying-2018.csv", "dongying-2018-subunits.csv"),
                CN: ("chengnan.csv", None)}


@pytest.mark.parametrize("sid", IDS)
def test_sample_scores_within_bounds(sid):
    scheme = SCHEMES[sid]
    unit_file, sub_file = SAMPLE_FILES[sid]
    raw = pd.read_csv(SAMPLES / unit_file)
    assert list(raw.columns) == ["unit"] + [f.key for f in scheme.unit_fields()]
    assert 8 <= len(raw) <= 12 and raw["unit"].is_unique
    assert all(not u.isascii() for u in raw["unit"])
    frame = read_table(SAMPLES / unit_file, scheme)
    subs = None
    if sub_file:
        raw_sub = pd.read_csv(SAMPLES / sub_file)
        assert list(raw_sub.columns) == ["unit", "subunit"] + [f.key for f in scheme.subunit_fields()]
        assert set(raw_sub["unit"]) == set(raw["unit"])
        subs = read_table(SAMPLES / sub_file, scheme, level="subunit")
    table = score_frame(scheme, frame, subs).table
    for ind in scheme.indicators:
        col = table[ind.key].to_numpy(dtype=float)
        assert not np.isnan(col).any(), ind.key
        lo, hi = ind.score_bounds
        if lo is not None:
            assert (col >= lo - 1e-9).all(), (ind.key, lo, col)
        if hi is not None:
            assert (col <= hi + 1e-9).all(), (ind.key, hi, col)
    assert np.allclose(table["total"], sum(table[i.key] for i in scheme.indicators), atol=1e-9)


def test_dongying_sample_uses_the_seed_towns():
    raw = pd.read_csv(SAMPLES / "dongying-2018.csv")
    assert sorted(raw["unit"]) == sorted(TOWNS)
