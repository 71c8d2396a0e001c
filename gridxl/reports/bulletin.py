"""The monthly bulletin (通报): district figures, units below standard, the ranking table, a chart.

Shape of seed 004 (渝水区 2022年11月 通报): title, the units addressed, district-wide
figures per indicator (全区网格员1372人，…，达标率93.1%), the units below standard per
indicator, the ranking table with every score and the total, a bar chart of totals.

Every number comes from the scoring core: scores, totals and ranks from
:func:`gridxl.core.score_frame`; district figures by evaluating the parts of each
indicator's measure :class:`~gridxl.core.expr.Expr` (a top-level division gives the
numerator and the denominator, summed over the units: the district rate is
Σ numerator / Σ denominator, not an average of the units' rates).  Rounding is
Excel's ROUND (:func:`gridxl.core.format_number`).

"Below standard" (不达标) is defined as *scored less than the indicator's full points*;
the seed's own lists disagree with its table (see SCHEMES.md, 004), and the bulletin
states the definition it uses.

The Word and Excel writers and the paragraphs around the figures (主送, 存在的问题, 工作要求 …)
are in :mod:`gridxl.reports`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gridxl.core.excel_math import excel_round, format_number
from gridxl.core.expr import BinOp, Env, Expr, Field, Measure, Score
from gridxl.core.scheme import UNIT_KEY, Indicator, Scheme
from gridxl.core.scoring import ScoreResult, field_env, score_frame
from gridxl.reports.history import period_text, rank_movement

SCALE_PREFIX = {10000.0: "万", 1000.0: "千", 100.0: "百"}
RANKING_NOTE = "排名按总分从高到低排列，总分相同的并列同一名次，其后名次顺延。"


@dataclass(frozen=True)
class Wording:
    """How the bulletin names the whole (全区) and the assessed (单位/个, or 人员/名 for 网格员)."""

    area: str = "全区"
    who: str = "单位"
    counter: str = "个"
    each: str = "单位"  # 各乡镇（街道）, 各网格员

    @classmethod
    def for_scheme(cls, scheme: Scheme, area: str = "全区") -> "Wording":
        person = scheme.unit.endswith(("员", "长", "人"))
        return cls(area, "人员" if person else "单位", "名" if person else "个", scheme.unit)

    def below_definition(self) -> str:
        return f"本通报所称“未达标{self.who}”，指该项得分低于该项满分的{self.who}。"


def scored_as_extra(ind: Indicator) -> bool:
    """Bonus and penalty items (and 0-point deduction items) have no full marks to fall short of."""
    return ind.extra or float(ind.points) == 0


# -- district figures ----------------------------------------------------------------
@dataclass
class FieldTotal:
    key: str
    label: str
    unit: str
    total: float


@dataclass
class IndicatorFigure:
    """One indicator across the district: the summed parts of its measure and who fell short."""

    indicator: Indicator
    how: str | None  # "ratio" (Σ numerator / Σ denominator), "sum", "mean", or None (no measure)
    fields: list[FieldTotal] = field(default_factory=list)
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    percent: bool = False
    value_unit: str = ""
    label: str = ""
    standard: float | None = None
    below: list[tuple[str, float]] = field(default_factory=list)  # (unit, score), lowest score first
    blank: list[str] = field(default_factory=list)  # units without a score

    @property
    def key(self) -> str:
        return self.indicator.key

    def value_text(self, digits: int) -> str:
        if self.value is None:
            return ""
        if self.percent:
            return f"{format_number(self.value * 100, digits)}%"
        return f"{format_number(self.value, digits)}{self.value_unit}"

    def standard_text(self) -> str:
        if self.standard is None:
            return ""
        if self.percent:
            return f"{format_number(self.standard * 100, 4)}%"
        return f"{format_number(self.standard, 4)}{self.value_unit}"

    def figures_sentence(self, digits: int, w: Wording = Wording()) -> str:
        parts = [f"{f.label}{format_number(f.total, 4)}{f.unit}" for f in self.fields]
        std = f"（标准{self.standard_text()}）" if self.standard is not None else ""
        if self.how == "ratio":
            if self.value is None:
                return w.area + "，".join(parts) + f"，分母为0，{self.label}无法计算。"
            return w.area + "，".join(parts) + f"，{self.label}{self.value_text(digits)}{std}。"
        if self.how == "sum":
            return f"{w.area}{self.label}合计{self.value_text(digits)}{std}。"
        if self.how == "mean" and self.value is not None:
            return f"各{w.each}{self.label}平均为{self.value_text(digits)}{std}。"
        return ""

    def below_sentence(self, w: Wording = Wording()) -> str:
        ind = self.indicator
        if scored_as_extra(ind):
            plus = [f"{u}（{format_number(s, ind.digits)}分）" for u, s in reversed(self.below) if s > 0]
            minus = [f"{u}（{format_number(s, ind.digits)}分）" for u, s in self.below if s < 0]
            text = (f"加分{w.who}：{'、'.join(plus)}。" if plus else "") + \
                (f"扣分{w.who}：{'、'.join(minus)}。" if minus else "")
            return text or f"本期无{w.who}加减分。"
        if not self.below:
            text = f"各{w.each}该项均得满分。"
        else:
            names = "、".join(f"{u}（{format_number(s, ind.digits)}分）" for u, s in self.below)
            text = f"未达标{w.who}{len(self.below)}{w.counter}：{names}。"
        if self.blank:
            text += f"未计分：{'、'.join(self.blank)}。"
        return text


_LABEL = re.compile(r"^[\u4e00-\u9fffA-Za-z/]{2,16}$")


def measure_label(ind: Indicator) -> str:
    """What the measure is called: the rule text's opening sentence when it is a plain short name
    (seed 004 opens each rule so: 网格员达标率。…), else the indicator's name."""
    head = ind.rule.strip().split("。")[0].strip() if ind.rule else ""
    return head if _LABEL.match(head) else ind.name


