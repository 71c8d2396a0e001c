"""GRID_* worksheet functions: gridxl's scoring rules straight in Excel cells.

网格化考核计分函数：在单元格里直接写 =GRID_SCORE("yushui-2022", "events_per_10k", C5, B5)。

These are thin wrappers.  Every score comes from the scoring core
(:mod:`gridxl.core`): ``score_indicator`` and ``score_frame`` for a scheme's
indicators, and for the per-kind functions (GRID_RATIO, GRID_LINEAR, …) a
throwaway one-indicator scheme built with the core's own loader and scored by
``score_frame``, so an ad-hoc sheet gets exactly the number the kind's formula
tree gives.  Nothing here rounds, compares or adds scores itself.

Registration:

* Classic xlwings (Windows Excel): ``@xw.func`` / ``@xw.arg`` below; set
  ``UDF Modules`` to ``udfs.gridxl_udfs`` and click *Import Functions*.
* xlwings Lite (Excel 365 / Excel on the web, Pyodide): the same decorators
  resolve to Lite's ``func``/``arg``; ``gridxl addin`` writes a ``main.py``
  that imports these functions.
* Elsewhere (Linux, tests, the headless engine) xlwings' decorators return the
  function unchanged, so every GRID_* is a plain Python function.

Rules that xlwings imposes and :func:`udf` follows: positional parameters
only (no keyword-only ones), a ``*inputs`` function has no optional
parameters, optional parameters default to None ("use the rule's default").
Python names are what Excel shows, so they avoid words VBA reserves (``Step``,
``Each``): the rank_decay ``step`` is ``rank_step`` here.

Errors never raise into Excel: a function returns ``"#GRIDXL! …"`` naming the
problem.  Blank inputs give an empty result (the unit has not been filled in
yet), as ``gridxl score`` leaves such a score empty.
"""
from __future__ import annotations

import functools
import inspect
import json
import math
import numbers
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridxl.core import REGISTRY, builtin_paths, get_scheme, score_frame, score_indicator
from gridxl.core.expr import COMPARE_DIGITS, ROUND, CountBetter, Env, ExprError, Field, Measure, Refs
from gridxl.core.scheme import TOTAL_KEY, UNIT_KEY, SchemeError, scheme_from_dict
from gridxl.core.explain import explain_one
from gridxl.core.scoring import ScoringError, competition_rank, dense_rank, stars_of

try:
    import xlwings as xw
    _func, _arg = xw.func, xw.arg
except ImportError:  # pragma: no cover - xlwings is a dependency; keep the functions usable without it
    def _func(*args, **kwargs):
        return (lambda f: f) if not args else args[0]

    def _arg(*args, **kwargs):
        return lambda f: f

ERROR = "#GRIDXL!"
CATEGORY = "gridxl 网格化考核"
DOC_LIMIT = 255  # Excel's function wizard keeps this many characters of a description

__all__: list[str] = []
FUNCTIONS: dict[str, object] = {}  # name -> the plain Python function (for the headless engine)


class UdfError(ValueError):
    """A problem with a GRID_* call that the cell shows as "#GRIDXL! message"."""


def udf(arg_docs):
    """A decorator that makes a function a GRID_* worksheet function.

    ``arg_docs`` is ``[(parameter, description), …]``.  The function is wrapped so that
    any failure becomes an ``#GRIDXL!`` string, the descriptions are recorded on
    ``__gridxl_args__`` (the contract test replays them through xlwings' own
    registration code), and ``xw.arg``/``xw.func`` are applied.
    """
    def decorate(fn):
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (UdfError, SchemeError, ScoringError, ExprError) as exc:
                return f"{ERROR} {exc}"
            except Exception as exc:  # never a traceback in a cell
                return f"{ERROR} {fn.__name__}: {type(exc).__name__}: {exc}"

        guarded.__doc__ = inspect.cleandoc(fn.__doc__ or "")  # Excel shows the text as it is
        guarded.__gridxl_args__ = tuple(arg_docs)
        registered = guarded
        for name, doc in arg_docs:
            registered = _arg(name, doc=doc[:DOC_LIMIT])(registered)
        registered = _func(category=CATEGORY)(registered)
        __all__.append(fn.__name__)
        FUNCTIONS[fn.__name__] = registered
        return registered
    return decorate


