"""Values that used to be scored silently (issue 9): each is refused naming its cell, or normalised in
one documented way, in CSV and in xlsx. Each case backs a row of the README's bad-input table."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridxl.core import get_scheme, score_frame
from gridxl.core.scheme import FieldSpec
from gridxl.io.inputs import InputError, read_ballots, read_scheme_inputs, read_table
from gridxl.io.values import number_column, parse_number

from .conftest import SAMPLES

YUSHUI = get_scheme("yushui-2022")
BASE = pd.read_csv(SAMPLES / "yushui-2022.csv")
CHENGNAN = get_scheme("chengnan")
CHENGNAN_BASE = pd.read_csv(SAMPLES / "chengnan.csv")


def gridxl(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)


def as_csv(tmp_path, frame, name="in.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def as_xlsx(tmp_path, frame, edits=(), name="in.xlsx"):
    """The frame as sheet 录入 (header in row 1), then cell edits such as ("E3", True)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "录入"
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    for ref, value in edits:
        ws[ref] = value
    path = tmp_path / name
    wb.save(path)
    return path


def refusal(path, scheme=YUSHUI, **kw):
    with pytest.raises(InputError) as info:
        read_table(path, scheme, **kw)
    return str(info.value)


# -- TRUE/FALSE and dates in number cells --------------------------------------------------------
def test_truth_value_in_an_xlsx_number_cell_is_refused(tmp_path):
    msg = refusal(as_xlsx(tmp_path, BASE, [("D3", True)]))
    assert "cell D3 (网格员总数, gw_total): expected whole number >= 0 (TRUE/FALSE is not a number), got TRUE" in msg


def test_date_in_an_xlsx_number_cell_is_refused(tmp_path):
    # Excel turns a typed 3-5 into a date; the cell then holds a serial number formatted as a date
    msg = refusal(as_xlsx(tmp_path, BASE, [("C4", dt.datetime(2026, 3, 5))]))
    assert "cell C4 (当月上报事项数, events): expected" in msg and "holds a date" in msg and "2026-03-05" in msg


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#VALUE!"])
def test_an_error_value_in_an_xlsx_number_cell_is_refused_not_read_as_blank(tmp_path, error):
    # python-calamine reads an error cell as empty; a blank would be refused as "blank" or, in a field
    # that may be blank, scored as nothing — the clerk must see the error itself
    path = as_xlsx(tmp_path, BASE, [("C5", error)])
    wb = openpyxl.load_workbook(path)
    wb["录入"]["C5"].data_type = "e"
    wb.save(path)
    assert b't="e"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    msg = refusal(path)
    assert "cell C5 (当月上报事项数, events): expected" in msg and error in msg


def test_error_cells_are_found_with_any_namespace_prefix(tmp_path):
    # a file written with a prefixed main namespace and a cached error under a formula (as Excel keeps it)
    from gridxl.io.xlsx_errors import error_cells
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    path = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", f'<x:workbook xmlns:x="{main}" xmlns:r="{rel}"><x:sheets>'
                    f'<x:sheet name="录入" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels",
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId7" Type="worksheet" Target="/xl/worksheets/data.xml"/></Relationships>')
        zf.writestr("xl/worksheets/data.xml", f'<x:worksheet xmlns:x="{main}"><x:sheetData>\n'
                    '  <x:row r="2"><x:c r="B2" t = "e">\n <x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>'
                    '<x:c r="AA2" t="e"><x:v>#N/A</x:v></x:c><x:c r="C2"><x:v>5</x:v></x:c></x:row>'
                    '</x:sheetData></x:worksheet>')
    assert error_cells(path, "录入") == {(1, 1): "#DIV/0!", (1, 26): "#N/A"}
    assert error_cells(path, "其他") == {}


@pytest.mark.parametrize("raw,hint", [("TRUE", "TRUE/FALSE is not a number"), ("false", "TRUE/FALSE"),
                                      ("3-5", "holds a date"), ("2026/3/5", "holds a date"),
                                      ("5-Mar", "holds a date")])
def test_truth_values_and_dates_as_csv_text_are_refused(tmp_path, raw, hint):
    frame = BASE.astype(object)
    frame.loc[1, "events"] = raw
    msg = refusal(as_csv(tmp_path, frame))
    assert "line 3, column 3 (当月上报事项数, events): expected whole number >= 0" in msg and hint in msg
    assert repr(raw) in msg


# -- a numerator above its denominator ----------------------------------------------------------
def test_more_qualified_workers_than_workers_is_refused_in_csv(tmp_path):
    frame = BASE.copy()
    frame.loc[4, "gw_qualified"] = 300  # 300 qualified of 30 workers
    frame.loc[4, "gw_total"] = 30
    msg = refusal(as_csv(tmp_path, frame))
    assert "line 6, column 6" in msg  # gw_qualified is the 6th column
    assert "完成20件的网格员数 = 300 is more than 网格员总数 = 30 (a rate above 100%)" in msg


