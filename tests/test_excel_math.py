"""Excel's ROUND family: 15 significant digits first, then half away from zero."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from gridxl.core.excel_math import (excel_round, excel_rounddown, excel_roundup, format_number,
                                    reference_round)

# (expression as Excel sees it, value, digits, what Excel and LibreOffice show)
CASES = [
    ("5*113/200", 5 * 113 / 200, 2, 2.83),      # the double is 2.8249999999999997
    ("45.3/80*100", 45.3 / 80 * 100, 2, 56.63),  # 56.624999999999993
    ("8.125", 8.125, 2, 8.13),                    # Python's round gives 8.12
    ("2.675", 2.675, 2, 2.68),                    # the double is 2.67499999999999982236431605997495353221893310546875
    ("1.005", 1.005, 2, 1.01),
    ("-2.5", -2.5, 0, -3.0),                      # half away from zero, not to even
    ("0.5", 0.5, 0, 1.0),
    ("1234.5", 1234.5, -1, 1230.0),
    ("1235", 1235.0, -1, 1240.0),
    ("(97.55-80)/18*20", (97.55 - 80) / 18 * 20, 2, 19.5),
    ("0", 0.0, 2, 0.0),
]


@pytest.mark.parametrize("text,value,digits,shown", CASES)
def test_round_matches_excel(text, value, digits, shown):
    assert excel_round(value, digits) == shown


def test_python_round_would_be_wrong_here():
    # the reason the module exists: these differ from Python's built-in round()
    assert round(8.125, 2) == 8.12 and excel_round(8.125, 2) == 8.13
    assert round(45.3 / 80 * 100, 2) == 56.62 and excel_round(45.3 / 80 * 100, 2) == 56.63
    assert round(2.675, 2) == 2.67 and excel_round(2.675, 2) == 2.68


@pytest.mark.parametrize("value,digits,up,down", [
    (2.1, 0, 3.0, 2.0), (2.0, 0, 2.0, 2.0), (-2.1, 0, -3.0, -2.0),
    (0.7 * 3 * 10, 0, 21.0, 21.0),  # 20.999999999999996 is 21 at 15 digits
    (3.14159, 2, 3.15, 3.14),
])
def test_roundup_rounddown(value, digits, up, down):
    assert excel_roundup(value, digits) == up
    assert excel_rounddown(value, digits) == down


def test_vectorised_equals_scalar():
    import numpy as np
    xs = np.array([5 * 113 / 200, 45.3 / 80 * 100, -2.5, np.nan, 0.0])
    out = excel_round(xs, 2)
    assert out[:3].tolist() == [2.83, 56.63, -2.5] and math.isnan(out[3]) and out[4] == 0.0


numbers = st.one_of(
    st.integers(-10**9, 10**9).map(lambda i: i / 1000),
    st.tuples(st.integers(0, 10**6), st.integers(1, 10**4)).map(lambda t: t[0] / t[1]),
    st.floats(-1e9, 1e9, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-300),  # no subnormals
)


@settings(max_examples=3000, deadline=None)
@given(numbers, st.integers(-3, 6))
def test_round_family_equals_decimal_reference(x, digits):
    assert excel_round(x, digits) == reference_round(x, digits, "half_up")
    assert excel_roundup(x, digits) == reference_round(x, digits, "up")
    assert excel_rounddown(x, digits) == reference_round(x, digits, "down")


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 4))
def test_exact_halves_round_away_from_zero(n, digits):
    # n + 0.5 units of the last digit, written as a decimal the way a clerk types it
    text = f"{n}5e-{digits + 1}"
    x = float(text)
    expected = (n + 1) / 10**digits
    assert excel_round(x, digits) == pytest.approx(expected, abs=0) or excel_round(x, digits) == float(
        f"{(n + 1)}e-{digits}")


def test_format_number_drops_trailing_zeros():
    assert format_number(20.0) == "20" and format_number(19.5) == "19.5" and format_number(9.857) == "9.86"
