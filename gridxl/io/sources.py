"""Reading a clerk's file (CSV or xlsx) into a raw table, fast and within stated limits.

* CSV: the encoding is decided once for the whole file (UTF-8, with or without a
  BOM, else GB18030); the header row is found among the first lines; the body is
  parsed by pyarrow's CSV reader, which types clean number columns in C++ and
  leaves every other column as text for :mod:`gridxl.io.values` to judge.  TRUE/FALSE
  and dates are never guessed: they stay text.  A table pyarrow cannot parse
  (ragged rows) is read again by pandas, which pads short rows.
* xlsx/xlsm: the container is checked first (:mod:`gridxl.io.xlsx_safety`: zip bombs,
  DTDs, damaged parts), then python-calamine reads the cell values (never
  macros, never formulas: the cached values only).  Empty cells that only carry
  formatting do not count towards the size of a sheet.

Every limit is stated here and refused before the expensive work with a message
naming the limit.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gridxl.io.errors import InputError
from gridxl.i18n import _
from gridxl.io.xlsx_errors import error_cells, put_errors
from gridxl.io.xlsx_safety import check_container

MAX_CSV_BYTES = 1 << 30          # 1 GiB of text
MAX_CSV_ROWS = 5_000_000
MAX_XLSX_ROWS = 1_048_576        # Excel's own limit; the container limit bounds the work before that
MAX_COLS = 500
HEADER_SEARCH_ROWS = 15


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Where:
    """How to name a cell of the source in a message."""

    path: str
    sheet: str | None
    header_row: int  # 1-based row of the header in the file

    def cell(self, row_offset: int, col: int) -> str:
        row = self.header_row + 1 + row_offset
        if self.sheet is None:
            return _("{path}, line {row}, column {col}").format(path=self.path, row=row, col=col + 1)
        return _("{path}, sheet {sheet!r}, cell {cell}").format(path=self.path, sheet=self.sheet,
                                                                 cell=f"{column_letter(col)}{row}")


@dataclass
class Table:
    """A file's header cells and its body: one positional column per file column, row 0 right under the header."""

    headers: list
    body: pd.DataFrame
    where: Where


def decode_text(data: bytes) -> str | None:
    """Text of a file from a Chinese office: UTF-8 (with or without BOM), else GB18030; None if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _decode(path: Path, data: bytes) -> tuple[str, bytes | None]:
    """(text, the UTF-8 bytes without BOM, or None when the file was GB18030)."""
    try:
        text = data.decode("utf-8-sig")
        return text, data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), None
    except UnicodeDecodeError:
        raise InputError(_("{path}: not UTF-8 or GB18030 text").format(path=path)) from None


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError(_("{path}: no such file").format(path=path))
    if path.is_dir():
        raise InputError(_("{path}: is a folder, expected a .csv or .xlsx file").format(path=path))
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise InputError(_("{path}: {size:.0f} MiB, more than the {max_csv_bytes} MiB gridxl reads; refused "
                            "(split the file)").format(
                             path=path, size=size / 2**20, max_csv_bytes=MAX_CSV_BYTES >> 20))
    return path.read_bytes()


def _csv_head(path: Path, text: str) -> list[list[str]]:
    lines = []
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text[: 1 << 20], newline=""))):
            if n >= HEADER_SEARCH_ROWS:
                break
            lines.append(row)
    except csv.Error as exc:
        raise InputError(_("{path}: not a readable CSV table ({exc})").format(path=path, exc=exc)) from None
    return lines


def _check_csv_size(path: Path, text: str, width: int):
    rows = text.count("\n")
    if rows > MAX_CSV_ROWS:
        raise InputError(_("{path}: about {rows:,} lines, more than the {max_csv_rows:,} rows gridxl reads; "
                            "refused").format(
                             path=path, rows=rows, max_csv_rows=MAX_CSV_ROWS))
    if width > MAX_COLS:
        raise InputError(_("{path}: {width} columns, more than the {max_cols} gridxl reads; refused").format(
                             path=path, width=width, max_cols=MAX_COLS))


def _csv_body(path: Path, text: str, skip: int, width: int, data: bytes | None = None) -> pd.DataFrame:
    """Rows after the first ``skip`` lines as positional columns: numbers where clean, text elsewhere."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(j) for j in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data if data is not None else text.encode("utf-8")),
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=True, true_values=[],
                                                 false_values=[], timestamp_parsers=[]))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        table = None
    if table is not None:
        frame = table.to_pandas(split_blocks=True)  # one block per column: no copy into a 2-D block
        frame.columns = range(width)
        return frame
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, skiprows=skip, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, names=range(width))
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=range(width))
    except pd.errors.ParserError as exc:
        raise InputError(_("{path}: not a readable CSV table ({exc})").format(path=path, exc=exc)) from None
    return frame.replace("", None)


