"""Numbers and words for whole columns at once: the vectorised twins of ``format_number``.

Explaining a million scores builds ten million short texts; built value by value in
Python that takes minutes.  Texts here are numpy string arrays (``StringDType``,
numpy >= 2, also in Pyodide) joined by numpy's string ufuncs.  A column's numbers
are rounded as Excel rounds them, and each *distinct* rounded value is written once
by :func:`format_number` itself, so the text is exactly the one-value function's.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .excel_math import excel_round, format_number

TEXT = np.dtypes.StringDType()


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


def numbers(x, digits: int = 2) -> np.ndarray:
    """``format_number`` of every value: Excel ROUND to ``digits``, shortest text, '' for a blank."""
    if _memo is not None and isinstance(x, np.ndarray):
        key = (id(x), digits)
        if key not in _memo:
            _memo[key] = (x, _numbers(x, digits))  # the array is kept so that its id is not reused
        return _memo[key][1]
    return _numbers(x, digits)


def _numbers(x, digits: int) -> np.ndarray:
    x = np.asarray(x, dtype=float).reshape(-1)
    rounded = np.asarray(excel_round(x, digits), dtype=float).reshape(-1)
    distinct, where = np.unique(rounded, return_inverse=True)
    written = _written_many(distinct, digits)
    return written[where.reshape(-1)] if len(x) else np.array([], dtype=TEXT)


def _fractions(digits: int) -> np.ndarray:
    """'.5', '.25', '' … for every fraction 0 .. 10**digits - 1, trailing zeros dropped."""
    table = [f".{k:0{digits}d}".rstrip("0").rstrip(".") for k in range(10 ** digits)]
    return np.array(table, dtype=TEXT)


_FRACTIONS = {d: _fractions(d) for d in range(5)}


def _written_many(rounded: np.ndarray, digits: int) -> np.ndarray:
    """:func:`_written` of many rounded values: integers and a table of fractions, exact for |value| < 2**52."""
    digits = max(int(digits), 0)
    if digits not in _FRACTIONS:
        return np.array([_written(v, digits) for v in rounded.tolist()], dtype=TEXT)
    scale = 10 ** digits
    with np.errstate(invalid="ignore"):
        simple = np.isfinite(rounded) & (np.abs(rounded) * scale < 2.0 ** 52)
    k = np.rint(np.where(simple, rounded, 0.0) * scale).astype(np.int64)
    whole, frac = np.divmod(np.abs(k), scale)
    text = np.strings.add(whole.astype(TEXT), _FRACTIONS[digits][frac])
    text = np.where(k < 0, np.strings.add("-", text), text).astype(TEXT)
    if not simple.all():
        rest = np.flatnonzero(~simple)
        text[rest] = [_written(v, digits) for v in rounded[rest].tolist()]
    return text


def _written(rounded: float, digits: int) -> str:
    """format_number's text of a value already rounded to ``digits`` (the rest of that function)."""
    if rounded != rounded:
        return ""
    if rounded in (float("inf"), float("-inf")):
        return format_number(rounded, digits)
    text = f"{rounded:.{max(digits, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percents(x) -> np.ndarray:
    """93.75% for 0.9375 (two decimals of the percent)."""
    return np.strings.add(numbers(np.asarray(x, dtype=float) * 100, 2), "%")


def constant(text: str, n: int) -> np.ndarray:
    return np.full(n, text, dtype=TEXT)


def cat(*parts) -> np.ndarray:
    """The parts (texts or text columns) joined row by row."""
    out = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return np.asarray(out, dtype=TEXT)


def pick(mask, yes, no) -> np.ndarray:
    """``yes`` where mask, else ``no`` (texts or text columns)."""
    return np.asarray(np.where(np.asarray(mask, dtype=bool), yes, no), dtype=TEXT)


def join_nonempty(pieces: list[np.ndarray], sep: str, n: int) -> np.ndarray:
    """Per row, the non-empty pieces joined by ``sep`` ('' where all are empty)."""
    out = constant("", n)
    for piece in pieces:
        has_piece = piece != ""
        joined = pick(out != "", cat(out, sep, piece), piece)
        out = pick(has_piece, joined, out)
    return out
