"""What a clerk reads when something is wrong, in Chinese by default and English with --lang en: one
representative message of each source (the input reader, `check`, `history`, scheme loading), with the
file, line, cell, label and key it names."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SAMPLES

ROOT = Path(__file__).resolve().parent.parent
NO_LOCALE = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
NO_LOCALE["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True,
                          env=NO_LOCALE, cwd=cwd)


def test_an_input_error_names_the_line_label_and_key_in_chinese(tmp_path):
    rows = list(csv.reader((SAMPLES / "yushui-2022.csv").open(encoding="utf-8-sig")))
    assert rows[0][2] == "events"
    rows[2][2] = "八十"  # line 3 of the file
    rows[3][1] = ""      # line 4: a blank population
    with (tmp_path / "towns.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    zh = run("score", "yushui-2022", "towns.csv", "-o", "s.csv", cwd=tmp_path)
    assert zh.returncode == 2
    assert "towns.csv，第 3 行第 3 列（“当月上报事项数”，events）：应为不小于 0 的整数，实为“八十”" in zh.stderr
    assert "towns.csv，第 4 行第 2 列（“实有人口”，population）：未填写，应为不小于 0 的整数" in zh.stderr
    en = run("--lang", "en", "score", "yushui-2022", "towns.csv", "-o", "s.csv", cwd=tmp_path)
    assert "towns.csv, line 3, column 3 (当月上报事项数, events): expected whole number >= 0, got '八十'" in en.stderr
    assert not (tmp_path / "s.csv").exists()


def test_a_check_finding_in_chinese(tmp_path):
    import openpyxl
    r = run("template", "yushui-2022", "-o", "t.xlsx", "--data", SAMPLES / "yushui-2022.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "已预填 17 行" in r.stderr  # the summary too
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb["录入"]["D4"].value.startswith("当月上报事项数")
    wb["录入"]["D5"] = "八十"
    wb.save(tmp_path / "typed.xlsx")
    zh = run("check", "typed.xlsx", cwd=tmp_path)
    assert zh.returncode == 1
    assert "录入!D5：数字单元格中是文字“八十”（“当月上报事项数”）：应为不小于 0 的整数" in zh.stdout
    assert "typed.xlsx 中有 1 处问题（yushui-2022）" in zh.stderr
    en = run("--lang", "en", "check", "typed.xlsx", cwd=tmp_path)
    assert "录入!D5: text '八十' in a number cell (当月上报事项数): expected whole number >= 0" in en.stdout


def test_a_history_error_in_chinese(tmp_path):
    zh = run("history", "yushui-2022", "results", "--weights", "2022-11=40", cwd=tmp_path)
    assert zh.returncode == 2
    assert zh.stderr.strip() == ("gridxl history：错误：--weights “2022-11=40”：权重应在 0 至 100% 之间"
                                 "（40% 或 0.4），实为 40")
    en = run("--lang", "en", "history", "yushui-2022", "results", "--weights", "2022-11=40", cwd=tmp_path)
    assert "--weights '2022-11=40': a weight is between 0 and 100% (40% or 0.4), got 40" in en.stderr


SCHEME = """id = "x"
name = "x"
unit = "乡镇"
[[fields]]
key = "a"
label = "甲"
type = "numbr"
[[indicators]]
key = "i"
name = "指标"
points = 5
kind = "entered"
"""


@pytest.mark.parametrize("text,zh,en", [
    (SCHEME, "bad.toml：第 1 个字段 'a'，字段“type”：应为 count, number, rate, flag, score, choice 之一，实为“numbr”",
     "bad.toml: field #1 'a', field 'type': expected one of count, number, rate, flag, score, choice, got 'numbr'"),
    ('id = "x"\nname = "x"\nunit = "乡镇"\n', "bad.toml：没有 [[indicators]]：方案至少要有一项指标",
     "bad.toml: no [[indicators]]: a scheme scores at least one indicator"),
])
def test_a_scheme_error_in_chinese(tmp_path, text, zh, en):
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    r = run("fields", "bad.toml", cwd=tmp_path)
    assert r.returncode == 2 and zh in r.stderr, r.stderr
    assert en in run("--lang", "en", "fields", "bad.toml", cwd=tmp_path).stderr


def test_the_core_alone_speaks_english(tmp_path):
    """In xlwings Lite only the core runs (no gridxl.i18n, no catalogue): its messages stay in English."""
    (tmp_path / "bad.toml").write_text('id = "x"\nname = "x"\nunit = "乡镇"\n', encoding="utf-8")
    code = ("import sys; from gridxl.core.scheme import load_scheme, SchemeError\n"
            "try:\n    load_scheme('bad.toml')\nexcept SchemeError as e:\n    print(e)\n"
            "print('gridxl.i18n' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=NO_LOCALE,
                         cwd=tmp_path).stdout
    assert out.splitlines() == ["bad.toml: no [[indicators]]: a scheme scores at least one indicator", "False"]
