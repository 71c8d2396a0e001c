"""二、存在的问题: the problems section of the 通报, drafted from the scores.

Seed 004 writes its problems as 一是…二是…, each a short judgement followed by figures
(通洲办、仙来办平台分值较低…; 全区完成巡查22次的网格员1112名，达标率81%，仅有8个单位达标).
Three kinds of finding are drafted here, each sentence carrying its numbers:

* the bottom units (总分排名后两位) and the indicators where they lost most points;
* indicators on which most units fall short (below full points: the bulletin's definition);
* units below standard on several indicators at once.

The draft is a draft: the office edits it; what it states is checkable against the table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gridxl.reports.bulletin import Bulletin, scored_as_extra
from ..core.excel_math import excel_round, format_number
from ..core.scheme import UNIT_KEY

ORDINALS = "一二三四五六七八九十"
WEAKEST_SHOWN = 3  # indicators named per bottom unit
WIDE_SHORTFALL = 0.5  # an indicator "most units fall short on": at least half of the scored units
WIDE_SHOWN = 3


@dataclass(frozen=True)
class Problem:
    """One 一是… paragraph: its judgement (the lead, in bold) and the figures behind it."""

    lead: str
    text: str


def _pts(x: float, digits: int) -> str:
    return f"{format_number(x, digits)}分"


def _scored(b: Bulletin):
    """The indicators with full marks to fall short of."""
    return [i for i in b.scheme.indicators if not scored_as_extra(i)]


def _bottom(b: Bulletin) -> Problem | None:
    s, w = b.scheme, b.wording
    bottom = b.bottom_units(2)
    mean = b.mean_total()
    bottom = bottom[bottom["total"].astype(float) < mean]
    if bottom.empty:
        return None
    names = "、".join(f"{r[UNIT_KEY]}（{_pts(r['total'], s.digits)}，第{format_number(r['rank'], 0)}名）"
                      for _, r in bottom.iterrows())
    gaps = "、".join(_pts(excel_round(mean - float(t), s.digits), s.digits) for t in bottom["total"])
    text = f"{names}总分排名靠后，{'分别' if len(bottom) > 1 else ''}低于{w.area}平均分（{_pts(mean, s.digits)}）{gaps}。"
    for _, r in bottom.iterrows():
        lost = sorted(((float(i.points) - float(r[i.key]), n, i) for n, i in enumerate(_scored(b))
                       if np.isfinite(float(r[i.key])) and float(r[i.key]) < float(i.points)),
                      key=lambda t: (-t[0], t[1]))[:WEAKEST_SHOWN]
        if lost:
            text += f"{r[UNIT_KEY]}失分主要在" + "、".join(
                f"{i.name}（得{_pts(r[i.key], i.digits)}，满分{_pts(i.points, 4)}）" for _, _, i in lost) + "。"
    return Problem(f"个别{w.who}总分偏低。", text)


def _wide(b: Bulletin) -> list[Problem]:
    """Indicators where at least half of the scored units fall short, most shortfalls first."""
    w = b.wording
    figures = {f.key: f for f in b.figures}
    rows = []
    for n, ind in enumerate(_scored(b)):
        fig = figures[ind.key]
        scored = len(b.ranking) - len(fig.blank)
        if scored and len(fig.below) >= max(2, math.ceil(WIDE_SHORTFALL * scored)):
            rows.append((-len(fig.below) / scored, n, ind, fig, scored))
    out = []
    for _, _, ind, fig, scored in sorted(rows, key=lambda t: (t[0], t[1]))[:WIDE_SHOWN]:
        share = format_number(100 * len(fig.below) / scored, 1)
        text = (f"{scored}{w.counter}{w.who}中有{len(fig.below)}{w.counter}该项未得满分（占{share}%），"
                f"得分最低的是{fig.below[0][0]}（{_pts(fig.below[0][1], ind.digits)}，满分{_pts(ind.points, 4)}）。")
        if fig.value is not None:
            std = f"，标准为{fig.standard_text()}" if fig.standard is not None else ""
            text += f"{w.area}{fig.label}为{fig.value_text(b.figure_digits)}{std}。"
        out.append(Problem(f"{ind.name}未达标面广。", text))
    return out


def several_threshold(n_indicators: int) -> int:
    """Below standard on at least this many indicators counts as "several" (多项): 3, or a third of them."""
    return max(3, math.ceil(n_indicators / 3))


def _several(b: Bulletin) -> Problem | None:
    w = b.wording
    scored = _scored(b)
    if len(scored) < 3:
        return None
    least = several_threshold(len(scored))
    counts = []
    for _, r in b.ranking.iterrows():
        k = sum(1 for i in scored if np.isfinite(float(r[i.key])) and float(r[i.key]) < float(i.points))
        if k >= least:
            counts.append((-k, r[UNIT_KEY]))
    if not counts:
        return None
    counts.sort(key=lambda t: t[0])  # stable: ranking order among equals
    names = "、".join(f"{u}（{-k}项）" for k, u in counts)
    return Problem(f"部分{w.who}多项指标未达标。",
                   f"{len(scored)}项指标中有{least}项及以上未得满分的{w.who}{len(counts)}{w.counter}：{names}。")


def draft_problems(b: Bulletin) -> list[Problem]:
    """The problems, in the seed's order: bottom units, wide shortfalls, units short on several indicators."""
    found = [p for p in [_bottom(b)] + _wide(b) + [_several(b)] if p is not None]
    return found


def numbered(problems: list[Problem]) -> list[tuple[str, str]]:
    """(lead, text) with 一是… 二是… in front of each lead."""
    return [(f"{ORDINALS[n] if n < 10 else n + 1}是{p.lead}", p.text) for n, p in enumerate(problems)]
