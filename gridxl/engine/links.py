"""Workbooks that reach outside themselves are refused before any formula is computed.

A formula such as ``[1]Sheet1!A1`` or ``'C:\\data\\[other.xlsx]Sheet1'!A1`` reads another file, a
DDE call (``=cmd|' /C calc'!A0``) or ``WEBSERVICE`` another program or the network.  gridxl
opens no file other than the one it was given, so ``recalc`` and ``check`` refuse such a
workbook with the sheet and cell named, and the fallback engine (``formulas.ExcelModel``, which
would try to load linked books) is never reached.
"""
from __future__ import annotations

import re

from gridxl.i18n import _

from .cached_values import Package, cell_name

_STRING = re.compile(r'"(?:[^"]|"")*"')
# [1]Sheet1!A1, '[1]My sheet'!A1, [book.xlsx]Sheet1!A1, 'C:\x\[book.xlsx]S'!A1, [1]!Name — not Table1[Column]
_EXTERNAL = re.compile(r"\[[^\[\]]+\][^!\[\]'(),;+\-*/&=<>^]*'?!")
_REACHING = re.compile(r"(?<![\w.])(WEBSERVICE|RTD|CALL|REGISTER\.ID|REGISTER|EXEC)\s*\(", re.I)
_DDE = re.compile(r"[\w.]+\|")
_MARKS = ("[", "|", "WEBSERVICE", "RTD", "CALL", "REGISTER", "EXEC")  # what every match above contains


def _maybe(text: str) -> bool:
    """A quick look (plain substring search, megabytes per millisecond) before the regular expressions."""
    text = text.upper()
    return any(mark in text for mark in _MARKS)


class LinkError(ValueError):
    """The workbook refers to another file or program; the message names the sheet and cell."""


def outside_reference(formula: str) -> str | None:
    """What in ``formula`` reaches outside the workbook, or None."""
    code = _STRING.sub('""', formula)
    m = _EXTERNAL.search(code)
    if m:
        return _("refers to another workbook ({text}…)").format(text=m.group())
    m = _DDE.search(code)
    if m:
        return _("calls another program through DDE ({text}…)").format(text=m.group())
    m = _REACHING.search(code)
    if m:
        return _("calls {name}(), which reaches outside the workbook").format(name=m.group(1).upper())
    if re.search(r"(?<![\w.])INDIRECT\s*\(", code, re.I) and any("[" in s for s in _STRING.findall(formula)):
        return _("builds a reference to another workbook with INDIRECT")
    return None


def advice() -> str:
    return _("gridxl opens no file other than the one named; in Excel use 数据 → 编辑链接 → 断开链接 "
             "(Data → Edit Links → Break Link) to keep the values, save, and try again")


def refuse_outside_references(pkg: Package) -> None:
    """LinkError if the workbook has external link parts, or a formula or defined name reaching outside."""
    links = sorted(n for n in pkg.zip.namelist() if n.startswith("xl/externalLinks/") and n.endswith(".xml"))
    if links:
        targets = []
        for name in pkg.zip.namelist():
            if name.startswith("xl/externalLinks/_rels/"):
                targets += re.findall(r'Target="([^"]*)"', pkg.zip.read(name).decode("utf-8", "replace"))
        shown = ", ".join(targets[:3]) if targets else ", ".join(links[:3])
        raise LinkError(_("{path}: links to other files ({files}); {advice}").format(path=pkg.path, files=shown,
                                                                                    advice=advice()))
    for name, text in pkg.defined_names.items():
        why = outside_reference(text)
        if why:
            raise LinkError(_("{path}: the defined name {name!r} {why}; {advice}").format(
                path=pkg.path, name=name, why=why, advice=advice()))
    for sheet in pkg.sheet_names:
        cells = pkg.cells(sheet)
        if not _maybe("\n".join(t for t in set(cells.f_text) if t)):
            continue  # one quick look at the sheet's distinct formulas; most sheets stop here
        for r, c, text in zip(cells.f_rows.tolist(), cells.f_cols.tolist(), cells.f_text):
            why = outside_reference(text) if text and _maybe(text) else None
            if why:
                raise LinkError(_("{path}, sheet {sheet!r}, cell {cell}: {why}; {advice}").format(
                    path=pkg.path, sheet=sheet, cell=cell_name(r, c), why=why, advice=advice()))
