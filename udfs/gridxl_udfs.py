"""GRID_* worksheet functions for xlwings: the entry point Excel loads.

网格化考核计分函数：在单元格里直接写 =GRID_SCORE("yushui-2022", "events_per_10k", C5, B5)。

The functions are gridxl.addin's (plain Python over the scoring core); this module only
puts xlwings' decorators on them, one copy each, so gridxl.addin itself never needs xlwings.

* Classic xlwings (Windows Excel): set ``UDF Modules`` to ``udfs.gridxl_udfs`` and click
  *Import Functions*.
* xlwings Lite (Excel 365 / Excel on the web, Pyodide): the same decorators resolve to Lite's
  ``func``/``arg``; the ``main.py`` that ``gridxl addin`` writes imports these functions.
* Elsewhere (Linux, tests) xlwings' decorators return the function unchanged; without
  xlwings at all they are no-ops.
"""
from __future__ import annotations

import functools

from gridxl.addin import CATEGORY, DOC_LIMIT, FUNCTIONS

try:
    import xlwings as xw
    _func, _arg = xw.func, xw.arg
except ImportError:  # not installed (or blocked): the functions stay plain Python
    def _func(*args, **kwargs):
        return (lambda f: f) if not args else args[0]

    def _arg(*args, **kwargs):
        return lambda f: f


def _excel_function(fn):
    """A copy of ``fn`` registered with xlwings: its signature, its description and each argument's."""
    @functools.wraps(fn)
    def cell(*args, **kwargs):
        return fn(*args, **kwargs)

    cell.__module__ = __name__  # classic xlwings calls back into this module by name
    for name, doc in fn.__gridxl_args__:
        cell = _arg(name, doc=doc[:DOC_LIMIT])(cell)
    return _func(category=CATEGORY)(cell)


__all__ = list(FUNCTIONS)
globals().update({name: _excel_function(fn) for name, fn in FUNCTIONS.items()})
