"""A result table as one .xlsx worksheet: XlsxWriter writes the package, pyarrow writes the rows.

XlsxWriter takes one cell per Python call (about 6 µs a cell, 14 s for the 2.4 million cells of
100,000 explained units).  So XlsxWriter still writes the workbook — styles, the bold header row,
the frozen panes, the document properties — with one placeholder cell where the last row goes, and
the data rows are built here as worksheet XML, a batch of rows at a time, by pyarrow's string
kernels (C++ loops over rows), then spliced in place of the placeholder row while the package is
copied.  The rows are the XML XlsxWriter writes in constant-memory mode (inline strings; numbers in
their shortest exact form), and tests read both files back with openpyxl and LibreOffice to hold
them equal.

Every text here is an escaped inline string: nothing a unit, label or explanation holds becomes
markup or a formula.  (XlsxWriter itself writes a text that starts ``<r>`` and ends ``</r>`` as raw
rich-text markup — in a constant-memory sheet that makes ``<r></r></is><f>1+1</f>…`` a live
formula; :func:`write_text` is the way round it wherever gridxl writes a text with XlsxWriter.)
"""
from __future__ import annotations

import io
import numbers
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from gridxl.core.cells import value_types
from gridxl.i18n import _
from gridxl.io.sheet_text import ASTRAL_RE2, CONTROL_RE2, TEXT_MAX, TextError, check_text, display_width
from gridxl.io.text_columns import ArrowTexts

MAX_ROWS = 1_048_576  # rows of an Excel worksheet, the header row included
MAX_COLUMNS = 16_384
BATCH_ROWS = 1 << 15
_COMPRESS_LEVEL = 6  # zlib's default, as XlsxWriter's (level 1: 1 s faster on 100,000 explained rows, 25% larger)
_ZIP64_FROM = 1 << 30  # estimated sheet bytes from which its part is ZIP64 (zipfile's limit is 2 GiB)
_PLACEHOLDER = 987654321.125  # a number: its <v> is in the sheet part (a text would be in sharedStrings)
_PLACEHOLDER_XML = b"<v>987654321.125</v>"
_SHEET_PART = "xl/worksheets/sheet1.xml"
_WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
_CONTROL = r"[\x00-\x08\x0b-\x1f]"  # what Excel stores as _xHHHH_ (XlsxWriter's rule: CR too)
_EDGE_SPACE = r"^[\s\p{Zs}\x{85}\x{2028}\x{2029}]|[\s\p{Zs}\x{85}\x{2028}\x{2029}]$"  # Python's \s, in RE2


class TableTooLarge(ValueError):
    """More rows or columns than one worksheet holds."""


def write_text(ws, row: int, col: int, text: str, cell_format=None):
    """``ws.write_string``, except that a text shaped like rich-text markup (``<r>…</r>``) stays text.

    XlsxWriter passes such a string through unescaped; written as three plain runs it is escaped and
    reads back as exactly ``text``.
    """
    if text.startswith("<r>") and text.endswith("</r>"):
        return ws.write_rich_string(row, col, text[:1], text[1:2], text[2:], cell_format)
    return ws.write_string(row, col, text, cell_format)


def write_xlsx_table(path: Path, frame: pd.DataFrame, sheet: str, texts: dict | None = None, what: str = ""):
    """``frame`` (then the ``texts`` columns, name -> Texts) as the one sheet of a new workbook at ``path``."""
    texts = texts or {}
    names = [str(c) for c in frame.columns] + [str(t) for t in texts]
    rows = len(frame)
    if rows + 1 > MAX_ROWS:
        raise TableTooLarge(_("{what}: {rows:,} rows; an .xlsx sheet holds at most {limit:,} below its header — "
                              "write a .csv instead").format(what=what, rows=rows, limit=MAX_ROWS - 1))
    if len(names) > MAX_COLUMNS:
        raise TableTooLarge(_("{what}: {columns:,} columns; an .xlsx sheet holds at most {limit:,}").format(
            what=what, columns=len(names), limit=MAX_COLUMNS))
    for name, t in texts.items():
        if t.n != rows:  # a caller's mistake, not the user's: never cut or pad a column silently
            raise ValueError(f"texts column {name!r} has {t.n} rows, the table {rows}")
    stub = _package(names, rows, sheet, wide=len(frame.columns), first_width=_names_width(frame))
    if rows == 0 or not names:
        Path(path).write_bytes(stub)
        return
    from xlsxwriter.utility import xl_col_to_name

    letters = [xl_col_to_name(j) for j in range(len(names))]
    columns = [_Column.of_series(frame.iloc[:, j], letters[j]) for j in range(len(frame.columns))]  # names may repeat
    columns += [_Column.of_texts(ArrowTexts(t), letter, name, what)
                for (name, t), letter in zip(texts.items(), letters[len(frame.columns):])]
    _splice(stub, Path(path), lambda: _row_batches(columns, rows))


