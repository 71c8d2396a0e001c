"""The layout a template records in its hidden sheet (_gridxl), checked before gridxl trusts it.

Every row count, row number and column the layout names is a whole number within the cells the
workbook really holds, else a :class:`~gridxl.engine.limits.LimitError` naming the cell.  (The limits
of any workbook — bytes, cells, Excel's last cell — are :mod:`gridxl.engine.limits`.)
"""
from __future__ import annotations

import re

from gridxl.engine.cached_values import col_letters, col_number
from gridxl.engine.limits import MAX_COL, MAX_ROW, LimitError
from gridxl.io.xlsx_safety import TEMPLATE_SHEET

__all__ = ["LimitError", "check_layout_bounds", "layout_column", "layout_number"]


def _damaged(pkg, meta: str, where: str, what: str) -> LimitError:
    return LimitError(f"{pkg.path}: the hidden {meta} sheet is damaged ({where}: {what}); gridxl cannot trust "
                      f"the layout it records — make the template again with `gridxl template`")


def layout_number(pkg, row: int, col: int, value, meta: str = TEMPLATE_SHEET) -> int:
    """A whole number recorded in the layout sheet, or a LimitError naming its cell."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or \
            not float(value).is_integer() or not 0 <= value <= MAX_ROW:
        raise _damaged(pkg, meta, f"{col_letters(col)}{row}", f"expected a row count or row number, got {value!r}")
    return int(value)


def layout_column(pkg, row: int, value, meta: str = TEMPLATE_SHEET) -> int:
    """A column (letters) recorded in the layout sheet, or a LimitError naming its cell."""
    text = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{1,3}", text) or col_number(text) > MAX_COL:
        raise _damaged(pkg, meta, f"B{row}", f"expected a column such as C, got {value!r}")
    return col_number(text)


DELETED_ROWS = 1000


def check_layout_bounds(layout, pkg, meta: str) -> None:
    """Rows and columns the layout names lie within the cells the workbook really holds."""
    rows = cols = 0
    for sheet in pkg.sheet_names:
        if sheet == meta:
            continue
        cells = pkg.cells(sheet)
        rows = max(rows, int(cells.rows.max(initial=0)), int(cells.f_rows.max(initial=0)))
        cols = max(cols, int(cells.cols.max(initial=0)), int(cells.f_cols.max(initial=0)))
    limit = rows + DELETED_ROWS  # rows a clerk deleted from a full sheet end it sooner than the layout says
    for what, n in (("unit_rows", layout.unit_rows), ("subunit_rows", layout.subunit_rows)):
        if n > limit:
            raise _damaged(pkg, meta, what, f"{n:,} rows recorded, but the workbook's cells end at row {rows:,}")
    for sheet, (first, last) in layout.sheet_rows.items():
        if not 1 <= first <= last + 1 or last > limit:
            raise _damaged(pkg, meta, f"sheet {sheet}", f"rows {first}..{last} recorded, but the workbook's cells "
                                                        f"end at row {rows:,}")
    for (sheet, role, key), col in layout.columns.items():
        if col > max(cols, 1):
            raise _damaged(pkg, meta, f"sheet {sheet}, {role} {key}",
                           f"column {col_letters(col)} recorded, beyond the last column in use "
                           f"({col_letters(max(cols, 1))})")
