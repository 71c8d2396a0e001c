"""Error values (#DIV/0!, #N/A, #VALUE!) in a clerk's xlsx, which python-calamine reads as empty cells.

An error left in an input cell (a pasted formula that failed) must be refused as what it is, not scored
as a blank.  Calamine gives no sign of it, so the sheet part is searched once for cells of type ``e``:
a byte search decides whether any exist (most sheets have none), and only then is the part parsed.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL = re.compile(r"([A-Z]{1,3})([0-9]+)")
_ERROR_TYPE = re.compile(rb"""\bt\s*=\s*["']e["']""")


def _parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    book = etree.fromstring(zf.read("xl/workbook.xml"), _parser())
    rid = next((el.get(f"{{{_REL}}}id") for el in book.iter(f"{{{_MAIN}}}sheet") if el.get("name") == sheet), None)
    if rid is None:
        return None
    rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), _parser())
    target = next((el.get("Target") for el in rels.iter(f"{{{_PKG_REL}}}Relationship") if el.get("Id") == rid), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


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
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return {}
    if not _ERROR_TYPE.search(data):
        return {}
    found = {}
    root = etree.fromstring(data, _parser())
    for cell in root.iter(f"{{{_MAIN}}}c"):
        if cell.get("t") != "e":
            continue
        where = _position(cell.get("r"))
        value = cell.find(f"{{{_MAIN}}}v")
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
