"""Headless recalculation of xlsx workbooks, fast enough for a district's worth of units.

Two engines:

* **columns** (the fast path).  A template repeats one formula down each
  column.  Every formula is read once as text, its cell references turned
  into offsets from its own cell, and the cells of a column whose formulas
  then read the same are one *group*.  Each group's formula is parsed once
  with the ``formulas`` parser (``formulas.Parser().ast``) into a tree that
  is evaluated over the whole group with numpy: a reference becomes a
  gathered vector, an absolute range a block shared by every row, and
  functions such as RANK, COUNTIF, AVERAGEIF or SMALL over a shared range
  are computed once per range with sorting and hashing instead of once per
  cell.  Groups are evaluated in dependency order.  Excel's semantics are
  kept where spreadsheets differ from numpy: 15-significant-digit ROUND
  (:mod:`gridxl.core.excel_math`), comparisons with LibreOffice's
  tolerance, text greater than numbers, empty cells as 0 or "", errors that
  propagate, booleans ignored in ranges.  Functions the engine does not know
  are called cell by cell through the ``formulas`` package (the GRID_* UDFs
  registered by ``gridxl.engine.formulas_udfs`` arrive that way).
* **formulas** (the fallback): ``formulas.ExcelModel`` over the whole
  workbook, for what the fast path does not read (array formulas over
  several cells, whole-column references, defined names, circular groups).
  It is about a hundred times slower.

:func:`recalculate` returns the values; :func:`recalc_file` writes them as
cached values into a copy of the workbook (see :mod:`.cached_values`).
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gridxl.core.excel_math import excel_round, excel_rounddown, excel_roundup
from gridxl.workbook.cached_values import (BOOL, EMPTY, ERR, NUM, STR, ExcelError, Package, PackageError, col_letters, col_number,
                            decode, write_cached_values)

APPROX = 1.0 / (16777216.0 * 16777216.0)  # LibreOffice's rtl::math::approxEqual tolerance (2^-48)
CHUNK_CELLS = 2_000_000  # elements per temporary array when a formula broadcasts rows against a range
MAX_STORE_CELLS = 40_000_000


class RecalcError(ValueError):
    """The workbook cannot be recalculated; the message names the sheet and cell."""


class Unsupported(Exception):
    """Something the columns engine does not read; the workbook goes to the formulas engine."""


# =============================================================================
# Formula text: references, offsets, translation
# =============================================================================
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


_DIGITS = re.compile(r"\d+")
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


# =============================================================================
# Parsing with the formulas package
# =============================================================================
@dataclass
class PNode:
    kind: str  # num, str, bool, err, ref, empty, op, fn
    name: str
    args: list = field(default_factory=list)
    value: object = None


def _parser():
    from formulas.parser import Parser
    from formulas.tokens.function import Function
    from formulas.tokens.operator import Operator

    class _TreeBuilder:
        """Collects the parser's output as a plain tree instead of compiling it."""

        def __init__(self, match=None):
            self.stack = []

        def __len__(self):
            return len(self.stack)

        def __getitem__(self, i):
            return self.stack[i]

        def pop(self):
            return self.stack.pop()

        def append(self, token):
            kind = type(token).__name__
            if isinstance(token, (Operator, Function)):
                n = token.get_n_args
                if len(self.stack) < n:
                    from formulas.errors import FormulaError
                    raise FormulaError()
                args = [self.stack.pop() for _ in range(n)][::-1] if n else []
                if kind == "Intersect" or token.name in (":", ",", " "):
                    self.stack.append(PNode("unsupported", token.name, args))
                elif isinstance(token, Function):
                    self.stack.append(PNode("fn", token.name, args))
                else:
                    self.stack.append(PNode("op", token.name, args))
                return
            name = token.name
            if kind == "Number":
                if name.upper() in ("TRUE", "FALSE"):
                    self.stack.append(PNode("bool", name, value=name.upper() == "TRUE"))
                else:
                    self.stack.append(PNode("num", name, value=float(name)))
            elif kind == "String":
                self.stack.append(PNode("str", name, value=name))
            elif kind == "Error":
                self.stack.append(PNode("err", name, value=name))
            elif kind == "Range":
                m = re.fullmatch(r"GXREF(\d+)", name, re.I)
                self.stack.append(PNode("ref", name, value=int(m.group(1))) if m else PNode("unsupported", name))
            elif kind == "Empty":
                self.stack.append(PNode("empty", ""))
            else:
                self.stack.append(PNode("unsupported", name))

        def finish(self):
            pass

    class _Parser(Parser):
        ast_builder = _TreeBuilder

    return _Parser()


_PARSER = None


def parse_formula(placeholder: str) -> PNode:
    global _PARSER
    if _PARSER is None:
        _PARSER = _parser()
    try:
        _, builder = _PARSER.ast("=" + placeholder)
    except Exception as exc:  # the parser raises several types for text it cannot read
        raise Unsupported(f"cannot parse ={placeholder}: {type(exc).__name__}") from None
    return builder.stack[-1]


# =============================================================================
# Values: vectors of spreadsheet values
# =============================================================================
class XV:
    """Spreadsheet values of shape (n, h, w): n cells of a group, each an h×w block.

    ``typ`` says EMPTY/NUM/STR/BOOL/ERR; ``num`` holds numbers (and 0/1 for
    booleans); ``obj`` holds text and error codes (None when there are none).
    ``ref`` is true when the value is a reference as written (A1, A1:B9, INDEX(…)),
    which changes how SUM, COUNT and friends treat text and booleans.
    """

    __slots__ = ("typ", "num", "obj", "ref")

    def __init__(self, typ, num, obj=None, ref=False):
        self.typ = typ
        self.num = num
        self.obj = obj
        self.ref = ref

    @property
    def shape(self):
        return self.typ.shape

    @property
    def cells(self):
        return self.typ.shape[1] * self.typ.shape[2]

    def is_range(self):
        return self.ref or self.cells > 1

    def take(self, idx):
        if self.typ.shape[0] == 1:
            return self
        return XV(self.typ[idx], self.num[idx], None if self.obj is None else self.obj[idx], self.ref)

    def broadcast(self, shape):
        if self.typ.shape == shape:
            return self
        return XV(np.broadcast_to(self.typ, shape), np.broadcast_to(self.num, shape),
                  None if self.obj is None else np.broadcast_to(self.obj, shape), self.ref)


def xv_const(value) -> XV:
    shape = (1, 1, 1)
    if isinstance(value, ExcelError):
        return XV(np.full(shape, ERR, np.uint8), np.zeros(shape), np.full(shape, str(value), object))
    if isinstance(value, (bool, np.bool_)):
        return XV(np.full(shape, BOOL, np.uint8), np.full(shape, float(value)))
    if isinstance(value, str):
        return XV(np.full(shape, STR, np.uint8), np.zeros(shape), np.full(shape, value, object))
    if value is None:
        return XV(np.full(shape, EMPTY, np.uint8), np.zeros(shape))
    return XV(np.full(shape, NUM, np.uint8), np.full(shape, float(value)))


def xv_numbers(num, err_mask=None, err_codes=None) -> XV:
    typ = np.full(num.shape, NUM, np.uint8)
    obj = None
    if err_mask is not None and err_mask.any():
        typ[err_mask] = ERR
        obj = np.full(num.shape, None, object)
        obj[err_mask] = err_codes[err_mask]
        num = np.where(err_mask, 0.0, num)
    return XV(typ, num, obj)


def xv_bools(b, err_mask=None, err_codes=None) -> XV:
    out = xv_numbers(np.asarray(b, dtype=float), err_mask, err_codes)
    out.typ[out.typ == NUM] = BOOL
    return out


class Errors:
    """The first error met, per element (earlier arguments win, as in Excel)."""

    __slots__ = ("shape", "mask", "codes")

    def __init__(self, shape):
        self.shape = shape
        self.mask = None
        self.codes = None

    def add(self, mask, codes_or_code):
        if mask is None:
            return
        mask = np.broadcast_to(mask, self.shape)
        if not mask.any():
            return
        if self.mask is None:
            self.mask = np.zeros(self.shape, bool)
            self.codes = np.full(self.shape, None, object)
        new = mask & ~self.mask
        if isinstance(codes_or_code, str):
            self.codes[new] = codes_or_code
        else:
            self.codes[new] = np.broadcast_to(codes_or_code, self.shape)[new]
        self.mask |= new

    def add_xv(self, v: XV):
        if v.obj is not None:
            e = v.typ == ERR
            if e.any():
                self.add(e, v.obj)

    def free(self):
        """Elements with no error yet."""
        return None if self.mask is None else ~self.mask


_NUM_TEXT = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def text_to_number(s: str):
    """Text as Excel converts it in arithmetic ("3" -> 3, "50%" -> 0.5), else None."""
    t = s.strip().replace(",", "") if re.fullmatch(r"\s*[+-]?\d{1,3}(,\d{3})+(\.\d*)?\s*", s) else s
    if _NUM_TEXT.match(t):
        return float(t)
    if t.strip().endswith("%") and _NUM_TEXT.match(t.strip()[:-1]):
        return float(t.strip()[:-1]) / 100
    return None


