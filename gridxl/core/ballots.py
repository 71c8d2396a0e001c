"""民主评议: ballots tallied into per-person marks, with the void-ballot rule.

A ballot is one evaluator's marks for several people.  The seed (003) says
"评议分不得全部为满分，否则视为废票": a ballot giving every person on it full
marks is void and not counted.  What survives is averaged per person and per
ballot type (A/B/C); those averages become ordinary input fields of the
scheme (``[ballots] fields = { A = "ballot_a", … }``), which its indicators
weight like any other field.

Input, one row per mark (long format): ``ballot`` (ballot id), ``type``
(A/B/C), ``unit`` (the person marked), ``mark``.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .keys import UNIT_KEY


@dataclass
class BallotConfig:
    fields: dict[str, str]  # ballot type -> field key that receives the average
    full_mark: float = 100.0


@dataclass
class Tally:
    table: pd.DataFrame  # unit + one column per ballot field
    void: list[str]  # ballot ids that were void
    counted: dict[str, int]  # ballots counted per type


def tally(config: BallotConfig, marks: pd.DataFrame) -> Tally:
    """Per person, the average mark of the valid ballots of each type (NaN where a type has none)."""
    marks = marks.copy()
    marks["mark"] = pd.to_numeric(marks["mark"], errors="coerce")
    full = marks.groupby("ballot")["mark"].transform(lambda m: bool((m >= config.full_mark).all()))
    void_ids = sorted(marks.loc[full.astype(bool), "ballot"].astype(str).unique().tolist())
    valid = marks[~full.astype(bool)]
    means = valid.groupby([UNIT_KEY, "type"], sort=False)["mark"].mean().unstack("type")
    people = list(dict.fromkeys(marks[UNIT_KEY].tolist()))
    out = pd.DataFrame({UNIT_KEY: people})
    for btype, key in config.fields.items():
        col = means[btype] if btype in means.columns else pd.Series(dtype=float)
        out[key] = col.reindex(people).to_numpy(dtype=float)
    counted = {t: int(valid.loc[valid["type"] == t, "ballot"].nunique()) for t in config.fields}
    return Tally(out, void_ids, counted)


def merge_into(frame: pd.DataFrame | None, result: Tally) -> pd.DataFrame:
    """Put the ballot averages into the per-person input table (adding people only ballots name)."""
    if frame is None:
        return result.table
    keep = [c for c in frame.columns if c not in result.table.columns or c == UNIT_KEY]
    merged = frame[keep].merge(result.table, on=UNIT_KEY, how="left")
    only_on_ballots = result.table[~result.table[UNIT_KEY].isin(frame[UNIT_KEY])]
    return pd.concat([merged, only_on_ballots], ignore_index=True)


def empty_types(result: Tally) -> list[str]:
    return [t for t, n in result.counted.items() if n == 0]


__all__ = ["BallotConfig", "Tally", "tally", "merge_into", "empty_types"]
