"""The GRID_* worksheet functions inside the ``formulas`` engine (headless recalculation).

``register_grid_functions()`` must run before ``formulas.ExcelModel().loads()``:
the parser looks a function name up when it reads a cell, and an unknown name
becomes a reference to a (missing) defined name.

Two ways in, the same functions (those of :mod:`gridxl.addin`):

* ``formulas``: arguments arrive as 2-D numpy object arrays (a single cell is
  1×1), empty cells as ``schedula.EMPTY``, Excel errors as ``XlError``.
  :func:`to_python` turns them into what Excel passes xlwings (a number or text,
  None for an empty cell, a row-by-row list for a range); an error among the
  arguments becomes the cell's result, as in Excel.
* a column-wise evaluator: :data:`PYTHON_FUNCTIONS` maps each name to the plain
  function, which takes plain Python/numpy values for one cell (scalars, None
  for blank, lists or arrays for ranges) and returns a float, text, "" for a
  blank result, or an ``"#GRIDXL! …"`` message.
"""
from __future__ import annotations

import numpy as np

from .. import addin

PYTHON_FUNCTIONS: dict = dict(addin.FUNCTIONS)
FUNCTION_NAMES: tuple[str, ...] = tuple(PYTHON_FUNCTIONS)
ERROR_PREFIX = addin.ERROR


def to_python(arg):
    """One ``formulas`` argument as xlwings would pass it: a scalar, or a list read row by row."""
    import schedula as sh

    def scalar(v):
        if v is sh.EMPTY:
            return None
        return v.item() if isinstance(v, np.generic) else v

    if isinstance(arg, np.ndarray):
        cells = [scalar(v) for v in arg.reshape(-1)]
        return cells[0] if len(cells) == 1 else cells
    return scalar(arg)


def _formulas_function(name, fn):
    from formulas.functions import raise_errors, wrap_func

    def call(*args):
        raise_errors(*args)  # an error cell among the inputs is the result, as in Excel
        return fn(*(to_python(a) for a in args))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = fn.__doc__
    return wrap_func(call)


def register_grid_functions() -> list[str]:
    """Make every GRID_* function known to ``formulas`` (idempotent); returns their names.

    Also registered under ``_XLUDF.`` (the prefix Excel gives user-defined functions whose
    name clashes with a newer built-in) so files saved that way compute too.
    """
    import formulas
    from formulas import functions as formulas_functions

    table = formulas.get_functions()  # cached: updating it is what the parser sees
    for name, fn in PYTHON_FUNCTIONS.items():
        wrapped = _formulas_function(name, fn)
        for alias in (name, f"_XLUDF.{name}"):
            table[alias] = wrapped
            formulas_functions.FUNCTIONS[alias] = wrapped  # in case the cache is rebuilt
    return list(FUNCTION_NAMES)


__all__ = ["register_grid_functions", "PYTHON_FUNCTIONS", "FUNCTION_NAMES", "to_python", "ERROR_PREFIX"]
