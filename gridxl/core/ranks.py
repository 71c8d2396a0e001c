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

__all__ = ["DenseRank", "DENSE_RANK", "DENSE_RANK_PLAIN"]