def numeric(v: XV, errors: Errors):
    """v as numbers: empty 0, booleans 0/1, numeric text converted, other text #VALUE!."""
    t = v.typ
    if v.obj is None:
        return np.where(t == EMPTY, 0.0, v.num) if (t == EMPTY).any() else v.num
    num = np.where(t == EMPTY, 0.0, v.num)
    errors.add_xv(v)
    s = t == STR
    if s.any():
        num = np.array(num, dtype=float)
        bad = np.zeros(t.shape, bool)
        for idx in zip(*np.nonzero(s)):
            x = text_to_number(v.obj[idx])
            if x is None:
                bad[idx] = True
            else:
                num[idx] = x
        errors.add(bad, "#VALUE!")
    return num


def truth(v: XV, errors: Errors):
    t = v.typ
    b = (v.num != 0) & ((t == NUM) | (t == BOOL))
    if v.obj is not None:
        errors.add_xv(v)
        s = t == STR
        if s.any():
            b = np.array(b)
            bad = np.zeros(t.shape, bool)
            for idx in zip(*np.nonzero(s)):
                word = str(v.obj[idx]).strip().upper()
                if word in ("TRUE", "FALSE"):
                    b[idx] = word == "TRUE"
                else:
                    bad[idx] = True
            errors.add(bad, "#VALUE!")
    return b


def finish(num, errors: Errors, kind=NUM) -> XV:
    if errors.mask is None:
        bad = ~np.isfinite(num)
        if bad.any():
            errors.add(bad, "#NUM!")
    else:
        bad = ~np.isfinite(num) & ~errors.mask
        if bad.any():
            errors.add(bad, "#NUM!")
    out = xv_numbers(np.asarray(num, dtype=float), errors.mask, errors.codes)
    if kind == BOOL:
        out.typ[out.typ == NUM] = BOOL
    return out


def _shape(*vs):
    return np.broadcast_shapes(*(v.shape for v in vs))


def general_text(x: float) -> str:
    """A number as a General-format cell shows it (up to 15 significant digits)."""
    if x == 0:
        return "0"
    text = f"{x:.15g}"
    if "e" in text:
        mant, exp = text.split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def as_text(v: XV, errors: Errors):
    errors.add_xv(v)
    out = np.empty(v.shape, object)
    for idx in np.ndindex(v.shape):
        t = v.typ[idx]
        if t == STR:
            out[idx] = v.obj[idx]
        elif t == NUM:
            out[idx] = general_text(float(v.num[idx]))
        elif t == BOOL:
            out[idx] = "TRUE" if v.num[idx] else "FALSE"
        else:
            out[idx] = ""
    return out


# -- operators ----------------------------------------------------------------
def op_arith(name, a: XV, b: XV) -> XV:
    shape = _shape(a, b)
    errors = Errors(shape)
    x = numeric(a, errors)
    y = numeric(b, errors)
    with np.errstate(all="ignore"):
        if name == "+":
            res = x + y
        elif name == "-":
            res = x - y
        elif name == "*":
            res = x * y
        elif name == "/":
            errors.add(np.broadcast_to(y == 0, shape), "#DIV/0!")
            res = x / np.where(y == 0, 1.0, y)
        elif name == "^":
            xx, yy = np.broadcast_arrays(x, y)
            errors.add((xx == 0) & (yy == 0), "#NUM!")
            errors.add((xx < 0) & (yy != np.floor(yy)), "#NUM!")
            res = np.power(xx, yy)
        else:
            raise Unsupported(f"operator {name}")
    return finish(np.broadcast_to(res, shape), errors)


def _cmp_codes(a: XV, b: XV, errors: Errors):
    """-1/0/1 per element, Excel's ordering: numbers < text < booleans; empty matches the other side."""
    shape = _shape(a, b)
    ta = np.broadcast_to(a.typ, shape)
    tb = np.broadcast_to(b.typ, shape)
    errors.add_xv(a)
    errors.add_xv(b)
    simple = a.obj is None and b.obj is None
    # type classes: 0 number, 1 text, 2 boolean; empty takes the other side's class (empty/empty: number)
    ka = np.select([ta == STR, ta == BOOL], [1, 2], 0)
    kb = np.select([tb == STR, tb == BOOL], [1, 2], 0)
    ka = np.where(ta == EMPTY, np.where(tb == EMPTY, 0, kb), ka)
    kb = np.where(tb == EMPTY, ka, kb)
    x = np.where(ta == EMPTY, 0.0, np.broadcast_to(a.num, shape))
    y = np.where(tb == EMPTY, 0.0, np.broadcast_to(b.num, shape))
    with np.errstate(all="ignore"):
        close = (x == y) | (np.abs(x - y) < np.abs(x) * APPROX)
    code = np.where(close, 0, np.where(x < y, -1, 1))
    code = np.where(ka == kb, code, np.sign(ka - kb))
    if not simple:
        both_text = (ka == 1) & (kb == 1)
        if both_text.any():
            oa = np.broadcast_to(a.obj, shape) if a.obj is not None else None
            ob = np.broadcast_to(b.obj, shape) if b.obj is not None else None
            code = np.array(code)
            for idx in zip(*np.nonzero(both_text)):
                sa = (oa[idx] if oa is not None and ta[idx] == STR else "") or ""
                sb = (ob[idx] if ob is not None and tb[idx] == STR else "") or ""
                sa, sb = str(sa).lower(), str(sb).lower()
                code[idx] = 0 if sa == sb else (-1 if sa < sb else 1)
    return code, shape


def op_compare(name, a: XV, b: XV) -> XV:
    if (a.typ == NUM).all() and (b.typ == NUM).all():
        x, y = a.num, b.num  # numbers only: the common case, without the type ladder
        with np.errstate(all="ignore"):
            close = (x == y) | (np.abs(x - y) < np.abs(x) * APPROX)
            res = {"=": lambda: close, "<>": lambda: ~close, "<": lambda: (x < y) & ~close,
                   "<=": lambda: (x < y) | close, ">": lambda: (x > y) & ~close,
                   ">=": lambda: (x > y) | close}[name]()
        return XV(np.full(res.shape, BOOL, np.uint8), res.astype(float))
    errors = Errors(_shape(a, b))
    code, shape = _cmp_codes(a, b, errors)
    res = {"=": code == 0, "<>": code != 0, "<": code < 0, "<=": code <= 0, ">": code > 0, ">=": code >= 0}[name]
    return finish(res.astype(float), errors, BOOL)


def op_concat(a: XV, b: XV) -> XV:
    shape = _shape(a, b)
    errors = Errors(shape)
    sa = as_text(a.broadcast(shape), errors)
    sb = as_text(b.broadcast(shape), errors)
    out = np.empty(shape, object)
    for idx in np.ndindex(shape):
        out[idx] = sa[idx] + sb[idx]
    res = XV(np.full(shape, STR, np.uint8), np.zeros(shape), out)
    if errors.mask is not None:
        res.typ[errors.mask] = ERR
        res.obj[errors.mask] = errors.codes[errors.mask]
    return res


def op_unary(name, a: XV) -> XV:
    errors = Errors(a.shape)
    x = numeric(a, errors)
    if name == "u-":
        return finish(-x, errors)
    if name == "u+":
        return a
    if name == "%":
        return finish(x / 100.0, errors)
    raise Unsupported(f"operator {name}")


def select(cond, a: XV, b: XV) -> XV:
    """Element-wise cond ? a : b."""
    shape = np.broadcast_shapes(np.shape(cond), a.shape, b.shape)
    typ = np.where(cond, a.typ, b.typ).astype(np.uint8)
    num = np.where(cond, a.num, b.num)
    obj = None
    if a.obj is not None or b.obj is not None:
        oa = a.obj if a.obj is not None else np.full((1, 1, 1), None, object)
        ob = b.obj if b.obj is not None else np.full((1, 1, 1), None, object)
        obj = np.where(cond, oa, ob)
    return XV(np.broadcast_to(typ, shape), np.broadcast_to(num, shape),
              None if obj is None else np.broadcast_to(obj, shape))


def with_errors(v: XV, errors: Errors) -> XV:
    if errors.mask is None:
        return v
    shape = np.broadcast_shapes(v.shape, errors.shape)
    v = v.broadcast(shape)
    typ = np.array(v.typ)
    obj = np.array(v.obj) if v.obj is not None else np.full(shape, None, object)
    typ[errors.mask] = ERR
    obj[errors.mask] = errors.codes[errors.mask]
    return XV(typ, np.array(v.num), obj, v.ref)


# =============================================================================
# Functions
# =============================================================================
def _lead(vs) -> int:
    return max((v.shape[0] for v in vs), default=1)


def _row_errors(v: XV):
    """(mask, codes) of shape (n,1,1): the first error of each cell's block, row by row."""
    if v.obj is None:
        return None, None
    e = v.typ == ERR
    if not e.any():
        return None, None
    n = v.shape[0]
    flat = e.reshape(n, -1)
    first = flat.argmax(axis=1)
    codes = np.asarray(v.obj).reshape(n, -1)[np.arange(n), first]
    return flat.any(axis=1).reshape(n, 1, 1), codes.reshape(n, 1, 1)


def _values_of(v: XV, errors: Errors):
    """The numbers SUM/MIN/MAX/AVERAGE see in one argument, NaN where ignored."""
    if v.is_range():
        errors.add(*_row_errors(v))
        return np.where(v.typ == NUM, v.num, np.nan)
    return numeric(v, errors)


def _per_cell(num, errors, kind=NUM):
    return finish(np.asarray(num, dtype=float).reshape(-1, 1, 1), errors, kind)