# -- reading what Excel passes ---------------------------------------------------------
def _flat(value) -> list:
    """A cell, a row, a 2-D range or several of them, as one list read row by row."""
    out: list = []

    def walk(v):
        if isinstance(v, np.ndarray):
            for x in v.reshape(-1):
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        else:
            out.append(v.item() if isinstance(v, np.generic) else v)
    walk(value)
    return out


def _one(value, what):
    values = _flat(value)
    if len(values) != 1:
        raise UdfError(f"{what} must be a single cell, got {len(values)} values")
    return values[0]


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and math.isnan(v))


def _missing(v) -> bool:
    """Nothing given: a blank cell, or a range of blank cells."""
    return all(_blank(x) for x in _flat(v))


def _number(v, what) -> float:
    v = _one(v, what) if isinstance(v, (list, tuple, np.ndarray)) else v
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        text = v.strip().replace(",", "")
        try:
            return float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            pass
    raise UdfError(f"{what} is not a number: {v!r}")


def _text(v, what) -> str:
    v = _one(v, what) if isinstance(v, (list, tuple, np.ndarray)) else v
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _numbers(values) -> list[float]:
    """The numbers of a range, skipping blanks, text and TRUE/FALSE (as RANK does)."""
    return [float(v) for v in _flat(values)
            if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and not _blank(v)]


def _result(x, what):
    x = float(x)
    if math.isnan(x):
        raise UdfError(f"{what} cannot be scored: a value is outside the scheme's tables "
                       f"(unknown unit name or choice?)")
    return x


# -- schemes and indicators --------------------------------------------------------------
def _scheme(name):
    name = _text(name, "scheme")
    builtins = builtin_paths()
    if name not in builtins and not (name.lower().endswith(".toml") and os.path.isfile(name)):
        raise UdfError(f"scheme {name!r} not found (built-in: {', '.join(builtins) or 'none'}; "
                       f"or the full path of a .toml scheme file)")
    return get_scheme(name)


def _indicator(scheme, name) -> str:
    key = _text(name, "indicator")
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


def _reads_other_units(expr) -> bool:
    return any(isinstance(node, (CountBetter, Measure)) for node in expr.walk())


def _inputs(scheme, key, inputs, fname):
    """The inputs of one indicator keyed by field (or indicator) key; None when one is blank."""
    comp = scheme.compiled()[key]
    if _reads_other_units(comp.score):
        raise UdfError(f"{key} ({comp.indicator.name}) ranks the units against each other: "
                       f"use GRID_RANK_DECAY with the column of all units' values")
    values = _flat(inputs)
    if len(values) != len(comp.inputs):
        wanted = ", ".join(_label(scheme, k) for k in comp.inputs)
        raise UdfError(f"{fname} {scheme.id} {key} takes {len(comp.inputs)} input(s) in this order: {wanted}; "
                       f"got {len(values)}")
    out = {}
    for n, (k, v) in enumerate(zip(comp.inputs, values), 1):
        if _blank(v):
            return None
        what = f"input {n} {_label(scheme, k)}"
        out[k] = _text(v, what) if _is_text_input(scheme, k) else _number(v, what)
    return out


def _score_one(scheme, key, values) -> float:
    """score_indicator, or — when the indicator reads other indicators' scores, which
    GRID_SCORE takes as inputs (see `gridxl show`) — the compiled score with those scores."""
    compiled = scheme.compiled()
    given = {k: v for k, v in values.items() if k in compiled}
    if not given:
        return score_indicator(scheme, key, values)
    fields = {k: np.asarray([v], dtype=object if isinstance(v, str) else float)
              for k, v in values.items() if k not in compiled}
    fields.setdefault(UNIT_KEY, np.asarray([""], dtype=object))
    env = Env(fields, {k: np.asarray([v]) for k, v in given.items()})
    return float(np.asarray(compiled[key].score.evaluate(env), dtype=float).reshape(-1)[0])


