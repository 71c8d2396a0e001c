"""Error values (#DIV/0!, #N/A, #VALUE!) in a clerk's xlsx, which python-calamine reads as empty cells.

An error left in an input cell (a pasted formula that failed) must be refused as what it is, not scored
as a blank.  Calamine gives no sign of it, so the sheet part is searched once for cells of type ``e``:
a byte search decides whether any exist (most sheets have none), and only then is the part parsed.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from gridxl.io.xml_parts import XmlPartError, parse_part, worksheet_parts

_CELL = re.compile(r"([A-Z]{1,3})([0-9]+)")
_ERROR_TYPE = re.compile(rb"""\bt\s*=\s*["']e["']""")
_RELS = "xl/_rels/workbook.xml.rels"


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    names = set(zf.namelist())
    book = parse_part(zf.read("xl/workbook.xml"), "xl/workbook.xml")
    rels = parse_part(zf.read(_RELS), _RELS) if _RELS in names else None
    return next((part for name, part, _ in worksheet_parts(book, rels, names) if name == sheet), None)


def _position(ref: str) -> tuple[int, int] | None:
    match = _CELL.fullmatch(ref or "")
    if not match:
        return None
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)) - 1, col - 1


def error_cells(path: str | Path, sheet: str) -> dict[tuple[int, int], str]:
    """{(row, column) 0-based: '#DIV/0!'} for every error-valued cell of ``sheet``; {} when it has none.

    The container has already passed :func:`gridxl.io.xlsx_safety.check_container`.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, sheet)
            if part is None or part not in zf.namelist():
                return {}
            data = zf.read(part)
    except (KeyError, zipfile.BadZipFile, XmlPartError):
        return {}
    if not _ERROR_TYPE.search(data):
        return {}
    found = {}
    try:
        root = parse_part(data, part)
    except XmlPartError:
        return {}  # the reader itself reports a damaged sheet
    for cell in root.iter("{*}c"):
        if cell.get("t") != "e":
            continue
        where = _position(cell.get("r"))
        value = cell.find("{*}v")
        if where is not None:
            found[where] = (value.text or "").strip() or "#N/A"
    return found


def put_errors(rows: list[list], errors: dict[tuple[int, int], str]) -> list[list]:
    """Write each error's text into the rows calamine gave (they held ''), so it is judged as text."""
    for (r, c), text in errors.items():
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        if len(row) <= c:
            row.extend([""] * (c + 1 - len(row)))
        row[c] = text
    return rows
