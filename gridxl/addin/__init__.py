"""The GRID_* worksheet functions as plain Python: gridxl's scoring rules straight in Excel cells.

网格化考核计分函数：=GRID_SCORE("yushui-2022", "events_per_10k", C5, B5)。

* :mod:`.coerce` reads what Excel passes (cells, ranges, blanks, numbers typed as text);
* :mod:`.scheme_functions`: GRID_SCORE, GRID_TOTAL, GRID_GRADE, GRID_STARS, GRID_RANK,
  GRID_RANK_CN, GRID_EXPLAIN over a scheme;
* :mod:`.kind_functions`: one function per rule kind (GRID_RATIO, GRID_LINEAR, …), made
  from the kind registry with ``inspect.Signature``.

Every score comes from the scoring core; this package only reads arguments.  It imports
no xlwings, openpyxl or formulas, so it runs in xlwings Lite (Pyodide) and inside the
headless engine: the xlwings decorators are applied by the entry point
``udfs/gridxl_udfs.py``.  Building the add-in files (:mod:`.lite`, :mod:`.classic`,
:mod:`.demo`) is separate and not imported here.

Rules that xlwings imposes and the functions follow: positional parameters only (no
keyword-only ones), a ``*inputs`` function has no optional parameters, optional parameters
default to None ("use the rule's default").  Python names are what Excel shows, so they
avoid words VBA reserves (``Step``, ``Each``): the rank_decay ``step`` is ``rank_step``.

Errors never raise into Excel: a function returns ``"#GRIDXL! …"`` naming the problem.
Blank inputs give an empty result (the unit has not been filled in yet), as
``gridxl score`` leaves such a score empty.
"""
from .coerce import UdfError
from .registry import CATEGORY, DOC_LIMIT, ERROR, FUNCTIONS, udf
from .scheme_functions import (GRID_EXPLAIN, GRID_GRADE, GRID_RANK, GRID_RANK_CN, GRID_SCORE, GRID_STARS,
                               GRID_TOTAL)
from .kind_functions import KIND_FUNCTIONS, KINDS, KindArg, KindFunction, kind_arguments

globals().update(KIND_FUNCTIONS)  # GRID_RATIO, GRID_LINEAR, … as attributes, like the scheme functions

__all__ = ["UdfError", "CATEGORY", "DOC_LIMIT", "ERROR", "FUNCTIONS", "udf", "KINDS",
           "KIND_FUNCTIONS", "KindArg", "KindFunction", "kind_arguments", *FUNCTIONS]
