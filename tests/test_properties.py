"""Properties every built-in scheme must have, on random valid inputs."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gridxl.core import builtin_schemes, score_frame

from .strategies import scheme_inputs
from .tiers import scheme_sweep

SCHEMES = builtin_schemes()
MONOTONE_UP = {"ratio", "rate", "linear", "steps", "shortfall"}


def _score(scheme, data):
    frame, subs = scheme_inputs(scheme, data)
    return frame, subs, score_frame(scheme, frame, subs, measures=True)


@pytest.mark.parametrize("scheme", scheme_sweep(SCHEMES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_scores_within_bounds_and_total_is_sum(scheme, data):
    frame, subs, result = _score(scheme, data)
    table = result.table
    for ind in scheme.indicators:
        lo, hi = ind.score_bounds
        col = table[ind.key].to_numpy(dtype=float)
        assert not np.isnan(col).any(), f"{ind.key} has no score for valid inputs"
        if lo is not None:
            assert (col >= lo - 1e-9).all(), f"{ind.key} below {lo}: {col}"
        if hi is not None:
            assert (col <= hi + 1e-9).all(), f"{ind.key} above {hi}: {col}"
        # every score is already rounded to its digits
        assert np.allclose(col, np.round(col, ind.digits), atol=1e-9)
    total = sum(table[i.key] for i in scheme.indicators)
    assert np.allclose(table["total"], total, atol=1e-9)
    # competition rank: 1 + number of strictly higher totals; dense: 1 + distinct higher totals
    t = table["total"].to_numpy()
    for i in range(len(t)):
        assert table["rank"][i] == 1 + (t > t[i]).sum()
        assert table["rank_dense"][i] == 1 + len(set(t[t > t[i]]))


@pytest.mark.parametrize("scheme", scheme_sweep(SCHEMES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_scores_rise_with_the_measured_value(scheme, data):
    """For kinds that reward a value against a standard, a larger value never scores less."""
    frame, subs, result = _score(scheme, data)
    for ind in scheme.indicators:
        if ind.kind not in MONOTONE_UP or ind.when or ind.per_subunit or ind.key not in result.measures:
            continue
        if any(isinstance(v, dict) for v in ind.params.values()):
            continue  # parameters by case (grid type, town) compare different standards
        m = result.measures[ind.key]
        s = result.table[ind.key].to_numpy()
        ok = ~np.isnan(m)
        order = np.argsort(m[ok], kind="stable")
        assert (np.diff(s[ok][order]) >= -1e-9).all(), f"{ind.key}: {list(zip(m[ok][order], s[ok][order]))}"


@pytest.mark.parametrize("scheme", scheme_sweep(SCHEMES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_more_occurrence_never_helps(scheme, data):
    """Deductions and penalties: one more counted occurrence never raises the score."""
    frame, subs, result = _score(scheme, data)
    for ind in scheme.indicators:
        if ind.kind not in ("deduction", "penalty"):
            continue
        for item in ind.items:
            if "field" not in item or item.get("each", 1) < 0 or item["field"] not in frame:
                continue
            spec = scheme.field(item["field"]) if item["field"] in scheme.field_keys else None
            if spec is None or spec.type != "count" or spec.level != "unit":
                continue
            bumped = frame.copy()
            bumped[item["field"]] = bumped[item["field"]] + 1
            after = score_frame(scheme, bumped, subs).table[ind.key].to_numpy()
            before = result.table[ind.key].to_numpy()
            assert (after <= before + 1e-9).all(), f"{ind.key}/{item['field']}"
