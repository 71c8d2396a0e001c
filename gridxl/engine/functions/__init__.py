"""The spreadsheet functions of the columns engine, grouped by category as Excel's function
library groups them (formulas' own layout: ``formulas/functions/{math,stat,logic,info,look}.py``).

Importing this package registers every category in :data:`FUNCTIONS` (see :mod:`.registry`).
There is no text category: the templates' only text operation is the ``&`` operator
(:mod:`..operators`); text functions arrive through the ``formulas`` bridge.
"""
from __future__ import annotations

from . import criteria, info, logic, look, math, stat  # noqa: F401  (each registers its functions)
from .registry import FUNCTIONS, SPECIAL_FORMS, function

__all__ = ["FUNCTIONS", "SPECIAL_FORMS", "function"]
