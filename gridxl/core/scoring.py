"""Scoring whole tables of units at once (numpy columns, no per-unit Python loop).

``score_frame(scheme, frame)`` is the one entry point the CLI, the UDFs, the
bulletin and the tests share.  The input frame has a ``unit`` column and one
column per field key; values are already numbers (see ``gridxl.io.inputs`` for
turning a clerk's file into such a frame, with errors naming cell and field).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cells import GridAverage, flag_cell, grade_cell, measure_numbers, numbers, rounded_measure, score_cell, \
    stars_cell, total_cell
from .expr import Env, ExprError
from .explain import explain_columns, explain_table
from .ranks import DENSE_RANK, CompetitionRank
from .scheme import SUBUNIT_KEY, TOTAL_KEY, UNIT_KEY, Scheme

RESULT_COLUMNS = ("total", "rank", "rank_dense")


class ScoringError(ValueError):
    """Inputs that cannot be scored; the message says which unit and field."""


@dataclass
class ScoreResult:
    table: pd.DataFrame  # unit, indicator keys…, total, rank, rank_dense[, grade][, stars][, flags]
    measures: dict[str, np.ndarray]
    subunit_table: pd.DataFrame | None = None
    explain_texts: dict | None = None  # indicator key -> Texts (gridxl.core.texts), joined when written

    @property
    def explain(self) -> pd.DataFrame | None:
        """The explanations as a table of strings: unit, then one column per indicator."""
        if self.explain_texts is None:
            return None
        if getattr(self, "_explain", None) is None:
            self._explain = explain_table(self.table[UNIT_KEY].to_numpy(dtype=object), self.explain_texts)
        return self._explain


def _column(frame: pd.DataFrame, key: str, spec_type: str) -> np.ndarray:
    if key not in frame.columns:
        raise ScoringError(f"input has no column for field {key!r}")
    col = frame[key]
    if spec_type == "choice" or key in (UNIT_KEY, SUBUNIT_KEY):
        return col.astype(object).where(col.notna(), "").map(str).to_numpy(dtype=object)
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)


def field_env(scheme: Scheme, frame: pd.DataFrame, level: str = "unit") -> dict[str, np.ndarray]:
    env = {UNIT_KEY: _column(frame, UNIT_KEY, "choice")}
    if level == "subunit" and SUBUNIT_KEY in frame.columns:
        env[SUBUNIT_KEY] = _column(frame, SUBUNIT_KEY, "choice")
    for f in scheme.fields:
        if f.level == level:
            env[f.key] = _column(frame, f.key, f.type)
    return env


def evaluate_indicators(scheme: Scheme, fields: dict[str, np.ndarray], n: int, level: str = "unit",
                        averaged: dict[str, np.ndarray] | None = None, all_measures: bool = False):
    """Scores of the indicators of one level, in dependency order; NaN where an input is blank.

    Each score is the template's score cell (gridxl.core.cells.score_cell) without its 输入有误 guard: blank
    while an input is.  Invalid typing never reaches here (gridxl.io.inputs refuses it, by the same rules).
    """
    compiled = scheme.compiled()
    scores: dict[str, np.ndarray] = dict(averaged or {})
    measures: dict[str, np.ndarray] = {}
    env = Env(fields, scores, measures)
    for key in scheme.evaluation_order():
        comp = compiled[key]
        ind = comp.indicator
        if (level == "subunit") != ind.per_subunit:
            continue
        cell = score_cell(scheme, key, marks=False)
        try:
            if comp.measure is not None and (all_measures or ind.rule_kind.reads_other_units):
                measures[key] = measure_numbers(scheme, key, env, n)  # NaN: no value (a "" cell)
            value = np.broadcast_to(numbers(cell.evaluate(env)), (n,)).copy()
            blank = np.broadcast_to(np.asarray(cell.blank.evaluate(env), dtype=bool), (n,))
        except KeyError as exc:
            raise ScoringError(f"indicator {key!r} reads {exc.args[0]!r}, which the input does not have") from None
        unscorable = np.isnan(value) & ~blank
        if unscorable.any():
            units = [str(u) for u in np.asarray(fields[UNIT_KEY])[unscorable][:5]]
            raise ScoringError(f"indicator {key!r} ({ind.name}) cannot be scored for {', '.join(units)}: "
                               f"a value is outside the scheme's tables (unknown unit or choice?) or not a number")
        scores[key] = value
    return scores, measures


def _average_subunits(scheme: Scheme, units: np.ndarray, sub: pd.DataFrame):
    fields = field_env(scheme, sub, "subunit")
    n = len(sub)
    scores, _ = evaluate_indicators(scheme, fields, n, "subunit")
    table = pd.DataFrame({UNIT_KEY: fields[UNIT_KEY], **scores})
    if SUBUNIT_KEY in fields:
        table.insert(1, SUBUNIT_KEY, fields[SUBUNIT_KEY])
    grid = {("subunit_field", UNIT_KEY): fields[UNIT_KEY]}
    grid.update({("subunit_score", key): col for key, col in scores.items()})
    env = Env({UNIT_KEY: units}, columns=grid)
    averaged = {key: numbers(GridAverage(key, scheme.indicator(key).digits, marks=False).evaluate(env))
                for key in scores}
    return averaged, table


def competition_rank(total: np.ndarray) -> np.ndarray:
    """1 + how many totals are higher (ties share a rank, the next skips: 1,1,3)."""
    return CompetitionRank().evaluate(Env({}, columns={"total": total}))


def dense_rank(total: np.ndarray) -> np.ndarray:
    """中国式排名: 1 + how many distinct totals are higher (1,1,2): the node the templates print."""
    return DENSE_RANK.evaluate(Env({}, columns={DENSE_RANK.key: total}))


def score_frame(scheme: Scheme, frame: pd.DataFrame, subunits: pd.DataFrame | None = None,
                explain: bool = False, measures: bool = False) -> ScoreResult:
    """Score every row of ``frame``.  ``measures=True`` also returns each indicator's
    measured value (to 10 decimals) in ``result.measures``; cross-unit kinds always have theirs."""
    n = len(frame)
    fields = field_env(scheme, frame, "unit")
    averaged = None
    sub_table = None
    if any(i.per_subunit for i in scheme.indicators):
        if subunits is None:
            raise ScoringError(f"scheme {scheme.id} scores each {scheme.subunit} and averages them: "
                               f"give the {scheme.subunit} table too (--subunits FILE, or a second sheet)")
        averaged, sub_table = _average_subunits(scheme, fields[UNIT_KEY], subunits)
    scores, measures = evaluate_indicators(scheme, fields, n, "unit", averaged, all_measures=measures or explain)
    ordered = [i.key for i in scheme.indicators]
    table = pd.DataFrame({UNIT_KEY: fields[UNIT_KEY]})
    for key in ordered:
        table[key] = scores[key]
    # the 评分 sheet's result cells, from the trees the template prints (gridxl.core.cells, ranks)
    total = np.broadcast_to(numbers(total_cell(scheme, marks=False).evaluate(Env(fields, scores))), (n,)).copy()
    table["total"] = total
    table["rank"] = competition_rank(total)
    table["rank_dense"] = dense_rank(total)
    extra_env = Env({**fields, TOTAL_KEY: total}, scores, measures)
    if scheme.grades or any(f.grade for f in scheme.flags):
        table["grade"] = np.broadcast_to(np.asarray(grade_cell(scheme).evaluate(extra_env), dtype=object), (n,))
    if scheme.stars is not None:
        table["stars"] = stars_of(scheme, total)
    for flag in scheme.flags:
        table[flag.key] = np.broadcast_to(np.asarray(flag_cell(scheme, flag).evaluate(extra_env), dtype=object), (n,))
    result = ScoreResult(table, measures, sub_table)
    if explain:
        result.explain_texts = explain_columns(scheme, fields, scores, measures, sub_table)
    return result


def stars_of(scheme: Scheme, total: np.ndarray) -> np.ndarray:
    return numbers(stars_cell(scheme).evaluate(Env({TOTAL_KEY: np.asarray(total, dtype=float)})))


def integer_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Ranks and stars as whole numbers (blank where a unit has no total) for output files."""
    table = table.copy()
    for col in ("rank", "rank_dense", "stars"):
        if col in table:
            table[col] = pd.to_numeric(table[col]).round().astype("Int64")
    return table