# -- the functions of a scheme ------------------------------------------------------------------
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
    s = _scheme(scheme)
    key = _indicator(s, indicator)
    values = _inputs(s, key, inputs, "GRID_SCORE")
    if values is None:
        return ""
    return _result(_score_one(s, key, values), f"{s.id} {key}")


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
    s = _scheme(scheme)
    whole_table = [f"{i.key} (per {s.subunit})" for i in s.indicators if i.per_subunit] + [
        f"{k} (ranks units)" for k, c in s.compiled().items() if _reads_other_units(c.score)]
    if whole_table:
        raise UdfError(f"scheme {s.id} cannot total one row on its own: {', '.join(whole_table)} need other rows; "
                       f"add GRID_SCORE / GRID_RANK_DECAY cells with SUM instead")
    fields = s.unit_fields()
    values = _flat(inputs)
    unit = ""
    if len(values) == len(fields) + 1 and (values[0] is None or isinstance(values[0], str)):
        unit, values = _text(values[0], "unit name"), values[1:]
    elif len(values) != len(fields):
        raise UdfError(f"GRID_TOTAL {s.id} takes the {len(fields)} input fields in this order "
                       f"(the unit name may come first): {', '.join(f.key for f in fields)}; got {len(values)} values")
    row = {UNIT_KEY: unit}
    for n, (f, v) in enumerate(zip(fields, values), 1):
        if _blank(v):
            return ""
        what = f"value {n} {_label(s, f.key)}"
        row[f.key] = _text(v, what) if f.type == "choice" else _number(v, what)
    table = score_frame(s, pd.DataFrame([row])).table
    return _result(table[TOTAL_KEY].iloc[0], f"{s.id} total")


@udf([("scheme", SCHEME_DOC), ("total", "总分 / the total score")])
def GRID_GRADE(scheme, total):
    """总分对应的等次（按方案的等次表）。The grade (等次) a total earns under the scheme.

    Grades forced by flags (一票否决 …) depend on the inputs, not the total:
    `gridxl score` shows those.
    """
    s = _scheme(scheme)
    if not s.grades:
        raise UdfError(f"scheme {s.id} has no grades (等次)")
    if _blank(total):
        return ""
    env = Env({TOTAL_KEY: np.asarray([_number(total, "total")])})
    return str(np.asarray(s.grade_expr(Field(TOTAL_KEY)).evaluate(env), dtype=object).reshape(-1)[0])


@udf([("scheme", SCHEME_DOC), ("total", "总分 / the total score")])
def GRID_STARS(scheme, total):
    """总分对应的星级（按方案的星级规则）。The stars (星级) a total earns under the scheme."""
    s = _scheme(scheme)
    if s.stars is None:
        raise UdfError(f"scheme {s.id} has no stars (星级)")
    if _blank(total):
        return ""
    return float(stars_of(s, np.asarray([_number(total, "total")]))[0])


RANK_VALUE_DOC = "要排名的数值（如总分）/ the value to rank, e.g. a total"
RANK_VALUES_DOC = "全部单位的数值（区域，空格和文字不计）/ all units' values (a range; blanks and text are skipped)"


def _rank(rank, value, values):
    if _blank(value):
        return ""
    value, column = _number(value, "value"), tuple(_numbers(values))
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
    s = _scheme(scheme)
    key = _indicator(s, indicator)
    comp = s.compiled()[key]
    values = _inputs(s, key, inputs, "GRID_EXPLAIN")
    if values is None:  # name what is missing, as explain does
        raw = dict(zip(comp.inputs, _flat(inputs)))
        fields = {k: (math.nan if _blank(v) else v) for k, v in raw.items()}
        return explain_one(s, key, fields, {key: math.nan}, {})
    score = _result(_score_one(s, key, values), f"{s.id} {key}")
    measures = {}
    if comp.measure is not None:
        env = Env({k: np.asarray([v], dtype=object if isinstance(v, str) else float) for k, v in values.items()},
                  {k: np.asarray([v]) for k, v in values.items() if k in s.compiled()})
        with np.errstate(all="ignore"):
            measures[key] = float(np.asarray(ROUND(comp.measure, COMPARE_DIGITS).evaluate(env),
                                             dtype=float).reshape(-1)[0])
    fields = {k: v for k, v in values.items() if k not in s.compiled()}
    scores = {**{k: v for k, v in values.items() if k in s.compiled()}, key: score}
    return explain_one(s, key, fields, scores, measures)


# -- one function per rule kind, generated from the kind registry ---------------------------
# A kind is described once, in gridxl.core.kinds.REGISTRY: its parameters, their help and
# defaults, and the formula tree.  What follows only knows how each *type* of parameter
# (number, bool, text, items, bands, parts) becomes Excel arguments.

