"""The rule kinds: one registry, one place per kind.

Each kind turns an indicator of a scheme (its points, its measured value and
its parameters) into an :class:`~gridxl.core.expr.Expr` giving the raw,
unrounded score.  The Python evaluation *and* the Excel formula both come from
that one tree (see expr.py), so a kind is written exactly once.

Kinds are grouped the way the seeds speak of them:

* ``ratio`` / ``rate`` / ``linear`` / ``steps`` / ``shortfall`` – a measured value against a standard
* ``deduction`` / ``penalty`` / ``bonus`` / ``checklist`` / ``bands`` – counts of occurrences, flags, bands
* ``rank_decay`` – a place among the units that miss the standard
* ``entered`` / ``weighted`` – scores typed by inspectors, weighted composites
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .excel_math import format_number
from .texts import cat, numbers, percents, pick
from .expr import (IF, INT, MAX, MIN, CountBetter, Expr, Func, Measure, Num, ROUNDUP, SUM, as_expr,
                   settled)

# "Indicator" in annotations is gridxl.core.scheme.Indicator, named only: scheme imports this module


@dataclass(frozen=True)
class Param:
    """A parameter a kind reads from the indicator's table in the scheme file."""

    name: str
    kind: str  # "number", "bool", "text", "items", "bands", "parts"
    default: Any = None
    required: bool = False
    help: str = ""
    by_case: bool = False  # may be a table keyed by a choice field
    choices: tuple = ()  # for text parameters: the values allowed
    label: str = ""  # its Chinese name, as the GRID_* function wizard shows it


@dataclass
class RuleKind:
    """A registered rule kind.

    ``build(indicator, value)`` returns the raw score Expr; ``value`` is the
    indicator's measured value (None for kinds that read items instead).
    ``bounds(indicator)`` gives the (lowest, highest) raw score the rule can
    produce, None for unbounded: lint, property tests and data validation use it.
    """

    name: str
    label: str
    category: str
    summary: str
    build: Callable[["Indicator", Expr | None], Expr]
    bounds: Callable[["Indicator"], tuple[float | None, float | None]]
    params: tuple[Param, ...] = ()
    needs_value: bool = True
    example: str = ""
    # the tail of an explanation for whole columns: (indicator, values, scores) -> text per row
    explain: Callable[["Indicator", Any, Any], Any] | None = field(default=None)
    # facts other modules ask of a kind, instead of comparing its name
    reads_other_units: bool = False  # the score reads every unit's measure (a hidden measure column)
    udf: str = ""  # the GRID_* function a udf template calls for a kind that reads other units
    against_standard: bool = False  # the value is held against a `standard`: a share of a whole when it is 1
    target_standard: bool = False  # the standard is a target a bulletin quotes (达标值)
    deducts: bool = False  # deducts from the item's points (a floor above 0 is worth a lint warning)
    none_counted: str = ""  # what an explanation says when no item was counted
    typed_score: bool = False  # the value is a score an inspector typed, not a measure of the unit

    def measure_is_share(self, ind: "Indicator") -> bool:
        """Whether the indicator's value is a share of a whole (a percentage; its part cannot exceed the whole)."""
        if ind.value_unit == "%":
            return True
        if not self.against_standard or ind.value_unit:
            return False
        try:
            return float(ind.param_value("standard")) == 1.0
        except (TypeError, ValueError):
            return False


REGISTRY: dict[str, RuleKind] = {}


def register(kind: RuleKind) -> RuleKind:
    if kind.name in REGISTRY:
        raise ValueError(f"rule kind {kind.name!r} registered twice")
    REGISTRY[kind.name] = kind
    return kind


def get_kind(name: str) -> RuleKind:
    return REGISTRY[name]


def _pts(ind: "Indicator") -> float:
    return float(ind.points)


def _full(ind):
    return (0.0, _pts(ind))


def _pct(x: float) -> str:
    return format_number(x * 100, 2) + "%"


def _n(x: float) -> str:
    return format_number(x, 4)


# -- a value against a standard ---------------------------------------------
def _ratio(ind, value):
    standard = ind.param_expr("standard")
    share = value if standard.constant() == 1 else value / standard
    return ind.points_expr() * MIN(1, share)


def value_text(ind, value: float) -> str:
    """A measured value the way the scheme speaks of it: 93.75% for rates, 486.2 for counts."""
    if ind.rule_kind.measure_is_share(ind):
        return _pct(value)
    return _n(value)


