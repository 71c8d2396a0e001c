"""The operators: arithmetic, comparison (Excel's type order, LibreOffice's tolerance), & and unary."""
from __future__ import annotations

import numpy as np

from .cached_values import BOOL, EMPTY, ERR, NUM, STR
from .errors import Unsupported
from .values import APPROX, XV, Errors, as_text, finish, numeric, shape_of


def op_arith(name, a: XV, b: XV) -> XV:
    shape = shape_of(a, b)
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
    shape = shape_of(a, b)
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
    errors = Errors(shape_of(a, b))
    code, shape = _cmp_codes(a, b, errors)
    res = {"=": code == 0, "<>": code != 0, "<": code < 0, "<=": code <= 0, ">": code > 0, ">=": code >= 0}[name]
    return finish(res.astype(float), errors, BOOL)


def op_concat(a: XV, b: XV) -> XV:
    shape = shape_of(a, b)
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


