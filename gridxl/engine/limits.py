"""Stated limits for reading workbooks in ``recalc`` and ``check``, each refused fast with a message.

(The checks of the layout a template records in its hidden sheet are :mod:`gridxl.workbook.limits`.)

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

from gridxl.i18n import _

from .cached_values import Package, col_letters

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
            raise LimitError(_("{path}, sheet {sheet!r}: {size:.0f} MiB of XML; gridxl reads sheets of at most "
                               "{limit} MiB; refused").format(path=pkg.path, sheet=sheet, size=info.file_size / 2**20,
                                                              limit=MAX_SHEET_BYTES // 2**20))
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
            raise LimitError(_("{path}: more than {limit:,} cells (sheet {sheet!r} and those before it); gridxl "
                               "recalculates and checks workbooks of at most {limit:,} cells; refused")
                             .format(path=pkg.path, limit=MAX_CELLS, sheet=sheet))


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
            raise LimitError(_("{path}, sheet {sheet!r}: a cell at row {row:,} / column {col:,}, beyond Excel's "
                               "last cell XFD{last}; the file is damaged; refused")
                             .format(path=pkg.path, sheet=sheet, row=rows, col=cols, last=MAX_ROW))


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
        raise LimitError(_("{path}: cannot recalculate: the fast engine does not read this workbook ({reason}), "
                           "and the formulas engine would have to hold {cells:,} cells (sheet {sheet!r} spans "
                           "A1:{corner}); its limit is {limit:,}. Remove what the fast engine cannot read "
                           "(whole-column references such as C:C, array formulas, far-away cells) and try again")
                         .format(path=pkg.path, reason=reason, cells=total, sheet=sheet,
                                 corner=f"{col_letters(cols)}{rows}", limit=FALLBACK_MAX_BOX))