def test_more_overdue_than_new_events_is_refused_in_xlsx(tmp_path):
    col = openpyxl.utils.get_column_letter(BASE.columns.get_loc("overdue_events") + 1)
    new = int(BASE.loc[2, "new_events"])
    msg = refusal(as_xlsx(tmp_path, BASE, [(f"{col}4", new + 1)]))
    assert f"cell {col}4 (处理及时率): 当月新增事项总数-当月逾期事项总数 = -1 is below 0" in msg


def test_score_command_refuses_what_check_refuses(tmp_path):
    frame = BASE.copy()
    frame.loc[0, "special_visited"] = frame.loc[0, "special_total"] + 5
    r = gridxl("score", "yushui-2022", as_csv(tmp_path, frame), "-o", tmp_path / "o.csv")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "a rate above 100%" in r.stderr
    assert not (tmp_path / "o.csv").exists()


# -- rate columns read one way ------------------------------------------------------------------
def test_a_rate_column_of_percents_reads_98_as_98_percent(tmp_path):
    frame = CHENGNAN_BASE.copy()
    frame["closure_rate"] = (frame["closure_rate"] * 100).round(0)  # 97, 93, ...
    got = read_table(as_csv(tmp_path, frame), CHENGNAN)
    np.testing.assert_allclose(got["closure_rate"], (CHENGNAN_BASE["closure_rate"] * 100).round(0) / 100)


def test_a_rate_column_mixing_fractions_and_percents_is_refused(tmp_path):
    frame = CHENGNAN_BASE.copy()
    frame["closure_rate"] = (CHENGNAN_BASE["closure_rate"] * 100).round(0).astype(object)
    frame.loc[1, "closure_rate"] = 1  # today this 1 would have meant 100%; in a column of percents it is 1%?
    frame.loc[2, "closure_rate"] = 0.95
    msg = refusal(as_csv(tmp_path, frame), CHENGNAN)
    col = CHENGNAN_BASE.columns.get_loc("closure_rate") + 1
    assert f"line 3, column {col}" in msg and f"line 4, column {col}" in msg
    assert "writes percents (98 means 98%): type 1% or 100% to say which" in msg


def test_a_column_of_fractions_keeps_1_as_100_percent(tmp_path):
    frame = CHENGNAN_BASE.copy()
    frame.loc[0, "closure_rate"] = 1
    assert read_table(as_csv(tmp_path, frame), CHENGNAN).loc[0, "closure_rate"] == 1.0


def test_percent_signs_are_unambiguous_in_any_column(tmp_path):
    frame = CHENGNAN_BASE.copy()
    frame["closure_rate"] = (CHENGNAN_BASE["closure_rate"] * 100).round(0).astype(object)
    frame.loc[1, "closure_rate"] = "100%"
    assert read_table(as_csv(tmp_path, frame), CHENGNAN).loc[1, "closure_rate"] == 1.0


# -- grids of no unit, ballots marking twice ----------------------------------------------------
def test_grids_of_a_unit_not_in_the_unit_table_are_refused(tmp_path):
    scheme = get_scheme("dongying-2018")
    grids = pd.read_csv(SAMPLES / "dongying-2018-subunits.csv")
    grids.loc[3, "unit"] = "不存在镇"
    grids.loc[5, "unit"] = "也没有镇"
    sub = as_csv(tmp_path, grids, "grids.csv")
    with pytest.raises(InputError) as info:
        read_scheme_inputs(scheme, SAMPLES / "dongying-2018.csv", sub)
    msg = str(info.value)
    assert "grids.csv, line 5, column 1" in msg and "'不存在镇', which is not in the" in msg
    assert "line 7, column 1" in msg and "也没有镇" in msg


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_ballot_marking_one_person_twice_is_refused(tmp_path, kind):
    marks = pd.read_csv(SAMPLES / "minzhu-pingyi-ballots.csv")
    dup = marks.iloc[[0]].assign(mark=60)
    write = as_csv if kind == "csv" else as_xlsx
    path = write(tmp_path, pd.concat([marks, dup]), name=f"ballots.{kind}")
    with pytest.raises(InputError) as info:
        read_ballots(path, ["A", "B", "C"])
    first, line = marks.iloc[0], len(marks) + 2
    cell = f"line {line}, column 3" if kind == "csv" else f"cell C{line}"
    assert f"{cell}: ballot {first['ballot']!r} marks {first['unit']} twice" in str(info.value)