def _package(names: list[str], rows: int, sheet: str, wide: int, first_width: int) -> bytes:
    """The workbook XlsxWriter writes: header row, frozen panes and a placeholder in the last cell.

    Made to be read and printed as it opens: the unit column as wide as its longest name (a CJK
    character counts two, at most 24), each score column half its header's width with the header
    wrapped on two lines, the explanation columns (from ``wide`` on) wide; A4 landscape with the header
    row and the unit column on every page, the scores one page wide.
    """
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **_WORKBOOK_OPTIONS})
    try:
        ws = book.add_worksheet(sheet)
        bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        for j, name in enumerate(names):
            write_text(ws, 0, j, name, bold)
            ws.set_column(j, j, _width(j, name, wide, first_width))
        ws.set_row(0, 32)  # two lines of header
        ws.freeze_panes(1, 1)
        ws.set_landscape()  # printed: the header row and the unit column on every page
        ws.set_paper(9)  # A4
        ws.repeat_rows(0)
        ws.repeat_columns(0)
        if wide == len(names):  # scores only: one page wide; explanations print across pages instead
            ws.fit_to_pages(1, 0)
        if rows and names:
            ws.write_number(rows, len(names) - 1, _PLACEHOLDER)
    finally:
        book.close()
    return out.getvalue()


