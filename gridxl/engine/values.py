"""Spreadsheet values as numpy blocks (:class:`XV`), errors that propagate, and Excel's conversions.

A value of a group of n cells has shape (n, h, w): each cell sees an h×w block (1×1 for a plain
value).  Types are the cell types of :mod:`.cached_values` (EMPTY, NUM, STR, BOOL, ERR).
"""
from __future__ import annotations

import re

import numpy as np

from .cached_values import BOOL, EMPTY, ERR, NUM, STR, ExcelError

APPROX = 1.0 / (16777216.0 * 16777216.0)  # LibreOffice's rtl::math::approxEqual tolerance (2^-48)


class XV:
    """Spreadsheet values of shape (n, h, w): n cells of a group, each an h×w block.

    ``typ`` says EMPTY/NUM/STR/BOOL/ERR; ``num`` holds numbers (and 0/1 for
    booleans); ``obj`` holds text and error codes (None when there are none).
    ``ref`` is true when the value is a reference as written (A1, A1:B9, INDEX(…)),
    which changes how SUM, COUNT and friends treat text and booleans.
    """

    __slots__ = ("typ", "num", "obj", "ref")

    def __init__(self, typ, num, obj=None, ref=False):
        self.typ = typ
        self.num = num
        self.obj = obj
        self.ref = ref

    @property
    def shape(self):
        return self.typ.shape

    @property
    def cells(self):
        return self.typ.shape[1] * self.typ.shape[2]

    def is_range(self):
        return self.ref or self.cells > 1

    def take(self, idx):
        if self.typ.shape[0] == 1:
            return self
        return XV(self.typ[idx], self.num[idx], None if self.obj is None else self.obj[idx], self.ref)

    def broadcast(self, shape):
        if self.typ.shape == shape:
            return self
        return XV(np.broadcast_to(self.typ, shape), np.broadcast_to(self.num, shape),
                  None if self.obj is None else np.broadcast_to(self.obj, shape), self.ref)


def xv_const(value) -> XV:
    shape = (1, 1, 1)
    if isinstance(value, ExcelError):
        return XV(np.full(shape, ERR, np.uint8), np.zeros(shape), np.full(shape, str(value), object))
    if isinstance(value, (bool, np.bool_)):
        return XV(np.full(shape, BOOL, np.uint8), np.full(shape, float(value)))
    if isinstance(value, str):
        return XV(np.full(shape, STR, np.uint8), np.zeros(shape), np.full(shape, value, object))
    if value is None:
        return XV(np.full(shape, EMPTY, np.uint8), np.zeros(shape))
    return XV(np.full(shape, NUM, np.uint8), np.full(shape, float(value)))


def xv_numbers(num, err_mask=None, err_codes=None) -> XV:
    typ = np.full(num.shape, NUM, np.uint8)
    obj = None
    if err_mask is not None and err_mask.any():
        typ[err_mask] = ERR
        obj = np.full(num.shape, None, object)
        obj[err_mask] = err_codes[err_mask]
        num = np.where(err_mask, 0.0, num)
    return XV(typ, num, obj)


def xv_bools(b, err_mask=None, err_codes=None) -> XV:
    out = xv_numbers(np.asarray(b, dtype=float), err_mask, err_codes)
    out.typ[out.typ == NUM] = BOOL
    return out


class Errors:
    """The first error met, per element (earlier arguments win, as in Excel)."""

    __slots__ = ("shape", "mask", "codes")

    def __init__(self, shape):
        self.shape = shape
        self.mask = None
        self.codes = None

    def add(self, mask, codes_or_code):
        if mask is None:
            return
        mask = np.broadcast_to(mask, self.shape)
        if not mask.any():
            return
        if self.mask is None:
            self.mask = np.zeros(self.shape, bool)
            self.codes = np.full(self.shape, None, object)
        new = mask & ~self.mask
        if isinstance(codes_or_code, str):
            self.codes[new] = codes_or_code
        else:
            self.codes[new] = np.broadcast_to(codes_or_code, self.shape)[new]
        self.mask |= new

    def add_xv(self, v: XV):
        if v.obj is not None:
            e = v.typ == ERR
            if e.any():
                self.add(e, v.obj)

    def free(self):
        """Elements with no error yet."""
        return None if self.mask is None else ~self.mask


