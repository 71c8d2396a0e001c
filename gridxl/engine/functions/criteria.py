"""COUNTIF, SUMIF, AVERAGEIF and the …IFS: criteria such as ">=2", "x*", "" matched as Excel does."""
from __future__ import annotations

import re

import numpy as np

from ..cached_values import BOOL, EMPTY, ERR, NUM, STR, ExcelError, decode
from ..values import APPROX, XV, Errors, finish, text_to_number, xv_const
from .registry import function


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


def crit_value(v: XV, idx):
    return decode(int(v.typ[idx]), float(v.num[idx]), v.obj[idx] if v.obj is not None else None)


def crit_key(value):
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
            value = crit_value(crit.broadcast(out_shape), row)
            key = (k, crit_key(value), row[0] if not shared else 0)
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


@function("COUNTIF")
def f_countif(ctx, rng, crit):
    return _ifs("count", [(rng, crit)], None)


@function("SUMIF")
def f_sumif(ctx, rng, crit, target=None):
    return _ifs("sum", [(rng, crit)], target if target is not None else rng)


@function("AVERAGEIF")
def f_averageif(ctx, rng, crit, target=None):
    return _ifs("average", [(rng, crit)], target if target is not None else rng)


@function("COUNTIFS")
def f_countifs(ctx, *args):
    return _ifs("count", list(zip(args[0::2], args[1::2])), None)


@function("SUMIFS")
def f_sumifs(ctx, target, *args):
    return _ifs("sum", list(zip(args[0::2], args[1::2])), target)


@function("AVERAGEIFS")
def f_averageifs(ctx, target, *args):
    return _ifs("average", list(zip(args[0::2], args[1::2])), target)
