"""The functions of a scheme: GRID_SCORE, GRID_TOTAL, GRID_GRADE, GRID_STARS, the ranks, GRID_EXPLAIN.

Every number comes from the scoring core (score_indicator, score_frame, the grade
and stars trees, the rank functions); nothing here rounds, compares or adds scores.
"""
from __future__ import annotations

import functools
import math
import os

import numpy as np
import pandas as pd

from ..core import builtin_paths, get_scheme, score_frame, score_indicator
from ..core.expr import Env, Field
from ..core.explain import explain_one
from ..core.scheme import TOTAL_KEY, UNIT_KEY
from ..core.scoring import competition_rank, dense_rank, measure_indicator, stars_of
from .coerce import UdfError, blank, flat, number, numbers_of, result, text
from .registry import udf


# -- schemes and indicators --------------------------------------------------------------
def scheme_of(name):
    name = text(name, "scheme")
    builtins = builtin_paths()
    if name not in builtins and not (name.lower().endswith(".toml") and os.path.isfile(name)):
        raise UdfError(f"scheme {name!r} not found (built-in: {', '.join(builtins) or 'none'}; "
                       f"or the full path of a .toml scheme file)")
    return get_scheme(name)


def _indicator(scheme, name) -> str:
    key = text(name, "indicator")
    compiled = scheme.compiled()
    if key in compiled:
        return key
    named = [i.key for i in scheme.indicators if i.name == key]
    if len(named) == 1:
        return named[0]
    raise UdfError(f"scheme {scheme.id!r} has no indicator {key!r} (indicators: {', '.join(compiled)})")


def _label(scheme, key) -> str:
    if key == UNIT_KEY:
        return f"unit（{scheme.unit}名称）"
    if key in scheme.field_keys:
        return f"{key}（{scheme.field(key).label}）"
    return f"{key}（{scheme.indicator(key).name}得分）"


def _is_text_input(scheme, key) -> bool:
    return key == UNIT_KEY or (key in scheme.field_keys and scheme.field(key).type == "choice")


def _inputs(scheme, key, inputs, fname):
    """The inputs of one indicator keyed by field (or indicator) key; None when one is blank."""
    comp = scheme.compiled()[key]
    if comp.indicator.rule_kind.reads_other_units:  # one row alone cannot score it
        raise UdfError(f"{key} ({comp.indicator.name}) ranks the units against each other: "
                       f"use GRID_RANK_DECAY with the column of all units' values")
    values = flat(inputs)
    if len(values) != len(comp.inputs):
        wanted = ", ".join(_label(scheme, k) for k in comp.inputs)
        raise UdfError(f"{fname} {scheme.id} {key} takes {len(comp.inputs)} input(s) in this order: {wanted}; "
                       f"got {len(values)}")
    out = {}
    for n, (k, v) in enumerate(zip(comp.inputs, values), 1):
        if blank(v):
            return None
        what = f"input {n} {_label(scheme, k)}"
        out[k] = text(v, what) if _is_text_input(scheme, k) else number(v, what)
    return out


SCHEME_DOC = ("考核方案：内置编号（如 yushui-2022，见 gridxl schemes）或 .toml 方案文件的完整路径 / "
              "scheme: a built-in id such as yushui-2022, or the full path of a .toml scheme file")
INDICATOR_DOC = "指标编号或指标名称（见 gridxl show）/ indicator key or its Chinese name, as `gridxl show` lists them"


@udf([("scheme", SCHEME_DOC), ("indicator", INDICATOR_DOC),
      ("inputs", "该指标的输入，按 gridxl show 所列顺序；可为单元格或区域（按行读）/ "
                 "the indicator's inputs in the order `gridxl show` lists; cells or ranges, read row by row")])
def GRID_SCORE(scheme, indicator, *inputs):
    """某方案一个指标的得分（与 gridxl score 相同，Excel ROUND）。
    The points of one indicator of a scheme, exactly as `gridxl score` gives them.

    =GRID_SCORE("yushui-2022", "events_per_10k", C5, B5): inputs in the order
    `gridxl show SCHEME` lists for the indicator (a range counts as its cells,
    row by row).  A blank input gives an empty cell.  Inputs that are another
    indicator's score take that score.  Cross-unit indicators (rank_decay) need
    every unit: use GRID_RANK_DECAY.
    """
    s = scheme_of(scheme)
    key = _indicator(s, indicator)
    values = _inputs(s, key, inputs, "GRID_SCORE")
    if values is None:
        return ""
    return result(score_indicator(s, key, values), f"{s.id} {key}")


@udf([("scheme", SCHEME_DOC),
      ("inputs", "一个单位整行的录入值，按方案字段顺序（gridxl fields；可含开头的单位名称）/ "
                 "one unit's input row in the scheme's field order (`gridxl fields`), optionally "
                 "starting with the unit name")])
