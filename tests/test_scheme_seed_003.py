"""The built-in schemes read from seed 003 (a collection of 网格员 assessment rules).

Every expected score below is computed by hand from the seed's rule text, with the
arithmetic in a comment; scores are Excel ROUND(…, 2) values.  Boundaries are covered
on purpose: caps reached, 扣完为止 floors, zero-out (`when`) conditions, band edges,
grade gaps and star boundaries.  The last tests score each scheme's sample file.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gridxl.core import get_scheme, score_frame
from gridxl.core.lint import lint
from gridxl.io.inputs import read_table

from .conftest import SAMPLES

SCHEME_IDS = ["gridworker-rewards", "gridworker-stars", "fire-grid", "community-grid", "liujiaoting",
              "qixingjie", "zengdu", "grid-work-trial", "xiangxi", "community-sorted"]

# Inputs that mean "nothing wrong" where 0 would already cost points.
BASE = {
    "gridworker-stars": {"cases_collected": 10, "population_rate": 0.10},
    "fire-grid": {"rectify_rate": 1.0},
    "community-grid": {"cases_entered": 5, "informants": 8},
    "grid-work-trial": {"teams": 3},
}


def scheme(sid):
    return get_scheme(sid)


def one_row(sid, **inputs):
    """Score one unit: every field 0 (or its BASE value / first choice) unless given."""
    s = scheme(sid)
    row = {"unit": "测试"}
    for f in s.fields:
        row[f.key] = f.choices[0] if f.type == "choice" else BASE.get(sid, {}).get(f.key, 0)
    unknown = set(inputs) - set(row)
    assert not unknown, f"not fields of {sid}: {unknown}"
    row.update(inputs)
    return score_frame(s, pd.DataFrame([row])).table.iloc[0]


def case(sid, key, expected, note="", **inputs):
    return pytest.param(sid, key, inputs, expected, id=f"{sid}.{key}:{note or expected}")


CASES = [
    # ---------------------------------------------------------------- gridworker-rewards (网格员考核奖惩制度)
    case("gridworker-rewards", "attendance", 10, "none"),                                     # 10 - 0
    case("gridworker-rewards", "attendance", 8.5, "3 missed", missed_signins=3),               # 10 - 3*0.5
    case("gridworker-rewards", "attendance", 0, "exactly used up", missed_signins=20),         # 10 - 20*0.5 = 0
    case("gridworker-rewards", "attendance", 0, "floor", missed_signins=25),                   # 10 - 12.5 -> 0 (assumed 扣完为止)
    case("gridworker-rewards", "patrol", 18, "4 bad records", bad_patrol_records=4),           # 20 - 4*0.5
    case("gridworker-rewards", "patrol", 0, "no record", no_patrol_record=1),                  # 没有记录 -> 0
    case("gridworker-rewards", "patrol", 0, "no record wins", no_patrol_record=1, bad_patrol_records=2),
    case("gridworker-rewards", "work", 18, "blank amounts default 0.5",                        # 20 - (2*0.5 + 1*0.5 + 1*0.5)
         missed_weekly_reports=2, missed_monthly_visits=1, missed_quarterly_visits=1),
    case("gridworker-rewards", "work", 0, "not done", work_not_done=1),                        # 以上工作没开展 -> 0
    case("gridworker-rewards", "work", 0, "floor", missed_weekly_reports=30, missed_monthly_visits=12),  # 20 - 21 -> 0
    case("gridworker-rewards", "meetings", 7, "3 absences", meeting_absences=3),               # 10 - 3*1
    case("gridworker-rewards", "meetings", 0, "floor", meeting_absences=12),                   # 10 - 12 -> 0
    case("gridworker-rewards", "law", 9, "1 violation", violations=1),                         # 10 - 1
    case("gridworker-rewards", "reporting", 8, "2 late", late_reports=2),                      # 10 - 2*1
    case("gridworker-rewards", "reporting", 5, "major accident", late_reports_accident=1),     # 10 - 5
    case("gridworker-rewards", "reporting", 2, "both", late_reports=3, late_reports_accident=1),  # 10 - 3 - 5
    case("gridworker-rewards", "reporting", 0, "two accidents", late_reports_accident=2),      # 10 - 10
    case("gridworker-rewards", "reporting", 0, "floor", late_reports=6, late_reports_accident=1),  # 10 - 11 -> 0
    case("gridworker-rewards", "disputes", 15, "5 late", late_arrivals=5),                     # 20 - 5*1
    case("gridworker-rewards", "disputes", 0, "ignored", dispute_ignored=1),                   # 置之不理 -> 0
    case("gridworker-rewards", "disputes", 0, "floor", late_arrivals=25),                      # 20 - 25 -> 0
    case("gridworker-rewards", "total", 100, "clean"),                                         # 10+20+20+10+10+10+20
    case("gridworker-rewards", "total", 63.5, "mixed", missed_signins=3, no_patrol_record=1,   # 8.5+0+20+10+10+5+10
         late_reports_accident=1, late_arrivals=10),
    # ---------------------------------------------------------------- gridworker-stars (星级评定)
    case("gridworker-stars", "case_collection", 10, "12 cases", cases_collected=12),           # >= 10 -> 10
    case("gridworker-stars", "case_collection", 10, "exactly 10"),                             # 10 - 0
    case("gridworker-stars", "case_collection", 7, "7 cases", cases_collected=7),              # 10 - (10-7)*1
    case("gridworker-stars", "case_collection", 0, "none", cases_collected=0),                 # 10 - 10
    case("gridworker-stars", "case_handling", 7, "2+1", cases_unfinished=2, cases_unrated=1),  # 10 - 3*1
    case("gridworker-stars", "case_handling", 0, "cap", cases_unfinished=8, cases_unrated=3),  # 10 - min(10, 11)
    case("gridworker-stars", "population", 5, "12.3%", population_rate=0.123),                 # above target
    case("gridworker-stars", "population", 5, "10% edge"),                                     # 0 points short
    case("gridworker-stars", "population", 5, "9.5% part point", population_rate=0.095),       # 0.5 short: INT -> 0 steps
    case("gridworker-stars", "population", 4, "9%", population_rate=0.09),                     # 1 point short -> 5-1
    case("gridworker-stars", "population", 4, "8.5%", population_rate=0.085),                  # 1.5 short -> INT 1 -> 4
    case("gridworker-stars", "population", 2, "7%", population_rate=0.07),                     # 3 short -> 5-3
    case("gridworker-stars", "population", 0, "0%", population_rate=0.0),                      # 10 short, capped at 5 -> 0
    case("gridworker-stars", "housing", 3, "no growth", housing_no_growth=1),                  # 5 - 2
    case("gridworker-stars", "website", 2, "every item",                                       # 10 - (2+1.5+2+1+1+0.5)
         site_missed_updates=2, site_missing_items=3, site_empty_sections=1, site_stale_sections=1,
         requests_unanswered=1, requests_late=1),
    case("gridworker-stars", "website", 0, "floor", site_empty_sections=6),                    # 10 - 12 -> 0
    case("gridworker-stars", "on_duty", 6, "4 absent", absent_times=4),                        # 10 - 4
    case("gridworker-stars", "badge", 9, "1 no badge", no_badge_times=1),                      # 10 - 1
    case("gridworker-stars", "visits", 7.5, "1 none 3 short", no_visit_times=1, short_visit_times=3),  # 10-1-1.5
    case("gridworker-stars", "diary", 7.5, "2 none 1 thin", no_log_times=2, log_not_detailed_times=1),  # 10-2-0.5
    case("gridworker-stars", "service", 8.5, "1+1", service_not_done_times=1, requests_unsolved=1),  # 10-1-0.5
    case("gridworker-stars", "other_work", 6, "4", other_not_done=4),                          # 10 - 4
    case("gridworker-stars", "other_work", 0, "floor", other_not_done=14),                     # 10 - 14 -> 0
    # ---------------------------------------------------------------- fire-grid (消防网格)
    case("fire-grid", "terminal", 60, "clean"),
    case("fire-grid", "terminal", 55, "cannot login", cannot_login=1),                         # 60 - 5
    case("fire-grid", "terminal", 40, "cannot operate", cannot_operate=1),                     # 60 - 20
    case("fire-grid", "terminal", 50, "2 xun", missed_xun=2),                                  # 60 - 2*5
    case("fire-grid", "terminal", 45, "3 xun = cap", missed_xun=3),                            # 60 - 15
    case("fire-grid", "terminal", 45, "5 xun capped", missed_xun=5),                           # 60 - min(15, 25)
    case("fire-grid", "terminal", 60, "rate 95%", rectify_rate=0.95),                          # >= 90: 0
    case("fire-grid", "terminal", 60, "rate 90% edge", rectify_rate=0.90),                     # 90 is not 未达到90%
    case("fire-grid", "terminal", 59, "rate 89.99%", rectify_rate=0.8999),                     # [80,90): -1
    case("fire-grid", "terminal", 59, "rate 80% edge", rectify_rate=0.80),                     # [80,90): -1
    case("fire-grid", "terminal", 57, "rate 79.99%", rectify_rate=0.7999),                     # [70,80): -3
    case("fire-grid", "terminal", 57, "rate 70% edge", rectify_rate=0.70),                     # [70,80): -3
    case("fire-grid", "terminal", 54, "rate 69.99%", rectify_rate=0.6999),                     # [60,70): -6
    case("fire-grid", "terminal", 54, "rate 60% edge", rectify_rate=0.60),                     # [60,70): -6
    case("fire-grid", "terminal", 50, "rate 59.99% worst band only", rectify_rate=0.5999),    # <60: -10 (not -20)
    case("fire-grid", "terminal", 50, "rate 0", rectify_rate=0.0),                             # <60: -10
    case("fire-grid", "terminal", 55, "1 overdue", overdue_items=1),                           # 60 - 5
    case("fire-grid", "terminal", 50, "4 overdue capped", overdue_items=4),                    # 60 - min(10, 20)
    case("fire-grid", "terminal", 0, "everything", cannot_login=1, cannot_operate=1,           # 60-(5+20+15+10+10)
         missed_xun=9, rectify_rate=0.3, overdue_items=9),
    case("fire-grid", "terminal", 17, "mixed", cannot_login=1, cannot_operate=1, missed_xun=2,  # 60-(5+20+10+3+5)
         rectify_rate=0.75, overdue_items=1),                                                  # 75%: [70,80) -> 3
    case("fire-grid", "operation", 30, "clean"),
    case("fire-grid", "operation", 25, "not familiar", not_familiar=1),                        # 30 - 5
    case("fire-grid", "operation", 20, "2 hazards", remaining_hazards=2),                      # 30 - 10
    case("fire-grid", "operation", 15, "4 hazards capped", remaining_hazards=4),               # 30 - min(15, 20)
    case("fire-grid", "operation", 27, "3 overdue", system_overdue=3),                         # 30 - 3
    case("fire-grid", "operation", 25, "8 overdue capped", system_overdue=8),                  # 30 - min(5, 8)
    case("fire-grid", "operation", 20, "2 fake checks uncapped", fake_checks=2),               # 30 - 10
    case("fire-grid", "operation", 0, "section floor", not_familiar=1, remaining_hazards=3,    # 30 - min(30, 5+15+5+15)
         system_overdue=5, fake_checks=3),
    case("fire-grid", "training", 0, "no training", no_training=1),                            # 10 - 10
    case("fire-grid", "total", 100, "clean"),
    # ---------------------------------------------------------------- community-grid (社区网格化管理考核细则)
    case("community-grid", "rules", 2, "1+1", ledger_items_missing=1, archive_failures=1),     # 5 - (1 + 2)
    case("community-grid", "rules", 0, "floor", archive_failures=3),                           # 5 - 6 -> 0
    case("community-grid", "presence", 2, "2+1", off_post=2, not_uniformed=1),                 # 5 - 3
    case("community-grid", "presence", 0, "floor", off_post=3, missed_meetings=3),             # 5 - 6 -> 0
    case("community-grid", "cases", 10, "5 cases"),                                            # no shortfall
    case("community-grid", "cases", 10, "9 cases", cases_entered=9),                           # max(0, 5-9) = 0
    case("community-grid", "cases", 8.4, "3 cases", cases_entered=3),                          # 10 - 2*0.8
    case("community-grid", "cases", 6, "0 cases", cases_entered=0),                            # 10 - 5*0.8
    case("community-grid", "cases", 6.2, "mixed", cases_entered=4, cases_irregular=1, cases_untrue=2),  # 10-0.8-1-2
    case("community-grid", "cases", 0, "floor", cases_entered=0, cases_irregular=4, cases_untrue=3),  # 10-(4+7)
    case("community-grid", "info_update", 5.2, "all items", population_not_updated=1,          # 10-(1+1.5+4*0.2+3*0.5)
         info_item2_deduction=1.5, records_incomplete=4, records_inconsistent=3),
    case("community-grid", "info_update", 0, "floor", records_incomplete=40, records_inconsistent=5),  # 10-(8+2.5)
    case("community-grid", "safety_creation", 9.3, "7 households short", visit_households_short=7),  # 10 - 0.7
    case("community-grid", "safety_creation", 8.5, "5 informants", informants=5),              # 10 - 3*0.5
    case("community-grid", "safety_creation", 10, "10 informants", informants=10),             # no shortfall
    case("community-grid", "safety_creation", 5.5, "mixed", visit_records_irregular=1,         # 10-(0.5+2*0.5+1+2)
         phone_check_problems=2, phone_check_fraud=1, missed_campaigns=2),
    case("community-grid", "patrol", 3.5, "all six items", key_ledgers_missing=1,              # 10-(1+2+1+1.5+0.5+0.5)
         missed_unit_patrols=2, missed_key_person_visits=1, missed_special_visits=3, no_info_group=1,
         group_not_used=1),
    case("community-grid", "five_small", 8.5, "3 missed days", missed_five_small=3),           # 10 - 1.5
    case("community-grid", "five_small", 5, "major event", five_small_major_events=1),         # 10 - 5
    case("community-grid", "five_small", 0, "two major events", five_small_major_events=2),    # 10 - 10
    case("community-grid", "five_small", 3.5, "mixed", five_small_major_events=1,              # 10-(5+1+0.5)
         missed_five_small=2, five_small_ledger_incomplete=1),
    case("community-grid", "stability", 7.5, "5 missed", missed_stability_reports=5),          # 10 - 2.5
    case("community-grid", "stability", 0, "major problem", stability_failure=1),              # 此项不得分
    case("community-grid", "service", 5.3, "all items", info_unclear_items=2,                  # 10-(1+1+1+0.5+0.6+0.6)
         proxy_service_problems=1, complaints=1, special_ledger_missing=1, special_ledger_incomplete=2,
         special_ledger_mismatch=3),
    case("community-grid", "department", 7.5, "1+3", dept_work_missing=1, dept_assist_missing=3),  # 10-(1+1.5)
    case("community-grid", "department", 2, "lowest possible", dept_work_missing=4,            # 10-(4+4)
         dept_assist_missing=8),
    case("community-grid", "attitude", 4, "4+2", hostile_attitude=1, slack_attitude=1),        # 10 - 6
    case("community-grid", "attitude", 0, "floor", hostile_attitude=2, shirking=1),            # 10 - 12 -> 0
    case("community-grid", "total", 100, "clean"),
    # ---------------------------------------------------------------- liujiaoting (六角亭)
    case("liujiaoting", "year_score", 100, "full",                                             # .4*100 + .6*100
         h1_dept=60, h1_community=30, h1_service=10, ye_dept=60, ye_community=30, ye_service=10),
    case("liujiaoting", "year_score", 92.2, "91 and 93",                                       # .4*91 + .6*93 = 36.4+55.8
         h1_dept=55, h1_community=27, h1_service=9, ye_dept=56, ye_community=28, ye_service=9),
    case("liujiaoting", "year_score", 40, "half year only",                                    # .4*100 + .6*0
         h1_dept=60, h1_community=30, h1_service=10),
    case("liujiaoting", "year_score", 96, "decimals",                                          # .4*95.25 + .6*96.5 = 38.1+57.9
         h1_dept=57.25, h1_community=28.5, h1_service=9.5, ye_dept=58, ye_community=29, ye_service=9.5),
    case("liujiaoting", "year_score", 89.21, "Excel half-up",                                  # .4*88.0125 + .6*90 = 89.205 -> 89.21
         h1_dept=48.0125, h1_community=30, h1_service=10, ye_dept=50, ye_community=30, ye_service=10),
    case("liujiaoting", "articles", 4, "2 local 1 state", articles_local=2, articles_state=1),  # 2*1 + 1*2
    case("liujiaoting", "articles", 15, "uncapped", articles_local=15),                        # 15*1, no cap
    case("liujiaoting", "highlight", 2, "1 highlight", highlights=1),                          # 2
    case("liujiaoting", "honors", 5, "1 office 2 city", honors_office=1, honors_city=2),       # 1 + 2*2
    case("liujiaoting", "total", 106, "bonus beyond 100",                                      # 100 + 2 + 2 + 2
         h1_dept=60, h1_community=30, h1_service=10, ye_dept=60, ye_community=30, ye_service=10,
         articles_state=1, highlights=1, honors_city=1),
    # ---------------------------------------------------------------- qixingjie (七星街)
    case("qixingjie", "self_eval", 30, "all 100 done", patrol_score=100, patrol_done=1,        # .3*(20+30+30+20)
         visit_score=100, visit_done=1, event_score=100, event_done=1, data_score=100, data_done=1),
    case("qixingjie", "self_eval", 27.24, "all done", patrol_score=92, patrol_done=1,          # .06*92+.09*88+.09*90+.06*95
         visit_score=88, visit_done=1, event_score=90, event_done=1, data_score=95, data_done=1),  # 5.52+7.92+8.1+5.7
    case("qixingjie", "self_eval", 18.24, "普访 not done", patrol_score=85, patrol_done=1,     # 5.1 + 0 + 7.74 + 5.4
         visit_score=80, visit_done=0, event_score=86, event_done=1, data_score=90, data_done=1),
    case("qixingjie", "self_eval", 0, "nothing done", patrol_score=90, visit_score=90,         # every sub-item 0
         event_score=90, data_score=90),
    case("qixingjie", "review", 22.5, "75", review_score=75),                                  # .3*75
    case("qixingjie", "review", 30, "100", review_score=100),                                  # .3*100
    case("qixingjie", "satisfaction", 36.92, "92.3", satisfaction_score=92.3),                 # .4*92.3
    case("qixingjie", "total", 91.16, "sum", patrol_score=92, patrol_done=1, visit_score=88,   # 27.24 + 27 + 36.92
         visit_done=1, event_score=90, event_done=1, data_score=95, data_done=1, review_score=90,
         satisfaction_score=92.3),
    # ---------------------------------------------------------------- zengdu (曾都区)
    case("zengdu", "household_info", 12, "3 errors", household_errors=3),                     # 15 - 3
    case("zengdu", "household_info", 0, "扣完", household_errors=16),                          # 15 - 16 -> 0
    case("zengdu", "submission", 6, "2 late 1 missing", late_submissions=2, missing_submissions=1),  # 15-4-5
    case("zengdu", "submission", 0, "扣完", late_submissions=1, missing_submissions=3),         # 15-17 -> 0
    case("zengdu", "difficulties", 3, "2", difficulties_missed=2),                             # 5 - 2
    case("zengdu", "difficulties", 0, "assumed floor", difficulties_missed=6),                 # 5 - 6 -> 0
    case("zengdu", "help", 4, "2 ignored", help_ignored=2),                                    # 10 - 6
    case("zengdu", "help", 0, "扣完", help_ignored=4),                                         # 10 - 12 -> 0
    case("zengdu", "help", -10, "倒扣10", escalated=1),                                        # when -> -10
    case("zengdu", "help", -10, "倒扣10 with deductions", escalated=1, help_ignored=2),       # when wins
    case("zengdu", "screening", 6, "2 untrue", untrue_screening=2),                            # 8 - 2
    case("zengdu", "screening", 0, "not taking part", no_screening=1),                         # 不得分
    case("zengdu", "mediation", 7, "1 refusal", mediation_refused=1),                          # 12 - 5
    case("zengdu", "mediation", 0, "assumed floor", mediation_refused=3),                      # 12 - 15 -> 0
    case("zengdu", "meetings", 4, "3 absences", meeting_absences=3),                           # 10 - 6
    case("zengdu", "meetings", 0, "扣完", meeting_absences=5),                                 # 10 - 10
    case("zengdu", "diary", 8.5, "entered", diary_score=8.5),
    case("zengdu", "attendance", 4, "entered", attendance_score=4),
    case("zengdu", "mediation_bonus", 15, "uncapped", mediated_cases=5),                       # 5*3
    case("zengdu", "total", 96, "full + 2 mediated", diary_score=10, attendance_score=5,       # 90 + 2*3
         mediated_cases=2),
    case("zengdu", "total", 70, "倒扣 counts in the total", diary_score=10, attendance_score=5,  # 90 - 10 (help) - 10
         escalated=1),
    # ---------------------------------------------------------------- grid-work-trial (网格工作考核评分标准)
    case("grid-work-trial", "systems", 1, "2 missing", missing_systems=2),                     # 3 - 2
    case("grid-work-trial", "systems", 0, "扣完为止", missing_systems=4),                      # 3 - 4 -> 0
    case("grid-work-trial", "basic_forces", 2, "1 missing", missing_forces=1),                 # 3 - 1
    case("grid-work-trial", "basic_forces", 0, "扣完为止", missing_forces=5),                  # 3 - 5 -> 0
    case("grid-work-trial", "special_forces", 1.5, "judged", special_force_score=1.5),
    case("grid-work-trial", "special_forces", 0, "none configured", special_force_score=2,     # 没有配置不得分
         no_special_force=1),
    case("grid-work-trial", "mass_teams", 3, "3 teams"),                                       # >= 3
    case("grid-work-trial", "mass_teams", 3, "5 teams", teams=5),
    case("grid-work-trial", "mass_teams", 2, "2 teams", teams=2),                              # 3 - 1
    case("grid-work-trial", "mass_teams", 0, "no teams", teams=0),                             # 3 - 3
    case("grid-work-trial", "training", 1.5, "3 missed", missed_trainings=3),                  # 3 - 1.5
    case("grid-work-trial", "training", 0, "6 missed", missed_trainings=6),                    # 3 - 3
    case("grid-work-trial", "training", 0, "扣完为止", missed_trainings=7),                    # 3 - 3.5 -> 0
    case("grid-work-trial", "data_update", 2.2, "4 missed", missed_data_updates=4),            # 3 - 0.8
    case("grid-work-trial", "data_update", 2, "5 months", missed_data_updates=5, months_not_updated=5),  # 3 - 1
    case("grid-work-trial", "data_update", 0, "6 months", missed_data_updates=0, months_not_updated=6),  # 不得分
    case("grid-work-trial", "data_security", 1.5, "3 issues", storage_issues=3),               # 3 - 1.5
    case("grid-work-trial", "data_security", 0, "data lost", data_lost=1),                     # 不得分
    case("grid-work-trial", "party_secretary", 0.7, "3 missed", missed_party_activities=3),    # 1 - 0.3
    case("grid-work-trial", "party_secretary", 0, "assumed floor", missed_party_activities=12),  # 1 - 1.2 -> 0
    case("grid-work-trial", "grid_manager", 1.5, "1 failure", duty_failures=1),                # 2 - 0.5
    case("grid-work-trial", "grid_manager", 0, "major incident", major_incident=1),            # 本项不得分
    case("grid-work-trial", "daily_rest", 25, "entered", daily_rest_score=25),
    # ---------------------------------------------------------------- xiangxi (象溪镇)
    case("xiangxi", "meetings", 6, "1+2 absences", meetings_held=24, unexcused_absences=1,     # 10 - 2 - 2
         excused_absences=2),
    case("xiangxi", "meetings", 0, "扣完为止", meetings_held=24, unexcused_absences=3,         # 10 - 6 - 5 -> 0
         excused_absences=5),
    case("xiangxi", "meetings", 5, "exactly half attended", meetings_held=10,                  # 5 of 10 attended: 10 - 5
         excused_absences=5),
    case("xiangxi", "meetings", 0, "under half attended", meetings_held=10,                    # 4 < 5 -> 0 (not 10 - 6 = 4)
         excused_absences=6),
    case("xiangxi", "community_service", 13.5, "entered", community_score=13.5),
    case("xiangxi", "community_service", 0, "major incident", community_score=14,              # 扣除该项所有分值
         major_incident=1),
    # ---------------------------------------------------------------- community-sorted (整理版残片)
    case("community-sorted", "info_platform", 10, "both", databases_built=1, platform_running=1),  # 6 + 4
    case("community-sorted", "info_platform", 4, "running only", platform_running=1),          # 4
    case("community-sorted", "onsite", 15, "all six capped", grid_database=1, basic_ledgers=1,  # min(15, 17)
         public_diary=1, grid_diary=1, daily_handling=1, evaluations_recorded=1),
    case("community-sorted", "onsite", 15, "a 2-point part missing", grid_database=1,          # min(15, 15)
         basic_ledgers=1, public_diary=1, daily_handling=1, evaluations_recorded=1),
    case("community-sorted", "onsite", 12, "民情日志 missing", grid_database=1, basic_ledgers=1,  # 3+2+2+3+2
         grid_diary=1, daily_handling=1, evaluations_recorded=1),
    case("community-sorted", "onsite", 3, "only 信息库", grid_database=1),                     # 3
    case("community-sorted", "service_resources", 2, "共驻共建", joint_activities=1),           # 2
    case("community-sorted", "innovation", 5, "exemplary", exemplary=1),                       # 5
    case("community-sorted", "innovation", 6, "市 only", honor_level="市"),                    # 6
    case("community-sorted", "innovation", 10, "exemplary + 区", exemplary=1, honor_level="区"),  # min(10, 5+5)
    case("community-sorted", "innovation", 10, "exemplary + 省 capped", exemplary=1,           # min(10, 5+8)
         honor_level="省"),
    case("community-sorted", "innovation", 8, "省 only", honor_level="省"),                    # 8
]

@pytest.mark.parametrize("sid,key,inputs,expected", CASES)
def test_hand_computed_scores(sid, key, inputs, expected):
    got = float(one_row(sid, **inputs)[key])
    assert math.isclose(got, expected, abs_tol=1e-9), f"{sid}.{key} = {got}, expected {expected}"


# ---- stars (社区网格员星级评定): 5 - INT(deducted / 20) --------------------------------------
@pytest.mark.parametrize("inputs,total,stars", [
    ({}, 100, 5),                                                          # nothing deducted
    ({"other_not_done": 10, "absent_times": 5}, 85, 5),                    # deducted 15 -> 5 - 0 (floor(85/20) would be 4)
    ({"other_not_done": 10, "absent_times": 10}, 80, 4),                   # deducted 20 -> 5 - 1
    ({"other_not_done": 10, "absent_times": 10, "short_visit_times": 1}, 79.5, 4),  # 20.5 -> 5 - 1
    ({"other_not_done": 10, "absent_times": 9, "short_visit_times": 1}, 80.5, 5),   # 19.5 -> 5 - 0
    ({"other_not_done": 10, "absent_times": 10, "no_badge_times": 10, "no_visit_times": 10}, 60, 3),  # 40 -> 5 - 2
    ({"other_not_done": 10, "absent_times": 10, "no_badge_times": 10, "no_visit_times": 10,
      "log_not_detailed_times": 1}, 59.5, 3),                               # 40.5 -> 5 - 2
    ({"cases_collected": 0, "cases_unfinished": 10, "population_rate": 0.0, "housing_no_growth": 1,
      "site_empty_sections": 5, "absent_times": 10, "no_badge_times": 10, "no_visit_times": 10,
      "no_log_times": 10, "service_not_done_times": 10, "other_not_done": 10}, 3, 1),  # 97 -> 5 - 4
])
def test_star_boundaries(inputs, total, stars):
    row = one_row("gridworker-stars", **inputs)
    assert math.isclose(row["total"], total, abs_tol=1e-9)
    assert row["stars"] == stars


# ---- grades (六角亭): as printed, read by lower bounds ------------------------------------
def _period(total):
    """Both periods scoring `total`: 部门 = total - 40, 社区 30, 测评 10 (year = .4t + .6t = t)."""
    return dict(h1_dept=total - 40, h1_community=30, h1_service=10, ye_dept=total - 40, ye_community=30,
                ye_service=10)


@pytest.mark.parametrize("total,grade", [
    (100, "优秀"), (95, "优秀"),
    (94.99, "合格"),       # in the gap (94, 95): the band below
    (94, "合格"), (80, "合格"),
    (79.99, "基本合格"),   # in the gap (79, 80)
    (79, "基本合格"), (70, "基本合格"),
    (69.99, "不合格"),     # 60..70 is covered by no band: 不合格
    (65, "不合格"), (60, "不合格"), (45, "不合格"),
])
def test_liujiaoting_grades(total, grade):
    row = one_row("liujiaoting", **_period(total))
    assert math.isclose(row["total"], total, abs_tol=1e-9)
    assert row["grade"] == grade


def test_liujiaoting_bonus_lifts_the_grade():
    row = one_row("liujiaoting", **_period(93), honors_office=2)  # 93 + 2*1 = 95 -> 优秀
    assert row["total"] == 95 and row["grade"] == "优秀"


def test_liujiaoting_lint_reports_every_grade_gap():
    text = "\n".join(str(f) for f in lint(scheme("liujiaoting")))
    for lo, hi in (("60", "70"), ("79", "80"), ("94", "95")):
        assert f"between {lo} and {hi}" in text


# ---- 七星街: the grade belongs to the 社区及街道考评 part only --------------------------------
@pytest.mark.parametrize("review,label", [
    (100, "社区及街道考评：优秀"), (90, "社区及街道考评：优秀"),        # 90 is in both bands: the higher
    (89, "社区及街道考评：合格"), (75, "社区及街道考评：合格"),
    (74, "社区及街道考评：基本合格"), (60, "社区及街道考评：基本合格"),
    (59, "社区及街道考评：不合格"), (0, "社区及街道考评：不合格"),
])
def test_qixingjie_review_grade_flags(review, label):
    row = one_row("qixingjie", review_score=review)
    flags = [row[k] for k in ("review_excellent", "review_pass", "review_basic", "review_fail") if row[k]]
    assert flags == [label]
    assert "grade" not in row.index  # the total is not graded


# ---- 象溪镇: under half the meetings -> 0 and forced 不合格 -----------------------------------
@pytest.mark.parametrize("held,unexcused,excused,fail", [
    (24, 0, 0, False),
    (24, 6, 6, False),   # 12 of 24 attended: exactly half is not 不足一半
    (24, 6, 7, True),    # 11 of 24
    (10, 0, 6, True),    # 4 of 10
    (0, 0, 0, False),    # no meetings held
])
def test_xiangxi_forced_fail(held, unexcused, excused, fail):
    row = one_row("xiangxi", meetings_held=held, unexcused_absences=unexcused, excused_absences=excused,
                  community_score=15, civil_affairs_score=30, family_planning_score=25, social_security_score=20)
    assert row["grade"] == ("不合格" if fail else "")  # no grade bands: only the forced grade shows
    assert bool(row["meeting_fail"]) == fail
    if fail:
        assert row["meetings"] == 0


# ---- scheme-level checks ------------------------------------------------------------------------
@pytest.mark.parametrize("sid", SCHEME_IDS)
def test_points_add_up_and_ambiguities_are_recorded(sid):
    s = scheme(sid)
    assert s.ambiguities, f"{sid} records no ambiguities"
    base = sum(i.points for i in s.base_indicators)
    assert math.isclose(base, s.total_points), f"{sid}: {base} != {s.total_points}"
    for sec in s.sections:
        if sec.points:
            inside = sum(i.points for i in s.indicators if i.section == sec.key and not i.extra)
            assert math.isclose(inside, sec.points), f"{sid}.{sec.key}: {inside} != {sec.points}"
    assert not [f for f in lint(s) if f.level == "error"]
    for ind in s.indicators:
        assert ind.rule, f"{sid}.{ind.key} has no rule text"


@pytest.mark.parametrize("sid", SCHEME_IDS)
def test_sample_scores_lie_within_bounds(sid):
    s = scheme(sid)
    path = SAMPLES / f"{sid}.csv"
    header = pd.read_csv(path, nrows=0).columns.tolist()
    assert header == ["unit"] + s.field_keys
    frame = read_table(path, s)
    assert 6 <= len(frame) <= 12
    table = score_frame(s, frame).table
    for ind in s.indicators:
        col = table[ind.key].to_numpy(dtype=float)
        assert not np.isnan(col).any(), f"{sid}.{ind.key} has no score for a sample unit"
        lo, hi = ind.score_bounds
        if lo is not None:
            assert (col >= lo - 1e-9).all(), f"{sid}.{ind.key} below {lo}: {col}"
        if hi is not None:
            assert (col <= hi + 1e-9).all(), f"{sid}.{ind.key} above {hi}: {col}"
    assert np.allclose(table["total"], sum(table[i.key] for i in s.indicators), atol=1e-9)


# ---- the same cases through the Excel formula each indicator prints -----------------------------
def _excel_engine():
    formulas = pytest.importorskip("formulas")
    from formulas.functions import FUNCTIONS, wrap_ufunc

    from gridxl.core.excel_math import excel_round, excel_rounddown, excel_roundup
    # `formulas` rounds the raw double; Excel first takes it to 15 significant digits (as test_kinds does)
    FUNCTIONS["ROUND"] = wrap_ufunc(lambda x, d: excel_round(x, int(d)))
    FUNCTIONS["ROUNDUP"] = wrap_ufunc(lambda x, d: excel_roundup(x, int(d)))
    FUNCTIONS["ROUNDDOWN"] = wrap_ufunc(lambda x, d: excel_rounddown(x, int(d)))
    return formulas


def _literal(v):
    return '"' + v + '"' if isinstance(v, str) else repr(float(v))


@pytest.mark.parametrize("sid,key,inputs,expected", [c for c in CASES if c.values[1] != "total"])
def test_excel_formula_gives_the_same_score(sid, key, inputs, expected):
    formulas = _excel_engine()
    from gridxl.core.expr import Refs
    s = scheme(sid)
    row = {f.key: f.choices[0] if f.type == "choice" else BASE.get(sid, {}).get(f.key, 0) for f in s.fields}
    row.update(inputs)
    text = s.compiled()[key].score.to_excel(Refs(lambda space, k: _literal(row[k])))
    out = formulas.Parser().ast("=" + text)[1].compile()()
    got = float(np.asarray(out).reshape(-1)[0]) if np.ndim(out) else float(out)
    assert math.isclose(got, expected, abs_tol=1e-9), f"{text} = {got}"
