"""The workbook's result cells as formula trees: one definition evaluated by ``score_frame`` and printed by the
template (blank and invalid-input guards, totals, grades, stars, flags, grid averages).

A blank cell is ``""`` in a sheet and NaN in the core; ``输入有误`` (:data:`INVALID`) is text in both.
References print through :class:`~gridxl.core.expr.Refs`: ``cell("score", key)`` an indicator's score in the
row, ``cell("result", role)`` a result column (total, rank, ties) in the row, ``column("subunit_field", key)`` /
``column("subunit_score", key)`` a whole column of the grid sheet.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .excel_math import excel_round
from .expr import IF, OR, Expr, Field, Func, Score, Text
from .scheme import SUBUNIT_KEY, TOTAL_KEY, UNIT_KEY, Scheme
from .shares import rate_divisions
from .validity import INVALID, any_invalid, invalid_value, share_invalid


def _column(x, n: int | None = None) -> np.ndarray:
    a = np.asarray(x)
    return a if n is None or a.shape == (n,) else np.broadcast_to(a, (n,))


_type_of = np.frompyfunc(type, 1, 1)


def value_types(values: np.ndarray) -> tuple[np.ndarray, list[type]]:
    """(code per value, the types): a column holds few types (float, str), so each is tested once."""
    codes, kinds = pd.factorize(_type_of(values)) if len(values) else (np.zeros(0, dtype=np.intp), [])
    return codes, list(kinds)


def _is_number_type(t: type) -> bool:
    return issubclass(t, (int, float, np.floating, np.integer)) and not issubclass(t, bool)


def numbers(x) -> np.ndarray:
    """A column as floats: "" (and any other text, or a boolean) is NaN."""
    a = np.asarray(x)
    if a.dtype != object:
        return a.astype(float)
    flat = a.reshape(-1)
    codes, kinds = value_types(flat)
    keep = np.isin(codes, [i for i, t in enumerate(kinds) if _is_number_type(t)])
    out = np.full(len(flat), np.nan)
    out[keep] = flat[keep].astype(float)
    return out.reshape(a.shape)


def _blank(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == object:
        return np.vectorize(lambda v: v is None or v == "" or (isinstance(v, float) and v != v), otypes=[bool])(a)
    return np.isnan(a.astype(float))


def _where(cond, yes, no):
    """np.where keeping numbers numeric unless a branch is text."""
    if isinstance(yes, str) or isinstance(no, str) or np.asarray(yes).dtype == object or np.asarray(no).dtype == object:
        return np.where(cond, np.asarray(yes, dtype=object), np.asarray(no, dtype=object))
    return np.where(cond, yes, no)


@dataclass(frozen=True, eq=False)
class IfBlank(Expr):
    """``body``, or a blank cell while ``blank`` holds (an input of the row is not typed yet)."""

    blank: Expr
    body: Expr

    def children(self):
        return (self.blank, self.body)

    def evaluate(self, env):
        cond = np.asarray(self.blank.evaluate(env)).astype(bool)
        with np.errstate(all="ignore"):
            body = self.body.evaluate(env)
        if np.asarray(body).dtype == object:
            return _where(cond, "", body)
        return np.where(cond, np.nan, body)

    def to_excel(self, refs):
        return f'IF({self.blank.to_excel(refs)},"",{self.body.to_excel(refs)})'


@dataclass(frozen=True, eq=False)
class IfInvalid(Expr):
    """``body``, or 输入有误 when ``invalid`` holds (an input the cell reads is not a valid value)."""

    invalid: Expr
    body: Expr

    def children(self):
        return (self.invalid, self.body)

    def evaluate(self, env):
        bad = np.asarray(self.invalid.evaluate(env)).astype(bool)
        body = self.body.evaluate(env)
        return _where(bad, INVALID, body) if bad.any() else body

    def to_excel(self, refs):
        return f'IF({self.invalid.to_excel(refs)},"{INVALID}",{self.body.to_excel(refs)})'


def if_invalid(invalid: Expr | None, body: Expr) -> Expr:
    return body if invalid is None else IfInvalid(invalid, body)


def blank_when(scheme: Scheme, inputs: list[str]) -> Expr:
    """True while one of ``inputs`` is blank: COUNT over the numbers, ``=""`` for names and choices."""
    compiled = scheme.compiled()
    numbers_, texts = [], []
    for key in inputs:
        if key == UNIT_KEY or key == SUBUNIT_KEY:
            texts.append(Field(key))
        elif key in compiled:
            numbers_.append(Score(key))
        elif scheme.field(key).type == "choice":
            texts.append(Field(key))
        else:
            numbers_.append(Field(key))
    conds = [Func("COUNT", tuple(numbers_)) < len(numbers_)] if numbers_ else []
    conds += [t.eq(Text("")) for t in texts]
    if not conds:
        conds = [Field(UNIT_KEY).eq(Text(""))]
    return OR(*conds)


def invalid_inputs(scheme: Scheme, key: str, level: str = "unit", shares: bool = False) -> Expr | None:
    """True when an input the indicator ``key`` reads holds an invalid value (core/validity), or an indicator
    it reads shows 输入有误; ``shares``: also a numerator above its denominator among its inputs."""
    comp = scheme.compiled()[key]
    conds = []
    for k in comp.inputs:
        if k == UNIT_KEY:
            continue
        if k in scheme.compiled():
            conds.append(Score(k).eq(Text(INVALID)))
        else:
            conds.append(invalid_value(scheme.field(k), Field(k)))
    if shares:
        reads = set(comp.inputs)
        for _, num, den in rate_divisions(scheme, level):
            if set(num.fields()) | set(den.fields()) <= reads:
                conds.append(share_invalid(num, den))
    return any_invalid(conds)


def score_cell(scheme: Scheme, key: str, body: Expr | None = None, marks: bool = True, level: str = "unit",
               shares: bool = False) -> Expr:
    """An indicator's score cell: blank until its inputs are typed, 输入有误 when one is not valid."""
    comp = scheme.compiled()[key]
    cell = IfBlank(blank_when(scheme, comp.inputs), comp.score if body is None else body)
    return if_invalid(invalid_inputs(scheme, key, level, shares), cell) if marks else cell


