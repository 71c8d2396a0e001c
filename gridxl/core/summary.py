"""汇总's formulas as trees: the ranking sorted by formulas Excel 2010 evaluates (SMALL on the sort key, INDEX),
and the per-indicator table (units at full marks, below, average, lowest).

Evaluated over whole result columns (``env.columns[(space, key)]``, space ``result``/``score``/``flag``)
as the sheet computes them, printed with ``refs.column(space, key)`` (a range on 评分) and
``refs.cell("summary", "row")`` (汇总's hidden row column, column-absolute).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .excel_math import excel_round, format_number
from .expr import Expr
from .ranks import SORT_BASE


@dataclass(frozen=True, eq=False)
class SortedRow(Expr):
    """Which 评分 row (1 = the first unit) is k-th in the ranking, k = ROW() - (first - 1); blank past the last."""

    first: int

    def evaluate(self, env):
        keys = np.asarray(env.columns[("result", "sortkey")], dtype=float)
        ranked = np.sort(keys[np.isfinite(keys)])
        out = np.full(len(keys), np.nan)
        out[:len(ranked)] = np.mod(ranked, SORT_BASE) - (self.first - 1)
        return out

    def to_excel(self, refs):
        src, base = refs.column("result", "sortkey"), self.first - 1
        return f'IFERROR(MOD(SMALL({src},ROW()-{base}),{SORT_BASE})-{base},"")'


@dataclass(frozen=True, eq=False)
class Mirror(Expr):
    """A result of the unit on the sorted row: INDEX(column, row)."""

    space: str
    key: str

    def evaluate(self, env):
        rows = np.asarray(env.columns[("summary", "row")], dtype=float)
        source = np.asarray(env.columns[(self.space, self.key)], dtype=object)
        out = np.full(len(rows), "", dtype=object)
        ok = np.isfinite(rows)
        out[ok] = source[rows[ok].astype(int) - 1]
        return out

    def to_excel(self, refs):
        row = refs.cell("summary", "row")
        return f'IF({row}="","",INDEX({refs.column(self.space, self.key)},{row}))'


STATS = ("满分单位数", "未达满分单位数", "平均分", "最低分")


@dataclass(frozen=True, eq=False)
class ColumnStat(Expr):
    """One figure of an indicator's scores over all units: at full marks, below them, the average, the lowest."""

    stat: str  # one of STATS
    key: str
    points: float

    def evaluate(self, env):
        values = np.asarray(env.columns[("score", self.key)], dtype=object)
        x = np.array([float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
                      and np.isfinite(v)], dtype=float)
        if self.stat == "满分单位数":
            return float(np.sum(x >= self.points))
        if self.stat == "未达满分单位数":
            return float(np.sum(x < self.points))
        if not len(x):
            return ""
        return float(excel_round(np.mean(x), 2)) if self.stat == "平均分" else float(np.min(x))

    def to_excel(self, refs):
        rng, p = refs.column("score", self.key), format_number(float(self.points), 10)
        if self.stat == "满分单位数":
            return f'COUNTIF({rng},">={p}")'
        if self.stat == "未达满分单位数":
            return f'COUNTIF({rng},"<{p}")'
        if self.stat == "平均分":
            return f'IF(COUNT({rng})=0,"",ROUND(AVERAGE({rng}),2))'
        return f'IF(COUNT({rng})=0,"",MIN({rng}))'


__all__ = ["SortedRow", "Mirror", "ColumnStat", "STATS"]
