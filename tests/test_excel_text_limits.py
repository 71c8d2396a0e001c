"""Issue 10, point 5: text Excel cannot hold is refused clearly, before any output is written."""
from __future__ import annotations

import subprocess
import re
import sys

import pandas as pd
import pytest

from gridxl.core import builtin_paths
from gridxl.core.scheme import SchemeError, load_scheme

from .conftest import SAMPLES
from .tiers import sweep

YUSHUI = SAMPLES / "yushui-2022.csv"


def gridxl(*args):
    run = subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def with_unit(tmp_path, name):
    frame = pd.read_csv(YUSHUI, dtype=object)
    frame.loc[1, "unit"] = name
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("char", sweep(["\x01", "\x07", "\x1f"], keep=1))
def test_control_characters_in_unit_names(tmp_path, char):
    src = with_unit(tmp_path, f"甲{char}镇")
    before = sorted(p.name for p in tmp_path.iterdir())
    for args in (["score", "yushui-2022", src, "-o", tmp_path / "s.xlsx"],
                 ["bulletin", "yushui-2022", src, "-o", tmp_path / "b.docx", "--xlsx", tmp_path / "b.xlsx"],
                 ["template", "yushui-2022", "-o", tmp_path / "t.xlsx", "--data", src]):
        run = gridxl(*args)
        assert run.returncode == 2, run.stderr
        assert f"U+{ord(char):04X}" in run.stderr and "Excel cannot store" in run.stderr
    (tmp_path / "units.txt").write_text(f"乙镇\n甲{char}镇\n", encoding="utf-8")
    run = gridxl("template", "yushui-2022", "-o", tmp_path / "t.xlsx", "--units", tmp_path / "units.txt")
    assert run.returncode == 2 and "unit name #2" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before + ["units.txt"])  # nothing written


def test_whitespace_control_characters_are_mapped_as_spaces(tmp_path):
    """A vertical tab or form feed in an input file is white space: removed like spaces (a documented mapping)."""
    import openpyxl
    src = with_unit(tmp_path, "甲\x0b镇\x0c")
    run = gridxl("score", "yushui-2022", src, "-o", tmp_path / "s.xlsx")
    assert run.returncode == 0, run.stderr
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").active["A3"].value == "甲镇"


@pytest.mark.parametrize("option, value, message", [
    ("--area", "全区/全乡", "cannot contain '/'"), ("--area", "全" * 30, "at most 31"),
    ("--area", "[区]", "cannot contain '['"), ("--title", "通报\x0c", "U+000C"), ("--issuer", "\x01办", "U+0001")])
def test_bulletin_options_excel_cannot_hold(tmp_path, option, value, message):
    run = gridxl("bulletin", "yushui-2022", YUSHUI, "-o", tmp_path / "b.docx", "--xlsx", tmp_path / "b.xlsx",
                 option, value)
    assert run.returncode == 2 and message in run.stderr and option in run.stderr
    assert not (tmp_path / "b.docx").exists() and not (tmp_path / "b.xlsx").exists()


def test_template_period_with_a_control_character(tmp_path):
    run = gridxl("template", "yushui-2022", "-o", tmp_path / "t.xlsx", "--period", "2022-11\x1b")
    assert run.returncode == 2 and "--period" in run.stderr  # refused by the period rule, before any text check
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("edit, message", [
    (('label = "当月新增事项总数"', 'label = "当月新增\\u0001事项总数"'), "U+0001"),
    (('name = "渝水区', 'name = "\\u001f渝水区'), "U+001F")])
def test_scheme_text_with_control_characters(tmp_path, edit, message):
    text = builtin_paths()["yushui-2022"].read_text(encoding="utf-8")
    assert edit[0] in text
    (tmp_path / "s.toml").write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(SchemeError, match=re.escape(message)):
        load_scheme(tmp_path / "s.toml")


@pytest.mark.parametrize("subunit", ["网/格", "网格:一", "网" * 21])
def test_subunit_word_must_make_a_sheet_name(tmp_path, subunit):
    text = builtin_paths()["dongying-2018"].read_text(encoding="utf-8")
    (tmp_path / "s.toml").write_text(text.replace('subunit = "网格"', f'subunit = "{subunit}"', 1), encoding="utf-8")
    with pytest.raises(SchemeError, match="field 'subunit'.*names a sheet"):
        load_scheme(tmp_path / "s.toml")