# -- two columns for one field ------------------------------------------------------------------
@pytest.mark.parametrize("kind,first,second", [("csv", "4", "19"), ("xlsx", "D", "S")])
def test_a_key_and_its_label_both_present_are_refused(tmp_path, kind, first, second):
    frame = BASE.copy()
    frame["网格员总数"] = frame["gw_total"] + 1
    msg = refusal((as_csv if kind == "csv" else as_xlsx)(tmp_path, frame))
    assert f"columns {first} ('gw_total') and {second} ('网格员总数') both feed 网格员总数 (gw_total)" in msg


def test_a_duplicated_header_is_refused_in_xlsx(tmp_path):
    frame = BASE.copy()
    path = as_xlsx(tmp_path, frame, [("S1", "events"), ("S2", 5)])
    msg = refusal(path)
    assert "columns C ('events') and S ('events') both feed 当月上报事项数 (events)" in msg


# -- invisible characters in unit names --------------------------------------------------------
@pytest.mark.parametrize("twin", ["罗坊镇\u200b", "\u00a0罗坊镇", "罗坊镇\u3000", "罗坊\u3000镇", "\ufeff罗坊镇"])
def test_unit_names_differing_only_by_invisible_characters_are_one_unit(tmp_path, twin):
    frame = pd.concat([BASE, BASE[BASE["unit"] == "罗坊镇"].assign(unit=twin)])
    msg = refusal(as_csv(tmp_path, frame))
    assert "unit '罗坊镇' appears twice" in msg


def test_invisible_characters_are_dropped_from_names(tmp_path):
    frame = BASE.copy()
    frame.loc[0, "unit"] = "\u200b" + frame.loc[0, "unit"] + "\u00a0"
    got = read_table(as_csv(tmp_path, frame), YUSHUI)
    assert got["unit"].tolist() == BASE["unit"].tolist()