KIND_FUNCTION_NAMES = {"deduction": "GRID_DEDUCT"}  # otherwise GRID_<KIND>
EXCEL_NAMES = {"step": "rank_step", "each": "points_each"}  # VBA reserves Step and Each

# Chinese names of the registry's parameters, for the function wizard (the English help is the registry's).
PARAM_LABELS = {  # name: (中文, English); the registry's help follows them
    "standard": ("标准（达标值）", "the standard"), "low": ("下限（低于此不得分）", "the low end, 0 points below"),
    "high": ("满分线（达到即满分）", "full points from here"),
    "scale": ("换算倍数（100 把比率换成百分数）", "multiply the value first"),
    "base": ("基数", "the base"), "points_at_base": ("达到基数时的得分", "points at the base"),
    "relative": ("按基数的百分比计步（TRUE/FALSE）", "steps in percent of the base"),
    "step_up": ("每超过多少", "one step over the base"), "up_points": ("每步加分", "points added per step"),
    "max_bonus": ("加分上限（空：不设上限）", "the most that is added"),
    "step_down": ("每减少多少", "one step under the base"), "down_points": ("每步扣分", "points taken per step"),
    "max_deduction": ("最多扣分", "the most that is taken"),
    "step_rounding": ("计步方式", "how steps are counted"), "floor": ("最低得分", "the lowest score"),
    "target": ("目标值", "the target"), "per": ("每少多少（百分点）", "one step short"),
    "deduct": ("每步扣分", "points taken per step"), "cap": ("累计上限（封顶）", "the cap of the sum"),
    "below": ("最低档以下", "the amount below the lowest band"),
    "step": ("每降一名少得的比例（0.05 即 5%）", "share lost per place"),
    "direction": ("排序方向", "ranking direction"), "min_score": ("最低分", "the lowest allowed score"),
    "ranking": ("并列名次（competition 1,1,3 / dense 中国式 1,1,2）", "how tied places count"),
    "decay": ("递减方式（additive 累减 / multiplicative 连乘）", "additive or multiplicative steps"),
    "max_score": ("最高分（默认为分值）", "the highest allowed score"),
}

VALUE_DOC = "计算值（如比率 0.9756、每万人件数、检查组打分）/ the measured value: a rate such as 0.9756, a count, an inspector's score"
VALUES_DOC = "全部单位的计算值（区域），用于排名 / all units' measured values (a range), to rank against"
POINTS_DOC = "本项分值 / the item's points"
DIGITS_DOC = "保留小数位（默认 2，Excel ROUND）/ decimals kept (default 2, Excel's ROUND)"
ITEM_DOCS = {
    "items": "各子项的次数，或完成与否 1/0（区域）/ each sub-item's count, or 1/0 for done (a range)",
    "points_each": "各子项每次（每项）的分值，与 items 一一对应，或一个数通用 / points per occurrence or per item, "
                   "one per item or one for all",
    "caps": "各子项自己的上限（可空）/ each item's own cap (optional)",
}
BAND_DOCS = {
    "bands": "各档下限（区域，如 90,80,70,60,0）/ the lower end of each band (a range such as 90,80,70,60,0)",
    "amounts": "各档的扣分或得分，与 bands 一一对应 / the deduction (or score) of each band",
    "mode": "\"deduct\"（扣分，默认）或 \"score\"（得分）/ whether amounts are deductions (default) or scores",
}
PART_DOCS = {
    "parts": "各部分得分（区域）/ the parts' scores (a range)",
    "weights": "各部分权重（如 0.4, 0.6），与 parts 一一对应 / the weight of each part, e.g. 0.4, 0.6",
}
MODES = {"deduct": "deduct", "扣分": "deduct", "score": "score", "得分": "score"}


@dataclass(frozen=True)
class KindArg:
    """One Excel argument of a per-kind function."""

    name: str  # the Excel-facing (Python) parameter name
    role: str  # value, values, points, digits, param, items, points_each, caps, bands, amounts, mode, parts, weights
    doc: str
    required: bool
    param: str | None = None  # the registry parameter it fills


@dataclass(frozen=True)
class KindFunction:
    function: str
    kind: str
    args: tuple[KindArg, ...]
    uses_points: bool


