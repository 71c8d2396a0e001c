"""What Excel passes a GRID_* function, read as numbers and texts.

xlwings passes a cell as a scalar (None when blank), a range as nested lists (or a
numpy array), ``*inputs`` as a tuple of those; the ``formulas`` engine is adapted to
the same shapes (gridxl.engine.formulas_udfs).  Every reader names what it read in
its error, which the cell shows as ``#GRIDXL! …``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np


class UdfError(ValueError):
    """A problem with a GRID_* call that the cell shows as "#GRIDXL! message"."""


def flat(value) -> list:
    """A cell, a row, a 2-D range or several of them, as one list read row by row."""
    out: list = []

    def walk(v):
        if isinstance(v, np.ndarray):
            for x in v.reshape(-1):
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        else:
            out.append(v.item() if isinstance(v, np.generic) else v)
    walk(value)
    return out


def one(value, what):
    values = flat(value)
    if len(values) != 1:
        raise UdfError(f"{what} must be a single cell, got {len(values)} values")
    return values[0]


def blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and math.isnan(v))


def missing(v) -> bool:
    """Nothing given: a blank cell, or a range of blank cells."""
    return all(blank(x) for x in flat(v))


def number(v, what) -> float:
    v = one(v, what) if isinstance(v, (list, tuple, np.ndarray)) else v
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        text = v.strip().replace(",", "")
        try:
            return float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            pass
    raise UdfError(f"{what} is not a number: {v!r}")


def text(v, what) -> str:
    v = one(v, what) if isinstance(v, (list, tuple, np.ndarray)) else v
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def numbers_of(values) -> list[float]:
    """The numbers of a range, skipping blanks, text and TRUE/FALSE (as RANK does)."""
    return [float(v) for v in flat(values)
            if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and not blank(v)]


def result(x, what) -> float:
    """A score as the cell shows it; NaN (a value outside the scheme's tables) is an error."""
    x = float(x)
    if math.isnan(x):
        raise UdfError(f"{what} cannot be scored: a value is outside the scheme's tables "
                       f"(unknown unit name or choice?)")
    return x