def value_texts(ind, value):
    """:func:`value_text` of a whole column."""
    if ind.rule_kind.measure_is_share(ind):
        return percents(value)
    return numbers(value, 4)


def _explain_ratio(ind, value, score):
    """The tail of an explanation, for whole columns: '>= 100% -> 20', '-> 5×93.75% = 4.69'."""
    standard = ind.param_value("standard")
    std = value_text(ind, standard)
    scored = numbers(score, 4)
    reached = cat(f">= {std} -> ", scored)
    if standard == 1:
        short = cat(f"-> {_n(ind.points)}×", value_texts(ind, value), " = ", scored)
    else:
        short = cat(f"< {std} -> {_n(ind.points)}×", numbers(value, 4), f"/{_n(standard)} = ", scored)
    return pick(np.asarray(value) >= standard, reached, short)


register(RuleKind(
    "ratio", "达标即得满分，不达标按比例得分", "standard",
    "points × min(1, value / standard)", _ratio, _full,
    (Param("standard", "number", 1, label="标准（达标值）", help="the standard (达标值); 1 for a rate of 100%", by_case=True),),
    example="每万人上报事项 100 件 -> 20 分 (004)", explain=_explain_ratio, against_standard=True,
    target_standard=True))

register(RuleKind(
    "rate", "比率乘分值", "standard",
    "points × rate (a ratio to a standard of 100%)", _ratio, _full,
    (Param("standard", "number", 1, label="标准（达标值）", help="kept at 1: the rate itself"),),
    example="网格党建覆盖率 × 6 (002)", explain=_explain_ratio, against_standard=True))


def _scaled(ind, value):
    scale = ind.param_value("scale")
    return value if scale == 1 else value * scale


def _linear(ind, value):
    low, high = ind.param_value("low"), ind.param_value("high")
    v = _scaled(ind, value)
    return IF(settled(v) >= high, ind.points_expr(),
              IF(settled(v) < low, 0, (v - low) / (high - low) * ind.points_expr()))


def _explain_linear(ind, value, score):
    low, high, scale = (ind.param_value(p) for p in ("low", "high", "scale"))
    unit = "%" if scale == 100 else ""
    v = np.asarray(value, dtype=float) * scale
    scored = numbers(score, 4)
    between = cat("-> (", numbers(v, 4), f"-{_n(low)})/{_n(high - low)}×{_n(ind.points)} = ", scored)
    text = pick(v < low, f"< {_n(low)}{unit} -> 0", between)
    return pick(v >= high, cat(f">= {_n(high)}{unit} -> ", scored), text)


register(RuleKind(
    "linear", "两个阈值之间线性得分", "standard",
    "value×scale >= high: full; < low: 0; else (value×scale - low)/(high - low) × points",
    _linear, _full,
    (Param("low", "number", required=True, label="下限（低于此不得分）", help="below this: 0 points"),
     Param("high", "number", required=True, label="满分线（达到即满分）", help="at or above this: full points"),
     Param("scale", "number", 1, label="换算倍数（100 把比率换成百分数）",
           help="multiply the value first (100 turns a rate into percent)")),
    example="处理及时率 >=98% 满分, <80% 0 分, 其余 (r×100-80)/18×20 (004)", explain=_explain_linear))


def _step_count(ind, gap, step):
    """How many steps a (non-negative) gap makes: whole, started, or proportional steps."""
    mode = ind.param_value("step_rounding")
    steps = settled(gap / step) if step.constant() != 1 else settled(gap)
    if mode == "whole":
        return INT(steps)
    if mode == "started":
        return ROUNDUP(steps, 0)
    return steps


def _steps(ind, value):
    base = ind.param_expr("base")
    relative = ind.param_value("relative")
    start = ind.param_expr("points_at_base") if ind.params.get("points_at_base") is not None else ind.points_expr()
    gap = ((value - base) / base * 100) if relative else (value - base)
    score = start
    if ind.params.get("step_up") is not None:
        bonus = _step_count(ind, MAX(0, gap), ind.param_expr("step_up")) * ind.param_expr("up_points")
        if ind.params.get("max_bonus") is not None:
            bonus = MIN(ind.param_expr("max_bonus"), bonus)
        score = score + bonus
    if ind.params.get("step_down") is not None:
        loss = _step_count(ind, MAX(0, -gap if not isinstance(gap, Num) else -gap.value),
                           ind.param_expr("step_down")) * ind.param_expr("down_points")
        if ind.params.get("max_deduction") is not None:
            loss = MIN(ind.param_expr("max_deduction"), loss)
        score = score - loss
    floor = ind.params.get("floor", 0)
    return score if floor is None else MAX(floor, score)