def _param_args(kind, p):
    """The (required, optional) Excel arguments one registry parameter becomes."""
    if p.kind == "items":
        return ([KindArg("items", "items", ITEM_DOCS["items"], True, p.name),
                 KindArg("points_each", "points_each", ITEM_DOCS["points_each"], True, p.name)],
                [KindArg("caps", "caps", ITEM_DOCS["caps"], False, p.name)])
    if p.kind == "bands":
        return ([KindArg("bands", "bands", BAND_DOCS["bands"], True, p.name),
                 KindArg("amounts", "amounts", BAND_DOCS["amounts"], True, p.name)],
                [KindArg("mode", "mode", BAND_DOCS["mode"], False, p.name)])
    if p.kind == "parts":
        return ([KindArg("parts", "parts", PART_DOCS["parts"], True, p.name),
                 KindArg("weights", "weights", PART_DOCS["weights"], True, p.name)], [])
    zh, en = PARAM_LABELS.get(p.name, (f"{kind.label}的参数", p.name))
    default = "" if p.default is None else f"（默认 {p.default}）"
    doc = f"{zh}{default} / {en}: {p.help}"
    arg = KindArg(EXCEL_NAMES.get(p.name, p.name), "param", doc, p.required, p.name)
    return ([arg], []) if p.required else ([], [arg])


def _probe(kind, points):
    """The printed score formula of a one-indicator scheme of this kind, with placeholder parameters."""
    dummies = {"number": 1.0, "bool": False, "text": "whole",
               "items": [{"field": "i1", "each": 1.0}], "bands": [{"from": 0.0, "deduct": 1.0}],
               "parts": [{"value": "p1", "weight": 1.0}]}
    ind = {"key": "x", "name": "probe", "kind": kind.name, "points": points,
           **({"value": "value"} if kind.needs_value else {}),
           **{p.name: 2.0 if p.name == "high" else dummies[p.kind] for p in kind.params if p.required}}  # low < high
    fields = [{"key": k, "label": k, "type": "number"} for k in ("value", "i1", "p1")]
    comp = scheme_from_dict({"id": "probe", "name": "probe", "unit": "单位", "fields": fields,
                             "indicators": [ind]}, "probe").compiled()["x"]
    return comp.score


def _kind_function(kind) -> KindFunction:
    one, two = _probe(kind, 1.0), _probe(kind, 2.0)
    refs = Refs(lambda space, key: f"{space}:{key}", lambda space, key: f"{space}:{key}:")
    uses_points = one.to_excel(refs) != two.to_excel(refs)
    required, optional = [], []
    if kind.needs_value:
        required.append(KindArg("value", "value", VALUE_DOC, True))
    if _reads_other_units(one):
        required.append(KindArg("values", "values", VALUES_DOC, True))
    for p in kind.params:
        req, opt = _param_args(kind, p)
        required += req
        optional += opt
    if uses_points:
        required.append(KindArg("points", "points", POINTS_DOC, True))
    optional.append(KindArg("digits", "digits", DIGITS_DOC, False))
    name = KIND_FUNCTION_NAMES.get(kind.name, f"GRID_{kind.name.upper()}")
    return KindFunction(name, kind.name, tuple(required + optional), uses_points)


def _kind_doc(kind) -> str:
    example = f" 例 e.g. {kind.example}" if kind.example else ""
    return (f"{kind.label}（规则 {kind.name}）/ {kind.summary}.{example}\n\n"
            f"Ad-hoc use of the `{kind.name}` rule kind: the score is the one gridxl's scoring core gives an "
            f"indicator of this kind with these parameters (Excel ROUND to `digits`). Blank optional "
            f"arguments take the rule's defaults; a blank value gives an empty cell.")


def _items(spec, given, fields, row, prefix, what):
    """Sub-items from parallel ranges: the counts go into the row as fields i1, i2 …"""
    counts, each, caps = _flat(given["items"]), _flat(given["points_each"]), _flat(given.get("caps"))
    if not counts:
        raise UdfError(f"{spec.function}: items is empty")
    if any(_blank(c) for c in counts):
        return None
    each = each * len(counts) if len(each) == 1 else each
    caps = [None] * len(counts) if not caps or (len(caps) == 1 and _blank(caps[0])) else (
        caps * len(counts) if len(caps) == 1 else caps)
    if len(each) != len(counts) or len(caps) != len(counts):
        raise UdfError(f"{spec.function}: {len(counts)} items but {len(each)} points_each and {len(caps)} caps")
    out = []
    for n, (c, e, cap) in enumerate(zip(counts, each, caps), 1):
        key = f"{prefix}{n}"
        fields.append({"key": key, "label": key, "type": "number"})
        row[key] = _number(c, f"{what} {n}")
        item = {"field": key, "each": _number(e, f"points_each {n}")}
        if not _blank(cap):
            item["cap"] = _number(cap, f"caps {n}")
        out.append(item)
    return out