def measure_cell(scheme: Scheme, key: str) -> Expr:
    """The hidden measure column of a cross-unit rule: the value to 10 decimals, blank without inputs."""
    comp = scheme.compiled()[key]
    return IfBlank(blank_when(scheme, comp.measure.fields()), comp.measure_cell())


def rounded_measure(comp, env, n: int) -> np.ndarray:
    """An indicator's measured value to COMPARE_DIGITS decimals, as ranks and explanations compare it;
    NaN where it is not a finite number (a zero denominator)."""
    with np.errstate(all="ignore"):
        measure = np.broadcast_to(numbers(comp.measure_value().evaluate(env)), (n,)).copy()
    measure[~np.isfinite(measure)] = np.nan
    return measure


def measure_numbers(scheme: Scheme, key: str, env, n: int) -> np.ndarray:
    """What :func:`measure_cell` shows, as floats with NaN for "" (no inputs, or a zero denominator).

    The cell's parts are evaluated apart: its IF with a "" branch would build a column of Python
    objects, which costs more than the measure itself.
    """
    comp = scheme.compiled()[key]
    value = rounded_measure(comp, env, n)
    with np.errstate(all="ignore"):
        shows_blank = np.asarray(blank_when(scheme, comp.measure.fields()).evaluate(env), dtype=bool)
        if comp.zero_guard is not None:
            shows_blank = shows_blank | np.asarray(comp.zero_guard.evaluate(env), dtype=bool)
    value[np.broadcast_to(shows_blank, (n,))] = np.nan
    return value


@dataclass(frozen=True, eq=False)
class AnyMarked(Expr):
    """True when one of the row's score cells shows 输入有误."""

    keys: tuple

    def evaluate(self, env):
        out = False
        for k in self.keys:
            v = np.asarray(env.scores[k])
            if v.dtype == object:
                out = out | (v == INVALID)
        return out

    def to_excel(self, refs):
        return f'COUNTIF({_row_span(refs, self.keys)},"{INVALID}")>0'


def _row_span(refs, keys) -> str:
    return f"{refs.cell('score', keys[0])}:{refs.cell('score', keys[-1])}"


@dataclass(frozen=True, eq=False)
class Total(Expr):
    """ROUND(SUM(scores), digits), added left to right; blank until every score is there."""

    keys: tuple
    digits: int

    def evaluate(self, env):
        total = 0.0
        for k in self.keys:
            total = total + numbers(env.scores[k])
        return excel_round(np.asarray(total, dtype=float), self.digits)

    def to_excel(self, refs):
        span = _row_span(refs, self.keys)
        return f'IF(COUNT({span})<{len(self.keys)},"",ROUND(SUM({span}),{self.digits}))'