def _steps_bounds(ind):
    start = ind.param_value("points_at_base", ind.points)
    hi = None if ind.params.get("step_up") is not None and ind.params.get("max_bonus") is None else (
        start + (ind.param_value("max_bonus", 0) if ind.params.get("step_up") is not None else 0))
    floor = ind.params.get("floor", 0)
    lo = floor if floor is not None else (
        start - ind.param_value("max_deduction") if ind.params.get("max_deduction") is not None else None)
    return (lo, hi)


_STEP_PARAMS = (
    Param("base", "number", required=True, label="基数",
          help="基数: the count (or percent) that earns the points", by_case=True),
    Param("points_at_base", "number", label="达到基数时的得分",
          help="points earned at the base, if not the indicator's points"),
    Param("relative", "bool", False, label="按基数的百分比计步（TRUE/FALSE）",
          help="steps are percent of the base (每增加10%) rather than counts"),
    Param("step_up", "number", label="每超过多少", help="每超过 N 件 …", by_case=True),
    Param("up_points", "number", 1, label="每步加分", help="… 加 M 分", by_case=True),
    Param("max_bonus", "number", label="加分上限（空：不设上限）", help="加分上限 (none: 不设上限)"),
    Param("step_down", "number", label="每减少多少", help="每减少 N 件 …", by_case=True),
    Param("down_points", "number", 1, label="每步扣分", help="… 扣 M 分", by_case=True),
    Param("max_deduction", "number", label="最多扣分", help="最多扣 M 分"),
    Param("step_rounding", "text", "whole", label="计步方式",
          help="whole (49 short of 50 = 0 steps), started, or proportional",
          choices=("whole", "started", "proportional")),
    Param("floor", "number", 0, label="最低得分", help="lowest score (none: may go negative)"),
)

register(RuleKind(
    "steps", "基数加减分", "standard",
    "points at the base, + up_points per step_up over, - down_points per step_down under, capped",
    _steps, _steps_bounds, _STEP_PARAMS,
    example="600 件 = 8 分, 每超 100 件加 1 分 (不设上限), 每少 50 件扣 1 分, 最多扣 8 分 (001)"))


def _shortfall(ind, value):
    v = _scaled(ind, value)
    target = ind.param_expr("target")
    loss = _step_count(ind, MAX(0, target - v), ind.param_expr("per")) * ind.param_expr("deduct")
    cap = ind.params.get("max_deduction")
    loss = MIN(cap if cap is not None else ind.points_expr(), loss)
    return MAX(0, ind.points_expr() - loss)


register(RuleKind(
    "shortfall", "每少一个百分点扣分", "standard",
    "points - deduct per `per` percentage points (or units) below target, at most max_deduction",
    _shortfall, _full,
    (Param("target", "number", required=True, label="目标值", help="the target, in the value's scale (10 for 10%)"),
     Param("scale", "number", 1, label="换算倍数（100 把比率换成百分数）",
           help="multiply the value first (100 turns a rate into percent)"),
     Param("per", "number", 1, label="每少多少（百分点）", help="每少 N 个百分点 …"),
     Param("deduct", "number", 1, label="每步扣分", help="… 扣 M 分"),
     Param("max_deduction", "number", label="最多扣分", help="最多扣 M 分 (default: the item's points)"),
     Param("step_rounding", "text", "whole", label="计步方式", help="whole, started, or proportional",
           choices=("whole", "started", "proportional"))),
    example="采集录入不低于 10%, 少一个百分点扣 1 分 (003)"))


# -- occurrences, flags and bands -------------------------------------------
def band_amount(ind, item: dict) -> Expr:
    """The amount a band table gives: that of the highest band whose `from` the value reaches.

    Band ends shared by two bands go to the higher band ([80, 90) by default),
    as the seeds' "80%到90%" is read in SCHEMES.md.
    """
    value = _scaled_item(item, ind.item_value(item))
    v = settled(value)
    bands = sorted(item["bands"], key=lambda b: b["from"])
    key = "deduct" if "deduct" in bands[0] else "score"
    if item.get("below") is not None:
        out: Expr = as_expr(item["below"])
        rest = bands
    else:  # the lowest band catches everything under it too
        out, rest = as_expr(bands[0][key]), bands[1:]
    for band in rest:
        out = IF(v >= band["from"], band[key], out)
    return out