def f_sum(ctx, *args):
    n = _lead(args)
    errors = Errors((n, 1, 1))
    total = np.zeros((n, 1, 1))
    for v in args:
        x = _values_of(v, errors)
        cells = x.shape[1] * x.shape[2]
        if cells <= 64:  # cell by cell, left to right, as the spreadsheet adds
            flat = x.reshape(x.shape[0], -1)
            for j in range(cells):
                total = total + np.nan_to_num(flat[:, j], nan=0.0).reshape(-1, 1, 1)
        else:
            total = total + np.nansum(x, axis=(1, 2), keepdims=True)
    return _per_cell(np.broadcast_to(total, (n, 1, 1)), errors)


def _gather_numbers(args, errors):
    n = _lead(args)
    cols = []
    for v in args:
        x = _values_of(v, errors)
        cols.append(np.broadcast_to(x.reshape(x.shape[0], -1), (n, x.shape[1] * x.shape[2])))
    return np.concatenate(cols, axis=1) if cols else np.full((n, 0), np.nan), n


def _extreme(args, reduce, fill):
    errors = Errors((_lead(args), 1, 1))
    x, n = _gather_numbers(args, errors)
    if not x.shape[1]:
        return _per_cell(np.zeros(n), errors)
    with np.errstate(all="ignore"):  # no numbers at all: 0, as MIN and MAX give
        out = np.where(np.isnan(x).all(axis=1), 0.0, reduce(np.where(np.isnan(x), fill, x), axis=1))
    return _per_cell(out, errors)


def f_min(ctx, *args):
    return _extreme(args, np.min, np.inf)


def f_max(ctx, *args):
    return _extreme(args, np.max, -np.inf)


def f_average(ctx, *args):
    errors = Errors((_lead(args), 1, 1))
    x, n = _gather_numbers(args, errors)
    count = (~np.isnan(x)).sum(axis=1)
    errors.add((count == 0).reshape(-1, 1, 1), "#DIV/0!")
    with np.errstate(all="ignore"):
        out = np.nansum(x, axis=1) / np.maximum(count, 1)
    return _per_cell(out, errors)


def f_count(ctx, *args):
    n = _lead(args)
    count = np.zeros((n, 1, 1))
    for v in args:
        if v.is_range():
            count = count + (v.typ == NUM).sum(axis=(1, 2), keepdims=True)
        else:
            ok = (v.typ == NUM) | (v.typ == BOOL)
            if v.obj is not None and (v.typ == STR).any():
                ok = ok | np.vectorize(lambda t, o: t == STR and text_to_number(str(o)) is not None,
                                       otypes=[bool])(v.typ, v.obj)
            count = count + ok.sum(axis=(1, 2), keepdims=True)
    return xv_numbers(np.broadcast_to(count, (n, 1, 1)).astype(float))


def f_counta(ctx, *args):
    n = _lead(args)
    count = np.zeros((n, 1, 1))
    for v in args:
        count = count + (v.typ != EMPTY).sum(axis=(1, 2), keepdims=True)
    return xv_numbers(np.broadcast_to(count, (n, 1, 1)).astype(float))


def f_countblank(ctx, v):
    blank = (v.typ == EMPTY)
    if v.obj is not None:
        blank = blank | ((v.typ == STR) & (v.obj == ""))
    return xv_numbers(blank.sum(axis=(1, 2), keepdims=True).astype(float))


def _logical(args, how):
    n = _lead(args)
    errors = Errors((n, 1, 1))
    seen = np.zeros((n, 1, 1), bool)
    acc = np.full((n, 1, 1), how == "and")
    for v in args:
        if v.is_range():
            errors.add(*_row_errors(v))
            considered = (v.typ == NUM) | (v.typ == BOOL)
            b = (v.num != 0) & considered
            seen = seen | considered.any(axis=(1, 2), keepdims=True)
            if how == "and":
                acc = acc & (b | ~considered).all(axis=(1, 2), keepdims=True)
            else:
                acc = acc | b.any(axis=(1, 2), keepdims=True)
        else:
            b = truth(v, errors)
            seen = seen | True
            acc = (acc & b) if how == "and" else (acc | b)
    errors.add(~seen, "#VALUE!")
    return _per_cell(np.broadcast_to(acc, (n, 1, 1)).astype(float), errors, BOOL)


def f_and(ctx, *args):
    return _logical(args, "and")


def f_or(ctx, *args):
    return _logical(args, "or")


def f_n(ctx, v):
    """N(): a number itself, TRUE/FALSE 1/0, text and blanks 0, errors kept."""
    errors = Errors(v.shape)
    errors.add_xv(v)
    return finish(np.where((v.typ == NUM) | (v.typ == BOOL), v.num, 0.0), errors)


def f_not(ctx, v):
    errors = Errors(v.shape)
    return finish((~truth(v, errors)).astype(float), errors, BOOL)


def _unary_math(fn):
    def impl(ctx, v):
        errors = Errors(v.shape)
        x = numeric(v, errors)
        with np.errstate(all="ignore"):
            return finish(fn(x, errors), errors)
    return impl


def _rounding(fn):
    def impl(ctx, v, d=None):
        shape = _shape(v, d) if d is not None else v.shape
        errors = Errors(shape)
        x = np.broadcast_to(numeric(v, errors), shape)
        digits = np.broadcast_to(numeric(d, errors) if d is not None else np.zeros((1, 1, 1)), shape)
        digits = np.trunc(digits)
        out = np.zeros(shape)
        for dg in np.unique(digits):
            m = digits == dg
            out[m] = fn(x[m], int(dg))
        return finish(out, errors)
    return impl


def _mod(x, y, errors):
    errors.add(y == 0, "#DIV/0!")
    with np.errstate(all="ignore"):
        return x - y * np.floor(x / np.where(y == 0, 1, y))


def f_mod(ctx, a, b):
    shape = _shape(a, b)
    errors = Errors(shape)
    x, y = np.broadcast_arrays(numeric(a, errors), numeric(b, errors))
    return finish(_mod(x, y, errors), errors)


def f_sqrt(ctx, v):
    errors = Errors(v.shape)
    x = numeric(v, errors)
    errors.add(x < 0, "#NUM!")
    with np.errstate(all="ignore"):
        return finish(np.sqrt(np.abs(x)), errors)


def f_power(ctx, a, b):
    return op_arith("^", a, b)


def f_sumproduct(ctx, *args):
    n = _lead(args)
    errors = Errors((n, 1, 1))
    blocks = {(v.shape[1], v.shape[2]) for v in args}
    if len(blocks) > 1:
        return xv_const(ExcelError("#VALUE!")).broadcast((n, 1, 1))
    prod = None
    for v in args:
        errors.add(*_row_errors(v))
        x = np.where(v.typ == NUM, v.num, 0.0)
        prod = x if prod is None else prod * x
    total = prod.sum(axis=(1, 2), keepdims=True)
    return _per_cell(np.broadcast_to(total, (n, 1, 1)), errors)


def _type_test(test):
    def impl(ctx, v):
        return xv_bools(test(v).astype(float))
    return impl


def _is_number(v):
    return v.typ == NUM


def _is_text(v):
    return v.typ == STR


def _is_blank(v):
    return v.typ == EMPTY


def _is_error(v):
    return v.typ == ERR


def _is_na(v):
    return (v.typ == ERR) & (np.asarray(v.obj if v.obj is not None else np.zeros(v.shape), dtype=object) == "#N/A")


def _is_logical(v):
    return v.typ == BOOL


def f_na(ctx):
    return xv_const(ExcelError("#N/A"))


def f_true(ctx):
    return xv_const(True)


def f_false(ctx):
    return xv_const(False)


def f_pi(ctx):
    return xv_const(math.pi)


# -- criteria (COUNTIF, SUMIF, AVERAGEIF and the …IFS) --------------------------
_CRIT_OP = re.compile(r"^(<=|>=|<>|<|>|=)?(.*)$", re.S)


def _wildcard(pattern: str):
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.I | re.S)


def _approx_eq(x, c):
    with np.errstate(all="ignore"):
        return (x == c) | (np.abs(x - c) < np.abs(x) * APPROX)


def criteria_mask(typ, num, obj, crit) -> np.ndarray:
    """Which cells (arrays typ/num/obj of one block) a COUNTIF criterion matches."""
    is_num = typ == NUM
    if isinstance(crit, ExcelError):
        return (typ == ERR) & (obj == str(crit)) if obj is not None else np.zeros(typ.shape, bool)
    if isinstance(crit, bool):
        return (typ == BOOL) & (num == float(crit))
    if crit is None:
        crit = 0.0  # a criterion that is an empty cell counts as 0
    if isinstance(crit, float):
        return is_num & _approx_eq(num, crit)
    m = _CRIT_OP.match(crit)
    op, rest = m.group(1) or "=", m.group(2)
    value = text_to_number(rest)
    texts = obj if obj is not None else np.full(typ.shape, None, object)
    if op in ("=", "<>"):
        if rest == "":
            eq = (typ == EMPTY) | ((typ == STR) & (texts == ""))
            if op == "=" and m.group(1) == "=":
                eq = typ == EMPTY
        elif value is not None:
            eq = is_num & _approx_eq(num, value)
        elif rest.upper() in ("TRUE", "FALSE"):
            eq = (typ == BOOL) & (num == float(rest.upper() == "TRUE"))
        else:
            rx = _wildcard(rest) if any(ch in rest for ch in "*?~") else None
            low = rest.lower()
            eq = np.zeros(typ.shape, bool)
            for idx in zip(*np.nonzero(typ == STR)):
                s = str(texts[idx])
                eq[idx] = bool(rx.fullmatch(s)) if rx else s.lower() == low
        return eq if op == "=" else ~eq
    cmp = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}[op]
    if value is not None:
        with np.errstate(all="ignore"):
            return is_num & cmp(num, value) & ~(_approx_eq(num, value) & (op in ("<", ">")))
    out = np.zeros(typ.shape, bool)
    low = rest.lower()
    for idx in zip(*np.nonzero(typ == STR)):
        out[idx] = bool(cmp(str(texts[idx]).lower(), low))
    return out


