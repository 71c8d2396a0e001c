"""Lookup and reference functions: INDEX, MATCH, CHOOSE.  ROW, COLUMN, ROWS and COLUMNS are nodes
(:mod:`..nodes`): they read the reference, not its values."""
from __future__ import annotations

import numpy as np

from ..cached_values import NUM, ExcelError, decode
from ..values import XV, Errors, numeric, select, with_errors, xv_const
from .common import lead, per_cell
from .criteria import crit_key, crit_value, criteria_mask
from .registry import function


@function("INDEX")
def f_index(ctx, arr, r, c=None):
    n = lead([arr, r] + ([c] if c is not None else []))
    errors = Errors((n, 1, 1))
    h, w = arr.shape[1], arr.shape[2]
    rr = np.broadcast_to(numeric(r, errors), (n, 1, 1)).reshape(n).astype(np.int64)
    if c is None:
        cc = np.ones(n, np.int64)
        if h == 1 and w > 1:
            rr, cc = np.ones(n, np.int64), rr
    else:
        cc = np.broadcast_to(numeric(c, errors), (n, 1, 1)).reshape(n).astype(np.int64)
    bad = (rr < 1) | (rr > h) | (cc < 1) | (cc > w)
    errors.add(bad.reshape(n, 1, 1), "#REF!")
    ri = np.clip(rr - 1, 0, h - 1)
    ci = np.clip(cc - 1, 0, w - 1)
    ai = np.zeros(n, np.int64) if arr.shape[0] == 1 else np.arange(n)
    typ = arr.typ[ai, ri, ci].reshape(n, 1, 1)
    num = arr.num[ai, ri, ci].reshape(n, 1, 1)
    obj = None if arr.obj is None else np.asarray(arr.obj)[ai, ri, ci].reshape(n, 1, 1)
    return with_errors(XV(typ, num, obj, ref=arr.ref), errors)


@function("MATCH")
def f_match(ctx, x, arr, kind=None):
    n = lead([x, arr] + ([kind] if kind is not None else []))
    errors = Errors((n, 1, 1))
    h, w = arr.shape[1], arr.shape[2]
    if h > 1 and w > 1:
        return xv_const(ExcelError("#N/A")).broadcast((n, 1, 1))
    mt = 1.0 if kind is None else float(np.broadcast_to(numeric(kind, errors), (n, 1, 1)).reshape(n)[0])
    xb = x.broadcast((n, 1, 1))
    out = np.zeros(n)
    missing = np.zeros(n, bool)
    lookup = {}
    for i in range(n):
        a = 0 if arr.shape[0] == 1 else i
        typ, num = arr.typ[a].ravel(), arr.num[a].ravel()
        obj = None if arr.obj is None else np.asarray(arr.obj[a]).ravel()
        value = crit_value(xb, (i, 0, 0))
        if mt == 0:
            if isinstance(value, str) and any(ch in value for ch in "*?"):
                mask = criteria_mask(typ, num, obj, "=" + value)
                hits = np.nonzero(mask)[0]
                pos = hits[0] if len(hits) else -1
            else:
                if a not in lookup:
                    first = {}
                    for j in range(len(typ) - 1, -1, -1):
                        v = decode(int(typ[j]), float(num[j]), obj[j] if obj is not None else None)
                        if v is not None:
                            first[crit_key(v.lower() if isinstance(v, str) else v)] = j
                    lookup[a] = first
                key = crit_key(value.lower() if isinstance(value, str) else value)
                pos = lookup[a].get(key, -1)
        else:
            pos = -1
            for j in range(len(typ)):  # approximate match: the last value not past x (sorted data)
                if typ[j] != NUM or not isinstance(value, float):
                    continue
                if (mt > 0 and num[j] <= value) or (mt < 0 and num[j] >= value):
                    pos = j
                else:
                    break
        out[i] = pos + 1
        missing[i] = pos < 0
    errors.add(missing.reshape(n, 1, 1), "#N/A")
    return per_cell(out, errors)


@function("CHOOSE")
def f_choose(ctx, k, *options):
    n = lead([k] + list(options))
    errors = Errors((n, 1, 1))
    kk = np.broadcast_to(numeric(k, errors), (n, 1, 1)).astype(np.int64)
    errors.add((kk < 1) | (kk > len(options)), "#VALUE!")
    out = xv_const(ExcelError("#VALUE!")).broadcast((n, 1, 1))
    for i, opt in enumerate(options, start=1):
        out = select(kk == i, opt, out)
    return with_errors(out, errors)
