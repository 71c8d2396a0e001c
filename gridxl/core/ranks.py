"""Ranks as formula-tree nodes: one definition evaluated by the core and printed into templates."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .expr import Expr
from .validity import INVALID


@dataclass(frozen=True, eq=False)
class DenseRank(Expr):
    """中国式排名: 1 + how many distinct values of the column are higher (1, 1, 2); blank stays blank.

    Printed as ``SUMPRODUCT((col<>"")*(col<>"输入有误")*(col>v)/ties)+1``, where ``ties`` counts the
    units holding each value: every distinct higher value adds 1.  ``(col<>"")`` and not
    ``ISNUMBER(col)``: Gnumeric evaluates ISNUMBER of a range inside SUMPRODUCT on one cell only, so
    blank rows ("" > a number is TRUE) would count as higher there.  A unit whose total shows
    输入有误 has no rank and shows 输入有误 again.
    """

    key: str = "total"
    ties: str = "ties"
    marks: bool = True  # False: as gridxl printed it before templates showed 输入有误

    def evaluate(self, env):
        values = pd.Series(np.asarray(env.columns[self.key], dtype=float))
        return values.rank(method="dense", ascending=False).to_numpy()

    def to_excel(self, refs):
        v = refs.cell("result", self.key)
        col = refs.column("result", self.key)
        ties = refs.column("result", self.ties)
        if not self.marks:
            return f'IF({v}="","",SUMPRODUCT(({col}<>"")*({col}>{v})/{ties})+1)'
        return (f'IF(ISNUMBER({v}),SUMPRODUCT(({col}<>"")*({col}<>"{INVALID}")*({col}>{v})/{ties})+1,'
                f'{v})')


DENSE_RANK = DenseRank()
DENSE_RANK_PLAIN = DenseRank(marks=False)


@dataclass(frozen=True, eq=False)
class CompetitionRank(Expr):
    """名次: 1 + how many totals are higher (ties share a rank, the next skips: 1, 1, 3); blank stays blank."""

    key: str = "total"
    marks: bool = True

    def evaluate(self, env):
        return pd.Series(np.asarray(env.columns[self.key], dtype=float)).rank(method="min", ascending=False).to_numpy()

    def to_excel(self, refs):
        v, col = refs.cell("result", self.key), refs.column("result", self.key)
        if self.marks:
            return f"IF(ISNUMBER({v}),RANK({v},{col},0),{v})"
        return f'IF({v}="","",RANK({v},{col},0))'


@dataclass(frozen=True, eq=False)
class Ties(Expr):
    """The hidden helper of the dense rank: how many units hold this row's total (1 for a blank row)."""

    key: str = "total"

    def evaluate(self, env):
        values = pd.Series(np.asarray(env.columns[self.key], dtype=float))
        counts = values.map(values.value_counts()).to_numpy(dtype=float)
        return np.where(values.isna().to_numpy(), 1.0, counts)

    def to_excel(self, refs):
        v, col = refs.cell("result", self.key), refs.column("result", self.key)
        return f'IF({v}="",1,COUNTIF({col},{v}))'


SORT_BASE = 1_000_000  # sort key = rank × SORT_BASE + row: unique, exact, and in ranking order


@dataclass(frozen=True, eq=False)
class SortKey(Expr):
    """The hidden key 汇总 sorts by: rank × SORT_BASE + the row (rows ``first``, ``first`` + 1, …)."""

    first: int
    key: str = "rank"
    marks: bool = True

    def evaluate(self, env):
        rank = np.asarray(env.columns[self.key], dtype=float)
        return rank * SORT_BASE + (self.first + np.arange(len(rank)))

    def to_excel(self, refs):
        rk = refs.cell("result", self.key)
        if self.marks:
            return f'IF(ISNUMBER({rk}),{rk}*{SORT_BASE}+ROW(),"")'
        return f'IF({rk}="","",{rk}*{SORT_BASE}+ROW())'


__all__ = ["DenseRank", "DENSE_RANK", "DENSE_RANK_PLAIN", "CompetitionRank", "Ties", "SortKey", "SORT_BASE"]
