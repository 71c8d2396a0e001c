"""`score -o .xlsx`: the rows are worksheet XML built by pyarrow (gridxl/io/xlsx_table.py), not cell by cell.

The oracle is XlsxWriter writing the same table one cell at a time through its public API, both files
read back by openpyxl, by python-calamine and (slow tier) by LibreOffice: every cell the same value,
type and style — except where XlsxWriter is wrong, each with its own test: it keeps 16 of a double's
17 digits, and it writes a text shaped ``<r>…</r>`` as raw markup (a live formula, in an inline cell).
"""
from __future__ import annotations

import math
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from gridxl.cli import main as gridxl_main
from gridxl.io import xlsx_table
from gridxl.io.outputs import OutputError, write_table

from .conftest import SAMPLES
from .excel_helpers import soffice_or_skip
from .tiers import slow

MARKUP = '<r><t>a</t></r></is><f>1+1</f><is><r><t>b</t></r>'


def mixed_frame() -> pd.DataFrame:
    """Every kind of value a result table holds, and the texts XML and Excel treat specially."""
    return pd.DataFrame({
        "乡镇（街道）": ['a<&>"\'b\n', " 前导空格", "尾随全角空格\u3000", "_x0041_ 字面", "中文\t制表", "回车\r换行",
                    None, "&amp; 已转义", "单位9", "单位10"],
        "总分（100分）": [71.55, 1e-7, 1 / 3, 12345678.9, -0.0, np.nan, np.inf, 100.0, 0.0, 99.99],
        "名次": np.arange(1, 11, dtype=np.int64),
        "达标": [True, False] * 5,
        "混合": [1, "1", 2.5, None, True, pd.Timestamp("2026-01-02"), np.float64(3.25), np.nan, "", "文字"],
        "空列": [None] * 10,
    })


