"""The function registry: a function of the columns engine is one decorated definition.

    @function("SUM")
    def f_sum(ctx, *args): ...

An implementation takes the cells' context and its arguments as :class:`~gridxl.engine.values.XV`
blocks (None for an omitted optional one) and returns an XV of one value per cell.  Functions not
registered here are called cell by cell through the ``formulas`` package (:mod:`..fallback`);
IF, IFERROR, IFNA, ROW, COLUMN, ROWS and COLUMNS are nodes (:mod:`..nodes`) because they
compute only a branch or read a reference rather than its values.
"""
from __future__ import annotations

from typing import Callable

FUNCTIONS: dict[str, Callable] = {}
SPECIAL_FORMS = ("IF", "IFERROR", "IFNA", "ROW", "COLUMN", "ROWS", "COLUMNS")  # compiled as nodes, not here


def function(*names: str):
    """Register the decorated implementation under each of ``names`` (upper case, as Excel spells them)."""
    def register(impl):
        for name in names:
            if name in FUNCTIONS or name in SPECIAL_FORMS:
                raise ValueError(f"the function {name} is registered twice")
            FUNCTIONS[name] = impl
        return impl
    return register
