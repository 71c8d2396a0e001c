"""Hypothesis strategies: valid input tables for any scheme, from its field declarations."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume
from hypothesis import strategies as st

from gridxl.core.expr import Env, Field
from gridxl.core.scheme import Scheme
from gridxl.core.scoring import field_env
from gridxl.core.shares import rate_divisions
from gridxl.core.validity import share_invalid


def field_value(spec, scheme: Scheme | None = None):
    lo, hi = spec.bounds()
    if spec.type == "choice":
        return st.sampled_from(spec.choices or ["-"])
    if spec.type == "flag":
        return st.sampled_from([0.0, 1.0])
    if spec.type == "rate":
        return st.one_of(st.integers(0, 10000).map(lambda i: i / 10000), st.sampled_from([0.0, 0.6, 0.8, 0.9, 0.98, 1.0]))
    if spec.type == "count":
        top = int(hi) if hi is not None else 3000
        return st.one_of(st.integers(int(lo or 0), min(top, 30)), st.integers(int(lo or 0), top)).map(float)
    if spec.type == "score":
        top = hi if hi is not None else _score_cap(spec, scheme)
        return st.integers(int((lo or 0) * 100), int(top * 100)).map(lambda i: i / 100)
    low = lo if lo is not None else 0
    top = hi if hi is not None else 1000
    return st.integers(int(low * 100), int(top * 100)).map(lambda i: i / 100)


def _score_cap(spec, scheme):
    """An inspector's score field read by an `entered` indicator is bounded by that indicator."""
    if scheme is not None:
        for ind in scheme.indicators:
            if ind.kind == "entered" and ind.value_text == spec.key:
                return ind.score_bounds[1]
    return 100.0


def unit_rows(scheme: Scheme, min_units=1, max_units=8, level="unit"):
    specs = [f for f in scheme.fields if f.level == level]
    row = st.fixed_dictionaries({f.key: field_value(f, scheme) for f in specs})
    return st.lists(row, min_size=min_units, max_size=max_units)


def unit_names(scheme: Scheme) -> list[str] | None:
    """Units a scheme knows by name (a parameter given per unit, e.g. 东营's 办结数量 base), if any."""
    for ind in scheme.indicators:
        for value in ind.params.values():
            if isinstance(value, dict) and value.get("by") == "unit":
                return [k for k in value if k != "by"]
    return None


def frame_of(rows, names=None, prefix="单位"):
    names = names or [f"{prefix}{i + 1}" for i in range(len(rows))]
    return pd.DataFrame([{"unit": names[i], **r} for i, r in enumerate(rows)])


def subunit_frame(rows, units):
    return pd.DataFrame([{"unit": units[i % len(units)], "subunit": f"网格{i + 1}", **r} for i, r in enumerate(rows)])


def shares_respected(scheme: Scheme, frame: pd.DataFrame, level: str = "unit") -> pd.DataFrame:
    """``frame`` made to respect its shares (core/shares.py: a part never above its whole): a field that is
    the part of a rate is lowered to its whole, then rows still breaking a share (a difference below 0) are
    left out.  Such rows are refused by ``score`` and shown as 输入有误 by the workbook, which
    tests/test_bad_typing_visible.py covers; a sweep comparing the core with a workbook draws valid inputs."""
    frame = frame.copy()
    for _ind, num, den in rate_divisions(scheme, level):
        if isinstance(num, Field) and num.key in frame:
            whole = np.asarray(den.evaluate(Env(field_env(scheme, frame, level), {}, {})), dtype=float)
            part = frame[num.key].to_numpy(dtype=float)
            frame[num.key] = np.where(part > whole, np.floor(np.maximum(whole, 0)), part)
    env = Env(field_env(scheme, frame, level), {}, {})
    bad = np.zeros(len(frame), dtype=bool)
    for _ind, num, den in rate_divisions(scheme, level):
        bad |= np.broadcast_to(np.asarray(share_invalid(num, den).evaluate(env), dtype=bool), bad.shape)
    kept = frame[~bad].reset_index(drop=True)
    assume(len(kept) > 0)
    return kept


def scheme_inputs(scheme: Scheme, data, min_units=1, max_units=8):
    """Draw (unit frame, subunit frame or None) of valid inputs for any scheme."""
    names = unit_names(scheme)  # schemes with parameters per unit name need those names
    rows = data.draw(unit_rows(scheme, min_units, min(max_units, len(names)) if names else max_units))
    frame = shares_respected(scheme, frame_of(rows, names))
    subs = None
    if scheme.subunit_fields():
        sub_rows = data.draw(unit_rows(scheme, len(frame), len(frame) * 2, level="subunit"))
        subs = grids_respecting_shares(scheme, subunit_frame(sub_rows, frame["unit"].tolist()), frame)
    return frame, subs


def grids_respecting_shares(scheme: Scheme, subs: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """``shares_respected`` for the per-grid table, keeping every unit at least one grid."""
    subs = shares_respected(scheme, subs, "subunit")
    assume(set(frame["unit"]) <= set(subs["unit"]))
    return subs
