"""How function arguments are read: per-cell results, the first error of a block, the numbers of a range."""
from __future__ import annotations

import numpy as np

from ..cached_values import ERR, NUM
from ..values import XV, Errors, finish, numeric


def lead(vs) -> int:
    return max((v.shape[0] for v in vs), default=1)


def row_errors(v: XV):
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


def values_of(v: XV, errors: Errors):
    """The numbers SUM/MIN/MAX/AVERAGE see in one argument, NaN where ignored."""
    if v.is_range():
        errors.add(*row_errors(v))
        return np.where(v.typ == NUM, v.num, np.nan)
    return numeric(v, errors)


def per_cell(num, errors, kind=NUM):
    return finish(np.asarray(num, dtype=float).reshape(-1, 1, 1), errors, kind)


def gather_numbers(args, errors):
    n = lead(args)
    cols = []
    for v in args:
        x = values_of(v, errors)
        cols.append(np.broadcast_to(x.reshape(x.shape[0], -1), (n, x.shape[1] * x.shape[2])))
    return np.concatenate(cols, axis=1) if cols else np.full((n, 0), np.nan), n
