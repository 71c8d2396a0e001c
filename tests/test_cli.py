"""The command line: listing, showing, scoring with labels, explanations, clear errors."""
from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from gridxl.cli import main
from gridxl.core import builtin_paths, get_scheme

from .conftest import SAMPLES

YUSHUI = SAMPLES / "yushui-2022.csv"


def run(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)


def test_schemes_lists_every_builtin(capsys):
    assert main(["schemes"]) == 0
    out = capsys.readouterr().out
    for sid in builtin_paths():
        assert sid in out


def test_show_lists_rule_text_and_input_order(capsys):
    assert main(["show", "yushui-2022"]) == 0
    out = capsys.readouterr().out
    assert "处理及时率 [timely_rate] 20分" in out
    assert "输入（GRID_SCORE 参数顺序）: new_events（当月新增事项总数）, overdue_events（当月逾期事项总数）" in out
    assert "（处理及时率*100-80）/18*20" in out


def test_fields_json(capsys):
    assert main(["fields", "yushui-2022", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    keys = [f["key"] for f in data["fields"]]
    assert keys[:3] == ["population", "events", "gw_total"] and len(keys) == 17
    assert data["fields"][2]["label"] == "网格员总数"


def test_score_reads_chinese_labels_and_writes_xlsx(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame = pd.read_csv(YUSHUI)
    labelled = frame.rename(columns={f.key: f.header for f in scheme.fields} | {"unit": "乡镇（街道）"})
    src = tmp_path / "导出.csv"
    labelled.to_csv(src, index=False)
    out = tmp_path / "scores.xlsx"
    r = run("score", "yushui-2022", src, "-o", out, "--keys")  # xlsx headers are labels unless --keys
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header[:2] == ["unit", "events_per_10k"] and header[-3:] == ["total", "rank", "rank_dense"]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["通洲办"][header.index("total")] == 74.25 and rows["通洲办"][header.index("rank")] == 17


def test_explain_gives_the_derivation(tmp_path):
    out = tmp_path / "s.csv"
    assert run("score", "yushui-2022", YUSHUI, "-o", out, "--explain").returncode == 0
    table = pd.read_csv(out, encoding="utf-8-sig").set_index("unit")
    frame = pd.read_csv(YUSHUI).set_index("unit")
    n, o = frame.loc["下村镇", "new_events"], frame.loc["下村镇", "overdue_events"]
    text = table.loc["下村镇", "explain_timely_rate"]
    assert text.startswith(f"处理及时率 ({n}-{o})/{n}=") and text.endswith("= 18")
    n, o = frame.loc["界水乡", "new_events"], frame.loc["界水乡", "overdue_events"]
    assert table.loc["界水乡", "explain_timely_rate"].startswith(f"处理及时率 ({n}-{o})/{n}=")
    assert table.loc["界水乡", "explain_timely_rate"].endswith(">= 98% -> 20")


def test_bad_cell_is_named_and_nothing_is_written(tmp_path):
    frame = pd.read_csv(YUSHUI)
    frame["gw_total"] = frame["gw_total"].astype(object)
    frame.loc[4, "gw_total"] = "八十"
    src = tmp_path / "bad.csv"
    frame.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    r = run("score", "yushui-2022", src, "-o", out)
    assert r.returncode == 2
    assert "line 6, column 4 (网格员总数, gw_total): expected whole number >= 0, got '八十'" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_never_writes_over_its_input(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(YUSHUI.read_bytes())
    before = src.read_bytes()
    r = run("score", "yushui-2022", src, "-o", src)
    assert r.returncode == 2 and "never writes over its input" in r.stderr
    assert src.read_bytes() == before


@pytest.mark.parametrize("args,message", [
    (("score", "no-such-scheme", YUSHUI, "-o", "x.csv"), "no scheme 'no-such-scheme'"),
    (("score", "yushui-2022", "missing.csv", "-o", "x.csv"), "missing.csv: no such file"),
    (("score", "yushui-2022", YUSHUI, "-o", "x.txt"), "expected a .csv or .xlsx output name"),
])
def test_user_errors_are_one_line(tmp_path, args, message):
    r = subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_missing_columns_are_listed(tmp_path):
    src = tmp_path / "short.csv"
    pd.read_csv(YUSHUI).drop(columns=["overdue_events", "special_total"]).to_csv(src, index=False)
    r = run("score", "yushui-2022", src, "-o", tmp_path / "o.csv")
    assert r.returncode == 2
    assert "missing column(s): overdue_events (当月逾期事项总数（件）), special_total" in r.stderr


def test_lint_reports_recorded_and_computed_findings(capsys):
    assert main(["lint", "all"]) == 0
    out = capsys.readouterr().out
    assert "罗坊镇" in out  # the rank typo recorded for seed 004
    for sid in builtin_paths():
        assert f"== {sid}:" in out