def _unit_env(scheme: Scheme, key: str, values: dict) -> Env:
    """One unit's inputs of an indicator; the scores it reads are given or computed from the same inputs."""
    comp = scheme.compiled()[key]
    fields = {k: np.asarray([float(v)]) if not isinstance(v, str) else np.asarray([v], dtype=object)
              for k, v in values.items()}
    fields.setdefault(UNIT_KEY, np.asarray([""], dtype=object))
    missing = [k for k in comp.inputs if k not in fields and k not in scheme.compiled()]
    if missing:
        raise ScoringError(f"{key}: missing input(s) {', '.join(missing)}")
    scores = {}
    for dep in comp.inputs:
        if dep in scheme.compiled():
            given = values.get(dep)
            scores[dep] = np.asarray([float(given)]) if given is not None and not isinstance(given, str) \
                else np.asarray([score_indicator(scheme, dep, values)])
    return Env(fields, scores, {})


def score_indicator(scheme: Scheme, key: str, values: dict) -> float:
    """One indicator's score for one unit (GRID_SCORE); values keyed by field (or by indicator, for
    the other indicators' scores it reads)."""
    comp = scheme.compiled()[key]
    ind = comp.indicator
    if ind.rule_kind.reads_other_units:
        raise ScoringError(f"{ind.name} ({key}) ranks units against each other: score the whole table")
    env = _unit_env(scheme, key, values)
    try:
        out = float(np.asarray(comp.score.evaluate(env)).reshape(-1)[0])
    except ExprError as exc:
        raise ScoringError(str(exc)) from None
    return out


def measure_indicator(scheme: Scheme, key: str, values: dict) -> float | None:
    """One indicator's measured value for one unit, rounded as ``score_frame`` rounds it (GRID_EXPLAIN);
    None for an indicator without one."""
    comp = scheme.compiled()[key]
    if comp.measure is None:
        return None
    return float(rounded_measure(comp, _unit_env(scheme, key, values), 1)[0])
