"""`gridxl scheme-book`: every built-in scheme as a workbook and back, exactly; edits in Excel read back; bad
cells named by sheet and cell."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import pytest

from gridxl.authoring.scheme_book import BookError, read_book, write_book
from gridxl.core import builtin_paths, get_scheme, score_frame
from gridxl.core.scheme import scheme_from_dict
from gridxl.io.inputs import read_scheme_inputs

from .conftest import SAMPLES
from .tiers import scheme_sweep, slow

ROOT = Path(__file__).resolve().parent.parent
IDS = list(builtin_paths())


def run(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def numbers_as_floats(value):
    """TOML keeps 20 and 20.0 apart; a spreadsheet cell does not: compare them as numbers."""
    if isinstance(value, dict):
        return {k: numbers_as_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [numbers_as_floats(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def sample_files(sid):
    main = SAMPLES / f"{sid}.csv"
    sub = SAMPLES / f"{sid}-subunits.csv"
    ballots = SAMPLES / f"{sid}-ballots.csv"
    return main, (sub if sub.exists() else None), (ballots if ballots.exists() else None)


@pytest.mark.parametrize("sid", scheme_sweep(IDS))
def test_round_trip_is_exact_and_scores_every_sample_identically(tmp_path, sid):
    data = tomllib.loads(builtin_paths()[sid].read_text(encoding="utf-8"))
    book = tmp_path / "方案.xlsx"
    r = run("scheme-book", sid, "-o", book)
    assert r.returncode == 0, r.stderr
    back = read_book(book)
    assert numbers_as_floats(back) == numbers_as_floats(data)
    # through the command, as a user does it: the workbook read back by `gridxl draft`
    toml = tmp_path / "back.toml"
    r = run("draft", book, "-o", toml)
    assert r.returncode == 0, r.stderr
    original, again = get_scheme(sid), get_scheme(str(toml))
    main, sub, ballots = sample_files(sid)
    if not main.exists():
        pytest.skip(f"no sample for {sid}")
    a = score_frame(original, *read_scheme_inputs(original, main, sub, ballots=ballots)).table
    b = score_frame(again, *read_scheme_inputs(again, main, sub, ballots=ballots)).table
    assert a.equals(b)


def test_the_workbook_has_chinese_columns_and_drop_downs(tmp_path):
    path = write_book(tomllib.loads(builtin_paths()["xx-township"].read_text(encoding="utf-8")), tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["方案", "指标", "字段"]
    ws = wb["指标"]
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["键", "指标名称", "所属部分", "分值", "计分方式"]
    kind_col = "E"
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list" and kind_col in str(dv.sqref)]
    assert lists and "rank_decay" in lists[0].formula1 and "entered" in lists[0].formula1
    decimals = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal" and "D" in str(dv.sqref)]
    assert decimals
    assert ws["B2"].value == "重点人群资料完整度" and ws["E2"].value == "rank_decay"
    assert ws["G2"].value == 'standard = 1, step = 0.05, direction = "desc"'
    assert ws["B2"].data_type == "s"
    assert wb["计分方式"]["A2"].value == "ratio"


def _edit(path, sheet, cell, value):
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def test_an_edit_in_excel_is_read_back(tmp_path):
    path = write_book(tomllib.loads(builtin_paths()["xx-township"].read_text(encoding="utf-8")), tmp_path / "b.xlsx")
    _edit(path, "指标", "D2", 25)  # 完整度 20 -> 25 分
    _edit(path, "指标", "G2", 'standard = 1, step = 0.05, ranking = "dense"')
    data = read_book(path)
    first = data["indicators"][0]
    assert first["points"] == 25 and first["ranking"] == "dense" and "direction" not in first
    scheme_from_dict(data, str(path))


@pytest.mark.parametrize("sheet, cell, value, message", [
    ("指标", "D2", "二十", "工作表 '指标', 单元格 D2: 应为数字"),
    ("指标", "E2", "rank", "单元格 E2: 没有计分方式 'rank'"),
    ("指标", "J2", "对", "单元格 J2: 应为“是”或“否”"),
    ("指标", "G2", "standard = ", "单元格 G2: 不是有效的 TOML"),
    ("字段", "C2", "percent", "工作表 '字段', 单元格 C2: 没有类型 'percent'"),
])
def test_a_bad_cell_is_named(tmp_path, sheet, cell, value, message):
    path = write_book(tomllib.loads(builtin_paths()["xx-township"].read_text(encoding="utf-8")), tmp_path / "b.xlsx")
    _edit(path, sheet, cell, value)
    with pytest.raises(BookError) as err:
        read_book(path)
    assert message in str(err.value) and "b.xlsx" in str(err.value)
    r = run("draft", path, "-o", tmp_path / "x.toml")
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_a_book_whose_rule_does_not_hold_is_refused_with_the_indicator_named(tmp_path):
    path = write_book(tomllib.loads(builtin_paths()["xx-township"].read_text(encoding="utf-8")), tmp_path / "b.xlsx")
    _edit(path, "指标", "G2", "standard = 1")  # rank_decay needs step
    r = run("draft", path, "-o", tmp_path / "x.toml")
    assert r.returncode == 2 and "completeness" in r.stderr and "step" in r.stderr
    assert not (tmp_path / "x.toml").exists()


@slow  # a command started several times over
def test_scheme_book_refuses_to_overwrite_and_wants_xlsx(tmp_path):
    out = tmp_path / "b.xlsx"
    assert run("scheme-book", "chengnan", "-o", out).returncode == 0
    again = run("scheme-book", "chengnan", "-o", out)
    assert again.returncode == 2 and "--replace" in again.stderr
    assert run("scheme-book", "chengnan", "-o", out, "--replace").returncode == 0
    r = run("scheme-book", "chengnan", "-o", tmp_path / "b.csv")
    assert r.returncode == 2 and ".xlsx" in r.stderr
    r = run("scheme-book", "no-such-scheme", "-o", tmp_path / "c.xlsx")
    assert r.returncode == 2 and "no-such-scheme" in r.stderr
