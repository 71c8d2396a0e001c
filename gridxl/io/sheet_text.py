"""Text that goes into a workbook stays text.

openpyxl turns any string that starts with ``=`` into a formula, so a scheme
label ``=HYPERLINK(…)`` or a unit named ``=1+1`` would become live code in a
clerk's workbook.  Writers therefore never decide cell by cell: a formula is
written with :func:`formula_cell` (which records it), everything else is
written as usual, and :func:`seal_text` — called once on the whole workbook
before it is saved — turns every formula cell that was *not* recorded back
into a string cell.  One rule for every writer (template, layout sheet,
bulletin, history), so a writer added later cannot forget it.

Also here: what Excel cannot hold (control characters, sheet names), checked
before any output is written.
"""
from __future__ import annotations

import re
import unicodedata
import weakref

_RECORDED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

from gridxl.core.scheme_checks import CONTROL, SHEET_FORBIDDEN  # one rule for scheme files and options

SHEET_MAX = 31
TEXT_MAX = 32767  # characters in one Excel cell
FORMULA_MAX = 8192  # characters in one Excel formula


class TextError(ValueError):
    """Text that a workbook cannot hold; the message names the option or field."""


def formula_cell(ws, row: int, column: int, formula: str):
    """Write ``formula`` (with or without its leading '=') as a formula cell and record it as one."""
    text = formula if formula.startswith("=") else "=" + formula
    if len(text) > FORMULA_MAX:
        raise TextError(f"sheet {ws.title!r}, cell {ws.cell(row=row, column=column).coordinate}: the formula is "
                        f"{len(text)} characters; Excel holds at most {FORMULA_MAX} — simplify the rule or split it")
    cell = ws.cell(row=row, column=column)
    cell.value = text
    _RECORDED.setdefault(ws, set()).add((row, column))
    return cell


def seal_text(wb) -> int:
    """Every formula cell of ``wb`` not written by :func:`formula_cell` becomes a string cell.

    Returns how many cells were turned back into text.
    """
    sealed = 0
    for ws in wb.worksheets:
        recorded = _RECORDED.get(ws, set())
        cells = getattr(ws, "_cells", None)
        items = cells.items() if cells is not None else (((c.row, c.column), c) for row in ws.iter_rows()
                                                          for c in row)
        for key, cell in items:
            if cell.data_type == "f" and key not in recorded:
                cell.data_type = "s"
                sealed += 1
    return sealed


def check_text(value, what: str) -> str:
    """``value`` if a workbook cell can hold it; a TextError naming ``what`` otherwise."""
    text = "" if value is None else str(value)
    bad = CONTROL.search(text)
    if bad:
        raise TextError(f"{what} {_show(text)}: contains the control character U+{ord(bad.group()):04X}, "
                        f"which Excel cannot store; remove it")
    if utf16_length(text) > TEXT_MAX:
        raise TextError(f"{what}: {utf16_length(text)} characters (an emoji counts two); an Excel cell holds at "
                        f"most {TEXT_MAX}")
    return text


def check_sheet_name(name: str, what: str) -> str:
    """``name`` if Excel accepts it as a sheet name; a TextError naming ``what`` otherwise."""
    check_text(name, what)
    bad = SHEET_FORBIDDEN.search(name)
    if bad:
        raise TextError(f"{what} {_show(name)}: a sheet name cannot contain {bad.group()!r} "
                        f"(Excel forbids / \\ ? * [ ] :)")
    if not name.strip() or name.startswith("'") or name.endswith("'"):
        raise TextError(f"{what} {_show(name)}: not a usable sheet name (blank, or starts/ends with ')")
    if len(name) > SHEET_MAX:
        raise TextError(f"{what} {_show(name)}: {len(name)} characters; a sheet name holds at most {SHEET_MAX}")
    return name


ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
# the same two classes in RE2's syntax, for pyarrow's kernels (tests hold each equal to its twin)
CONTROL_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{fffe}\x{ffff}]"
ASTRAL_RE2 = r"[\x{10000}-\x{10FFFF}]"


def utf16_length(text: str) -> int:
    """The length Excel counts (UTF-16 units): a character beyond U+FFFF, such as an emoji, is two."""
    n = len(text)
    return n if n <= TEXT_MAX // 2 else n + len(ASTRAL.findall(text))


def display_width(text) -> int:
    """Characters as Excel column widths count them: CJK and full-width ones count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _show(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "…")


def check_texts(values, what: str) -> None:
    """Every text of ``values`` (unit names, a column) fits a cell; a TextError naming the first that does not."""
    for i, v in enumerate(values):
        if isinstance(v, str) and (CONTROL.search(v) or utf16_length(v) > TEXT_MAX):
            check_text(v, f"{what} #{i + 1}")


def check_frame_texts(frame, what: str) -> None:
    """The text columns of a table (as `score` writes it) fit the cells of a workbook."""
    import pandas as pd

    for j, col in enumerate(frame.columns):  # by position: two columns may share a name
        if pd.api.types.is_numeric_dtype(frame.iloc[:, j]):
            continue
        text = frame.iloc[:, j].astype("string")  # one vectorised look per column, no loop over rows
        length = text.str.len()
        if (length > TEXT_MAX // 2).any():  # Excel counts UTF-16 units: a character beyond U+FFFF is two
            length = length + text.str.count(ASTRAL.pattern)
        bad = (text.str.contains(CONTROL.pattern, regex=True) | (length > TEXT_MAX)).fillna(False)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            check_text(text.iloc[i], f"{what}, column {col}, row #{i + 1}")
