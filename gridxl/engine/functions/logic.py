"""Logical functions: AND, OR, NOT, TRUE(), FALSE().  IF, IFERROR and IFNA are nodes (:mod:`..nodes`):
only the branch a cell takes is computed."""
from __future__ import annotations

import numpy as np

from ..cached_values import BOOL, NUM
from ..values import Errors, finish, truth, xv_const
from .common import lead, per_cell, row_errors
from .registry import function


def _logical(args, how):
    n = lead(args)
    errors = Errors((n, 1, 1))
    seen = np.zeros((n, 1, 1), bool)
    acc = np.full((n, 1, 1), how == "and")
    for v in args:
        if v.is_range():
            errors.add(*row_errors(v))
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
    return per_cell(np.broadcast_to(acc, (n, 1, 1)).astype(float), errors, BOOL)


@function("AND")
def f_and(ctx, *args):
    return _logical(args, "and")


@function("OR")
def f_or(ctx, *args):
    return _logical(args, "or")


@function("NOT")
def f_not(ctx, v):
    errors = Errors(v.shape)
    return finish((~truth(v, errors)).astype(float), errors, BOOL)


@function("TRUE")
def f_true(ctx):
    return xv_const(True)


@function("FALSE")
def f_false(ctx):
    return xv_const(False)