def written_by_xlsxwriter(frame: pd.DataFrame, path) -> None:
    """The oracle: XlsxWriter's public API, one cell at a time (blank for NaN, None and infinities)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    ws = book.add_worksheet("评分")
    bold = book.add_format({"bold": True})
    ws.write_row(0, 0, [str(c) for c in frame.columns], bold)
    ws.freeze_panes(1, 1)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                continue
            ws.write(i, j, str(v) if isinstance(v, pd.Timestamp) else (v.item() if hasattr(v, "item") else v))
    book.close()


def cells(path, data_only: bool = False) -> dict:
    ws = openpyxl.load_workbook(path, data_only=data_only).active
    return {c.coordinate: (c.value, c.data_type, bool(c.font.b)) for row in ws.iter_rows() for c in row
            if c.value is not None}


def test_cells_read_back_as_xlsxwriter_writes_them(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_table, "BATCH_ROWS", 3)  # four batches: the joins across batch ends count too
    frame = mixed_frame()
    write_table(frame, tmp_path / "ours.xlsx")
    written_by_xlsxwriter(frame, tmp_path / "oracle.xlsx")
    ours, oracle = cells(tmp_path / "ours.xlsx"), cells(tmp_path / "oracle.xlsx")
    assert ours == oracle
    assert ours["A2"] == ('a<&>"\'b\n', "s", False) and ours["A1"][2] is True
    assert ours["B3"] == (1e-7, "n", False) and ours["D2"] == (True, "b", False) and ours["E3"] == ("1", "s", False)
    assert "B8" not in ours and "A8" not in ours  # NaN, infinity and None: blank cells
    ws = openpyxl.load_workbook(tmp_path / "ours.xlsx").active
    assert (ws.title, ws.freeze_panes, ws.max_row, ws.max_column) == ("评分", "B2", 11, 6)
    fast = CalamineWorkbook.from_path(tmp_path / "ours.xlsx").get_sheet_by_index(0).to_python()
    slow_ = CalamineWorkbook.from_path(tmp_path / "oracle.xlsx").get_sheet_by_index(0).to_python()
    assert fast == slow_


def test_a_row_without_any_value_is_left_out_as_xlsxwriter_leaves_it(tmp_path):
    frame = pd.DataFrame({"单位": ["甲", None, "丙"], "分": [1.0, np.nan, 3.0]})
    write_table(frame, tmp_path / "ours.xlsx")
    xml = zipfile.ZipFile(tmp_path / "ours.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert '<row r="2">' in xml and '<row r="3"' not in xml and '<row r="4">' in xml
    assert cells(tmp_path / "ours.xlsx")["B4"] == (3.0, "n", False)


def test_every_digit_of_a_number_survives(tmp_path):
    values = [0.1 + 0.2, 2.0 ** 53, 1.2345678901234568e+17, 5e-324, 1.7976931348623157e308, 1 / 3, 0.07]
    frame = pd.DataFrame({"单位": [f"单位{i}" for i in range(len(values))], "值": values})
    write_table(frame, tmp_path / "ours.xlsx")
    read = [cells(tmp_path / "ours.xlsx")[f"B{i + 2}"][0] for i in range(len(values))]
    assert read == values  # exactly: the shortest text that reads back as the same double
    written_by_xlsxwriter(frame, tmp_path / "oracle.xlsx")  # XlsxWriter's %.16G drops the 17th digit
    assert cells(tmp_path / "oracle.xlsx")["B2"][0] == 0.3 != values[0]


def test_text_shaped_like_markup_stays_text(tmp_path):
    frame = pd.DataFrame({"单位": [MARKUP, "<r>乙</r>"], MARKUP: [1.0, 2.0]})  # a unit and a column name
    write_table(frame, tmp_path / "ours.xlsx")
    got = cells(tmp_path / "ours.xlsx")
    assert got["A2"] == (MARKUP, "s", False) and got["A3"] == ("<r>乙</r>", "s", False)
    assert got["B1"] == (MARKUP, "s", True)
    assert b"<f>" not in zipfile.ZipFile(tmp_path / "ours.xlsx").read("xl/worksheets/sheet1.xml")
    written_by_xlsxwriter(frame, tmp_path / "oracle.xlsx")  # what XlsxWriter alone makes of it: a formula
    assert cells(tmp_path / "oracle.xlsx")["A2"][1] == "f"


@pytest.mark.parametrize("constant_memory", [False, True])
def test_write_text_keeps_markup_as_text_in_shared_and_inline_strings(tmp_path, constant_memory):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    ws = book.add_worksheet("通报")
    bold = book.add_format({"bold": True})
    xlsx_table.write_text(ws, 0, 0, MARKUP, bold)
    xlsx_table.write_text(ws, 1, 0, "普通文字")
    book.close()
    got = cells(path)
    assert got["A1"][:2] == (MARKUP, "s") and got["A2"] == ("普通文字", "s", False)


def test_more_rows_than_a_sheet_holds_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_table, "MAX_ROWS", 6)  # Excel's 1,048,576, scaled down: the header and 5 rows
    frame = pd.DataFrame({"单位": [f"单位{i}" for i in range(6)], "分": np.arange(6.0)})
    write_table(frame.iloc[:5], tmp_path / "fits.xlsx")
    assert cells(tmp_path / "fits.xlsx")["A6"][0] == "单位4"
    with pytest.raises(OutputError) as err:
        write_table(frame, tmp_path / "too-long.xlsx")
    assert "too-long.xlsx" in str(err.value) and "6" in str(err.value) and ".csv" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fits.xlsx"]  # no output, no temporary file


def test_an_empty_table_is_its_header(tmp_path):
    write_table(pd.DataFrame({"单位": pd.Series([], dtype=object), "分": pd.Series([], dtype=float)}),
                tmp_path / "empty.xlsx")
    assert cells(tmp_path / "empty.xlsx") == {"A1": ("单位", "s", True), "B1": ("分", "s", True)}


def test_explained_scores_in_xlsx_are_the_csv_ones(tmp_path, monkeypatch):
    """The explanation columns come from pyarrow batches (joined pieces), the scores from the frame."""
    monkeypatch.setattr(xlsx_table, "BATCH_ROWS", 2)
    data = SAMPLES / "yushui-2022.csv"
    for name in ("scores.csv", "scores.xlsx"):
        assert gridxl_main(["score", "yushui-2022", str(data), "-o", str(tmp_path / name), "--explain"]) == 0
    csv = pd.read_csv(tmp_path / "scores.csv", encoding="utf-8-sig")  # headed by keys, the xlsx by labels
    rows = CalamineWorkbook.from_path(tmp_path / "scores.xlsx").get_sheet_by_index(0).to_python()
    xlsx = pd.DataFrame(rows[1:], columns=csv.columns)
    assert len(rows[0]) == len(csv.columns) and len(xlsx) == len(csv) == len(pd.read_csv(data))
    assert rows[0][-1] == "特殊人群走访计分说明" and csv.columns[-1] == "explain_special_visit_rate"
    explained = [c for c in csv.columns if c.startswith("explain_")]
    assert len(explained) == 10 and all(xlsx[c].tolist() == csv[c].tolist() for c in explained)
    numbers = [c for c in csv.columns if c not in explained and c != "unit"]
    assert (xlsx[numbers].astype(float).to_numpy() == csv[numbers].astype(float).to_numpy()).all()
    assert xlsx["unit"].tolist() == csv["unit"].tolist()


@slow
def test_libreoffice_reads_our_rows_as_it_reads_xlsxwriters(tmp_path):
    soffice_or_skip()
    from gridxl.workbook.libreoffice import convert

    frame = mixed_frame()
    frame.loc[len(frame)] = [MARKUP, 1.0, 11, True, "x", None]
    write_table(frame, tmp_path / "ours.xlsx")
    written_by_xlsxwriter(frame, tmp_path / "oracle.xlsx")
    ours, oracle = convert([tmp_path / "ours.xlsx", tmp_path / "oracle.xlsx"], tmp_path / "lo")
    a, b = cells(ours, data_only=True), cells(oracle, data_only=True)
    assert a["A12"] == (MARKUP, "s", False)  # LibreOffice shows the text …
    assert b["A12"][:2] == (2, "n")  # … where it runs XlsxWriter's markup as the formula =1+1
    a.pop("A12"), b.pop("A12")
    assert a == b


@pytest.mark.parametrize("explain", [False, True])
def test_the_table_prints_with_its_header_and_units_on_every_page(tmp_path, explain):
    data = SAMPLES / "yushui-2022.csv"
    out = tmp_path / "scores.xlsx"
    assert gridxl_main(["score", "yushui-2022", str(data), "-o", str(out), *(["--explain"] if explain else [])]) == 0
    ws = openpyxl.load_workbook(out).active
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$1", "$A:$A")
    assert bool(ws.sheet_properties.pageSetUpPr.fitToPage) is (not explain)  # scores one page wide; texts across pages
    assert ws["B1"].alignment.wrap_text and ws.row_dimensions[1].height >= 32  # two lines
    longest = max(len(u) for u in pd.read_csv(data)["unit"])
    assert ws.column_dimensions["A"].width >= 2 * longest  # the unit names fit
    if explain:
        first = next(c for c in ws[1] if c.value.endswith("计分说明"))  # openpyxl keys a run of columns by its first
        assert ws.column_dimensions[first.column_letter].width >= 60


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_two_columns_of_one_name_are_both_written_as_they_are(tmp_path, suffix):
    frame = pd.DataFrame([["甲", 1.5, "x"], ["乙", 2.5, "y"]], columns=["单位", "分", "分"])
    write_table(frame, tmp_path / f"out{suffix}")
    if suffix == ".csv":
        got = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig", header=None).values.tolist()
    else:
        got = CalamineWorkbook.from_path(tmp_path / "out.xlsx").get_sheet_by_index(0).to_python()
    assert [list(r) for r in got] == [["单位", "分", "分"], ["甲", "1.5" if suffix == ".csv" else 1.5, "x"],
                                      ["乙", "2.5" if suffix == ".csv" else 2.5, "y"]]


ESCAPE_LOOKALIKES = ["_x0041_x0042_", "_x005F_x0041_", "_x0041", "a_x00410_b", "__x0041__", "_x0041_"]


def calamine_column(path, j=0) -> list:
    return [r[j] for r in CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()[1:]]


def test_literal_escape_sequences_read_back_as_typed(tmp_path):
    # Excel stores a control character as _xHHHH_ and decodes every _xHHHH_ it reads; a typed one is
    # escaped as _x005F_ — each of them, so that _x0041_x0042_ is not read back as _x0041B (XlsxWriter's
    # rule escapes only the first). openpyxl does not decode inline strings: calamine and LibreOffice do.
    write_table(pd.DataFrame({"单位": ESCAPE_LOOKALIKES}), tmp_path / "ours.xlsx")
    assert calamine_column(tmp_path / "ours.xlsx") == ESCAPE_LOOKALIKES


@slow
def test_libreoffice_reads_literal_escape_sequences_as_typed(tmp_path):
    soffice_or_skip()
    from gridxl.workbook.libreoffice import convert

    write_table(pd.DataFrame({"单位": ESCAPE_LOOKALIKES}), tmp_path / "ours.xlsx")
    # as CSV: LibreOffice's own xlsx writer escapes only the first of _x0041_x0042_ (as XlsxWriter does)
    (saved,) = convert([tmp_path / "ours.xlsx"], tmp_path / "lo", to="csv:Text - txt - csv (StarCalc):44,34,76")
    assert saved.read_text(encoding="utf-8").split()[1:] == ESCAPE_LOOKALIKES


def test_the_cell_limit_counts_an_emoji_as_two(tmp_path):
    from gridxl.io.sheet_text import TextError
    write_table(pd.DataFrame({"单位": ["a" + "😀" * 16383]}), tmp_path / "fits.xlsx")  # 32,767 UTF-16 units
    assert cells(tmp_path / "fits.xlsx")["A2"][0] == "a" + "😀" * 16383
    with pytest.raises(TextError, match="32768 characters"):
        write_table(pd.DataFrame({"单位": ["😀" * 16384]}), tmp_path / "long.xlsx")
    assert not (tmp_path / "long.xlsx").exists()


def test_a_table_without_columns_is_an_empty_sheet(tmp_path):
    write_table(pd.DataFrame(index=range(3)), tmp_path / "none.xlsx")
    assert cells(tmp_path / "none.xlsx") == {}


def test_complex_numbers_are_written_as_their_text_not_cut_to_the_real_part(tmp_path):
    write_table(pd.DataFrame({"单位": ["甲"], "值": [1 + 2j]}), tmp_path / "c.xlsx")
    assert cells(tmp_path / "c.xlsx")["B2"] == ("(1+2j)", "s", False)


def test_a_batch_past_arrows_2_gib_is_built_in_halves(tmp_path, monkeypatch):
    real = xlsx_table._rows_xml_once
    sizes = []

    def capped(columns, start, stop):  # stands in for a batch of long texts: over 3 rows "passes 2 GiB"
        if stop - start > 3:
            raise xlsx_table.pa.ArrowCapacityError("array cannot contain more than 2147483646 bytes")
        sizes.append(stop - start)
        return real(columns, start, stop)
    monkeypatch.setattr(xlsx_table, "_rows_xml_once", capped)
    frame = pd.DataFrame({"单位": [f"单位{i}" for i in range(20)], "分": np.arange(20.0)})
    write_table(frame, tmp_path / "halves.xlsx")
    got = cells(tmp_path / "halves.xlsx")
    assert [got[f"A{i + 2}"][0] for i in range(20)] == frame["单位"].tolist() and sum(sizes) == 20


def test_zip64_only_when_the_sheet_needs_it(tmp_path, monkeypatch):
    frame = pd.DataFrame({"单位": [f"单位{i}" for i in range(50)], "分": np.arange(50.0)})
    write_table(frame, tmp_path / "small.xlsx")
    assert zip64_parts(tmp_path / "small.xlsx") == []
    # past zipfile's limit (scaled down) on a sheet whose first rows promised less: written again as ZIP64
    real = xlsx_table._write_package

    calls = []

    def limited(*args):
        calls.append(args[-1])  # zip64 or not
        limit = zipfile.ZIP64_LIMIT
        zipfile.ZIP64_LIMIT = 2000
        try:
            return real(*args)
        finally:
            zipfile.ZIP64_LIMIT = limit
    monkeypatch.setattr(xlsx_table, "_write_package", limited)
    write_table(frame, tmp_path / "big.xlsx")
    assert calls == [False, True] and "xl/worksheets/sheet1.xml" in zip64_parts(tmp_path / "big.xlsx")
    assert calamine_column(tmp_path / "big.xlsx") == frame["单位"].tolist()


def zip64_parts(path) -> list[str]:
    """The parts whose local header asks for ZIP64 (version needed 4.5), as Excel reads them."""
    import struct
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        out = []
        for info in z.infolist():
            z.fp.seek(info.header_offset)
            if struct.unpack("<4sH", z.fp.read(6))[1] >= 45:
                out.append(info.filename)
        return out


def test_the_re2_character_classes_are_their_python_twins():
    """pyarrow's kernels take RE2; the refusals (control characters, UTF-16 length) must not drift apart."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from gridxl.core.scheme_checks import CONTROL
    from gridxl.io.sheet_text import ASTRAL, ASTRAL_RE2, CONTROL_RE2
    chars = [chr(c) for c in [*range(0xD800), *range(0xE000, 0x10000), 0x10000, 0x1F600, 0x10FFFF]]
    arrow = pa.array(chars)
    assert pc.match_substring_regex(arrow, CONTROL_RE2).to_pylist() == [bool(CONTROL.search(c)) for c in chars]
    assert pc.match_substring_regex(arrow, ASTRAL_RE2).to_pylist() == [bool(ASTRAL.search(c)) for c in chars]
