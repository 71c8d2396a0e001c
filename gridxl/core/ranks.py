"""Ranks as formula-tree nodes: one definition evaluated by the core and printed into templates."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .expr import Expr


@dataclass(frozen=True, eq=False)
class DenseRank(Expr):
    """中国式排名: 1 + how many distinct values of the column are higher (1, 1, 2); blank stays blank.

    Printed as ``SUMPRODUCT((col<>"")*(col>v)/ties)+1``, where ``ties`` counts the units holding
    each value: every distinct higher value adds 1.  ``(col<>"")`` and not ``ISNUMBER(col)``:
    Gnumeric evaluates ISNUMBER of a range inside SUMPRODUCT on one cell only, so blank rows
    ("" > a number is TRUE) would count as higher there.
    """

    key: str = "total"
    ties: str = "ties"

    def evaluate(self, env):
        values = pd.Series(np.asarray(env.columns[self.key], dtype=float))
        return values.rank(method="dense", ascending=False).to_numpy()

    def to_excel(self, refs):
        v = refs.cell("result", self.key)
        col = refs.column("result", self.key)
        ties = refs.column("result", self.ties)
        return f'IF({v}="","",SUMPRODUCT(({col}<>"")*({col}>{v})/{ties})+1)'


DENSE_RANK = DenseRank()

__all__ = ["DenseRank", "DENSE_RANK"]