def _crit_value(v: XV, idx):
    return decode(int(v.typ[idx]), float(v.num[idx]), v.obj[idx] if v.obj is not None else None)


def _crit_key(value):
    if isinstance(value, ExcelError):
        return ("e", str(value))
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, str):
        return ("s", value)
    return ("n", 0.0 if value is None else float(value))


def _ifs(mode: str, pairs: list[tuple[XV, XV]], target: XV | None) -> XV:
    """COUNTIFS/SUMIFS/AVERAGEIFS over ranges shared by every cell or one range per cell."""
    out_shape = np.broadcast_shapes(*(c.shape for _, c in pairs))
    lead = max(out_shape[0], *(r.shape[0] for r, _ in pairs), target.shape[0] if target is not None else 1)
    out_shape = (lead,) + out_shape[1:]
    errors = Errors(out_shape)
    blocks = {(r.shape[1], r.shape[2]) for r, _ in pairs}
    if target is not None:
        blocks.add((target.shape[1], target.shape[2]))
    if len(blocks) > 1:
        return xv_const(ExcelError("#VALUE!")).broadcast(out_shape)
    shared = all(r.shape[0] == 1 for r, _ in pairs) and (target is None or target.shape[0] == 1)
    result = np.zeros(out_shape)
    cache = {}

    def reduce(row):
        masks = []
        for k, (rng, crit) in enumerate(pairs):
            value = _crit_value(crit.broadcast(out_shape), row)
            key = (k, _crit_key(value), row[0] if not shared else 0)
            if key not in cache:
                i = 0 if rng.shape[0] == 1 else row[0]
                cache[key] = criteria_mask(rng.typ[i], rng.num[i], rng.obj[i] if rng.obj is not None else None,
                                           value)
            masks.append(cache[key])
        mask = masks[0]
        for m in masks[1:]:
            mask = mask & m
        if mode == "count":
            return float(mask.sum()), None
        i = 0 if target.shape[0] == 1 else row[0]
        tt, tn = target.typ[i], target.num[i]
        picked = mask & (tt == NUM)
        if target.obj is not None and ((tt == ERR) & mask).any():
            return 0.0, str(target.obj[i][(tt == ERR) & mask][0])
        total = float(tn[picked].sum())
        if mode == "sum":
            return total, None
        count = int(picked.sum())
        return (total / count, None) if count else (0.0, "#DIV/0!")

    # numbers compared for equality against one shared range: sorting instead of one scan per criterion
    if mode == "count" and len(pairs) == 1 and shared:
        rng, crit = pairs[0]
        c = crit.broadcast(out_shape)
        plain = c.typ == NUM
        if plain.any():
            nums = np.sort(rng.num[0][rng.typ[0] == NUM].ravel())
            x = c.num[plain]
            lo = np.searchsorted(nums, x * (1 - np.sign(x) * APPROX), side="left")
            hi = np.searchsorted(nums, x * (1 + np.sign(x) * APPROX), side="right")
            result[plain] = hi - lo
        rest = ~plain
    else:
        rest = np.ones(out_shape, bool)
    for row in zip(*np.nonzero(rest)):
        value, err = reduce(row)
        result[row] = value
        if err:
            errors.add(_single(out_shape, row), err)
    for _, crit in pairs:
        errors.add_xv(crit.broadcast(out_shape))
    return finish(result, errors)


def _single(shape, idx):
    m = np.zeros(shape, bool)
    m[idx] = True
    return m


def f_countif(ctx, rng, crit):
    return _ifs("count", [(rng, crit)], None)


def f_sumif(ctx, rng, crit, target=None):
    return _ifs("sum", [(rng, crit)], target if target is not None else rng)


def f_averageif(ctx, rng, crit, target=None):
    return _ifs("average", [(rng, crit)], target if target is not None else rng)


def f_countifs(ctx, *args):
    return _ifs("count", list(zip(args[0::2], args[1::2])), None)


def f_sumifs(ctx, target, *args):
    return _ifs("sum", list(zip(args[0::2], args[1::2])), target)


def f_averageifs(ctx, target, *args):
    return _ifs("average", list(zip(args[0::2], args[1::2])), target)


# -- ranking and lookup ------------------------------------------------------------
def f_rank(ctx, x, ref, order=None):
    n = _lead([x, ref] + ([order] if order is not None else []))
    errors = Errors((n, 1, 1))
    if not ref.ref:
        return xv_const(ExcelError("#VALUE!")).broadcast((n, 1, 1))
    xv = np.broadcast_to(numeric(x, errors), (n, 1, 1)).reshape(n)
    errors.add(np.broadcast_to(x.typ == STR, (n, 1, 1)), "#VALUE!")
    asc = np.broadcast_to(numeric(order, errors), (n, 1, 1)).reshape(n) != 0 if order is not None \
        else np.zeros(n, bool)
    errors.add(*_row_errors(ref))
    out = np.zeros(n)
    found = np.zeros(n, bool)
    rows = [0] if ref.shape[0] == 1 else range(n)
    for i in rows:
        nums = np.sort(ref.num[i][ref.typ[i] == NUM].ravel())
        sel = slice(None) if ref.shape[0] == 1 else slice(i, i + 1)
        xs = xv[sel]
        lo = np.searchsorted(nums, xs, side="left")
        hi = np.searchsorted(nums, xs, side="right")
        out[sel] = np.where(asc[sel], lo + 1, len(nums) - hi + 1)
        found[sel] = hi > lo
    errors.add(~found.reshape(n, 1, 1), "#N/A")
    return _per_cell(out, errors)


def _kth(ctx, arr, k, largest):
    n = _lead([arr, k])
    errors = Errors((n, 1, 1))
    errors.add(*_row_errors(arr))
    kk = np.broadcast_to(numeric(k, errors), (n, 1, 1)).reshape(n)
    kk = np.ceil(kk - 1e-12)
    out = np.zeros(n)
    bad = np.zeros(n, bool)
    rows = [0] if arr.shape[0] == 1 else range(n)
    for i in rows:
        nums = np.sort(arr.num[i][arr.typ[i] == NUM].ravel())
        if largest:
            nums = nums[::-1]
        sel = slice(None) if arr.shape[0] == 1 else slice(i, i + 1)
        ks = kk[sel]
        ok = (ks >= 1) & (ks <= len(nums))
        pos = np.clip(ks.astype(np.int64) - 1, 0, max(len(nums) - 1, 0))
        out[sel] = np.where(ok, nums[pos] if len(nums) else 0.0, 0.0)
        bad[sel] = ~ok
    errors.add(bad.reshape(n, 1, 1), "#NUM!")
    return _per_cell(out, errors)


def f_small(ctx, arr, k):
    return _kth(ctx, arr, k, False)


def f_large(ctx, arr, k):
    return _kth(ctx, arr, k, True)


def f_index(ctx, arr, r, c=None):
    n = _lead([arr, r] + ([c] if c is not None else []))
    errors = Errors((n, 1, 1))
    h, w = arr.shape[1], arr.shape[2]
    rr = np.broadcast_to(numeric(r, errors), (n, 1, 1)).reshape(n).astype(np.int64)
    if c is None:
        cc = np.ones(n, np.int64)
        if h == 1 and w > 1:
            rr, cc = np.ones(n, np.int64), rr
    else:
        cc = np.broadcast_to(numeric(c, errors), (n, 1, 1)).reshape(n).astype(np.int64)
    bad = (rr < 1) | (rr > h) | (cc < 1) | (cc > w)
    errors.add(bad.reshape(n, 1, 1), "#REF!")
    ri = np.clip(rr - 1, 0, h - 1)
    ci = np.clip(cc - 1, 0, w - 1)
    ai = np.zeros(n, np.int64) if arr.shape[0] == 1 else np.arange(n)
    typ = arr.typ[ai, ri, ci].reshape(n, 1, 1)
    num = arr.num[ai, ri, ci].reshape(n, 1, 1)
    obj = None if arr.obj is None else np.asarray(arr.obj)[ai, ri, ci].reshape(n, 1, 1)
    return with_errors(XV(typ, num, obj, ref=arr.ref), errors)


