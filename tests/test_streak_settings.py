"""The multi-month rule as a scheme setting: ``[streaks]`` in the scheme file, read by `gridxl history`."""
from __future__ import annotations

import subprocess
import sys

import pytest

from gridxl.core import get_scheme
from gridxl.core.scheme import SchemeError
from gridxl.core.streak_settings import StreakSettings
from gridxl.reports.history import StreakRule, scheme_streak_rule, streak_events, streaks

from .conftest import ROOT, SAMPLES
from .test_history import TWELVE
from .tiers import slow


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def with_streaks(tmp_path, table: str, base="yushui-2022"):
    text = (ROOT / "gridxl" / "schemes" / f"{base}.toml").read_text(encoding="utf-8")
    path = tmp_path / f"{base}.toml"
    path.write_text(text + "\n[streaks]\n" + table + "\n", encoding="utf-8")
    return path


def test_xx_township_states_the_seed_rule_and_history_reads_it():
    s = get_scheme("xx-township")
    assert s.streaks == StreakSettings(bottom=2, warn_months=3, veto_months=6, margin=0.0, relative=False)
    assert scheme_streak_rule(s) == StreakRule(2, 3, 6, 0.0, False)


def test_a_scheme_without_streaks_keeps_the_defaults_and_the_command_line_overrides():
    s = get_scheme("yushui-2022")
    assert s.streaks is None
    assert scheme_streak_rule(s) == StreakRule()
    assert scheme_streak_rule(s, bottom=1, margin=0.1, relative=True) == StreakRule(1, 3, 6, 0.1, True)


def test_the_schemes_rule_changes_who_is_warned(tmp_path):
    # With bottom 1, only a unit no other is below counts.  E (see test_history): last and below the average
    # in months 1-6 (runs 1-6), not in 7 (96), tied last in 8 (75, avg 82) and last in 9 (89 < 89.8): runs 1, 2,
    # then 3, 4, 5 in 10-12.  Events are the months a run reaches 2 (约谈) or 4 (一票否决).  D is last in month
    # 7 (80, E has 96) and tied last in month 8: a run of 2.
    scheme = get_scheme(str(with_streaks(tmp_path, "bottom = 1\nwarn_months = 2\nveto_months = 4")))
    rule = scheme_streak_rule(scheme)
    events = streak_events(streaks(TWELVE, rule), rule)
    e = events[events["unit"] == "E"]
    assert list(zip(e["period"], e["run"])) == [("2022-02", 2), ("2022-04", 4), ("2022-09", 2),
                                              ("2022-11", 4)]
    d = events[events["unit"] == "D"]
    assert list(zip(d["period"], d["run"])) == [("2022-08", 2)]
    assert set(events["unit"]) == {"D", "E"}


@pytest.mark.parametrize("table, message", [
    ("bottom = 0", "bottom.*whole number >= 1"),
    ("warn_months = 2.5", "warn_months.*whole number"),
    ("margin = -1", "margin.*>= 0"),
    ("relative = 1", "relative.*true or false"),
    ("warn_months = 6\nveto_months = 3", "veto_months .3. is shorter"),
    ("months = 3", "unknown setting"),
])
def test_bad_settings_are_named(tmp_path, table, message):
    with pytest.raises(SchemeError, match=message):
        get_scheme(str(with_streaks(tmp_path, table)))


@slow  # a command started several times over
def test_history_command_uses_the_scheme_file(tmp_path):
    scheme = with_streaks(tmp_path, "bottom = 1\nwarn_months = 1\nveto_months = 2")
    results = tmp_path / "results"
    for month in ("2022-10", "2022-11"):
        r = run("history", scheme, results, "--add", SAMPLES / "yushui-2022.csv", "--period", month)
        assert r.returncode == 0, r.stderr
    r = run("history", scheme, results)
    assert r.returncode == 0, r.stderr
    assert "2022-11  通洲办  连续2个月 -> 年终一票否决" in r.stdout
    assert "排名后1位" in r.stdout
    plain = run("history", "yushui-2022", results)  # the built-in scheme: bottom 2, 3 months
    assert "连续2个月" not in plain.stdout
    override = run("history", scheme, results, "--veto-months", "3")  # 2 months: no longer a veto
    assert "2022-10  通洲办  连续1个月 -> 约谈" in override.stdout
    assert "一票否决：" not in override.stdout
