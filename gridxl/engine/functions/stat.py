"""Statistical functions: MIN, MAX, AVERAGE, the COUNTs, RANK, SMALL and LARGE (sorting a shared range once)."""
from __future__ import annotations

import numpy as np

from ..cached_values import BOOL, EMPTY, NUM, STR, ExcelError
from ..values import Errors, numeric, text_to_number, xv_const, xv_numbers
from .common import gather_numbers, lead, per_cell, row_errors
from .registry import function


def _extreme(args, reduce, fill):
    errors = Errors((lead(args), 1, 1))
    x, n = gather_numbers(args, errors)
    if not x.shape[1]:
        return per_cell(np.zeros(n), errors)
    with np.errstate(all="ignore"):  # no numbers at all: 0, as MIN and MAX give
        out = np.where(np.isnan(x).all(axis=1), 0.0, reduce(np.where(np.isnan(x), fill, x), axis=1))
    return per_cell(out, errors)


@function("MIN")
def f_min(ctx, *args):
    return _extreme(args, np.min, np.inf)


@function("MAX")
def f_max(ctx, *args):
    return _extreme(args, np.max, -np.inf)


@function("AVERAGE")
def f_average(ctx, *args):
    errors = Errors((lead(args), 1, 1))
    x, n = gather_numbers(args, errors)
    count = (~np.isnan(x)).sum(axis=1)
    errors.add((count == 0).reshape(-1, 1, 1), "#DIV/0!")
    with np.errstate(all="ignore"):
        out = np.nansum(x, axis=1) / np.maximum(count, 1)
    return per_cell(out, errors)


@function("COUNT")
def f_count(ctx, *args):
    n = lead(args)
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


@function("COUNTA")
def f_counta(ctx, *args):
    n = lead(args)
    count = np.zeros((n, 1, 1))
    for v in args:
        count = count + (v.typ != EMPTY).sum(axis=(1, 2), keepdims=True)
    return xv_numbers(np.broadcast_to(count, (n, 1, 1)).astype(float))


@function("COUNTBLANK")
def f_countblank(ctx, v):
    blank = (v.typ == EMPTY)
    if v.obj is not None:
        blank = blank | ((v.typ == STR) & (v.obj == ""))
    return xv_numbers(blank.sum(axis=(1, 2), keepdims=True).astype(float))


@function("RANK", "RANK.EQ")
def f_rank(ctx, x, ref, order=None):
    n = lead([x, ref] + ([order] if order is not None else []))
    errors = Errors((n, 1, 1))
    if not ref.ref:
        return xv_const(ExcelError("#VALUE!")).broadcast((n, 1, 1))
    xv = np.broadcast_to(numeric(x, errors), (n, 1, 1)).reshape(n)
    errors.add(np.broadcast_to(x.typ == STR, (n, 1, 1)), "#VALUE!")
    asc = np.broadcast_to(numeric(order, errors), (n, 1, 1)).reshape(n) != 0 if order is not None \
        else np.zeros(n, bool)
    errors.add(*row_errors(ref))
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
    return per_cell(out, errors)


def _kth(ctx, arr, k, largest):
    n = lead([arr, k])
    errors = Errors((n, 1, 1))
    errors.add(*row_errors(arr))
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
    return per_cell(out, errors)


@function("SMALL")
def f_small(ctx, arr, k):
    return _kth(ctx, arr, k, False)


@function("LARGE")
def f_large(ctx, arr, k):
    return _kth(ctx, arr, k, True)