def f_match(ctx, x, arr, kind=None):
    n = _lead([x, arr] + ([kind] if kind is not None else []))
    errors = Errors((n, 1, 1))
    h, w = arr.shape[1], arr.shape[2]
    if h > 1 and w > 1:
        return xv_const(ExcelError("#N/A")).broadcast((n, 1, 1))
    mt = 1.0 if kind is None else float(np.broadcast_to(numeric(kind, errors), (n, 1, 1)).reshape(n)[0])
    xb = x.broadcast((n, 1, 1))
    out = np.zeros(n)
    missing = np.zeros(n, bool)
    lookup = {}
    for i in range(n):
        a = 0 if arr.shape[0] == 1 else i
        typ, num = arr.typ[a].ravel(), arr.num[a].ravel()
        obj = None if arr.obj is None else np.asarray(arr.obj[a]).ravel()
        value = _crit_value(xb, (i, 0, 0))
        if mt == 0:
            if isinstance(value, str) and any(ch in value for ch in "*?"):
                mask = criteria_mask(typ, num, obj, "=" + value)
                hits = np.nonzero(mask)[0]
                pos = hits[0] if len(hits) else -1
            else:
                if a not in lookup:
                    first = {}
                    for j in range(len(typ) - 1, -1, -1):
                        v = decode(int(typ[j]), float(num[j]), obj[j] if obj is not None else None)
                        if v is not None:
                            first[_crit_key(v.lower() if isinstance(v, str) else v)] = j
                    lookup[a] = first
                key = _crit_key(value.lower() if isinstance(value, str) else value)
                pos = lookup[a].get(key, -1)
        else:
            pos = -1
            for j in range(len(typ)):  # approximate match: the last value not past x (sorted data)
                if typ[j] != NUM or not isinstance(value, float):
                    continue
                if (mt > 0 and num[j] <= value) or (mt < 0 and num[j] >= value):
                    pos = j
                else:
                    break
        out[i] = pos + 1
        missing[i] = pos < 0
    errors.add(missing.reshape(n, 1, 1), "#N/A")
    return _per_cell(out, errors)


def f_choose(ctx, k, *options):
    n = _lead([k] + list(options))
    errors = Errors((n, 1, 1))
    kk = np.broadcast_to(numeric(k, errors), (n, 1, 1)).astype(np.int64)
    errors.add((kk < 1) | (kk > len(options)), "#VALUE!")
    out = xv_const(ExcelError("#VALUE!")).broadcast((n, 1, 1))
    for i, opt in enumerate(options, start=1):
        out = select(kk == i, opt, out)
    return with_errors(out, errors)


FUNCTIONS = {
    "SUM": f_sum, "MIN": f_min, "MAX": f_max, "AVERAGE": f_average, "COUNT": f_count, "COUNTA": f_counta,
    "COUNTBLANK": f_countblank, "AND": f_and, "OR": f_or, "NOT": f_not, "N": f_n,
    "INT": _unary_math(lambda x, e: np.floor(x)), "ABS": _unary_math(lambda x, e: np.abs(x)),
    "SIGN": _unary_math(lambda x, e: np.sign(x)),
    "ROUND": _rounding(excel_round), "ROUNDUP": _rounding(excel_roundup), "ROUNDDOWN": _rounding(excel_rounddown),
    "TRUNC": _rounding(excel_rounddown), "MOD": f_mod, "SQRT": f_sqrt, "POWER": f_power,
    "SUMPRODUCT": f_sumproduct, "ISNUMBER": _type_test(_is_number), "ISTEXT": _type_test(_is_text),
    "ISBLANK": _type_test(_is_blank), "ISERROR": _type_test(_is_error), "ISNA": _type_test(_is_na),
    "ISLOGICAL": _type_test(_is_logical), "NA": f_na, "TRUE": f_true, "FALSE": f_false, "PI": f_pi,
    "COUNTIF": f_countif, "SUMIF": f_sumif, "AVERAGEIF": f_averageif, "COUNTIFS": f_countifs,
    "SUMIFS": f_sumifs, "AVERAGEIFS": f_averageifs, "RANK": f_rank, "RANK.EQ": f_rank,
    "SMALL": f_small, "LARGE": f_large, "INDEX": f_index, "MATCH": f_match, "CHOOSE": f_choose,
}
LAZY = {"IF", "IFERROR", "IFNA", "ROW", "COLUMN", "ROWS", "COLUMNS"}


# =============================================================================
# Compiled formulas
# =============================================================================
class Ctx:
    """The cells being computed (rows, cols arrays) and the cache of row-independent parts."""

    __slots__ = ("engine", "rows", "cols", "cache", "sheet")

    def __init__(self, engine, sheet, rows, cols, cache):
        self.engine = engine
        self.sheet = sheet
        self.rows = rows
        self.cols = cols
        self.cache = cache

    @property
    def n(self):
        return len(self.rows)

    def sub(self, idx):
        return Ctx(self.engine, self.sheet, self.rows[idx], self.cols[idx], self.cache)

    def ev(self, node) -> XV:
        if node.invariant:
            hit = self.cache.get(id(node))
            if hit is None:
                hit = self.cache[id(node)] = node.compute(self)
            return hit
        return node.compute(self)


class Node:
    invariant = True
    max_cells = 1
    per_cell_only = False  # true when a range's size depends on the cell (A$5:A5)

    def compute(self, ctx) -> XV:
        raise NotImplementedError


class Const(Node):
    def __init__(self, value):
        self.value = xv_const(value)

    def compute(self, ctx):
        return self.value


class Ref(Node):
    def __init__(self, spec: RefSpec, sheet: str | None):
        self.spec = spec
        self.sheet = sheet  # resolved name, None when the sheet does not exist
        self.invariant = spec.rows_absolute() and spec.fixed_shape()
        self.per_cell_only = not spec.fixed_shape()
        h = abs(spec.r2 - spec.r1) + 1 if spec.r1abs == spec.r2abs else 1
        w = abs(spec.c2 - spec.c1) + 1 if spec.c1abs == spec.c2abs else 1
        self.max_cells = h * w

    def compute(self, ctx):
        s = self.spec
        if self.sheet is None:
            return xv_const(ExcelError("#REF!")).broadcast((ctx.n, 1, 1))
        store = ctx.engine.stores[self.sheet]
        if s.fixed_shape():
            lo_r, hi_r = sorted((s.r1, s.r2))
            lo_c, hi_c = sorted((s.c1, s.c2))
            roff = np.arange(lo_r, hi_r + 1)
            coff = np.arange(lo_c, hi_c + 1)
            if s.r1abs:
                rows = roff[None, :]
            else:
                rows = ctx.rows[:, None] + roff[None, :]
            if s.c1abs:
                cols = coff[None, :]
            elif self.invariant:
                cols = ctx.cols[:1, None] + coff[None, :]
            else:
                cols = ctx.cols[:, None] + coff[None, :]
        else:  # one cell at a time: the range's corners move differently
            r1 = s.r1 if s.r1abs else int(ctx.rows[0]) + s.r1
            r2 = s.r2 if s.r2abs else int(ctx.rows[0]) + s.r2
            c1 = s.c1 if s.c1abs else int(ctx.cols[0]) + s.c1
            c2 = s.c2 if s.c2abs else int(ctx.cols[0]) + s.c2
            r1, r2 = sorted((r1, r2))
            c1, c2 = sorted((c1, c2))
            rows = np.arange(r1, r2 + 1)[None, :]
            cols = np.arange(c1, c2 + 1)[None, :]
        return store.get(rows, cols)


class Op(Node):
    def __init__(self, name, args):
        self.name = name
        self.args = args
        self.invariant = all(a.invariant for a in args)
        self.max_cells = max([a.max_cells for a in args] + [1])
        self.per_cell_only = any(a.per_cell_only for a in args)

    def compute(self, ctx):
        vals = [ctx.ev(a) for a in self.args]
        if len(vals) == 1:
            return op_unary(self.name, vals[0])
        if self.name in ("+", "-", "*", "/", "^"):
            return op_arith(self.name, *vals)
        if self.name == "&":
            return op_concat(*vals)
        return op_compare(self.name, *vals)


class Call(Node):
    def __init__(self, name, impl, args):
        self.name = name
        self.impl = impl
        self.args = args
        self.invariant = all(a.invariant for a in args)
        self.max_cells = max([a.max_cells for a in args] + [1])
        self.per_cell_only = any(a.per_cell_only for a in args)

    def compute(self, ctx):
        return self.impl(ctx, *[ctx.ev(a) if a is not None else None for a in self.args])


class Missing(Node):
    """An omitted argument (IF(c,,x)): 0 where a value is needed."""

    def compute(self, ctx):
        return xv_const(0.0)


class If(Node):
    """IF(c, a, b): each branch is computed only for the cells that take it."""

    def __init__(self, args):
        self.args = list(args) + [None] * (3 - len(args))
        present = [a for a in self.args if a is not None]
        self.invariant = all(a.invariant for a in present)
        self.max_cells = max([a.max_cells for a in present] + [1])
        self.per_cell_only = any(a.per_cell_only for a in present)

    def _branch(self, ctx, node):
        if node is None:
            return xv_const(False)
        return ctx.ev(node)

    def compute(self, ctx):
        cond = ctx.ev(self.args[0])
        errors = Errors(cond.shape)
        c = truth(cond, errors)
        n = ctx.n
        if cond.shape == (n, 1, 1) and n > 1 and not self.invariant:
            flat = c.reshape(n) & (errors.free().reshape(n) if errors.mask is not None else True)
            yes, no = np.nonzero(flat)[0], np.nonzero(~flat)[0]
            if len(no) == 0 and errors.mask is None:
                return self._branch(ctx, self.args[1])
            if len(yes) == 0 and errors.mask is None:
                return self._branch(ctx, self.args[2])
            a = self._branch(ctx.sub(yes), self.args[1]) if len(yes) else None
            b = self._branch(ctx.sub(no), self.args[2]) if len(no) else None
            if (a is None or a.cells == 1) and (b is None or b.cells == 1):
                typ = np.zeros((n, 1, 1), np.uint8)
                num = np.zeros((n, 1, 1))
                obj = None
                for idx, part in ((yes, a), (no, b)):
                    if part is None:
                        continue
                    part = part.broadcast((len(idx), 1, 1))
                    typ[idx] = part.typ
                    num[idx] = part.num
                    if part.obj is not None:
                        if obj is None:
                            obj = np.full((n, 1, 1), None, object)
                        obj[idx] = part.obj
                return with_errors(XV(typ, num, obj), errors)
        a = self._branch(ctx, self.args[1])
        b = self._branch(ctx, self.args[2])
        return with_errors(select(c, a, b), errors)