# -- size limits -----------------------------------------------------------------------------
def test_a_very_wide_csv_is_refused_quickly(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{j}" for j in range(5000)) + "\n" + ",".join("1" for _ in range(5000)) + "\n")
    t0 = time.perf_counter()
    msg = refusal(path)
    assert "5000 columns, more than the 500 gridxl reads; refused" in msg
    assert time.perf_counter() - t0 < 5  # not a timing test of speed: a refusal must not parse the table first


def test_a_formatted_empty_cell_far_below_does_not_make_a_sheet_large(tmp_path):
    from openpyxl.styles import Font
    path = as_xlsx(tmp_path, BASE)
    wb = openpyxl.load_workbook(path)
    ws = wb["录入"]
    ws.cell(row=1_000_000, column=1).font = Font(bold=True)
    ws.cell(row=2, column=16_000).font = Font(bold=True)
    wb.save(path)
    got = read_table(path, YUSHUI)
    assert got["unit"].tolist() == BASE["unit"].tolist()


# -- the first problems are listed, then a count ------------------------------------------------
def test_many_problems_list_twenty_then_a_count(tmp_path):
    frame = pd.concat([BASE] * 10, ignore_index=True)
    frame["unit"] = [f"单位{i}" for i in range(len(frame))]
    frame = frame.astype(object)
    frame["events"] = "多"
    msg = refusal(as_csv(tmp_path, frame))
    assert msg.count("expected whole number >= 0, got '多'") == 20
    assert f"… and {len(frame) - 20} more" in msg


# -- the vectorised column reader agrees with a cell-by-cell reference --------------------------
def _reference(raw: str, spec: FieldSpec):
    """gridxl's cell rules written out one cell at a time (the reader before it was vectorised)."""
    import re
    import unicodedata
    text = re.sub(r"[\s\u00a0\u3000]", "", unicodedata.normalize("NFKC", raw))
    if text == "":
        return "blank"
    percent = text.endswith("%")
    text = text.rstrip("%")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        text = text.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        return None
    value = float(text)
    if percent:
        if spec.type != "rate":
            return None
        value /= 100
    lo, hi = spec.bounds()
    if spec.type == "count" and not value.is_integer():
        return None
    if lo is not None and value < lo or hi is not None and value > hi:
        return None
    return value


CELL = st.one_of(
    st.integers(-20, 5000).map(str),
    st.floats(-10, 10000, allow_nan=False).map(lambda x: f"{x:.3g}"),
    st.sampled_from(["１２３", "1,234", " 7 ", "7\u00a0", "12%", "９５％", "", "  ", "abc", "1e3", "+5", ".5",
                     "5.", "1,23", "3-5", "TRUE", "二十", "1.0", "-0", "12,345.5"]),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(CELL, min_size=1, max_size=12), kind=st.sampled_from(["count", "number", "score"]))
def test_vectorised_column_equals_cell_by_cell_reference(cells, kind):
    spec = FieldSpec("f", "字段", kind)
    values, reason = number_column(pd.Series(cells, dtype=object), spec, allow_blank=True)
    for cell, value, why in zip(cells, values, reason):
        want = _reference(cell, spec)
        if want == "blank":
            assert np.isnan(value) and why == 0, cell
        elif want is None:
            assert why != 0, cell
        else:
            assert why == 0 and value == want, cell


def test_single_cells_keep_their_readings():
    rate = FieldSpec("r", "完整率", "rate")
    assert parse_number("95%", rate) == (0.95, None)
    assert parse_number(95, rate) == (0.95, None)
    assert parse_number(1, rate) == (1.0, None)
    assert parse_number(True, FieldSpec("n", "数", "count"))[1] is not None


def test_scores_from_csv_and_xlsx_are_equal(tmp_path):
    a = score_frame(YUSHUI, read_table(as_csv(tmp_path, BASE), YUSHUI)).table
    b = score_frame(YUSHUI, read_table(as_xlsx(tmp_path, BASE), YUSHUI)).table
    pd.testing.assert_frame_equal(a, b)


def test_a_very_long_csv_is_refused_before_parsing(tmp_path, monkeypatch):
    from gridxl.io import sources
    monkeypatch.setattr(sources, "MAX_CSV_ROWS", 10)  # the real limit is 5,000,000 rows
    msg = refusal(as_csv(tmp_path, BASE))
    assert f"about {len(BASE) + 1:,} lines, more than the 10 rows gridxl reads; refused" in msg


def test_a_very_long_or_wide_sheet_is_refused(tmp_path, monkeypatch):
    from gridxl.io import sources
    path = as_xlsx(tmp_path, BASE)
    monkeypatch.setattr(sources, "MAX_XLSX_ROWS", 10)
    assert f"sheet '录入': more than 10 rows; refused" in refusal(path)
    monkeypatch.setattr(sources, "MAX_XLSX_ROWS", 1_048_576)
    monkeypatch.setattr(sources, "MAX_COLS", 5)
    assert f"sheet '录入': {len(BASE.columns)} columns, more than the 5 gridxl reads; refused" in refusal(path)


# -- the same classes in the other format: each value class is refused in CSV and in xlsx -------
def test_a_rate_column_mixing_fractions_and_percents_is_refused_in_xlsx(tmp_path):
    frame = CHENGNAN_BASE.copy()
    frame["closure_rate"] = (CHENGNAN_BASE["closure_rate"] * 100).round(0)
    col = openpyxl.utils.get_column_letter(CHENGNAN_BASE.columns.get_loc("closure_rate") + 1)
    msg = refusal(as_xlsx(tmp_path, frame, [(f"{col}3", 1), (f"{col}4", 0.95)]), CHENGNAN)
    assert f"cell {col}3" in msg and f"cell {col}4" in msg
    assert "writes percents (98 means 98%): type 1% or 100% to say which" in msg


def test_grids_of_a_unit_not_in_the_unit_table_are_refused_in_xlsx(tmp_path):
    scheme = get_scheme("dongying-2018")
    grids = pd.read_csv(SAMPLES / "dongying-2018-subunits.csv")
    sub = as_xlsx(tmp_path, grids, [("A5", "不存在镇")], "grids.xlsx")
    with pytest.raises(InputError) as info:
        read_scheme_inputs(scheme, SAMPLES / "dongying-2018.csv", sub)
    assert "cell A5" in str(info.value) and "'不存在镇', which is not in the" in str(info.value)


def test_a_duplicated_header_is_refused_in_csv(tmp_path):
    path = tmp_path / "dup.csv"
    text = BASE.to_csv(index=False).splitlines()
    path.write_text("\n".join([text[0] + ",events"] + [line + ",5" for line in text[1:]]) + "\n", encoding="utf-8")
    msg = refusal(path)
    assert f"columns 3 ('events') and {len(BASE.columns) + 1} ('events') both feed 当月上报事项数 (events)" in msg


@pytest.mark.parametrize("twin", ["罗坊镇\u200b", "\u00a0罗坊镇", "罗坊\u3000镇"])
def test_unit_names_differing_only_by_invisible_characters_are_one_unit_in_xlsx(tmp_path, twin):
    frame = pd.concat([BASE, BASE[BASE["unit"] == "罗坊镇"].assign(unit=twin)])
    assert "unit '罗坊镇' appears twice" in refusal(as_xlsx(tmp_path, frame))


def test_a_very_wide_sheet_is_refused_before_its_cells_are_read(tmp_path):
    path = as_xlsx(tmp_path, BASE)
    wb = openpyxl.load_workbook(path)
    for j in range(1, 5001):
        wb["录入"].cell(row=2, column=j, value=1)
    wb.save(path)
    assert "5000 columns, more than the 500 gridxl reads; refused" in refusal(path)
