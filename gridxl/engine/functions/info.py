"""Information functions: ISNUMBER, ISTEXT, ISBLANK, ISERROR, ISNA, ISLOGICAL, N, NA()."""
from __future__ import annotations

import numpy as np

from ..cached_values import BOOL, EMPTY, ERR, NUM, STR, ExcelError
from ..values import Errors, finish, xv_bools, xv_const
from .registry import function


def _type_test(test):
    def impl(ctx, v):
        return xv_bools(test(v).astype(float))
    return impl


@function("ISNUMBER")
@_type_test
def f_isnumber(v):
    return v.typ == NUM


@function("ISTEXT")
@_type_test
def f_istext(v):
    return v.typ == STR


@function("ISBLANK")
@_type_test
def f_isblank(v):
    return v.typ == EMPTY


@function("ISERROR")
@_type_test
def f_iserror(v):
    return v.typ == ERR


@function("ISNA")
@_type_test
def f_isna(v):
    return (v.typ == ERR) & (np.asarray(v.obj if v.obj is not None else np.zeros(v.shape), dtype=object) == "#N/A")


@function("ISLOGICAL")
@_type_test
def f_islogical(v):
    return v.typ == BOOL


@function("N")
def f_n(ctx, v):
    """N(): a number itself, TRUE/FALSE 1/0, text and blanks 0, errors kept."""
    errors = Errors(v.shape)
    errors.add_xv(v)
    return finish(np.where((v.typ == NUM) | (v.typ == BOOL), v.num, 0.0), errors)


@function("NA")
def f_na(ctx):
    return xv_const(ExcelError("#N/A"))