class IfError(Node):
    def __init__(self, args, only_na=False):
        self.args = args
        self.only_na = only_na
        self.invariant = all(a.invariant for a in args)
        self.max_cells = max(a.max_cells for a in args)
        self.per_cell_only = any(a.per_cell_only for a in args)

    def compute(self, ctx):
        v = ctx.ev(self.args[0])
        bad = v.typ == ERR
        if self.only_na and v.obj is not None:
            bad = bad & (v.obj == "#N/A")
        if not bad.any():
            return v
        alt = ctx.ev(self.args[1])
        return select(bad, alt, v)


class RowCol(Node):
    """ROW(), COLUMN(), ROW(ref), ROWS(ref), COLUMNS(ref)."""

    def __init__(self, name, ref: Ref | None):
        self.name = name
        self.ref = ref
        self.invariant = ref is not None and (ref.spec.rows_absolute() if name in ("ROW", "ROWS") else
                                              ref.spec.c1abs and ref.spec.c2abs) \
            or (name in ("ROWS", "COLUMNS") and ref is not None and ref.spec.fixed_shape())

    def compute(self, ctx):
        s = self.ref.spec if self.ref is not None else None
        if self.name in ("ROWS", "COLUMNS"):
            size = (abs(s.r2 - s.r1) + 1) if self.name == "ROWS" else (abs(s.c2 - s.c1) + 1)
            return xv_const(float(size))
        if self.name == "ROW":
            here, first, absolute = ctx.rows, (None if s is None else min(s.r1, s.r2)), s is not None and s.r1abs
        else:
            here, first, absolute = ctx.cols, (None if s is None else min(s.c1, s.c2)), s is not None and s.c1abs
        base = here if s is None else (np.full(ctx.n, first) if absolute else here + first)
        return xv_numbers(np.asarray(base, dtype=float).reshape(-1, 1, 1))


class Bridge(Node):
    """A function this engine does not implement, called cell by cell through the formulas package."""

    def __init__(self, name, fn, args):
        self.name = name
        self.fn = fn
        self.args = args
        self.invariant = False
        self.max_cells = max([a.max_cells for a in args] + [1])
        self.per_cell_only = any(a.per_cell_only for a in args)

    def compute(self, ctx):
        n = ctx.n
        if self.fn is None:  # as Excel shows a function it does not know
            ctx.engine.notes.append(f"unknown function {self.name}: the cells show #NAME?")
            return xv_const(ExcelError("#NAME?")).broadcast((n, 1, 1))
        vals = [ctx.ev(a) for a in self.args]
        typ = np.zeros((n, 1, 1), np.uint8)
        num = np.zeros((n, 1, 1))
        obj = np.full((n, 1, 1), None, object)
        for i in range(n):
            args = [_to_formulas(v, i) for v in vals]
            try:
                result = self.fn(*args)
            except Exception as exc:  # a UDF that raises: the cell shows #VALUE!, as in Excel
                result = _formulas_error("#VALUE!")
                ctx.engine.notes.append(f"{self.name} raised {type(exc).__name__}: {exc}")
            t, x, o = _from_formulas(result)
            typ[i, 0, 0], num[i, 0, 0], obj[i, 0, 0] = t, x, o
        return XV(typ, num, obj)


def _formulas_error(code):
    from formulas.tokens.operand import Error
    return Error.errors[code]


def _to_formulas(v: XV, i: int):
    import schedula as sh

    row = 0 if v.shape[0] == 1 else i

    def one(t, x, o):
        if t == NUM:
            return float(x)
        if t == BOOL:
            return bool(x)
        if t == STR:
            return str(o)
        if t == ERR:
            return _formulas_error(str(o))
        return sh.EMPTY

    obj = v.obj
    if v.is_range():
        h, w = v.shape[1], v.shape[2]
        out = np.empty((h, w), object)
        for a in range(h):
            for b in range(w):
                out[a, b] = one(v.typ[row, a, b], v.num[row, a, b], obj[row, a, b] if obj is not None else None)
        return out
    return one(v.typ[row, 0, 0], v.num[row, 0, 0], obj[row, 0, 0] if obj is not None else None)


def _from_formulas(result):
    import schedula as sh
    from formulas.functions import XlError

    if isinstance(result, np.ndarray):
        result = result.ravel()[0] if result.size else sh.EMPTY
    if isinstance(result, XlError):
        return ERR, 0.0, str(result)
    if result is sh.EMPTY or result is None:
        return NUM, 0.0, None
    if isinstance(result, (bool, np.bool_)):
        return BOOL, float(result), None
    if isinstance(result, str):
        return STR, 0.0, result
    try:
        x = float(result)
    except (TypeError, ValueError):
        return ERR, 0.0, "#VALUE!"
    if not np.isfinite(x):
        return ERR, 0.0, "#NUM!"
    return NUM, x, None


def _function_name(name: str) -> str:
    up = name.upper()
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
        if up.startswith(prefix):
            return up[len(prefix):]
    return up


def compile_tree(node: PNode, refs: list[RefSpec], resolve_sheet, home_sheet: str) -> Node:
    def build(p: PNode) -> Node | None:
        if p.kind == "num":
            return Const(p.value)
        if p.kind == "str":
            return Const(p.value)
        if p.kind == "bool":
            return Const(bool(p.value))
        if p.kind == "err":
            return Const(ExcelError(p.value))
        if p.kind == "empty":
            return None
        if p.kind == "ref":
            spec = refs[p.value]
            return Ref(spec, resolve_sheet(spec.sheet) if spec.sheet is not None else home_sheet)
        if p.kind == "op":
            return Op(p.name, [build(a) or Missing() for a in p.args])
        if p.kind == "fn":
            name = _function_name(p.name)
            if name == "IF":
                return If([build(a) or Missing() for a in p.args])
            if name in ("IFERROR", "IFNA"):
                return IfError([build(a) or Missing() for a in p.args], only_na=name == "IFNA")
            if name in ("ROW", "COLUMN", "ROWS", "COLUMNS"):
                ref = build(p.args[0]) if p.args else None
                if ref is not None and not isinstance(ref, Ref):
                    raise Unsupported(f"{name} of an expression")
                return RowCol(name, ref)
            args = [build(a) for a in p.args]
            if name in FUNCTIONS:
                return Call(name, FUNCTIONS[name], [a if a is not None else Missing() for a in args])
            fn = _formulas_function(p.name)
            return Bridge(name, fn, [a if a is not None else Missing() for a in args])
        raise Unsupported(f"{p.kind} {p.name}")

    root = build(node)
    return root if root is not None else Missing()


def _formulas_function(name: str):
    """The formulas package's implementation of a function (GRID_* once registered), or None."""
    import formulas
    from formulas.functions import not_implemented

    if name.upper().startswith(("GRID_", "_XLUDF.")):
        register_udfs()
    funcs = formulas.get_functions()
    for key in (name.upper(), _function_name(name), "_XLFN." + _function_name(name)):
        if key in funcs and funcs[key] is not not_implemented:
            return funcs[key]
    return None


# =============================================================================
# The columns engine
# =============================================================================
class Store:
    """One sheet's values as 2-D arrays over the rows and columns that hold a cell.

    Rows and columns are 1-based sheet coordinates; they map to compact indexes (0 is a cell
    that is always empty), so a sheet with one cell at XFD2440 costs a 2×2 array, not 40 million cells.
    """

    def __init__(self, rows_used: np.ndarray, cols_used: np.ndarray):
        rows_used, cols_used = np.unique(rows_used), np.unique(cols_used)
        self.maxr = int(rows_used.max(initial=0))
        self.maxc = int(cols_used.max(initial=0))
        self.row_index = np.zeros(self.maxr + 2, np.int64)
        self.row_index[rows_used] = np.arange(1, len(rows_used) + 1)
        self.col_index = np.zeros(self.maxc + 2, np.int64)
        self.col_index[cols_used] = np.arange(1, len(cols_used) + 1)
        shape = (len(rows_used) + 1, len(cols_used) + 1)
        self.typ = np.zeros(shape, np.uint8)
        self.num = np.zeros(shape)
        self.obj = np.full(shape, None, object)
        self.col_has_obj = np.zeros(self.maxc + 2, bool)

    def _index(self, rows, cols):
        R = self.row_index[np.clip(rows, 0, self.maxr + 1)]
        C = self.col_index[np.clip(cols, 0, self.maxc + 1)]
        return R, C

    def get(self, rows, cols) -> XV:
        used = np.unique(cols)
        R = np.asarray(rows)[:, :, None]
        C = np.asarray(cols)[:, None, :]
        R, C = self._index(*np.broadcast_arrays(R, C))
        typ = self.typ[R, C]
        num = self.num[R, C]
        obj = self.obj[R, C] if self.col_has_obj[np.clip(used, 0, self.maxc + 1)].any() else None
        return XV(typ, num, obj, ref=True)

    def at(self, rows, cols):
        """(typ, num, obj) arrays of the cells (rows[i], cols[i])."""
        R, C = self._index(rows, cols)
        return self.typ[R, C], self.num[R, C], self.obj[R, C]

    def set(self, rows, cols, typ, num, obj):
        """Values of cells that hold a cell in the sheet (the rows and columns the store was made for)."""
        R, C = self._index(rows, cols)
        self.typ[R, C] = typ
        self.num[R, C] = num
        if obj is not None:
            self.obj[R, C] = obj
            self.col_has_obj[np.unique(cols)] = True
        else:
            self.obj[R, C] = None