def _call_kind(kind_name, args):
    """Score one unit with a throwaway one-indicator scheme of this kind (see module docstring)."""
    spec = KINDS[kind_name]
    given = dict(zip((a.name for a in spec.args), args))
    fname = spec.function
    ind: dict = {"key": "x", "name": fname, "kind": kind_name, "points": math.nan}
    fields: list[dict] = []
    row: dict = {UNIT_KEY: ""}
    column = None
    for a in spec.args:
        v = given[a.name]
        if a.role in ("points_each", "caps", "amounts", "mode", "weights"):
            continue  # read together with items / bands / parts
        if _missing(v):
            if a.role == "value":
                return ""
            if a.required:
                raise UdfError(f"{fname}: {a.name} is required ({a.doc})")
            continue
        if a.role == "value":
            fields.append({"key": "value", "label": "value", "type": "number"})
            row["value"] = _number(v, "value")
            ind["value"] = "value"
        elif a.role == "values":
            column = _numbers(v)
        elif a.role == "points":
            ind["points"] = _number(v, "points")
        elif a.role == "digits":
            ind["digits"] = int(_number(v, "digits"))
        elif a.role == "param":
            kind_of = next(p.kind for p in REGISTRY[kind_name].params if p.name == a.param)
            ind[a.param] = (_number(v, a.name) if kind_of == "number" else
                            bool(_number(v, a.name)) if kind_of == "bool" else _text(v, a.name))
        elif a.role == "items":
            items = _items(spec, given, fields, row, "i", "items")
            if items is None:
                return ""
            ind[a.param] = items
        elif a.role == "bands":
            froms, amounts = _flat(v), _flat(given["amounts"])
            if len(froms) != len(amounts) or any(_blank(x) for x in froms + amounts):
                raise UdfError(f"{fname}: bands and amounts must be two ranges of numbers of the same length, "
                               f"got {len(froms)} and {len(amounts)}")
            mode = MODES.get(_text(given.get("mode"), "mode") or "deduct")
            if mode is None:
                raise UdfError(f"{fname}: mode must be \"deduct\" (扣分) or \"score\" (得分)")
            ind[a.param] = [{"from": _number(f, "bands"), mode: _number(x, "amounts")} for f, x in zip(froms, amounts)]
        elif a.role == "parts":
            parts, weights = _flat(v), _flat(given["weights"])
            if len(parts) != len(weights):
                raise UdfError(f"{fname}: {len(parts)} parts but {len(weights)} weights")
            if any(_blank(p) for p in parts):
                return ""
            ind[a.param] = []
            for n, (p, w) in enumerate(zip(parts, weights), 1):
                key = f"p{n}"
                fields.append({"key": key, "label": key, "type": "number"})
                row[key] = _number(p, f"parts {n}")
                ind[a.param].append({"value": key, "weight": _number(w, f"weights {n}")})
    text = json.dumps({"fields": fields, "indicator": ind, "name": fname}, sort_keys=True)
    scheme = _adhoc_scheme(text)
    if column is None:
        score = score_indicator(scheme, "x", {k: v for k, v in row.items() if k != UNIT_KEY})
    else:  # every unit's value in the column, this unit's last (equal values share a place)
        score = _column_scores(text, tuple(column)).get(row["value"])
        if score is None:
            rows = [{UNIT_KEY: f"#{n}", "value": c} for n, c in enumerate(column)] + [row]
            score = score_frame(scheme, pd.DataFrame(rows)).table["x"].iloc[-1]
    score = _result(score, fname)
    _check_bounds(scheme.indicators[0], score, fname)
    return score


@functools.lru_cache(maxsize=64)
def _column_scores(text, column):
    """Each value's score when the whole column is scored at once (a sheet calls once per row)."""
    rows = [{UNIT_KEY: f"#{n}", "value": c} for n, c in enumerate(column)]
    table = score_frame(_adhoc_scheme(text), pd.DataFrame(rows)).table
    return dict(zip(column, table["x"].to_numpy(dtype=float).tolist()))