def _scaled_item(item, value):
    scale = item.get("scale", 1)
    return value if scale == 1 else value * scale


def occurrence_sum(ind, items: list[dict]) -> Expr:
    """Σ over items of count × each (each item capped on its own), or a band's amount."""
    parts = []
    for item in items:
        if "bands" in item:
            part = band_amount(ind, item)
        else:
            part = ind.item_value(item)
            if item.get("each", 1) != 1:
                part = part * item["each"]
        if item.get("cap") is not None:
            part = MIN(item["cap"], part)
        parts.append(part)
    return SUM(*parts)


def _deduction(ind, value):
    total = occurrence_sum(ind, ind.items)
    cap = ind.params.get("cap")
    total = MIN(cap if cap is not None else ind.points_expr(), total)
    score = ind.points_expr() - total
    floor = ind.params.get("floor", 0)
    return score if floor is None else MAX(floor, score)


def _deduction_bounds(ind):
    floor = ind.params.get("floor", 0)
    cap = ind.params.get("cap", ind.points)
    return (floor if floor is not None else ind.points - cap, ind.points)


_ITEMS = Param("items", "items", required=True,
               label="子项",
               help="list of {field = …, each = points per occurrence, cap = …} or {value = …, bands = […]}")

register(RuleKind(
    "deduction", "按次扣分，扣完为止", "occurrence",
    "points - min(cap, Σ count × each), not below floor (0: 扣完为止)",
    _deduction, _deduction_bounds,
    (_ITEMS, Param("cap", "number", label="累计上限（封顶）", help="total deduction cap (default: the item's points)"),
     Param("floor", "number", 0, label="最低得分", help="lowest score; none for 倒扣")),
    needs_value=False, example="缺1次扣0.5分, 扣完为止 (003); 重大刑案 -1, 特别重大 -3, 累计不超过 6 分 (002)",
    deducts=True, none_counted="无扣分"))


def _capped_occurrences(ind, value=None):
    """Σ count × each over the items, at most `cap` when the scheme sets one."""
    total = occurrence_sum(ind, ind.items)
    cap = ind.params.get("cap")
    return MIN(cap, total) if cap is not None else total


def _penalty(ind, value):
    return -_capped_occurrences(ind)


register(RuleKind(
    "penalty", "附加扣分项（从总分扣）", "occurrence",
    "-min(cap, Σ count × each): points taken off the total",
    _penalty, lambda ind: (-ind.params["cap"] if ind.params.get("cap") is not None else None, 0.0),
    (_ITEMS, Param("cap", "number", label="累计上限（封顶）", help="累计扣分不超过 N 分")),
    needs_value=False, example="重点人员漏管失控 每名扣 0.5 分, 累计不超过 5 分 (002)"))


def _bonus_bounds(ind):
    cap = ind.params.get("cap")
    lowest = sum(min(0.0, i.get("each", 1)) for i in ind.items)
    return (0.0 if lowest == 0 else None, cap)


register(RuleKind(
    "bonus", "加分（按级别，封顶）", "occurrence",
    "min(cap, Σ count × points for its level); items with negative points subtract",
    _capped_occurrences, _bonus_bounds,
    (_ITEMS, Param("cap", "number", label="累计上限（封顶）", help="最高加分 (none: 不封顶)")),
    needs_value=False, example="区级 1 / 市级 2 / 省级 5 / 中央 10 分/篇, 最高 10 分 (000)"))


register(RuleKind(
    "checklist", "逐项检查（是/否）", "occurrence",
    "Σ points of the sub-items that are done (each field 1 = done, 0 = not)",
    _capped_occurrences, lambda ind: (0.0, min(float(sum(i.get("each", 1) for i in ind.items)),
                                      ind.params.get("cap") if ind.params.get("cap") is not None else float("inf"))),
    (Param("items", "items", required=True, label="子项", help="list of {field = yes/no field, each = points}"),
     Param("cap", "number", label="累计上限（封顶）",
           help="at most this many points, when the sub-items add up to more (整理版 看现场)")),
    needs_value=False, example="制度保障 2+2+1 (001)"))


def _bands(ind, value):
    item = {"value": ind.value_text, "bands": ind.params["bands"], "scale": ind.param_value("scale")}
    if "below" in ind.params:
        item["below"] = ind.params["below"]
    amount = band_amount(ind, item)
    if "deduct" in ind.params["bands"][0]:
        return MAX(0, ind.points_expr() - amount)
    return amount