def _find_header(rows: list[list], wanted: set[str], normalise) -> int:
    """The first of the top rows that names the unit column or most fields (templates have titles above)."""
    best, best_hits = 0, -1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = {normalise(c) for c in row if isinstance(c, str)}
        hits = len(cells & wanted)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def read_csv_table(path: Path, wanted: set[str], normalise) -> Table:
    text, data = _decode(path, _read_bytes(path))
    head = _csv_head(path, text)
    if not head or not any(any(c.strip() for c in row) for row in head):
        raise InputError(_("{path}: the file is empty").format(path=path))
    header_at = _find_header(head, wanted, normalise)
    headers = head[header_at]
    width = max(len(r) for r in head)
    _check_csv_size(path, text, width)
    body = _csv_body(path, text, header_at + 1, width, data)
    return Table(headers, body, Where(str(path), None, header_at + 1))


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[list[list], str]:
    import python_calamine


    check_container(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for malformed parts
        raise InputError(_("{path}: cannot be read as an Excel workbook ({name}: {exc})").format(
                             path=path, name=type(exc).__name__, exc=exc)) from None
    names = book.sheet_names
    if sheet is not None:
        if sheet not in names:
            raise InputError(_("{path}: no sheet {sheet!r}; the sheets are {names}").format(
                                 path=path, sheet=sheet, names=', '.join(names)))
        name = sheet
    else:
        name = "录入" if "录入" in names else names[0]
    try:
        ws = book.get_sheet_by_name(name)
        height, width = (ws.end[0] + 1, ws.end[1] + 1) if ws.end else (0, 0)  # cells with values, from A1
        if width > MAX_COLS:
            raise InputError(_("{path}, sheet {name!r}: {width} columns, more than the {max_cols} gridxl reads; "
                                "refused").format(
                                 path=path, name=name, width=width, max_cols=MAX_COLS))
        if height > MAX_XLSX_ROWS:
            raise InputError(_("{path}, sheet {name!r}: more than {max_xlsx_rows:,} rows; refused").format(
                                 path=path, name=name, max_xlsx_rows=MAX_XLSX_ROWS))
        rows = put_errors(ws.to_python(skip_empty_area=False), error_cells(path, name))
    except InputError:
        raise
    except Exception as exc:
        raise InputError(_("{path}, sheet {name!r}: cannot be read ({name2}: {exc})").format(
                             path=path, name=name, name2=type(exc).__name__, exc=exc)) from None
    return rows, name


def _rows_frame(rows: list[list]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    if frame.shape[1] == 0:
        return frame
    return frame.where(frame != "", None)  # calamine gives '' for an empty cell


def read_xlsx_table(path: Path, sheet: str | None, wanted: set[str], normalise) -> Table:
    rows, name = _xlsx_rows(path, sheet)
    header_at = _find_header(rows, wanted, normalise) if rows else 0
    headers = list(rows[header_at]) if rows else []
    body = _rows_frame(rows[header_at + 1:])
    body = body.reindex(columns=range(max(len(headers), body.shape[1])))
    return Table(headers, body, Where(str(path), name, header_at + 1))


def _kind(path: Path) -> str:
    """'csv' or 'xlsx', after the checks every reader makes of the name it is given."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix not in (".xlsx", ".xlsm"):
        raise InputError(_("{path}: expected a .csv or .xlsx file, got {value!r}").format(
                             path=path, value=suffix or 'no extension'))
    if not path.exists():
        raise InputError(_("{path}: no such file").format(path=path))
    if path.is_dir():
        raise InputError(_("{path}: is a folder, expected a .csv or .xlsx file").format(path=path))
    return "xlsx"


def read_source(path: str | Path, sheet: str | None, wanted: set[str], normalise) -> Table:
    """The table of a .csv/.xlsx file with its header row found (``wanted``: normalised header names)."""
    path = Path(path)
    if _kind(path) == "csv":
        return read_csv_table(path, wanted, normalise)
    return read_xlsx_table(path, sheet, wanted, normalise)


def read_grid(path: str | Path, sheet: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """Every cell of the file with no header interpretation: (frame, sheet name or None)."""
    path = Path(path)
    if _kind(path) == "csv":
        text, data = _decode(path, _read_bytes(path))
        head = _csv_head(path, text)
        if not head:
            raise InputError(_("{path}: the file is empty").format(path=path))
        width = max(len(r) for r in head)
        _check_csv_size(path, text, width)
        return _csv_body(path, text, 0, width, data), None
    rows, name = _xlsx_rows(path, sheet)
    return _rows_frame(rows), name
