"""Periods: the five forms (and named parts of a year), checked against the scheme's period before
anything is written, on every command that takes --period."""
from __future__ import annotations

import subprocess
import sys

import pytest

from gridxl.core import get_scheme
from gridxl.reports.history import check_period, parse_weights
from gridxl.io.inputs import InputError

from .conftest import SAMPLES


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


MONTHLY, ANNUAL, QUARTERLY = get_scheme("yushui-2022"), get_scheme("liujiaoting"), get_scheme("minzhu-pingyi")


def test_the_builtin_schemes_periods_are_the_ones_checked():
    assert (MONTHLY.period, ANNUAL.period, QUARTERLY.period) == ("monthly", "annual", "quarterly")


@pytest.mark.parametrize("name,scheme,expected", [
    ("2022-11", MONTHLY, "2022-11"), ("2022-01", MONTHLY, "2022-01"),
    ("２０２２－１１", MONTHLY, "2022-11"),  # full-width, as a Chinese input method types it
    ("2022", ANNUAL, "2022"), ("2022-年终", ANNUAL, "2022-年终"), ("2022-H1", ANNUAL, "2022-H1"),
    ("2022-h2", ANNUAL, "2022-H2"), ("2022-系统自评", ANNUAL, "2022-系统自评"),
    ("2022-Q3", QUARTERLY, "2022-Q3"), (" 2022-q4 ", QUARTERLY, "2022-Q4"),
])
def test_periods_the_scheme_admits(name, scheme, expected):
    assert check_period(name, scheme=scheme) == expected


@pytest.mark.parametrize("name,scheme,message", [
    ("2022-11", ANNUAL, "is assessed annual (按年度); expected a period such as 2022、2022-年终、2022-H1"),
    ("2022-Q3", MONTHLY, "is assessed monthly (按月); expected a period such as 2022-11"),
    ("2022", MONTHLY, "expected a period such as 2022-11"),
    ("2022-11", QUARTERLY, "expected a period such as 2022-Q3"),
    ("2022-系统自评", MONTHLY, "expected a period such as 2022-11"),
    ("2026-13", MONTHLY, "expected a month as YYYY-MM, 01 to 12"),
    ("2022-Q5", QUARTERLY, "expected a period as YYYY-MM, YYYY-Qn, YYYY-H1/H2, YYYY, YYYY-年终"),
    ("2022-H3", ANNUAL, "expected a period as"),
    ("十一月", MONTHLY, "expected a period as"),
    ("22-11", MONTHLY, "expected a period as"),
    ("0001-11", MONTHLY, "the year 1 is out of range"),
])
def test_periods_refused_with_the_expected_forms(name, scheme, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_period(name, scheme=scheme)


def test_weights_are_periods_of_the_scheme():
    assert parse_weights("2022-H1=40%,2022-年终=60%", scheme=ANNUAL) == [("2022-H1", 0.4), ("2022-年终", 0.6)]
    with pytest.raises(InputError, match="is assessed monthly"):
        parse_weights("2022-H1=40%,2022-年终=60%", scheme=MONTHLY)


@pytest.mark.parametrize("command", [
    ["template", "liujiaoting", "-o", "t.xlsx"],
    ["bulletin", "liujiaoting", SAMPLES / "liujiaoting.csv", "-o", "b.docx"],
    ["history", "liujiaoting", "store", "--add", SAMPLES / "liujiaoting.csv"],
])
def test_every_command_refuses_a_month_for_an_annual_scheme(tmp_path, command):
    r = run(*command, "--period", "2026-11", cwd=tmp_path)
    assert r.returncode == 2 and "'2026-11': scheme liujiaoting is assessed annual" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not any(tmp_path.iterdir())  # nothing written, not even the store folder


def test_an_annual_template_prints_the_year(tmp_path):
    import openpyxl
    out = tmp_path / "t.xlsx"
    r = run("template", "liujiaoting", "-o", out, "--period", "2026")
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(out)["录入"]
    assert "（2026年）" in ws["A1"].value and "月" not in ws["A1"].value.split("（")[-1]
