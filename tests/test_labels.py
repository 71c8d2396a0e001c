"""Chinese headers in xlsx outputs (score, recalc --export); keys in CSV; --keys / --labels switch."""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from gridxl.core import get_scheme

from .conftest import SAMPLES
from .tiers import slow

YUSHUI = SAMPLES / "yushui-2022.csv"
SCHEME = get_scheme("yushui-2022")


def run(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)


def header(path):
    ws = openpyxl.load_workbook(path).active
    return [c.value for c in ws[1]]


def expected_labels(scheme):
    return ([scheme.unit] + [f"{i.name}（{'加减分' if i.extra else f'{float(i.points):g}分'}）" for i in scheme.indicators]
            + [f"总分（{scheme.total_points:g}分）", "名次", "中国式排名"])


def test_score_xlsx_has_the_labels_of_the_scoring_sheet(tmp_path):
    out = tmp_path / "s.xlsx"
    assert run("score", "yushui-2022", YUSHUI, "-o", out).returncode == 0
    assert header(out) == expected_labels(SCHEME)
    assert header(out)[1] == "事项总量（20分）" and "events_per_10k" not in header(out)
    # the values are the same as with keys
    keyed = tmp_path / "k.xlsx"
    assert run("score", "yushui-2022", YUSHUI, "-o", keyed, "--keys").returncode == 0
    assert header(keyed)[:3] == ["unit", "events_per_10k", "gw_avg_events"]
    a = pd.read_excel(out, engine="openpyxl")
    b = pd.read_excel(keyed, engine="openpyxl")
    assert a.to_numpy().tolist() == b.to_numpy().tolist()


def test_csv_keeps_keys_unless_labels_are_asked_for(tmp_path):
    assert run("score", "yushui-2022", YUSHUI, "-o", tmp_path / "s.csv").returncode == 0
    assert pd.read_csv(tmp_path / "s.csv").columns[:2].tolist() == ["unit", "events_per_10k"]
    assert run("score", "yushui-2022", YUSHUI, "-o", tmp_path / "l.csv", "--labels").returncode == 0
    assert pd.read_csv(tmp_path / "l.csv", encoding="utf-8-sig").columns.tolist() == expected_labels(SCHEME)
    r = run("score", "yushui-2022", YUSHUI, "-o", tmp_path / "x.csv", "--labels", "--keys")
    assert r.returncode == 2 and "either --keys or --labels" in r.stderr


def test_flags_grades_and_stars_get_their_labels(tmp_path):
    scheme = get_scheme("gridworker-stars")
    out = tmp_path / "s.xlsx"
    r = run("score", scheme.id, SAMPLES / f"{scheme.id}.csv", "-o", out)
    assert r.returncode == 0, r.stderr
    cols = header(out)
    assert "星级" in cols and all(f.label in cols for f in scheme.flags)
    assert not any(str(c).isascii() for c in cols if c)


@slow
def test_recalc_export_xlsx_has_labels(tmp_path):
    template = tmp_path / "t.xlsx"
    assert run("template", "yushui-2022", "-o", template, "--data", YUSHUI).returncode == 0
    out = tmp_path / "e.xlsx"
    r = run("recalc", template, "-o", tmp_path / "r.xlsx", "--export", out)
    assert r.returncode == 0, r.stderr
    assert header(out) == expected_labels(SCHEME)
    r = run("recalc", template, "-o", tmp_path / "r2.xlsx", "--export", tmp_path / "e.csv")
    assert r.returncode == 0 and pd.read_csv(tmp_path / "e.csv").columns[0] == "unit"