_NUM_TEXT = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def text_to_number(s: str):
    """Text as Excel converts it in arithmetic ("3" -> 3, "50%" -> 0.5), else None."""
    t = s.strip().replace(",", "") if re.fullmatch(r"\s*[+-]?\d{1,3}(,\d{3})+(\.\d*)?\s*", s) else s
    if _NUM_TEXT.match(t):
        return float(t)
    if t.strip().endswith("%") and _NUM_TEXT.match(t.strip()[:-1]):
        return float(t.strip()[:-1]) / 100
    return None


def numeric(v: XV, errors: Errors):
    """v as numbers: empty 0, booleans 0/1, numeric text converted, other text #VALUE!."""
    t = v.typ
    if v.obj is None:
        return np.where(t == EMPTY, 0.0, v.num) if (t == EMPTY).any() else v.num
    num = np.where(t == EMPTY, 0.0, v.num)
    errors.add_xv(v)
    s = t == STR
    if s.any():
        num = np.array(num, dtype=float)
        bad = np.zeros(t.shape, bool)
        for idx in zip(*np.nonzero(s)):
            x = text_to_number(v.obj[idx])
            if x is None:
                bad[idx] = True
            else:
                num[idx] = x
        errors.add(bad, "#VALUE!")
    return num


def truth(v: XV, errors: Errors):
    t = v.typ
    b = (v.num != 0) & ((t == NUM) | (t == BOOL))
    if v.obj is not None:
        errors.add_xv(v)
        s = t == STR
        if s.any():
            b = np.array(b)
            bad = np.zeros(t.shape, bool)
            for idx in zip(*np.nonzero(s)):
                word = str(v.obj[idx]).strip().upper()
                if word in ("TRUE", "FALSE"):
                    b[idx] = word == "TRUE"
                else:
                    bad[idx] = True
            errors.add(bad, "#VALUE!")
    return b


def finish(num, errors: Errors, kind=NUM) -> XV:
    if errors.mask is None:
        bad = ~np.isfinite(num)
        if bad.any():
            errors.add(bad, "#NUM!")
    else:
        bad = ~np.isfinite(num) & ~errors.mask
        if bad.any():
            errors.add(bad, "#NUM!")
    out = xv_numbers(np.asarray(num, dtype=float), errors.mask, errors.codes)
    if kind == BOOL:
        out.typ[out.typ == NUM] = BOOL
    return out


def shape_of(*vs):
    return np.broadcast_shapes(*(v.shape for v in vs))


def general_text(x: float) -> str:
    """A number as a General-format cell shows it (up to 15 significant digits)."""
    if x == 0:
        return "0"
    text = f"{x:.15g}"
    if "e" in text:
        mant, exp = text.split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def as_text(v: XV, errors: Errors):
    errors.add_xv(v)
    out = np.empty(v.shape, object)
    for idx in np.ndindex(v.shape):
        t = v.typ[idx]
        if t == STR:
            out[idx] = v.obj[idx]
        elif t == NUM:
            out[idx] = general_text(float(v.num[idx]))
        elif t == BOOL:
            out[idx] = "TRUE" if v.num[idx] else "FALSE"
        else:
            out[idx] = ""
    return out



def select(cond, a: XV, b: XV) -> XV:
    """Element-wise cond ? a : b."""
    shape = np.broadcast_shapes(np.shape(cond), a.shape, b.shape)
    typ = np.where(cond, a.typ, b.typ).astype(np.uint8)
    num = np.where(cond, a.num, b.num)
    obj = None
    if a.obj is not None or b.obj is not None:
        oa = a.obj if a.obj is not None else np.full((1, 1, 1), None, object)
        ob = b.obj if b.obj is not None else np.full((1, 1, 1), None, object)
        obj = np.where(cond, oa, ob)
    return XV(np.broadcast_to(typ, shape), np.broadcast_to(num, shape),
              None if obj is None else np.broadcast_to(obj, shape))


def with_errors(v: XV, errors: Errors) -> XV:
    if errors.mask is None:
        return v
    shape = np.broadcast_shapes(v.shape, errors.shape)
    v = v.broadcast(shape)
    typ = np.array(v.typ)
    obj = np.array(v.obj) if v.obj is not None else np.full(shape, None, object)
    typ[errors.mask] = ERR
    obj[errors.mask] = errors.codes[errors.mask]
    return XV(typ, np.array(v.num), obj, v.ref)