@dataclass
class Run:
    """Cells of one column, consecutive rows, holding the same formula (relative to each cell)."""

    sheet: str
    col: int
    rows: np.ndarray
    key: tuple
    node: Node | None = None
    per_cell: bool = False
    self_ref: bool = False
    descending: bool = False

    @property
    def rmin(self):
        return int(self.rows[0])

    @property
    def rmax(self):
        return int(self.rows[-1])


class ColumnsEngine:
    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.names = {n.lower(): n for n in pkg.sheet_names}
        self.stores: dict[str, Store] = {}
        self.notes: list[str] = []
        self.runs: list[Run] = []
        self.formula_cells = 0

    def resolve_sheet(self, name: str | None):
        if name is None:
            return None
        return self.names.get(name.lower())

    # -- reading ------------------------------------------------------------------
    def prepare(self):
        parsed: dict[str, PNode] = {}
        compiled: dict[tuple, Node] = {}
        for sheet in self.pkg.sheet_names:
            cells = self.pkg.cells(sheet)
            real = (cells.typ != EMPTY)
            if real.sum() + len(cells.f_rows) > MAX_STORE_CELLS:
                raise Unsupported(f"sheet {sheet!r} holds {real.sum() + len(cells.f_rows)} cells")
            store = Store(np.concatenate([cells.rows[real], cells.f_rows]),
                          np.concatenate([cells.cols[real], cells.f_cols]))
            sel = real & ~cells.is_formula  # formula cells are computed; their cached values are not read
            objs = np.asarray(cells.obj, dtype=object)[sel] if len(cells.obj) else np.zeros(0, object)
            has = np.asarray([o is not None for o in objs], bool)
            r, c = cells.rows[sel], cells.cols[sel]
            store.set(r, c, cells.typ[sel], np.where(np.isnan(cells.num[sel]), 0.0, cells.num[sel]), None)
            if has.any():
                store.set(r[has], c[has], cells.typ[sel][has], store.at(r[has], c[has])[1], objs[has])
            self.stores[sheet] = store
            self._group(sheet, cells, parsed, compiled)
        self._order()

    def _group(self, sheet, cells, parsed, compiled):
        masters = {}
        for r, c, text, attr in zip(cells.f_rows.tolist(), cells.f_cols.tolist(), cells.f_text, cells.f_attr):
            if attr and attr.get("t") == "shared" and text is not None and attr.get("si") is not None:
                masters[attr["si"]] = (r, c, text)
        master_keys = {}
        shapes = FormulaShapes()
        groups: dict[tuple, list[int]] = {}
        for r, c, text, attr in zip(cells.f_rows.tolist(), cells.f_cols.tolist(), cells.f_text, cells.f_attr):
            if attr:
                kind = attr.get("t", "normal")
                if kind == "dataTable":
                    raise Unsupported(f"data table at {sheet}!{col_letters(c)}{r}")
                ref = attr.get("ref") or ""
                if kind == "array" and ":" in ref and ref.split(":")[0] != ref.split(":")[1]:
                    raise Unsupported(f"array formula over {sheet}!{ref}")
                if text is None:
                    si = attr.get("si")
                    if si not in masters:
                        raise Unsupported(f"shared formula {si} without its first cell in {sheet}")
                    if si not in master_keys:
                        mr, mc, mtext = masters[si]
                        master_keys[si] = shapes.intern(*tokenize(mtext, mr, mc))
                    groups.setdefault((c, master_keys[si]), []).append(r)
                    continue
            groups.setdefault((c, shapes.read(text, r, c)), []).append(r)
        self.formula_cells += len(cells.f_text)
        for (c, form), rows in groups.items():
            placeholder, refs = shapes.forms[form]
            if placeholder not in parsed:
                parsed[placeholder] = parse_formula(placeholder)
            ckey = (sheet, c, placeholder, refs)
            if ckey not in compiled:
                compiled[ckey] = compile_tree(parsed[placeholder], list(refs), self.resolve_sheet, sheet)
            node = compiled[ckey]
            rows = np.sort(np.asarray(rows, np.int64))
            breaks = np.nonzero(np.diff(rows) != 1)[0] + 1
            for part in np.split(rows, breaks):
                self.runs.append(Run(sheet, c, part, ckey, node, per_cell=node.per_cell_only))

    # -- ordering -------------------------------------------------------------------
    def _reads(self, run: Run):
        """(sheet, r1, r2, c1, c2, spec) boxes of cells the run's formula reads."""
        _, _, _, refs = run.key
        for spec in refs:
            sheet = self.resolve_sheet(spec.sheet) if spec.sheet is not None else run.sheet
            if sheet is None:
                continue
            ra = [spec.r1] if spec.r1abs else [run.rmin + spec.r1, run.rmax + spec.r1]
            rb = [spec.r2] if spec.r2abs else [run.rmin + spec.r2, run.rmax + spec.r2]
            ca = spec.c1 if spec.c1abs else run.col + spec.c1
            cb = spec.c2 if spec.c2abs else run.col + spec.c2
            yield sheet, min(ra + rb), max(ra + rb), min(ca, cb), max(ca, cb), spec

    def _order(self):
        index: dict[tuple[str, int], list[int]] = {}
        for i, run in enumerate(self.runs):
            index.setdefault((run.sheet, run.col), []).append(i)
        bounds = {k: (np.asarray([self.runs[i].rmin for i in v]), np.asarray([self.runs[i].rmax for i in v]),
                      np.asarray(v)) for k, v in index.items()}
        deps: list[set[int]] = [set() for _ in self.runs]
        for i, run in enumerate(self.runs):
            for sheet, r1, r2, c1, c2, spec in self._reads(run):
                for col in range(c1, c2 + 1):
                    b = bounds.get((sheet, col))
                    if b is None:
                        continue
                    lo, hi, ids = b
                    hit = ids[(lo <= r2) & (hi >= r1)]
                    for j in hit:
                        j = int(j)
                        if j == i:
                            self._self_reference(run, sheet, spec)
                        else:
                            deps[i].add(j)
        users: list[list[int]] = [[] for _ in self.runs]
        indeg = [len(d) for d in deps]
        for i, d in enumerate(deps):
            for j in d:
                users[j].append(i)
        ready = [i for i, k in enumerate(indeg) if k == 0]
        order = []
        while ready:
            i = ready.pop()
            order.append(i)
            for u in users[i]:
                indeg[u] -= 1
                if indeg[u] == 0:
                    ready.append(u)
        if len(order) != len(self.runs):
            stuck = [self.runs[i] for i in range(len(self.runs)) if indeg[i] > 0][:3]
            raise Unsupported("circular references among " + ", ".join(
                f"{r.sheet}!{col_letters(r.col)}{r.rmin}:{col_letters(r.col)}{r.rmax}" for r in stuck))
        self.runs = [self.runs[i] for i in order]

    def _self_reference(self, run: Run, sheet: str, spec: RefSpec):
        """A column reading its own cells: fine cell by cell when every read is above (or every one below)."""
        where = f"{run.sheet}!{col_letters(run.col)}{run.rmin}"
        if spec.r1abs or spec.r2abs:
            raise Unsupported(f"{where} reads a block of its own column")
        lo, hi = min(spec.r1, spec.r2), max(spec.r1, spec.r2)
        if hi < 0 and not (run.self_ref and run.descending):
            run.per_cell, run.self_ref, run.descending = True, True, False
        elif lo > 0 and not (run.self_ref and not run.descending):
            run.per_cell, run.self_ref, run.descending = True, True, True
        else:
            raise Unsupported(f"{where} reads its own cell or cells on both sides")

    # -- computing ------------------------------------------------------------------
    def run(self):
        for run in self.runs:
            store = self.stores[run.sheet]
            rows = run.rows[::-1] if run.descending else run.rows
            cols = np.full(len(rows), run.col, np.int64)
            cache: dict = {}
            if run.per_cell:
                chunks = [slice(i, i + 1) for i in range(len(rows))]
            else:
                step = max(1, CHUNK_CELLS // max(1, run.node.max_cells))
                chunks = [slice(i, i + step) for i in range(0, len(rows), step)]
            for sl in chunks:
                ctx = Ctx(self, run.sheet, rows[sl], cols[sl], cache)
                if run.self_ref:
                    cache.clear()
                v = ctx.ev(run.node)
                typ, num, obj = _cell_results(v, ctx.n)
                store.set(rows[sl], cols[sl], typ, num, obj)

    def values(self) -> dict[str, dict[tuple[int, int], object]]:
        out = {}
        for sheet in self.pkg.sheet_names:
            cells = self.pkg.cells(sheet)
            if not len(cells.f_rows):
                continue
            store = self.stores[sheet]
            r, c = cells.f_rows, cells.f_cols
            typ, num, obj = store.at(r, c)
            keys = list(zip(r.tolist(), c.tolist()))
            if (typ == NUM).all():
                out[sheet] = dict(zip(keys, num.tolist()))
                continue
            out[sheet] = {key: (x if t == NUM else decode(t, x, o))
                          for key, t, x, o in zip(keys, typ.tolist(), num.tolist(), obj.tolist())}
        return out

    def cell(self, sheet: str, row: int, col: int):
        store = self.stores[sheet]
        typ, num, obj = store.at(np.asarray([row]), np.asarray([col]))
        return decode(int(typ[0]), float(num[0]), obj[0])


def _cell_results(v: XV, n: int):
    """A formula's value per cell: one value each; an empty reference shows 0; a block is #VALUE!."""
    if v.cells != 1:
        v = xv_const(ExcelError("#VALUE!"))
    v = v.broadcast((n, 1, 1))
    typ = v.typ.reshape(n).copy()
    num = v.num.reshape(n).copy()
    obj = None
    if v.obj is not None and ((typ == STR) | (typ == ERR)).any():
        obj = np.asarray(v.obj).reshape(n).copy()
    empty = typ == EMPTY
    if empty.any():
        typ[empty] = NUM
        num[empty] = 0.0
    return typ, num, obj


# =============================================================================
# The formulas engine (fallback) and Excel-exact rounding for it
# =============================================================================
_REGISTERED = False
_UDFS: bool | None = None


def register_excel_functions():
    """Excel-exact ROUND/ROUNDUP/ROUNDDOWN in the formulas package (its own rounds the raw double)."""
    global _REGISTERED
    if _REGISTERED:
        return
    import formulas
    from formulas.functions import wrap_ufunc

    funcs = formulas.get_functions()
    for name, fn in (("ROUND", excel_round), ("ROUNDUP", excel_roundup), ("ROUNDDOWN", excel_rounddown)):
        funcs[name] = wrap_ufunc(lambda x, d, fn=fn: fn(float(x), int(d)))
    _REGISTERED = True


def register_udfs() -> bool:
    """GRID_* functions from gridxl.engine.formulas_udfs (once), when that module is installed."""
    global _UDFS
    if _UDFS is None:
        try:
            from gridxl.engine.formulas_udfs import register_grid_functions
        except ImportError:
            _UDFS = False
        else:
            register_grid_functions()
            _UDFS = True
    return _UDFS


_KEY = re.compile(r"^'?\[(?P<book>[^\]]*)\](?P<sheet>.*?)'?!(?P<a>[A-Z]+\d+)(?::(?P<b>[A-Z]+\d+))?$")


def excelmodel_values(pkg: Package) -> dict[str, dict[tuple[int, int], object]]:
    import formulas
    import schedula as sh
    from formulas.functions import XlError

    register_excel_functions()
    register_udfs()
    wanted = {s: set(pkg.cells(s).formulas) for s in pkg.sheet_names}
    names = {s.upper(): s for s in pkg.sheet_names}
    from gridxl.progress import formulas_bar, large_file, wanted as bar_wanted
    with formulas_bar(bar_wanted(large_file(pkg.path))):  # its own bar, through gridxl's terminal-only switch
        model = formulas.ExcelModel().loads(str(pkg.path)).finish()
        solution = model.calculate()
    out: dict[str, dict[tuple[int, int], object]] = {s: {} for s in pkg.sheet_names}
    for key, ranges in solution.items():
        m = _KEY.match(str(key))
        if not m:
            continue
        sheet = names.get(m.group("sheet").replace("''", "'").upper())
        if sheet is None:
            continue
        r0, c0 = _rc(m.group("a"))
        values = np.asarray(getattr(ranges, "value", ranges), dtype=object)
        if values.ndim != 2:
            values = values.reshape(1, -1)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                cell = (r0 + i, c0 + j)
                if cell not in wanted[sheet]:
                    continue
                v = values[i, j]
                if isinstance(v, XlError):
                    v = ExcelError(str(v))
                elif v is sh.EMPTY or v is None:
                    v = 0.0
                elif isinstance(v, (bool, np.bool_)):
                    v = bool(v)
                elif isinstance(v, str):
                    pass
                else:
                    v = float(v)
                out[sheet][cell] = v
    return {s: v for s, v in out.items() if v}


def _rc(ref: str):
    m = re.match(r"([A-Z]+)(\d+)", ref)
    return int(m.group(2)), col_number(m.group(1))


# =============================================================================
# Public API
# =============================================================================
@dataclass
class Recalculated:
    """Computed values of every formula cell, and a way to read any cell."""

    path: Path
    values: dict[str, dict[tuple[int, int], object]]
    engine: str  # "columns" or "formulas"
    seconds: float
    formula_cells: int
    notes: list[str]
    reason: str = ""  # why the formulas engine was used
    _pkg: Package | None = None

    def cell(self, sheet: str, row: int, col: int):
        if (row, col) in self.values.get(sheet, {}):
            return self.values[sheet][(row, col)]
        return self._constants(sheet).get((row, col))

    def _constants(self, sheet):
        if not hasattr(self, "_const_cache"):
            self._const_cache = {}
        if sheet not in self._const_cache:
            self._const_cache[sheet] = self._pkg.cells(sheet).values() if sheet in self._pkg.sheet_names else {}
        return self._const_cache[sheet]

    @property
    def package(self) -> Package:
        return self._pkg


def recalculate(path: str | Path, engine: str = "auto") -> Recalculated:
    """Compute every formula of the workbook at ``path`` (nothing is written)."""
    path = Path(path)
    start = time.perf_counter()
    from gridxl.workbook.limits import LimitError, check_fallback_box, check_sheet_bounds, check_workbook_size
    from gridxl.workbook.links import LinkError, refuse_outside_references
    try:
        pkg = Package(path, formula_values=False)
        check_workbook_size(pkg)
        refuse_outside_references(pkg)  # before either engine: the formulas engine would load linked books
        check_sheet_bounds(pkg)
    except (PackageError, LinkError, LimitError) as exc:
        raise RecalcError(str(exc)) from None
    reason = ""
    if engine in ("auto", "columns"):
        try:
            eng = ColumnsEngine(pkg)
            eng.prepare()
            eng.run()
            return Recalculated(path, eng.values(), "columns", time.perf_counter() - start, eng.formula_cells,
                                eng.notes, _pkg=pkg)
        except Unsupported as exc:
            if engine == "columns":
                raise RecalcError(f"{path}: the columns engine cannot read this workbook: {exc}") from None
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - a workbook this engine misreads still gets computed
            if engine == "columns":
                raise
            reason = f"columns engine failed: {type(exc).__name__}: {exc}"
    try:
        check_fallback_box(pkg, reason or "--engine formulas")
    except LimitError as exc:
        raise RecalcError(str(exc)) from None
    try:
        values = excelmodel_values(pkg)
    except Exception as exc:  # the formulas package raises many kinds of errors on odd workbooks
        raise RecalcError(f"{path}: cannot recalculate ({reason + '; ' if reason else ''}"
                          f"formulas engine: {type(exc).__name__}: {exc})") from None
    count = sum(len(pkg.cells(s).formulas) for s in pkg.sheet_names)
    return Recalculated(path, values, "formulas", time.perf_counter() - start, count, [], reason, _pkg=pkg)


def write_recalculated(result: Recalculated, output: str | Path, fixed_time: bool = False):
    """The workbook with the computed values cached in its formula cells (written atomically)."""
    from gridxl.io.outputs import atomic_path, refuse_overwrite

    refuse_overwrite(output, [result.path])
    with atomic_path(output) as tmp:
        write_cached_values(result.path, tmp, result.values, fixed_time=fixed_time, compresslevel=3)


# =============================================================================
# The scores of a recalculated template
# =============================================================================
def scores_table(result: Recalculated):
    """The 评分 sheet as the table `gridxl score` writes (unit, indicators, total, rank, rank_dense, …).

    Needs the layout gridxl records in its templates; rows without a unit name are left out.
    """
    import pandas as pd

    from gridxl.core.scoring import integer_columns

    from gridxl.workbook.template import SCORE, read_layout

    layout = read_layout(result.package)
    if layout is None:
        raise RecalcError(f"{result.path}: not a gridxl template (no _gridxl sheet), so there is no scoring table "
                          f"to export; recalculate without --export")
    first, last = layout.sheet_rows.get(SCORE, (0, -1))
    cols = [(role, key, c) for (sheet, role, key), c in layout.columns.items() if sheet == SCORE]
    order = {"unit": 0, "score": 1, "total": 2, "rank": 3, "rank_dense": 4, "grade": 5, "stars": 6, "flag": 7}
    cols = sorted([x for x in cols if x[0] in order], key=lambda x: (order[x[0]], x[2]))
    unit_col = next((c for role, _, c in cols if role == "unit"), None)
    if unit_col is None or SCORE not in result.package.sheet_names:
        raise RecalcError(f"{result.path}: the hidden _gridxl sheet is damaged (no {SCORE} sheet or no unit column "
                          f"recorded for it), so there is no scoring table to export; make the template again with "
                          f"`gridxl template`")
    rows = []
    for r in range(first, last + 1):
        unit = result.cell(SCORE, r, unit_col)
        if unit in (None, ""):
            continue
        rows.append(r)
    data = {}
    for role, key, c in cols:
        name = "unit" if role == "unit" else key
        values = [result.cell(SCORE, r, c) for r in rows]
        if role in ("unit", "grade", "flag"):
            data[name] = ["" if v is None else (str(v) if not isinstance(v, float) else f"{v:g}") for v in values]
        else:
            data[name] = [v if isinstance(v, float) else np.nan for v in values]
    return integer_columns(pd.DataFrame(data))