def _bands_bounds(ind):
    bands = ind.params["bands"]
    below = [ind.params["below"]] if ind.params.get("below") is not None else []
    if "deduct" in bands[0]:
        return (max(0.0, ind.points - max([b["deduct"] for b in bands] + below)), ind.points)
    amounts = [b["score"] for b in bands] + below
    return (min(amounts), max(amounts))


register(RuleKind(
    "bands", "分档得分/扣分", "occurrence",
    "the first band (from the top) whose `from` the value reaches gives the score or the deduction",
    _bands, _bands_bounds,
    (Param("bands", "bands", required=True, label="分档", help="list of {from = lower end, deduct = … | score = …}"),
     Param("below", "number", label="最低档以下", help="amount below the lowest band"),
     Param("scale", "number", 1, label="换算倍数（100 把比率换成百分数）",
           help="multiply the value first (100 turns a rate into percent)")),
    example="完整率 [80,90) 扣 0.5, [70,80) 扣 1, [60,70) 扣 1.5, <60 扣 2 (002)", deducts=True))


# -- a place among the units that miss the standard --------------------------
def _rank_decay(ind, value):
    standard = ind.param_expr("standard")
    step = ind.param_expr("step")
    better = CountBetter(ind.key, Measure(ind.key), standard, descending=ind.param_value("direction") == "desc",
                         distinct=ind.param_value("ranking") == "dense")
    if ind.param_value("decay") == "multiplicative":  # 95%, 95%×95% …
        share = Func("POWER", (1 - step, better + 1))
    else:  # 95%, 90% … of the points, never below 0
        share = MAX(0, 1 - (better + 1) * step)
    return IF(Measure(ind.key) >= standard, ind.points_expr(), ind.points_expr() * share)


register(RuleKind(
    "rank_decay", "未达标单位排名递减得分", "ranking",
    "value >= standard: full; the units below it are ranked, the first gets (1-step) of the points, "
    "the next (1-2×step) …, ties share a place, never below 0",
    _rank_decay, _full,
    (Param("standard", "number", required=True, label="标准（达标值）", help="达标值"),
     Param("step", "number", required=True, label="每降一名少得的比例（0.05 即 5%）", help="每下降一名少得的比例 (0.05 = 5%)"),
     Param("direction", "text", "desc", label="排序方向", help="desc: the largest value ranks first (从大到小)",
           choices=("desc", "asc")),
     Param("ranking", "text", "competition",
           label="并列名次（competition 1,1,3 / dense 中国式 1,1,2）",
           help="competition: tied units share a place and the next skips (1,1,3); dense: 中国式 (1,1,2)",
           choices=("competition", "dense")),
     Param("decay", "text", "additive",
           label="递减方式（additive 累减 / multiplicative 连乘）",
           help="additive: place n gets 1 - n×step of the points; multiplicative: (1 - step)^n",
           choices=("additive", "multiplicative"))),
    example="完整度 100% 得满分, 其余依次少 5% (000)", reads_other_units=True, udf="GRID_RANK_DECAY"))


# -- typed-in scores and composites -----------------------------------------
def _entered(ind, value):
    return value


def _entered_bounds(ind):
    return (ind.param_value("min_score", 0.0), ind.param_value("max_score", ind.points))


register(RuleKind(
    "entered", "检查组打分（有上下限）", "entered",
    "the score an inspector enters, checked to lie in [min_score, max_score]",
    _entered, _entered_bounds,
    (Param("min_score", "number", 0, label="最低分", help="lowest allowed score"),
     Param("max_score", "number", label="最高分（默认为分值）", help="highest allowed score (default: the points)")),
    example="平安稳定数据上报率 0..8, 检查组打分 (002)", typed_score=True))


def _weighted(ind, value):
    parts = [ind.item_value(part) * part["weight"] for part in ind.params["parts"]]
    return SUM(*parts)


register(RuleKind(
    "weighted", "加权合成", "composite",
    "Σ weight × part (parts are fields or other indicators' scores)",
    _weighted, _full,
    (Param("parts", "parts", required=True, label="组成部分", help="list of {value = field or indicator, weight = 0.4}"),),
    needs_value=False, example="半年 40% + 年终 60% (003)"))


def kinds_by_category() -> dict[str, list[RuleKind]]:
    out: dict[str, list[RuleKind]] = {}
    for kind in REGISTRY.values():
        out.setdefault(kind.category, []).append(kind)
    return out


__all__ = ["REGISTRY", "RuleKind", "Param", "register", "get_kind", "kinds_by_category", "occurrence_sum",
           "band_amount"]