def total_cell(scheme: Scheme, marks: bool = True) -> Expr:
    keys = tuple(i.key for i in scheme.indicators)
    total = Total(keys, scheme.digits)
    return IfInvalid(AnyMarked(keys), total) if marks else total


@dataclass(frozen=True, eq=False)
class OnTotal(Expr):
    """A cell computed from the total: blank (or 输入有误) as the total is."""

    body: Expr
    marks: bool = True

    def children(self):
        return (self.body,)

    def evaluate(self, env):
        total = np.asarray(env.fields[TOTAL_KEY])
        body = self.body.evaluate(env)
        if total.dtype == object:
            return _where(np.vectorize(lambda v: isinstance(v, float), otypes=[bool])(total), body, total)
        return _where(np.isnan(total), "" if np.asarray(body).dtype == object else np.nan, body)

    def to_excel(self, refs):
        t = refs.cell("result", TOTAL_KEY)
        if self.marks:
            return f"IF(ISNUMBER({t}),{self.body.to_excel(refs)},{t})"
        return f'IF({t}="","",{self.body.to_excel(refs)})'


def grade_cell(scheme: Scheme, marks: bool = True) -> Expr:
    """The grade bands of the total; a flag that forces a grade overrides them (the first such flag wins)."""
    expr = scheme.grade_expr(Field(TOTAL_KEY)) or Text("")
    for flag in reversed([f for f in scheme.flags if f.grade]):
        expr = IF(scheme.flag_condition(flag), Text(flag.grade), expr)
    return OnTotal(expr, marks)


def stars_cell(scheme: Scheme, marks: bool = True) -> Expr:
    return OnTotal(scheme.stars_expr(Field(TOTAL_KEY)), marks)


def flag_cell(scheme: Scheme, flag, marks: bool = True) -> Expr:
    return OnTotal(IF(scheme.flag_condition(flag), Text(flag.label), Text("")), marks)


def unit_name_cell() -> Expr:
    """评分's unit column: the name typed on 录入, blank while it is."""
    return IF(Field(UNIT_KEY).eq(Text("")), Text(""), Field(UNIT_KEY))


@dataclass(frozen=True, eq=False)
class GridAverage(Expr):
    """A per-grid indicator on the unit's row: the average of its grids' scores, rounded to ``digits``.

    Blank for a unit with no scored grid; 输入有误 when one of its grids shows it.  Evaluated from
    ``env.columns[("subunit_field", UNIT_KEY)]`` and ``env.columns[("subunit_score", key)]``.
    """

    key: str
    digits: int
    marks: bool = True

    def evaluate(self, env):
        units = np.asarray(env.fields[UNIT_KEY], dtype=object)
        grid_units = np.asarray(env.columns[("subunit_field", UNIT_KEY)], dtype=object)
        grid_scores = np.asarray(env.columns[("subunit_score", self.key)])
        means = pd.Series(numbers(grid_scores)).groupby(pd.Series(grid_units), sort=False).mean()
        out = excel_round(means.reindex(units).to_numpy(dtype=float), self.digits)
        out[units == ""] = np.nan
        if self.marks and grid_scores.dtype == object:
            bad = set(grid_units[grid_scores == INVALID].tolist())
            if bad:
                return _where(np.isin(units, list(bad)), INVALID, out)
        return out

    def to_excel(self, refs):
        unit = refs.cell("field", UNIT_KEY)
        units = refs.column("subunit_field", UNIT_KEY)
        scores = refs.column("subunit_score", self.key)
        average = f'IFERROR(ROUND(AVERAGEIF({units},{unit},{scores}),{self.digits}),"")'
        if self.marks:
            average = f'IF(COUNTIFS({units},{unit},{scores},"{INVALID}")>0,"{INVALID}",{average})'
        return f'IF({unit}="","",{average})'


__all__ = ["IfBlank", "IfInvalid", "if_invalid", "blank_when", "invalid_inputs", "score_cell", "measure_cell",
           "AnyMarked", "Total", "total_cell", "OnTotal", "grade_cell", "stars_cell", "flag_cell", "unit_name_cell",
           "GridAverage", "numbers", "INVALID"]
