"""Math functions: SUM, SUMPRODUCT, ROUND and its kin (Excel-exact, 15 significant digits), MOD, …"""
from __future__ import annotations

import math

import numpy as np

from gridxl.core.excel_math import excel_round, excel_rounddown, excel_roundup

from ..cached_values import NUM, ExcelError
from ..operators import op_arith
from ..values import Errors, finish, numeric, shape_of, xv_const
from .common import lead, per_cell, row_errors, values_of
from .registry import function


@function("SUM")
def f_sum(ctx, *args):
    n = lead(args)
    errors = Errors((n, 1, 1))
    total = np.zeros((n, 1, 1))
    for v in args:
        x = values_of(v, errors)
        cells = x.shape[1] * x.shape[2]
        if cells <= 64:  # cell by cell, left to right, as the spreadsheet adds
            flat = x.reshape(x.shape[0], -1)
            for j in range(cells):
                total = total + np.nan_to_num(flat[:, j], nan=0.0).reshape(-1, 1, 1)
        else:
            total = total + np.nansum(x, axis=(1, 2), keepdims=True)
    return per_cell(np.broadcast_to(total, (n, 1, 1)), errors)


def _unary_math(fn):
    def impl(ctx, v):
        errors = Errors(v.shape)
        x = numeric(v, errors)
        with np.errstate(all="ignore"):
            return finish(fn(x, errors), errors)
    return impl


@function("INT")
@_unary_math
def f_int(x, errors):
    return np.floor(x)


@function("ABS")
@_unary_math
def f_abs(x, errors):
    return np.abs(x)


@function("SIGN")
@_unary_math
def f_sign(x, errors):
    return np.sign(x)


def _rounding(fn):
    def impl(ctx, v, d=None):
        shape = shape_of(v, d) if d is not None else v.shape
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


for _name, _fn in (("ROUND", excel_round), ("ROUNDUP", excel_roundup), ("ROUNDDOWN", excel_rounddown),
                   ("TRUNC", excel_rounddown)):
    function(_name)(_rounding(_fn))
del _name, _fn


def _mod(x, y, errors):
    errors.add(y == 0, "#DIV/0!")
    with np.errstate(all="ignore"):
        return x - y * np.floor(x / np.where(y == 0, 1, y))


@function("MOD")
def f_mod(ctx, a, b):
    shape = shape_of(a, b)
    errors = Errors(shape)
    x, y = np.broadcast_arrays(numeric(a, errors), numeric(b, errors))
    return finish(_mod(x, y, errors), errors)


@function("SQRT")
def f_sqrt(ctx, v):
    errors = Errors(v.shape)
    x = numeric(v, errors)
    errors.add(x < 0, "#NUM!")
    with np.errstate(all="ignore"):
        return finish(np.sqrt(np.abs(x)), errors)


@function("POWER")
def f_power(ctx, a, b):
    return op_arith("^", a, b)


@function("SUMPRODUCT")
def f_sumproduct(ctx, *args):
    n = lead(args)
    errors = Errors((n, 1, 1))
    blocks = {(v.shape[1], v.shape[2]) for v in args}
    if len(blocks) > 1:
        return xv_const(ExcelError("#VALUE!")).broadcast((n, 1, 1))
    prod = None
    for v in args:
        errors.add(*row_errors(v))
        x = np.where(v.typ == NUM, v.num, 0.0)
        prod = x if prod is None else prod * x
    total = prod.sum(axis=(1, 2), keepdims=True)
    return per_cell(np.broadcast_to(total, (n, 1, 1)), errors)


@function("PI")
def f_pi(ctx):
    return xv_const(math.pi)
