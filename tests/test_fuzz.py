"""Fuzz: random mutations of real input files never produce a traceback, only clear errors.

A fixed budget (derandomised, a set number of examples) keeps CI time bounded.
"""
from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

from gridxl.core import builtin_schemes, score_frame
from gridxl.core.scoring import ScoringError
from gridxl.io.inputs import InputError, read_table

from .conftest import SAMPLES
from .tiers import slow

pytestmark = slow  # the slow tier: --all, CI=1


SCHEMES = {s.id: s for s in builtin_schemes() if (SAMPLES / f"{s.id}.csv").exists() and not s.subunit_fields()
           and s.ballots is None}

junk = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "\u00a0", "１２", "1,234", "95%", "-1", "1e308", "nan", "inf", "=1+1", "@A1",
                     "TRUE", "０.５", "3.", ".5", "1,2,3", "１２３４５６７８９０", "一百", "\t", "NULL"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10**12, 10**12),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(scheme_id=st.sampled_from(sorted(SCHEMES)), mutations=st.lists(
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), junk), min_size=1, max_size=6),
    drop_column=st.one_of(st.none(), st.integers(0, 10**6)), data=st.data())
def test_mutated_inputs_give_scores_or_clear_errors(tmp_path_factory, scheme_id, mutations, drop_column, data):
    scheme = SCHEMES[scheme_id]
    frame = pd.read_csv(SAMPLES / f"{scheme_id}.csv", dtype=object)
    for row, col, value in mutations:
        frame.iat[row % len(frame), col % len(frame.columns)] = value
    if drop_column is not None and data.draw(st.booleans()):
        frame = frame.drop(columns=frame.columns[drop_column % len(frame.columns)])
    path = tmp_path_factory.mktemp("fuzz") / "in.csv"
    frame.to_csv(path, index=False)
    try:
        table = score_frame(scheme, read_table(path, scheme)).table
    except (InputError, ScoringError) as exc:
        message = str(exc)
        assert message.strip() and "Traceback" not in message
        return
    assert len(table) == len(frame.dropna(how="all"))