def _unit_of(scheme: Scheme, expr: Expr) -> str:
    """The unit of a field expression: 人 for gw_total, 万人 for population/10000, '' when mixed."""
    if isinstance(expr, Field) and expr.key in scheme.field_keys:
        return scheme.field(expr.key).unit
    if isinstance(expr, BinOp):
        if expr.op == "/" and expr.right.constant() in SCALE_PREFIX:
            inner = _unit_of(scheme, expr.left)
            return SCALE_PREFIX[expr.right.constant()] + inner if inner else ""
        if expr.op in "+-":
            a, b = _unit_of(scheme, expr.left), _unit_of(scheme, expr.right)
            return a if a == b else ""
    return ""


def _column_sum(values) -> float:
    total = 0.0
    for v in np.asarray(values, dtype=float).reshape(-1):  # left to right, as SUM adds
        if np.isfinite(v):
            total += v
    return total


def _evaluate(expr: Expr, env: Env, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(expr.evaluate(env), dtype=float), (n,)).copy()


def indicator_figure(scheme: Scheme, ind: Indicator, frame: pd.DataFrame, table: pd.DataFrame,
                     subunits: pd.DataFrame | None = None) -> IndicatorFigure:
    comp = scheme.compiled()[ind.key]
    fig = IndicatorFigure(ind, None, label=measure_label(ind))
    scores = table[ind.key].to_numpy(dtype=float)
    units = table[UNIT_KEY].tolist()
    order = np.argsort(np.where(np.isnan(scores), np.inf, scores), kind="stable")
    if scored_as_extra(ind):
        fig.below = [(units[i], float(scores[i])) for i in order if np.isfinite(scores[i]) and scores[i] != 0]
    else:
        fig.below = [(units[i], float(scores[i])) for i in order
                     if np.isfinite(scores[i]) and scores[i] < float(ind.points)]
    fig.blank = [units[i] for i in range(len(units)) if np.isnan(scores[i])]

    measure = comp.measure
    source = subunits if ind.per_subunit else frame
    if (measure is None or source is None or ind.rule_kind.typed_score
            or any(isinstance(node, (Score, Measure)) for node in measure.walk())
            or any(k in scheme.field_keys and scheme.field(k).type == "score" for k in measure.fields())):
        return fig  # items, an inspector's score, or a measure over other scores: no district figure
    env = Env(field_env(scheme, source, "subunit" if ind.per_subunit else "unit"))
    n = len(source)
    if isinstance(measure, BinOp) and measure.op == "/":
        num, den = measure.left, measure.right
        fig.how = "ratio"
        fig.numerator = _column_sum(_evaluate(num, env, n))
        fig.denominator = _column_sum(_evaluate(den, env, n))
        fig.value = fig.numerator / fig.denominator if fig.denominator != 0 else None
        keys = [k for k in den.fields() + num.fields()]
        num_unit, den_unit = _unit_of(scheme, num), _unit_of(scheme, den)
    elif isinstance(measure, Field) and scheme.field(measure.key).type == "count":
        fig.how = "sum"  # counts add up: 全区志愿者活动合计19次
        fig.value = _column_sum(_evaluate(measure, env, n))
        keys = []
        num_unit, den_unit = _unit_of(scheme, measure), ""
    elif isinstance(measure, Field):  # a rate or a number per unit does not add up: its average
        fig.how = "mean"
        values = _evaluate(measure, env, n)
        finite = values[np.isfinite(values)]
        fig.value = _column_sum(finite) / len(finite) if len(finite) else None
        keys = []
        num_unit, den_unit = _unit_of(scheme, measure), ""
        fig.percent = scheme.field(measure.key).type == "rate"
    else:
        fig.how = "mean"
        values = _evaluate(measure, env, n)
        finite = values[np.isfinite(values)]
        fig.value = _column_sum(finite) / len(finite) if len(finite) else None
        keys = []
        num_unit, den_unit = "", ""
    seen = []
    for k in keys:
        if k not in seen and k in scheme.field_keys:
            seen.append(k)
            spec = scheme.field(k)
            fig.fields.append(FieldTotal(k, spec.label, spec.unit, _column_sum(env.fields[k])))
    if ind.value_unit == "%":
        fig.percent = True
    elif ind.value_unit:
        fig.value_unit = ind.value_unit
    elif fig.how == "ratio" and num_unit and num_unit == den_unit:
        fig.percent = True
    elif fig.how == "ratio" and num_unit and den_unit:
        fig.value_unit = f"{num_unit}/{den_unit}"
    elif fig.how in ("sum", "mean") and not fig.percent:
        fig.value_unit = num_unit
    if ind.rule_kind.target_standard:
        std = ind.params.get("standard", 1)
        if not isinstance(std, dict):
            fig.standard = float(std)
    return fig


