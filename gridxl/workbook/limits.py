"""Stated limits for reading workbooks in ``recalc`` and ``check``, each refused fast with a message.

The goal (issue 10): any input under 10 MB is handled in under 1 GB and 60 s, or refused.

=========================  ==============  ===============================================
what                       limit           why
=========================  ==============  ===============================================
bytes, all parts           200 MiB         :mod:`gridxl.io.xlsx_safety` (zip bombs, ratio 200x)
sheet XML, one sheet       120 MiB         read whole by the cell reader
cells with a value or      800,000         under 1 GB even when every cell is distinct text
formula, whole workbook                    (a 10,000-unit template holds about 530,000)
rows, columns              1,048,576 ×     Excel's own sheet size; a cell beyond it is a
                           16,384          damaged or hostile file
formulas engine (fallback) 400,000 cells   it allocates the whole box from A1 to the last
                           in the boxes    cell: 1,000,000 cells take 1.5 GB and a minute
=========================  ==============  ===============================================
"""
from __future__ import annotations

import re

from gridxl.workbook.cached_values import Package, col_letters

MAX_SHEET_BYTES = 120 * 2**20
MAX_CELLS = 800_000
MAX_ROW = 1_048_576
MAX_COL = 16_384
FALLBACK_MAX_BOX = 400_000
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


class LimitError(ValueError):
    """A workbook beyond a stated limit; the message names the sheet and the limit."""


def check_workbook_size(pkg: Package) -> None:
    """Bytes and cell count of every sheet, counted from the compressed stream before the cells are read."""
    total = 0
    for sheet in pkg.sheet_names:
        info = pkg.zip.getinfo(pkg.sheet_parts[sheet])
        if info.file_size > MAX_SHEET_BYTES:
            raise LimitError(f"{pkg.path}, sheet {sheet!r}: {info.file_size / 2**20:.0f} MiB of XML; gridxl reads "
                             f"sheets of at most {MAX_SHEET_BYTES // 2**20} MiB; refused")
        buf, prefixed = b"", None
        with pkg.zip.open(info) as stream:
            while chunk := stream.read(1 << 20):
                buf += chunk
                if prefixed is None:  # <x:worksheet …>: count with the pattern, else plain counting is faster
                    prefixed = re.search(rb"<\w+:worksheet", buf[:4000]) is not None
                cut = buf.rfind(b"<")  # a tag starts at '<' and holds no other: none is cut in two
                if cut > 0:
                    total += _count_cells(buf[:cut], prefixed)
                    buf = buf[cut:]
        total += _count_cells(buf, bool(prefixed))
        if total > MAX_CELLS:
            raise LimitError(f"{pkg.path}: more than {MAX_CELLS:,} cells (sheet {sheet!r} and those before it); "
                             f"gridxl recalculates and checks workbooks of at most {MAX_CELLS:,} cells; refused")


def _count_cells(data: bytes, prefixed: bool) -> int:
    if prefixed:
        return len(_CELL_TAG.findall(data))
    return sum(data.count(tag) for tag in (b"<c ", b"<c>", b"<c/", b"<c\n", b"<c\t", b"<c\r"))


def check_sheet_bounds(pkg: Package) -> None:
    """No cell beyond Excel's last row and column (a damaged or hostile file)."""
    for sheet in pkg.sheet_names:
        cells = pkg.cells(sheet)
        rows = max(int(cells.rows.max(initial=0)), int(cells.f_rows.max(initial=0)))
        cols = max(int(cells.cols.max(initial=0)), int(cells.f_cols.max(initial=0)))
        if rows > MAX_ROW or cols > MAX_COL:
            raise LimitError(f"{pkg.path}, sheet {sheet!r}: a cell at row {rows:,} / column {cols:,}, beyond "
                             f"Excel's last cell XFD{MAX_ROW}; the file is damaged; refused")


def check_fallback_box(pkg: Package, reason: str) -> None:
    """The formulas engine reads every cell from A1 to the last one: refuse a box it cannot hold."""
    boxes = {}
    for sheet in pkg.sheet_names:
        cells = pkg.cells(sheet)
        rows = max(int(cells.rows.max(initial=0)), int(cells.f_rows.max(initial=0)))
        cols = max(int(cells.cols.max(initial=0)), int(cells.f_cols.max(initial=0)))
        boxes[sheet] = (rows, cols)
    total = sum(r * c for r, c in boxes.values())
    if total > FALLBACK_MAX_BOX:
        sheet, (rows, cols) = max(boxes.items(), key=lambda kv: kv[1][0] * kv[1][1])
        raise LimitError(f"{pkg.path}: cannot recalculate: the fast engine does not read this workbook ({reason}), "
                         f"and the formulas engine would have to hold {total:,} cells (sheet {sheet!r} spans "
                         f"A1:{col_letters(cols)}{rows}); its limit is {FALLBACK_MAX_BOX:,}. Remove what the fast "
                         f"engine cannot read (whole-column references such as C:C, array formulas, far-away "
                         f"cells) and try again")


# -- the hidden layout sheet (_gridxl) of a template ----------------------------------------------
def _damaged(pkg, meta: str, where: str, what: str) -> LimitError:
    return LimitError(f"{pkg.path}: the hidden {meta} sheet is damaged ({where}: {what}); gridxl cannot trust "
                      f"the layout it records — make the template again with `gridxl template`")


def layout_number(pkg, row: int, col: int, value, meta: str = "_gridxl") -> int:
    """A whole number recorded in the layout sheet, or a LimitError naming its cell."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or \
            not float(value).is_integer() or not 0 <= value <= MAX_ROW:
        raise _damaged(pkg, meta, f"{col_letters(col)}{row}", f"expected a row count or row number, got {value!r}")
    return int(value)


def layout_column(pkg, row: int, value, meta: str = "_gridxl") -> int:
    """A column (letters) recorded in the layout sheet, or a LimitError naming its cell."""
    from gridxl.workbook.cached_values import col_number
    text = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{1,3}", text) or col_number(text) > MAX_COL:
        raise _damaged(pkg, meta, f"B{row}", f"expected a column such as C, got {value!r}")
    return col_number(text)


def check_layout_bounds(layout, pkg, meta: str) -> None:
    """Rows and columns the layout names lie within the cells the workbook really holds."""
    rows = cols = 0
    for sheet in pkg.sheet_names:
        if sheet == meta:
            continue
        cells = pkg.cells(sheet)
        rows = max(rows, int(cells.rows.max(initial=0)), int(cells.f_rows.max(initial=0)))
        cols = max(cols, int(cells.cols.max(initial=0)), int(cells.f_cols.max(initial=0)))
    for what, n in (("unit_rows", layout.unit_rows), ("subunit_rows", layout.subunit_rows)):
        if n > rows:
            raise _damaged(pkg, meta, what, f"{n:,} rows recorded, but the workbook's cells end at row {rows:,}")
    for sheet, (first, last) in layout.sheet_rows.items():
        if not 1 <= first <= last + 1 or last > rows:
            raise _damaged(pkg, meta, f"sheet {sheet}", f"rows {first}..{last} recorded, but the workbook's cells "
                                                        f"end at row {rows:,}")
    for (sheet, role, key), col in layout.columns.items():
        if col > max(cols, 1):
            raise _damaged(pkg, meta, f"sheet {sheet}, {role} {key}",
                           f"column {col_letters(col)} recorded, beyond the last column in use "
                           f"({col_letters(max(cols, 1))})")
