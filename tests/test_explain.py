"""Explanations built for whole columns give, unit for unit, the text of the one-unit-at-a-time reference."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridxl.core import builtin_paths, get_scheme, score_frame
from gridxl.core.excel_math import format_number
from gridxl.core.texts import numbers
from gridxl.io.inputs import read_scheme_inputs

from . import explain_reference
from .conftest import SAMPLES


def _reference_table(scheme, frame, sub):
    """score_frame's explanations, and the reference's from the very arguments score_frame passes."""
    from gridxl.core import scoring
    seen = {}
    real = scoring.explain_columns

    def spy(*args):
        seen["args"] = args
        return real(*args)
    scoring.explain_columns = spy
    try:
        result = score_frame(scheme, frame, sub, explain=True)
    finally:
        scoring.explain_columns = real
    return result, explain_reference.explain_frame(*seen["args"])


@pytest.mark.parametrize("sid", list(builtin_paths()))
def test_sample_explanations_equal_the_reference(sid):
    scheme = get_scheme(sid)
    ballots = SAMPLES / f"{sid}-ballots.csv"
    subunits = SAMPLES / f"{sid}-subunits.csv"
    frame, sub = read_scheme_inputs(scheme, SAMPLES / f"{sid}.csv", subunits if subunits.exists() else None,
                                    ballots=ballots if ballots.exists() else None)
    result, reference = _reference_table(scheme, frame, sub)
    for ind in scheme.indicators:
        assert result.explain[ind.key].tolist() == reference[ind.key].tolist(), ind.key


def test_seed004_explanation_in_words():
    scheme = get_scheme("yushui-2022")
    frame, _ = read_scheme_inputs(scheme, SAMPLES / "yushui-2022.csv")
    result = score_frame(scheme, frame, explain=True)
    row = result.explain[result.explain["unit"] == "界水乡"].iloc[0]
    assert row["timely_rate"] == "处理及时率 (2327-2)/2327=99.91% >= 98% -> 20"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-10**6, 10**6).map(float),
                          st.just(float("nan")), st.sampled_from([0.125, 2.675, -0.0, 1e-5, 99.995, 1e17])),
                min_size=1, max_size=30), st.sampled_from([0, 1, 2, 4]))
def test_column_number_texts_equal_format_number(values, digits):
    assert numbers(np.asarray(values), digits).tolist() == [format_number(v, digits) for v in values]


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_random_inputs_explain_like_the_reference(data):
    from .strategies import scheme_inputs
    sid = data.draw(st.sampled_from([s for s in builtin_paths() if not get_scheme(s).ballots
                                     and not any(i.per_subunit for i in get_scheme(s).indicators)]))
    scheme = get_scheme(sid)
    frame, _ = scheme_inputs(scheme, data)
    result, reference = _reference_table(scheme, frame, None)
    for ind in scheme.indicators:
        assert result.explain[ind.key].tolist() == reference[ind.key].tolist(), (sid, ind.key)
