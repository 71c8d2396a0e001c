"""The table of GRID_* functions and the guard every one of them runs in.

A function enters :data:`FUNCTIONS` through :func:`udf`, which also records the
description of each argument (``__gridxl_args__``) for the xlwings entry point
(udfs/gridxl_udfs.py) to register, and turns every failure into ``#GRIDXL! …``.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable

from ..core.expr import ExprError
from ..core.scheme import SchemeError
from ..core.scoring import ScoringError
from .coerce import UdfError

ERROR = "#GRIDXL!"
CATEGORY = "gridxl 网格化考核"
DOC_LIMIT = 255  # Excel's function wizard keeps this many characters of a description

FUNCTIONS: dict[str, Callable] = {}  # name -> the plain Python function, in the order Excel lists them


def udf(arg_docs):
    """A decorator that makes a function a GRID_* worksheet function.

    ``arg_docs`` is ``[(parameter, description), …]``.  The function is wrapped so that
    any failure becomes an ``#GRIDXL!`` string; the descriptions are recorded on
    ``__gridxl_args__``.  No xlwings here: udfs/gridxl_udfs.py decorates copies.
    """
    def decorate(fn):
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (UdfError, SchemeError, ScoringError, ExprError) as exc:
                return f"{ERROR} {exc}"
            except Exception as exc:  # never a traceback in a cell
                return f"{ERROR} {fn.__name__}: {type(exc).__name__}: {exc}"

        guarded.__doc__ = inspect.cleandoc(fn.__doc__ or "")  # Excel shows the text as it is
        guarded.__gridxl_args__ = tuple(arg_docs)
        if fn.__name__ in FUNCTIONS:
            raise RuntimeError(f"{fn.__name__} defined twice")
        FUNCTIONS[fn.__name__] = guarded
        return guarded
    return decorate
