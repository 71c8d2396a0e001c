"""Excel's arithmetic where it differs from Python's.

Excel (and LibreOffice, WPS) round a double to 15 significant digits before
ROUND/ROUNDUP/ROUNDDOWN look at it, then round half away from zero. So
``ROUND(5*113/200, 2)`` is 2.83 although the double is 2.8249999999999997,
and Python's ``round()`` says 2.82.  Every score in gridxl goes through
:func:`excel_round`.

The functions are vectorised over numpy arrays (the batch scorer feeds whole
columns) and also accept plain floats.
"""
from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np

SIGNIFICANT_DIGITS = 15


_CHUNK = 1 << 15  # values at a time: the many temporaries below stay in the processor's cache


def _round_array(x, digits: int, mode: str):
    x = np.asarray(x, dtype=float)
    if x.size > 2 * _CHUNK:  # element by element, so a column in chunks is the same column
        flat = x.reshape(-1)
        out = np.empty_like(flat)
        for i in range(0, len(flat), _CHUNK):
            out[i:i + _CHUNK] = _round_chunk(flat[i:i + _CHUNK], digits, mode)
        return out.reshape(x.shape)
    return _round_chunk(x, digits, mode)


def _round_chunk(x, digits: int, mode: str):
    digits = int(digits)
    scale = 10.0 ** abs(digits)
    mag = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scaled = mag * scale if digits >= 0 else mag / scale
        exponent = np.floor(np.log10(np.where(mag > 0, mag, 1.0)))
        # Half a unit of the 15th significant digit of x, in scaled units: any
        # scaled value within it of the rounding point is "at" that point once
        # taken to 15 digits.
        unit = 10.0 ** (exponent - (SIGNIFICANT_DIGITS - 1))
        slack = 0.5 * (unit * scale if digits >= 0 else unit / scale)
        whole = np.floor(scaled)
        frac = scaled - whole
        if mode == "half_up":
            edges = (0.5 - slack,)
            up = frac >= edges[0]
        elif mode == "up":  # ROUNDUP: away from zero unless already whole at 15 digits
            edges = (slack, 1 - slack)
            up = (frac > slack) & (frac < 1 - slack)
            whole = np.where(frac >= 1 - slack, whole + 1, whole)
        else:  # ROUNDDOWN: towards zero unless within 15 digits of the next whole
            edges = (1 - slack,)
            up = frac >= edges[0]
        result = whole + up
        result = result / scale if digits >= 0 else result * scale
        # Where frac lies within float error of a decision edge, decide exactly (rare).
        error = 4 * np.spacing(np.where(np.isfinite(scaled), scaled, 0.0)) + 1e-300
        near = np.zeros(np.shape(x), dtype=bool)
        for edge in edges:
            near |= np.abs(frac - edge) <= error
    result = np.where(mag > 0, result, 0.0) * np.sign(x)
    # Rounding at or past the 15th significant digit changes nothing beyond
    # the 15-digit value itself (rare: huge digits or huge numbers).
    fine = np.isfinite(x) & (mag > 0) & (slack >= 0.05)
    if fine.any():  # only those values: the decimal strings are made one by one
        result = np.array(result, dtype=float).reshape(-1)
        result[fine.reshape(-1)] = _to_15_digits(np.asarray(x, dtype=float).reshape(-1)[fine.reshape(-1)])
        result = result.reshape(np.shape(x))
    near &= np.isfinite(x) & (mag > 0) & ~fine
    if near.any():
        exact = np.array([reference_round(float(v), digits, mode) for v in np.asarray(x).reshape(-1)[near.reshape(-1)]])
        result = np.array(result, dtype=float).reshape(-1)
        result[near.reshape(-1)] = exact
        result = result.reshape(np.shape(x))
    result = np.where(np.isfinite(x), result, x)
    return result + 0.0  # no negative zero


def _to_15_digits(x):
    """x to 15 significant digits, exactly (via the decimal string; only reached when the
    rounding position is at or past the 15th significant digit, which scores never need)."""
    flat = np.asarray(x, dtype=float).reshape(-1)
    out = np.array([float(f"{v:.{SIGNIFICANT_DIGITS - 1}e}") if np.isfinite(v) else v for v in flat])
    return out.reshape(np.shape(x))


def excel_round(x, digits: int = 0):
    """Excel's ROUND: 15 significant digits, then half away from zero."""
    out = _round_array(x, digits, "half_up")
    return float(out) if np.ndim(out) == 0 else out


def excel_roundup(x, digits: int = 0):
    """Excel's ROUNDUP (away from zero)."""
    out = _round_array(x, digits, "up")
    return float(out) if np.ndim(out) == 0 else out


def excel_rounddown(x, digits: int = 0):
    """Excel's ROUNDDOWN (towards zero)."""
    out = _round_array(x, digits, "down")
    return float(out) if np.ndim(out) == 0 else out


def reference_round(x: float, digits: int = 0, mode: str = "half_up") -> float:
    """Slow, obviously-correct ROUND via decimal strings; used by the tests."""
    if not math.isfinite(x):
        return x
    d15 = Decimal(f"{x:.{SIGNIFICANT_DIGITS - 1}e}")
    quantum = Decimal(1).scaleb(-digits)
    sign = -1 if d15 < 0 else 1
    rounding = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}[mode]
    value = abs(d15).quantize(quantum, rounding=rounding) if digits >= 0 else (
        (abs(d15) / Decimal(10) ** -digits).quantize(Decimal(1), rounding=rounding) * Decimal(10) ** -digits)
    return float(sign * value) + 0.0


def format_number(x: float, digits: int = 2) -> str:
    """A score as Excel shows it in a 'General' cell after ROUND: 20, 19.5, 9.86."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    text = f"{excel_round(x, digits):.{max(digits, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