def GRID_TOTAL(scheme, inputs):
    """一个单位的总分：各项得分之和（ROUND），与 gridxl score 的 total 相同。
    A unit's total: the sum of all its indicator scores, rounded, as `gridxl score` gives it.

    =GRID_TOTAL("yushui-2022", B5:R5) with the unit's inputs in the order of
    `gridxl fields SCHEME` (the unit name may come first).  Schemes that average
    per-grid scores or rank units against each other need the whole table:
    total those with GRID_SCORE / GRID_RANK_DECAY and SUM.
    """
    s = scheme_of(scheme)
    whole_table = [f"{i.key} (per {s.subunit})" for i in s.indicators if i.per_subunit] + [
        f"{i.key} (ranks units)" for i in s.indicators if i.rule_kind.reads_other_units]
    if whole_table:
        raise UdfError(f"scheme {s.id} cannot total one row on its own: {', '.join(whole_table)} need other rows; "
                       f"add GRID_SCORE / GRID_RANK_DECAY cells with SUM instead")
    fields = s.unit_fields()
    values = flat(inputs)
    unit = ""
    if len(values) == len(fields) + 1 and (values[0] is None or isinstance(values[0], str)):
        unit, values = text(values[0], "unit name"), values[1:]
    elif len(values) != len(fields):
        raise UdfError(f"GRID_TOTAL {s.id} takes the {len(fields)} input fields in this order "
                       f"(the unit name may come first): {', '.join(f.key for f in fields)}; got {len(values)} values")
    row = {UNIT_KEY: unit}
    for n, (f, v) in enumerate(zip(fields, values), 1):
        if blank(v):
            return ""
        what = f"value {n} {_label(s, f.key)}"
        row[f.key] = text(v, what) if f.type == "choice" else number(v, what)
    table = score_frame(s, pd.DataFrame([row])).table
    return result(table[TOTAL_KEY].iloc[0], f"{s.id} total")


@udf([("scheme", SCHEME_DOC), ("total", "总分 / the total score")])
def GRID_GRADE(scheme, total):
    """总分对应的等次（按方案的等次表）。The grade (等次) a total earns under the scheme.

    Grades forced by flags (一票否决 …) depend on the inputs, not the total:
    `gridxl score` shows those.
    """
    s = scheme_of(scheme)
    if not s.grades:
        raise UdfError(f"scheme {s.id} has no grades (等次)")
    if blank(total):
        return ""
    env = Env({TOTAL_KEY: np.asarray([number(total, "total")])})
    return str(np.asarray(s.grade_expr(Field(TOTAL_KEY)).evaluate(env), dtype=object).reshape(-1)[0])


@udf([("scheme", SCHEME_DOC), ("total", "总分 / the total score")])
def GRID_STARS(scheme, total):
    """总分对应的星级（按方案的星级规则）。The stars (星级) a total earns under the scheme."""
    s = scheme_of(scheme)
    if s.stars is None:
        raise UdfError(f"scheme {s.id} has no stars (星级)")
    if blank(total):
        return ""
    return float(stars_of(s, np.asarray([number(total, "total")]))[0])


RANK_VALUE_DOC = "要排名的数值（如总分）/ the value to rank, e.g. a total"
RANK_VALUES_DOC = "全部单位的数值（区域，空格和文字不计）/ all units' values (a range; blanks and text are skipped)"


def _rank(rank, value, values):
    if blank(value):
        return ""
    value, column = number(value, "value"), tuple(numbers_of(values))
    known = _column_ranks(rank, column).get(value)
    if known is not None:  # a column of cells each ranking itself: the column is ranked once
        return known
    # a value not in the column: ranked last among equals, so ties with it do not move its rank
    return float(rank(np.asarray(column + (value,), dtype=float))[-1])


@functools.lru_cache(maxsize=64)
def _column_ranks(rank, column):
    return dict(zip(column, (float(r) for r in rank(np.asarray(column, dtype=float)))))


@udf([("value", RANK_VALUE_DOC), ("values", RANK_VALUES_DOC)])
def GRID_RANK(value, values):
    """排名（竞争排名：并列占名次，1,1,3）。Competition rank, highest first: ties share a place, the next skips (1,1,3)."""
    return _rank(competition_rank, value, values)


@udf([("value", RANK_VALUE_DOC), ("values", RANK_VALUES_DOC)])
def GRID_RANK_CN(value, values):
    """中国式排名（并列不占名次，1,1,2）。Dense (Chinese-style) rank, highest first: ties share a place, the next does not skip (1,1,2)."""
    return _rank(dense_rank, value, values)


@udf([("scheme", SCHEME_DOC), ("indicator", INDICATOR_DOC),
      ("inputs", "与 GRID_SCORE 相同的输入 / the same inputs as GRID_SCORE")])
def GRID_EXPLAIN(scheme, indicator, *inputs):
    """得分是怎么算出来的（文字和数字）。How the score was reached, in words and numbers.

    Same arguments as GRID_SCORE; the text is the one `gridxl score --explain` writes.
    """
    s = scheme_of(scheme)
    key = _indicator(s, indicator)
    comp = s.compiled()[key]
    values = _inputs(s, key, inputs, "GRID_EXPLAIN")
    if values is None:  # name what is missing, as explain does
        raw = dict(zip(comp.inputs, flat(inputs)))
        fields = {k: (math.nan if blank(v) else v) for k, v in raw.items()}
        return explain_one(s, key, fields, {key: math.nan}, {})
    score = result(score_indicator(s, key, values), f"{s.id} {key}")
    measure = measure_indicator(s, key, values)
    measures = {} if measure is None else {key: measure}
    fields = {k: v for k, v in values.items() if k not in s.compiled()}
    scores = {**{k: v for k, v in values.items() if k in s.compiled()}, key: score}
    return explain_one(s, key, fields, scores, measures)
