"""Formula text: cell references as offsets from their own cell, fill-down translation, sheet quoting.

:func:`tokenize` replaces every reference of a formula by ``GXREF<i>`` (a name the ``formulas``
parser reads) and returns the references as :class:`RefSpec` offsets, so the cells of a column whose
formulas then read the same share one parse.  No ``formulas`` import here: ``check`` and ``rows``
read formula text without the parser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .cached_values import col_letters, col_number
from .errors import Unsupported

_SHEET = r"(?:'(?:[^']|'')+'|[^\W\d][\w.]*)"
_CELLPAT = r"\$?[A-Za-z]{1,3}\$?\d+"
_TOKENS = re.compile(
    r'(?P<str>"(?:[^"]|"")*")'
    rf"|(?<![\w.$'!])(?P<ref>(?:(?P<sheet>{_SHEET})!)?(?P<c1>{_CELLPAT})(?::(?P<c2>{_CELLPAT}))?)(?![\w(!])"
    rf"|(?<![\w.$'!])(?P<whole>(?:{_SHEET}!)?(?:\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?\d+:\$?\d+))(?![\w(!.])")
_CELL_PARTS = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


@dataclass(frozen=True)
class RefSpec:
    """A reference relative to the cell holding it: absolute parts as numbers, relative parts as offsets."""

    sheet: str | None
    r1: int
    r1abs: bool
    c1: int
    c1abs: bool
    r2: int
    r2abs: bool
    c2: int
    c2abs: bool

    def rows_absolute(self) -> bool:
        return self.r1abs and self.r2abs

    def fixed_shape(self) -> bool:
        return self.r1abs == self.r2abs and self.c1abs == self.c2abs


def _unquote_sheet(text: str | None) -> str | None:
    if text is None:
        return None
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return text


def _cell_parts(text: str, row: int, col: int):
    m = _CELL_PARTS.fullmatch(text)
    cabs, letters, rabs, digits = m.group(1) == "$", m.group(2), m.group(3) == "$", int(m.group(4))
    c = col_number(letters)
    return (digits if rabs else digits - row), rabs, (c if cabs else c - col), cabs


def tokenize(text: str, row: int, col: int, spans: list | None = None):
    """(placeholder text, [RefSpec]) for the formula ``text`` (no leading '=') held in (row, col).

    Every reference is replaced by ``GXREF<i>``, which the formulas parser reads as a name.
    Whole-column or whole-row references raise :class:`Unsupported`.  When ``spans`` is a
    list, the (start, end) of each relative row number in ``text`` is appended to it.
    """
    refs: list[RefSpec] = []
    out = []
    last = 0
    for m in _TOKENS.finditer(text):
        if m.group("str") is not None:
            continue
        if m.start() > 0 and text[m.start() - 1] in "]'" and "[" in text[:m.start()]:
            raise Unsupported(f"a reference to another workbook in ={text}")
        if m.group("whole") is not None:
            raise Unsupported(f"whole-column or whole-row reference {m.group('whole')}")
        out.append(text[last:m.start()])
        r1, r1a, c1, c1a = _cell_parts(m.group("c1"), row, col)
        r2, r2a, c2, c2a = _cell_parts(m.group("c2"), row, col) if m.group("c2") else (r1, r1a, c1, c1a)
        sheet = _unquote_sheet(m.group("sheet"))
        if sheet is not None and sheet.startswith("["):
            raise Unsupported(f"a reference to another workbook in ={text}")
        refs.append(RefSpec(sheet, r1, r1a, c1, c1a, r2, r2a, c2, c2a))
        out.append(f"GXREF{len(refs) - 1}")
        last = m.end()
        if spans is not None:
            for g, rel in (("c1", not r1a), ("c2", not r2a)):
                if m.group(g) is not None and rel:
                    d = _DIGITS_AT_END.search(m.group(g))
                    spans.append((m.start(g) + d.start(), m.start(g) + d.end()))
    out.append(text[last:])
    return "".join(out), refs


_DIGITS_AT_END = re.compile(r"\d+$")


class FormulaShapes:
    """Tokenising a column's formulas fast: one full read per distinct formula.

    Formulas filled down a column differ only in their relative row numbers.  After
    one formula of a column is read in full, the next is the same formula (relative
    to its cell) exactly when it equals the first with those row numbers shifted by
    the row difference — one string format and one comparison instead of a parse.
    """

    def __init__(self):
        self.known: dict[int, list] = {}
        self.forms: list[tuple[str, tuple]] = []  # form id -> (placeholder, refs)
        self._ids: dict[tuple[str, tuple], int] = {}

    def intern(self, placeholder: str, refs) -> int:
        key = (placeholder, tuple(refs))
        if key not in self._ids:
            self._ids[key] = len(self.forms)
            self.forms.append(key)
        return self._ids[key]

    def read(self, text: str, row: int, col: int) -> int:
        """The id of the formula ``text`` in (row, col), relative to its cell."""
        for rep_row, pattern, offsets, result in self.known.get(col, ()):
            shift = row - rep_row
            if text == pattern.format(*[o + shift for o in offsets]):
                return result
        spans: list = []
        placeholder, refs = tokenize(text, row, col, spans)
        result = self.intern(placeholder, refs)
        parts, offsets, last = [], [], 0
        for a, b in sorted(spans):
            parts.append(text[last:a].replace("{", "{{").replace("}", "}}"))
            parts.append("{%d}" % len(offsets))
            offsets.append(int(text[a:b]))
            last = b
        parts.append(text[last:].replace("{", "{{").replace("}", "}}"))
        entries = self.known.setdefault(col, [])
        entries.insert(0, (row, "".join(parts), offsets, result))
        del entries[4:]
        return result


def _ref_text(spec: RefSpec, row: int, col: int, keep_sheet=True) -> str:
    def part(r, ra, c, ca):
        rr = r if ra else r + row
        cc = c if ca else c + col
        if rr < 1 or cc < 1:
            return "#REF!"
        return f"{'$' if ca else ''}{col_letters(cc)}{'$' if ra else ''}{rr}"
    a = part(spec.r1, spec.r1abs, spec.c1, spec.c1abs)
    b = part(spec.r2, spec.r2abs, spec.c2, spec.c2abs)
    body = a if (a == b and spec.r1abs == spec.r2abs and spec.c1abs == spec.c2abs) else f"{a}:{b}"
    if spec.sheet is not None and keep_sheet:
        return f"{quote_sheet(spec.sheet)}!{body}"
    return body


def quote_sheet(name: str) -> str:
    if re.fullmatch(r"[^\W\d][\w.]*", name) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", name) \
            and name.upper() not in ("TRUE", "FALSE"):
        return name
    return "'" + name.replace("'", "''") + "'"


def translate(text: str, from_cell: tuple[int, int], to_cell: tuple[int, int]) -> str:
    """A formula copied from one cell to another, as Excel's fill-down does (shared formulas)."""
    placeholder, refs = tokenize(text, *from_cell)
    return re.sub(r"GXREF(\d+)", lambda m: _ref_text(refs[int(m.group(1))], *to_cell), placeholder)


def normalise_formula(text: str) -> str:
    """A formula in one canonical spelling, to compare what a file holds with what the generator writes.

    Leading '=', spaces outside strings, letter case outside strings, quotes around sheet
    names and ``_xlfn.`` prefixes do not count.
    """
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    parts = re.split(r'("(?:[^"]|"")*")', text)
    out = []
    for i, p in enumerate(parts):
        if i % 2:
            out.append(p)
            continue
        p = re.sub(r"\s+", "", p)
        p = re.sub(r"'((?:[^']|'')+)'!", lambda m: m.group(1).replace("''", "'") + "!", p)
        p = re.sub(r"(?i)_xl(fn|ws)\.", "", p)
        out.append(p.upper())
    return "".join(out)
