"""Texts for whole columns, kept as pieces until written: the vectorised twins of ``format_number``.

Explaining a million scores builds ten million texts; joined string by string (even by numpy's
string ufuncs) that takes most of a minute.  A column here (:class:`Texts`) is a row of *pieces*
instead: each piece is a small table of words and, per row, the number of its word.  A constant
is a piece of one word, a formatted number one piece (or two: its whole part and its decimals),
and ``pick`` makes one piece of two by putting both tables in one.  So building a column costs
integer arithmetic on codes; the strings are joined once, when the column is written:
:meth:`Texts.strings` joins with numpy (the UDFs, small tables), ``gridxl.io.text_columns`` with
pyarrow in row batches.

Numbers are rounded as Excel rounds them and written exactly as :func:`format_number` writes
them: every word of a number's table is that function's text, and a value whose rounding is not
plainly decided (within float error of a half, or huge) is written by the one-value function itself.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd

from .excel_math import excel_round, format_number

TEXT = np.dtypes.StringDType()
_EMPTY = np.array([""], dtype=TEXT)


class Texts:
    """``n`` texts as pieces side by side: a piece is a str (the same for every row) or
    ``(words, codes)``, a TEXT array and, for every row, the index of its word (int32)."""
    __slots__ = ("n", "pieces")

    def __init__(self, n: int, pieces=()):
        self.n = int(n)
        self.pieces = _merged(list(pieces), self.n)

    def __len__(self):
        return self.n

    def strings(self) -> np.ndarray:
        """The texts themselves (numpy TEXT)."""
        out = np.full(self.n, "", dtype=TEXT)
        for p in self.pieces:
            out = np.strings.add(out, p if isinstance(p, str) else p[0][p[1]])
        return np.asarray(out, dtype=TEXT)

    def tolist(self) -> list[str]:
        return [str(t) for t in self.strings().tolist()]

    def take(self, rows) -> "Texts":
        rows = np.asarray(rows)
        return Texts(len(rows) if rows.dtype != bool else int(rows.sum()),
                     [p if isinstance(p, str) else (p[0], p[1][rows]) for p in self.pieces])

    def empty(self) -> np.ndarray:
        """Rows whose text is ''."""
        out = np.ones(self.n, dtype=bool)
        for p in self.pieces:
            if isinstance(p, str):
                return np.zeros(self.n, dtype=bool)  # _merged drops empty constants
            out &= (p[0] == "")[p[1]]
        return out

    def words(self):
        """Every word any row may use, piece by piece (to decide things about all texts at once)."""
        return [np.asarray([p], dtype=TEXT) if isinstance(p, str) else p[0] for p in self.pieces]


def _merge_limit(n: int) -> int:
    # Two pieces become one when the table of their joined words is small next to the rows:
    # a piece costs a pass over every row when written, a word of the table one join.
    return max(256, n // 8)


def _merged(pieces: list, n: int) -> list:
    out: list = []
    limit = _merge_limit(n)
    for p in pieces:
        if isinstance(p, Texts):
            for q in p.pieces:
                _push(out, q, limit)
        else:
            _push(out, p, limit)
    return out


def _push(out: list, p, limit: int):
    if isinstance(p, str) and p == "":
        return
    if out:
        both = _join_pieces(out[-1], p, limit)
        if both is not None:
            out[-1] = both
            return
    out.append(p)


def _join_pieces(a, b, limit):
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    if isinstance(a, str):
        return (np.strings.add(a, b[0]), b[1]) if len(b[0]) <= limit else None
    if isinstance(b, str):
        return (np.strings.add(a[0], b), a[1]) if len(a[0]) <= limit else None
    na, nb = len(a[0]), len(b[0])
    if na * nb > limit:
        return None
    words = np.strings.add(a[0][:, None], b[0][None, :]).reshape(-1)
    return (np.asarray(words, dtype=TEXT), (a[1].astype(np.int32) * nb + b[1]).astype(np.int32))


def _rows_of(*parts) -> int | None:
    for p in parts:
        if isinstance(p, Texts):
            return p.n
        if isinstance(p, np.ndarray) and p.ndim:
            return len(p)
    return None


def as_texts(x, n: int) -> Texts:
    if isinstance(x, Texts):
        return x
    if isinstance(x, str):
        return Texts(n, [x])
    return from_strings(x)


def from_strings(values) -> Texts:
    """Texts of an array or list of strings (each distinct string once in the table)."""
    values = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return Texts(len(values), [(np.asarray(list(uniques), dtype=TEXT), codes.astype(np.int32))])


def constant(text: str, n: int) -> Texts:
    return Texts(n, [text])


def cat(*parts):
    """The parts (texts or text columns) joined row by row."""
    n = _rows_of(*parts)
    if n is None:
        return "".join(parts)
    return Texts(n, [p if isinstance(p, (str, Texts)) else from_strings(p) for p in parts])


def pick(mask, yes, no):
    """``yes`` where mask, else ``no`` (texts or text columns)."""
    n = _rows_of(yes, no, np.asarray(mask))
    if n is None:
        return yes if bool(mask) else no
    mask = np.broadcast_to(np.asarray(mask, dtype=bool), (n,))
    if mask.all():
        return as_texts(yes, n)
    if not mask.any():
        return as_texts(no, n)
    yes_rows, no_rows = np.flatnonzero(mask), np.flatnonzero(~mask)
    return combine(n, [(yes_rows, _rows(as_texts(yes, n), yes_rows)),
                       (no_rows, _rows(as_texts(no, n), no_rows))])


def _rows(texts: Texts, rows) -> Texts:
    return texts if all(isinstance(p, str) for p in texts.pieces) else texts.take(rows)


def combine(n: int, branches) -> Texts:
    """``n`` texts: each branch ``(rows, texts of those rows)`` gives its rows' texts; other rows are ''.

    Piece i of the result holds piece i of every branch (its table is theirs put together).
    """
    branches = [(np.asarray(rows), as_texts(t, len(rows))) for rows, t in branches if len(rows)]
    if len(branches) == 1 and len(branches[0][0]) == n:
        return branches[0][1]
    width = max((len(t.pieces) for _, t in branches), default=0)
    pieces = []
    for i in range(width):
        tables, codes, offset = [_EMPTY], np.zeros(n, dtype=np.int32), 1
        for rows, t in branches:
            if i >= len(t.pieces):
                continue
            p = t.pieces[i]
            if isinstance(p, str):
                tables.append(np.asarray([p], dtype=TEXT))
                codes[rows] = offset
                offset += 1
            else:
                tables.append(p[0])
                codes[rows] = p[1] + offset
                offset += len(p[0])
        pieces.append((np.concatenate(tables), codes))
    return Texts(n, pieces)


def join_nonempty(pieces: list, sep: str, n: int) -> Texts:
    """Per row, the non-empty pieces joined by ``sep`` ('' where all are empty)."""
    out: list = []
    before = np.zeros(n, dtype=bool)
    for piece in pieces:
        piece = as_texts(piece, n)
        has = ~piece.empty()
        out += [pick(has & before, sep, ""), piece]
        before |= has
    return Texts(n, out)


_memo: dict | None = None


@contextmanager
def remembered():
    """Within the block, a column formatted once is not formatted again (explanations repeat inputs)."""
    global _memo
    outer, _memo = _memo, {}
    try:
        yield
    finally:
        _memo = outer


def _remember(kind, x, digits, make):
    if _memo is None or not isinstance(x, np.ndarray):
        return make()
    key = (kind, id(x), digits)
    if key not in _memo:
        _memo[key] = (x, make())  # the array is kept so that its id is not reused
    return _memo[key][1]


def numbers(x, digits: int = 2) -> Texts:
    """``format_number`` of every value: Excel ROUND to ``digits``, shortest text, '' for a blank."""
    return _remember("n", x, digits, lambda: _numbers(x, digits))


def percents(x) -> Texts:
    """93.75% for 0.9375 (two decimals of the percent)."""
    return _remember("%", x, 2, lambda: cat(numbers(np.asarray(x, dtype=float) * 100, 2), "%"))


def _fractions(digits: int) -> np.ndarray:
    """'.5', '.25', '' … for every fraction 0 .. 10**digits - 1, trailing zeros dropped."""
    table = [f".{k:0{digits}d}".rstrip("0").rstrip(".") for k in range(10 ** digits)]
    return np.array(table, dtype=TEXT)


_FRACTIONS = {d: _fractions(d) for d in range(5)}
_TABLE_LIMIT = 1 << 16  # numbers k / 10**d for k below this are written from a table made once
_TABLES: dict[int, np.ndarray] = {}


def _table(digits: int, top: int) -> np.ndarray:
    """The texts of k / 10**digits for k = 0 .. top (at least), made once per process."""
    have = _TABLES.get(digits)
    if have is None or len(have) <= top:
        size = min(max(1024, 2 * (top + 1)), _TABLE_LIMIT)
        k = np.arange(size, dtype=np.int64)
        whole, frac = np.divmod(k, 10 ** digits)
        _TABLES[digits] = have = np.asarray(np.strings.add(whole.astype(TEXT), _FRACTIONS[digits][frac]),
                                            dtype=TEXT)
    return have[:top + 1]


_CHUNK = 1 << 15  # rows at a time: the temporaries stay in the processor's cache


def _decided(x: np.ndarray, digits: int):
    """Excel's ROUND(|x|, digits) × 10**digits as whole numbers where plainly decided, and where that is.

    ROUND first takes x to 15 significant digits, which moves x·10**digits by at most 5e-15 of
    itself: farther than that (and float error) from a half, ROUND is plain rounding; within a few
    units of float error of a half, the 15-digit value is the half itself, rounded away from zero;
    a whole x is itself.  The rest (blanks, the band between, huge) are not decided here.
    """
    n = len(x)
    whole, ok = np.empty(n), np.empty(n, dtype=bool)
    off, up = np.empty(min(n, _CHUNK)), np.empty(min(n, _CHUNK), dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(0, n, _CHUNK):
            part, w, o, u, good = x[i:i + _CHUNK], whole[i:i + _CHUNK], off[:len(x[i:i + _CHUNK])], \
                up[:len(x[i:i + _CHUNK])], ok[i:i + _CHUNK]
            scaled = np.multiply(part, 10 ** digits)
            np.abs(scaled, out=scaled)
            np.floor(scaled, out=w)
            np.subtract(scaled, w, out=o)
            np.greater(o, 0.5, out=u)
            np.add(w, u, out=w)
            np.subtract(o, 0.5, out=o)
            np.abs(o, out=o)
            np.greater(o, np.multiply(scaled, 1e-13), out=good)
            good &= scaled < 1e12
        rest = np.flatnonzero(~ok)
        if len(rest):  # rare: the rows near a half, whole numbers past 1e12, blanks
            mag = np.abs(x[rest])
            s = mag * 10 ** digits
            o = np.abs(s - np.floor(s) - 0.5)
            half = (s < 1e12) & (o <= 2e-16 * s)
            exact = (np.floor(mag) == mag) & (mag < 1e15) & (s < 2.0 ** 52)  # then s is exact
            whole[rest] = np.where(half, np.floor(s) + 1, np.where(exact, s, 0))
            ok[rest] = half | exact
    return whole, ok  # whole numbers as floats (exact below 2**52)


def _numbers(x, digits: int) -> Texts:
    x = np.asarray(x, dtype=float).reshape(-1)
    n = len(x)
    if not 0 <= digits <= 4 or int(digits) != digits:
        return from_strings([format_number(v, digits) for v in x.tolist()])
    digits = int(digits)
    k, ok = _decided(x, digits)
    negative = (k > 0) & (x < 0)  # k is 0 where not decided
    if ok.all():
        return Texts(n, _number_pieces(k, negative, digits))
    pieces = _number_pieces(k, negative, digits) if ok.any() else [(_EMPTY, np.zeros(n, dtype=np.int32))]
    # The rows not decided plainly: '' for a blank, the rest written by format_number itself (rare).
    others = np.flatnonzero(~ok)
    texts = np.full(len(others), "", dtype=object)
    filled = np.flatnonzero(~np.isnan(x[others]))
    texts[filled] = [format_number(v, digits) for v in x[others[filled]].tolist()]
    codes, words = pd.factorize(texts)
    table, first = pieces[0]
    first = first.copy()
    first[others] = len(table) + codes
    out = [(np.concatenate([table, np.asarray(list(words), dtype=TEXT)]), first)]
    for table, c in pieces[1:]:  # the decimals: '' (fraction 0) on those rows
        c = c.copy()
        c[others] = 0
        out.append((table, c))
    return Texts(n, out)


def _number_pieces(k: np.ndarray, negative: np.ndarray, digits: int) -> list:
    top = float(k.max()) if len(k) else 0.0
    if top >= 1024 and digits:  # 19.5 to 4 decimals is 19.5: fewer decimals, a smaller table
        drop = _zero_decimals(k, digits)
        if drop:
            k = k / 10 ** drop  # exact: whole multiples
            top /= 10 ** drop
            digits -= drop
    if top < _TABLE_LIMIT:
        return [_signed(_table(digits, int(top)), k.astype(np.int32), negative)]
    whole, frac = np.divmod(k.astype(np.int64), 10 ** digits)
    pieces = [_whole_numbers(whole, negative)]
    if digits:
        pieces.append((_FRACTIONS[digits], frac.astype(np.int32)))
    return pieces


def _zero_decimals(k: np.ndarray, digits: int) -> int:
    """How many of the last decimals are 0 in every value (k: whole floats below 2**52, k / 10**j exact
    when whole); the first thousand values answer first, which is enough where they say none."""
    for j in range(digits, 0, -1):
        if all(_whole(part / 10 ** j) for part in (k[:1000], k)):
            return j
    return 0


def _whole(q: np.ndarray) -> bool:
    return bool((np.floor(q) == q).all())


def _signed(table: np.ndarray, codes: np.ndarray, negative: np.ndarray):
    """``codes`` (int32, changed in place) into ``table``, or into it and its negatives."""
    if not negative.any():
        return (table, codes)
    codes[negative] += len(table)
    return (np.concatenate([table, np.strings.add("-", table)]), codes)


def _whole_numbers(whole: np.ndarray, negative: np.ndarray):
    """The signed whole parts: from the table when small, else each distinct one written."""
    top = int(whole.max())
    if top < _TABLE_LIMIT:
        return _signed(_table(0, top), whole.astype(np.int32), negative)
    distinct, where = np.unique(whole * 2 + negative, return_inverse=True)
    words = (distinct // 2).astype(TEXT)
    words = np.where(distinct % 2 == 1, np.strings.add("-", words), words)
    return (np.asarray(words, dtype=TEXT), where.reshape(-1).astype(np.int32))
