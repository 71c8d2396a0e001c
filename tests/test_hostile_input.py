"""Messy and hostile input to `gridxl score`: normalised or refused with a named cell, never a traceback,
never a lost file. Each case here backs a row of the README's bad-input table."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import openpyxl
import pandas as pd
import pytest

from gridxl.core import get_scheme, score_frame
from gridxl.io.inputs import InputError, read_table

from .conftest import SAMPLES
from .tiers import slow

SCHEME = get_scheme("yushui-2022")
BASE = pd.read_csv(SAMPLES / "yushui-2022.csv")


def gridxl(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def expected_scores():
    return score_frame(SCHEME, read_table(SAMPLES / "yushui-2022.csv", SCHEME)).table


def write_csv(tmp_path, frame, name="in.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


# -- values a clerk really types: accepted, with a documented normalisation ------------------------
@pytest.mark.parametrize("raw,value", [
    ("１２３４", 1234.0),          # full-width digits
    ("1,234", 1234.0),            # thousands separator
    (" 1234 ", 1234.0),           # spaces around
    ("1234\u00a0", 1234.0),       # non-breaking space
    ("1234.0", 1234.0),           # a whole number written with a decimal point
])
def test_count_normalisations(tmp_path, raw, value):
    frame = BASE.astype(object)
    frame.loc[0, "events"] = raw
    got = read_table(write_csv(tmp_path, frame), SCHEME)
    assert got.loc[0, "events"] == value


def test_rates_as_percent_fraction_or_number():
    from gridxl.core.scheme import FieldSpec
    from gridxl.io.inputs import parse_number
    rate = FieldSpec("r", "完整率", "rate")
    assert parse_number("95%", rate) == (0.95, None)
    assert parse_number("９５％", rate) == (0.95, None)
    assert parse_number(0.95, rate) == (0.95, None)
    assert parse_number(95, rate) == (0.95, None)  # above 1: read as percent
    assert parse_number("120%", rate)[1] is not None  # above 100%: refused


def test_empty_rows_in_the_middle_are_skipped(tmp_path):
    frame = pd.concat([BASE.iloc[:5], pd.DataFrame([{c: None for c in BASE.columns}]), BASE.iloc[5:]])
    got = score_frame(SCHEME, read_table(write_csv(tmp_path, frame), SCHEME)).table
    assert got["total"].tolist() == expected_scores()["total"].tolist()


def test_gb18030_csv_from_old_excel(tmp_path):
    path = tmp_path / "gbk.csv"
    BASE.to_csv(path, index=False, encoding="gb18030")
    assert read_table(path, SCHEME)["unit"].tolist() == BASE["unit"].tolist()


# -- values refused, each naming the cell ----------------------------------------------------------
@pytest.mark.parametrize("raw,expected", [
    ("abc", "expected whole number >= 0, got 'abc'"),
    ("-5", "expected whole number >= 0, got '-5'"),
    ("2.5", "expected whole number >= 0, got '2.5'"),
    ("12%", "a percent sign belongs in rate fields only"),
    ("", "blank, expected whole number >= 0"),
])
def test_refused_values_name_the_cell(tmp_path, raw, expected):
    frame = BASE.astype(object)
    frame.loc[2, "gw_total"] = raw
    r = gridxl("score", "yushui-2022", write_csv(tmp_path, frame), "-o", tmp_path / "o.csv")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "line 4, column 4 (网格员总数, gw_total)" in r.stderr and expected in r.stderr


def test_duplicate_unit_is_refused(tmp_path):
    frame = pd.concat([BASE, BASE.iloc[[3]]])
    r = gridxl("score", "yushui-2022", write_csv(tmp_path, frame), "-o", tmp_path / "o.csv")
    assert r.returncode == 2 and "unit '罗坊镇' appears twice" in r.stderr


def test_xlsx_cells_are_named_by_sheet_and_address(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "录入"
    ws.append(["渝水区 2022年11月"])  # a title row above the header, as templates have
    ws.append(list(BASE.columns))
    for row in BASE.itertuples(index=False):
        ws.append(list(row))
    ws["E5"] = "二十"
    ws.row_dimensions[6].hidden = True  # hidden rows are still data
    path = tmp_path / "in.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match=r"sheet '录入', cell E5 \(网格员上报事项数, gw_events\): expected whole "
                                         r"number >= 0, got '二十'"):
        read_table(path, SCHEME)


def test_merged_cells_leave_blanks_that_are_named(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(BASE.columns))
    for row in BASE.itertuples(index=False):
        ws.append(list(row))
    ws.merge_cells("C2:C3")  # C3 loses its value
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match=r"cell C3 \(当月上报事项数, events\): blank"):
        read_table(path, SCHEME)


@slow  # a command started several times over
def test_sheets_renamed_or_reordered(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    ws = wb.create_sheet("数据")
    ws.append(list(BASE.columns))
    for row in BASE.itertuples(index=False):
        ws.append(list(row))
    path = tmp_path / "renamed.xlsx"
    wb.save(path)
    assert gridxl("score", "yushui-2022", path, "-o", tmp_path / "a.csv").returncode == 2  # first sheet: no table
    r = gridxl("score", "yushui-2022", path, "--sheet", "数据", "-o", tmp_path / "b.csv")
    assert r.returncode == 0, r.stderr
    r = gridxl("score", "yushui-2022", path, "--sheet", "录入表", "-o", tmp_path / "c.csv")
    assert "no sheet '录入表'; the sheets are 封面, 数据" in r.stderr


# -- files from outside ----------------------------------------------------------------------------
def _sample_xlsx(tmp_path):
    path = tmp_path / "ok.xlsx"
    BASE.to_excel(path, index=False)
    return path


def test_not_an_xlsx(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("unit,events\n", encoding="utf-8")
    r = gridxl("score", "yushui-2022", path, "-o", tmp_path / "o.csv")
    assert r.returncode == 2 and "not an .xlsx workbook (not a zip file, or truncated)" in r.stderr


def test_truncated_xlsx(tmp_path):
    data = _sample_xlsx(tmp_path).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    r = gridxl("score", "yushui-2022", path, "-o", tmp_path / "o.csv")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "cut.xlsx" in r.stderr


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(60):
                f.write(chunk)
    r = gridxl("score", "yushui-2022", path, "-o", tmp_path / "o.csv")
    assert r.returncode == 2 and "zip bomb" in r.stderr


def test_xml_entity_expansion_is_refused(tmp_path):
    src = _sample_xlsx(tmp_path)
    path = tmp_path / "laughs.xlsx"
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 9))
           + ']>')
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = lol.encode() + re.sub(rb"^<\?xml[^>]*\?>", b"", data)
            zout.writestr(item, data)
    r = gridxl("score", "yushui-2022", path, "-o", tmp_path / "o.csv")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "laughs.xlsx" in r.stderr


def test_huge_claimed_dimensions_read_quickly(tmp_path):
    src = _sample_xlsx(tmp_path)
    path = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            zout.writestr(item, data)
    got = read_table(path, SCHEME)
    assert len(got) == len(BASE)


def test_macro_workbook_is_read_for_values_only(tmp_path):
    path = tmp_path / "macro.xlsm"
    src = _sample_xlsx(tmp_path)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run, not kept")
    out = tmp_path / "o.csv"
    assert gridxl("score", "yushui-2022", path, "-o", out).returncode == 0
    assert pd.read_csv(out, encoding="utf-8-sig")["total"].tolist() == expected_scores()["total"].tolist()


# -- formula injection and never losing data -------------------------------------------------------
@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_unit_names_are_never_written_as_formulas(tmp_path, name):
    frame = BASE.copy()
    frame.loc[0, "unit"] = name
    src = write_csv(tmp_path, frame)
    assert gridxl("score", "yushui-2022", src, "-o", tmp_path / "o.csv").returncode == 0
    assert gridxl("score", "yushui-2022", src, "-o", tmp_path / "o.xlsx").returncode == 0
    first = (tmp_path / "o.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    assert first.startswith("'") or first.startswith("\"'")
    cell = openpyxl.load_workbook(tmp_path / "o.xlsx").active["A2"]
    assert cell.data_type == "s" and cell.value == name


def test_interrupted_write_keeps_the_previous_output(tmp_path, monkeypatch):
    from gridxl.io import outputs
    out = tmp_path / "scores.csv"
    out.write_text("previous results\n", encoding="utf-8")

    def boom(*a, **k):
        raise KeyboardInterrupt

    import pyarrow.csv
    monkeypatch.setattr(pyarrow.csv, "write_csv", boom)  # the CSV writer gridxl uses
    with pytest.raises(KeyboardInterrupt):
        outputs.write_table(BASE, out)
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temporary file left behind