@functools.lru_cache(maxsize=512)
def _adhoc_scheme(text):
    spec = json.loads(text)
    return scheme_from_dict({"id": "adhoc", "name": spec["name"], "unit": "单位", "fields": spec["fields"],
                             "indicators": [spec["indicator"]]}, spec["name"], points_unset_ok=True)


def _check_bounds(ind, score, fname):
    """An entered score outside [min_score, max_score] is refused (the other kinds cannot leave their bounds)."""
    try:
        lo, hi = ind.rule_kind.bounds(ind)
    except (TypeError, ValueError):  # a bound that depends on points the call did not give
        return
    if (lo is not None and score < lo) or (hi is not None and score > hi):
        def shown(x):
            return "" if x is None or math.isnan(x) else f"{x:g}"
        raise UdfError(f"{fname}: {score:g} is outside the allowed range {shown(lo)}..{shown(hi)}")


def _make_kind_function(spec: KindFunction):
    """A real Python function with the kind's positional signature (xlwings reads it to register)."""
    params = [a.name if a.required else f"{a.name}=None" for a in spec.args]
    names = ", ".join(a.name for a in spec.args)
    source = f"def {spec.function}({', '.join(params)}):\n    return _call_kind({spec.kind!r}, ({names},))\n"
    namespace = {"__name__": __name__, "_call_kind": _call_kind}
    exec(source, namespace)  # noqa: S102 - the text is built from identifiers in the kind registry
    fn = namespace[spec.function]
    fn.__doc__ = _kind_doc(REGISTRY[spec.kind])
    return udf([(a.name, a.doc) for a in spec.args])(fn)


KINDS: dict[str, KindFunction] = {name: _kind_function(kind) for name, kind in REGISTRY.items()}
for _spec in KINDS.values():
    if _spec.function in globals():
        raise RuntimeError(f"rule kind {_spec.kind!r} would redefine {_spec.function}")
    globals()[_spec.function] = _make_kind_function(_spec)
del _spec


def kind_arguments(ind, value_of):
    """The arguments of the per-kind function that scores indicator ``ind`` as its scheme does.

    ``value_of(role, expr)`` supplies what Excel would pass for a formula tree of the scheme:
    role "value" (the indicator's measured value), "values" (that value for every unit),
    "item" or "part" (one sub-item's count or one part's score); it returns None when it cannot.
    Returns None when the rule needs more than the function takes: cases by unit or choice,
    ``when`` overrides, band sub-items.  (The scheme's zero-denominator rule is the caller's.)
    """
    comp = ind.scheme.compiled()[ind.key]
    if ind.when:
        return None
    out = []
    for a in KINDS[ind.kind].args:
        if a.role in ("value", "values"):
            value = value_of(a.role, comp.measure) if comp.measure is not None else None
        elif a.role == "points":
            value = ind.points
        elif a.role == "digits":
            value = ind.digits
        elif a.role == "param":
            value = ind.params.get(a.param)
            if isinstance(value, (dict, list)):
                return None
        elif a.role == "items":
            if any("bands" in item for item in ind.items):
                return None
            value = [value_of("item", ind.item_value(item)) for item in ind.items]
        elif a.role == "points_each":
            value = [item.get("each", 1) for item in ind.items]
        elif a.role == "caps":
            caps = [item.get("cap") for item in ind.items]
            value = None if all(c is None for c in caps) else caps
        elif a.role == "bands":
            value = [band["from"] for band in ind.params["bands"]]
        elif a.role == "amounts":
            value = [band.get("deduct", band.get("score")) for band in ind.params["bands"]]
        elif a.role == "mode":
            value = "deduct" if "deduct" in ind.params["bands"][0] else "score"
        elif a.role == "parts":
            value = [value_of("part", ind.item_value(part)) for part in ind.params["parts"]]
        elif a.role == "weights":
            value = [part["weight"] for part in ind.params["parts"]]
        else:  # pragma: no cover - a role added above without a case here
            raise ValueError(f"unknown argument role {a.role!r}")
        if a.required and (value is None or (isinstance(value, list) and None in value)):
            return None
        out.append(value)
    return out