# -- the bulletin ----------------------------------------------------------------------
@dataclass
class Bulletin:
    scheme: Scheme
    result: ScoreResult
    ranking: pd.DataFrame  # result.table in ranking order (+ "movement" when a previous period is given)
    figures: list[IndicatorFigure]
    period: str | None = None
    previous_period: str | None = None
    figure_digits: int = 1
    wording: Wording = Wording()

    @property
    def period_label(self) -> str:
        return period_text(self.period)

    @property
    def has_movement(self) -> bool:
        return "movement" in self.ranking.columns

    def mean_total(self) -> float:
        totals = self.ranking["total"].to_numpy(dtype=float)
        finite = totals[np.isfinite(totals)]
        return excel_round(_column_sum(finite) / len(finite), self.scheme.digits) if len(finite) else float("nan")

    def bottom_units(self, n: int = 2) -> pd.DataFrame:
        """Units whose competition rank from the bottom is at most n (ties share a place)."""
        totals = self.ranking["total"].to_numpy(dtype=float)
        lower = np.array([np.sum(totals < t) for t in totals])
        return self.ranking[(lower < n) & np.isfinite(totals)].iloc[::-1]

    def flagged(self) -> dict[str, list[str]]:
        out = {}
        for flag in self.scheme.flags:
            if flag.key in self.ranking.columns:
                units = self.ranking.loc[self.ranking[flag.key].astype(str) != "", UNIT_KEY].tolist()
                if units:
                    out[flag.label] = units
        return out


def build_bulletin(scheme: Scheme, frame: pd.DataFrame, subunits: pd.DataFrame | None = None,
                   period: str | None = None, previous: pd.DataFrame | None = None,
                   previous_period: str | None = None, figure_digits: int = 1, area: str = "全区") -> Bulletin:
    """Score ``frame`` and gather what the bulletin prints.  ``previous`` is an earlier period's
    result table (unit, rank …, as stored by gridxl.reports.history) for rank movement."""
    result = score_frame(scheme, frame, subunits)
    table = result.table
    order = np.lexsort((np.arange(len(table)), table["rank"].to_numpy(dtype=float)))
    ranking = table.iloc[order].reset_index(drop=True)
    if previous is not None:
        prev = previous.set_index(UNIT_KEY)["rank"]
        ranking["movement"] = rank_movement(ranking.set_index(UNIT_KEY)["rank"], prev).to_numpy()
    figures = [indicator_figure(scheme, ind, frame, ranking, subunits) for ind in scheme.indicators]
    return Bulletin(scheme, result, ranking, figures, period, previous_period, figure_digits,
                    Wording.for_scheme(scheme, area))


def ranking_rows(b: Bulletin) -> tuple[list[str], list[list[str]]]:
    """The ranking table as the documents print it: header, then one row of texts per unit."""
    s = b.scheme
    header = ["排名", s.unit]
    header += [f"{i.name}（加减分）" if scored_as_extra(i) else f"{i.name}（{format_number(i.points)}）"
               for i in s.indicators]
    header.append("总分")
    if "grade" in b.ranking.columns:
        header.append("等次")
    if b.has_movement:
        header.append("名次变化")
    rows = []
    for _, r in b.ranking.iterrows():
        row = [format_number(r["rank"], 0), str(r[UNIT_KEY])]
        row += [format_number(r[i.key], i.digits) for i in s.indicators]
        row.append(format_number(r["total"], s.digits))
        if "grade" in b.ranking.columns:
            row.append(str(r["grade"]))
        if b.has_movement:
            row.append(str(r["movement"]))
        rows.append(row)
    return header, rows


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)