def _width(j: int, name: str, wide: int, first_width: int) -> int:
    if j >= wide:
        return 60
    if j == 0:
        return min(max(display_width(name), first_width) + 2, 24)
    return min(max(-(-display_width(name) // 2) + 2, 8), 16)


def _names_width(frame: pd.DataFrame) -> int:
    """The unit column's width: its longest text, counted as CJK (two per character)."""
    if not len(frame.columns) or not len(frame) or pd.api.types.is_numeric_dtype(frame.dtypes.iloc[0]):
        return 0
    longest = frame.iloc[:, 0].astype("string").str.len().max()
    return 0 if pd.isna(longest) else 2 * int(longest)


def _splice(stub: bytes, path: Path, batches):
    """Copy the stub package to ``path``, the placeholder row of its sheet replaced by ``batches()``.

    ZIP64 only when the sheet needs it (Excel is strict about ZIP64 headers on small parts): decided
    from the first batch's bytes a row; if the rows after it are longer still, the part is written
    again with ZIP64 (zipfile refuses an ordinary part past 2 GiB).
    """
    with zipfile.ZipFile(io.BytesIO(stub)) as src:
        parts = [(info, src.read(info)) for info in src.infolist()]
    head, tail = _around_placeholder(dict((i.filename, d) for i, d in parts)[_SHEET_PART])
    rows = batches()
    first, covered, total = next(rows)
    estimate = len(head) + len(tail) + len(first) / max(covered, 1) * total
    for zip64 in ([True] if estimate > _ZIP64_FROM else [False, True]):
        try:
            _write_package(path, parts, head, tail, first, rows, zip64)
            return
        except RuntimeError as exc:  # zipfile: "File size too large, try using force_zip64"
            if zip64 or "force_zip64" not in str(exc):
                raise
            rows = batches()
            first, _covered, _total = next(rows)


def _write_package(path: Path, parts, head: bytes, tail: bytes, first, rows, zip64: bool):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL) as dst:
        for info, data in parts:
            if info.filename != _SHEET_PART:
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            with dst.open(info.filename, "w", force_zip64=zip64) as part:  # the archive's method and level
                part.write(head)
                part.write(first)
                for chunk, _covered, _total in rows:
                    part.write(chunk)
                part.write(tail)


def _around_placeholder(sheet_xml: bytes) -> tuple[bytes, bytes]:
    at = sheet_xml.find(_PLACEHOLDER_XML)
    start = sheet_xml.rfind(b"<row ", 0, at)
    end = sheet_xml.find(b"</row>", at)
    if at < 0 or start < 0 or end < 0 or sheet_xml.count(_PLACEHOLDER_XML) != 1:  # pragma: no cover
        raise RuntimeError("XlsxWriter's sheet XML has no placeholder row where expected")
    return sheet_xml[:start], sheet_xml[end + len(b"</row>"):]


def _row_batches(columns: list["_Column"], rows: int):
    """(bytes, rows covered, all rows): the <row> elements for rows 2 .. rows+1, a batch at a time,
    the next batch built while one is written."""
    starts = list(range(0, rows, BATCH_ROWS))
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(_rows_xml, columns, starts[0], min(starts[0] + BATCH_ROWS, rows))
        for i, _start in enumerate(starts):
            chunks = pending.result()
            if i + 1 < len(starts):
                nxt = starts[i + 1]
                pending = pool.submit(_rows_xml, columns, nxt, min(nxt + BATCH_ROWS, rows))
            for chunk, covered in chunks:
                yield chunk, covered, rows


def _rows_xml(columns: list["_Column"], start: int, stop: int) -> list[tuple[memoryview, int]]:
    """(XML, rows) for the rows; a batch whose text passes Arrow's 2 GiB a string array is built in halves."""
    try:
        return [(_rows_xml_once(columns, start, stop), stop - start)]
    except pa.ArrowCapacityError:
        if stop - start < 2:
            raise
        mid = (start + stop) // 2
        return _rows_xml(columns, start, mid) + _rows_xml(columns, mid, stop)


def _rows_xml_once(columns: list["_Column"], start: int, stop: int) -> memoryview:
    numbers_ = pa.array(np.arange(start + 2, stop + 2, dtype=np.int64)).cast(pa.string())
    cells = [c.cells(start, stop, numbers_) for c in columns]
    row = pc.binary_join_element_wise('<row r="', numbers_, '">', *cells, "</row>", "",
                                      null_handling="replace", null_replacement="")
    present = None  # a row with no cell at all is left out, as XlsxWriter leaves it out
    for c in cells:
        valid = pc.is_valid(c)
        present = valid if present is None else pc.or_(present, valid)
    if not pc.all(present).as_py():
        row = row.filter(present)
    if not len(row):
        return memoryview(b"")
    _validity, offsets, data = row.buffers()  # the rows' bytes lie end to end in the data buffer: no copy
    ends = np.frombuffer(offsets, dtype=np.int32, count=len(row) + 1, offset=4 * row.offset)
    return memoryview(data)[int(ends[0]):int(ends[-1])]


class _Column:
    """One column's values as Arrow arrays by cell type: numbers, texts, booleans (null where another type)."""

    def __init__(self, letter: str, number=None, text=None, boolean=None, check=None):
        self.letter, self.number, self.text, self.boolean, self.check = letter, number, text, boolean, check

    @classmethod
    def of_series(cls, col: pd.Series, letter: str) -> "_Column":
        if pd.api.types.is_bool_dtype(col):
            return cls(letter, boolean=pa.array(col.to_numpy(dtype=object, na_value=None), type=pa.bool_()))
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_complex_dtype(col):
            return cls(letter, number=_finite(col.to_numpy(dtype=float, na_value=np.nan)))
        values = col.to_numpy(dtype=object, na_value=None)
        return cls(letter, **_by_type(values))

    @classmethod
    def of_texts(cls, texts: ArrowTexts, letter: str, name: str, what: str) -> "_Column":
        column = cls(letter, text=texts)

        def check(text, start):
            _check_batch(text, start, f"{what}, column {name}")
        column.check = check
        return column

    def _slice(self, array, start, stop):
        if isinstance(array, ArrowTexts):
            text = array.batch(start, stop)
            self.check(text, start)
            return text
        return array.slice(start, stop - start)

    def cells(self, start: int, stop: int, row_numbers) -> pa.Array:
        ref = f'<c r="{self.letter}'
        parts = []
        if self.number is not None:
            value = self._slice(self.number, start, stop)
            parts.append(pc.binary_join_element_wise(ref, row_numbers, '"><v>', value.cast(pa.string()),
                                                     "</v></c>", ""))
        if self.text is not None:
            text = self._slice(self.text, start, stop)
            text = pc.if_else(pc.greater(pc.binary_length(text), 0), text, pa.scalar(None, pa.string()))
            parts.append(_text_cells(ref, row_numbers, text))  # "" is a blank cell, as XlsxWriter writes it
        if self.boolean is not None:
            value = pc.if_else(self._slice(self.boolean, start, stop), "1", "0")
            parts.append(pc.binary_join_element_wise(ref, row_numbers, '" t="b"><v>', value, "</v></c>", ""))
        return parts[0] if len(parts) == 1 else pc.coalesce(*parts)


def _text_cells(ref: str, row_numbers, text) -> pa.Array:
    """Inline string cells, escaped as Excel reads them: _xHHHH_ for control characters, then XML entities."""
    # a literal _x0041_ stays literal; every _xHHHH is escaped, so that _x0041_x0042_ does too
    text = pc.replace_substring_regex(text, r"_(x[0-9a-fA-F]{4})", r"_x005F_\1")
    if pc.any(pc.match_substring_regex(text, _CONTROL)).as_py():
        for code in [*range(0x00, 0x09), *range(0x0B, 0x20)]:
            text = pc.replace_substring(text, chr(code), f"_x{code:04X}_")
    text = pc.replace_substring(text, "\ufffe", "_xFFFE_")
    text = pc.replace_substring(text, "\uffff", "_xFFFF_")
    preserve = pc.if_else(pc.match_substring_regex(text, _EDGE_SPACE), ' xml:space="preserve"', "")
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, char, entity)
    return pc.binary_join_element_wise(ref, row_numbers, '" t="inlineStr"><is><t', preserve, ">", text,
                                       "</t></is></c>", "")


def _check_batch(text, start: int, what: str):
    """An explanation that a cell cannot hold (no such text is expected: the words come from the scheme)."""
    length = pc.utf8_length(text)
    if pc.any(pc.greater(length, TEXT_MAX // 2)).as_py():  # Excel counts UTF-16 units: an emoji is two
        length = pc.add(length, pc.count_substring_regex(text, ASTRAL_RE2))
    bad = pc.or_(pc.match_substring_regex(text, CONTROL_RE2), pc.greater(length, TEXT_MAX))
    bad = pc.fill_null(bad, False)
    if pc.any(bad).as_py():
        i = int(np.flatnonzero(bad.to_numpy(zero_copy_only=False))[0])
        check_text(text[i].as_py(), f"{what}, row #{start + i + 1}")
        raise TextError(f"{what}, row #{start + i + 1}")  # pragma: no cover - check_text raised


def _finite(values: np.ndarray) -> pa.Array:
    """Numbers for <v>; NaN and the infinities (which a cell cannot hold) are left blank."""
    return pa.array(values, mask=~np.isfinite(values), type=pa.float64())


def _by_type(values: np.ndarray) -> dict:
    """An object column split by the type of each value (one pass per type present, not per value)."""
    n = len(values)
    codes, types = value_types(values)
    number = np.full(n, np.nan)
    text = np.full(n, None, dtype=object)
    boolean = np.full(n, None, dtype=object)
    found = set()
    for k, t in enumerate(types):
        at = codes == k
        if issubclass(t, str):
            text[at] = values[at]
            found.add("text")
        elif issubclass(t, (bool, np.bool_)):
            boolean[at] = values[at].astype(bool)
            found.add("boolean")
        elif issubclass(t, numbers.Number) and not issubclass(t, complex):
            number[at] = values[at].astype(float)
            found.add("number")
        elif t is type(None) or t is type(pd.NA) or t is type(pd.NaT):
            continue
        else:  # dates and the like: shown as their text, as a CSV would show them
            text[at] = [str(v) for v in values[at]]
            found.add("text")
    out = {}
    if "number" in found:
        out["number"] = _finite(number)
    if "text" in found or not found:
        out["text"] = pa.array(text, type=pa.string())
    if "boolean" in found:
        out["boolean"] = pa.array(boolean, type=pa.bool_())
    return out
