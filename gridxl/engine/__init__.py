"""The headless recalculation engine: a filled workbook's formulas evaluated without a spreadsheet
program (a vectorised column engine over the ``formulas`` parser, with ``formulas`` itself as fallback).

Layers: this package reads and writes xlsx packages (:mod:`.cached_values`, :mod:`gridxl.io.xml_parts`) and
imports only :mod:`gridxl.core`, :mod:`gridxl.io` and itself; :mod:`gridxl.workbook` builds on it.
See :mod:`.recalc` for the modules and how a workbook is computed.
"""
from __future__ import annotations

from .cached_values import ExcelError, Package, PackageError
from .compat import FormulasVersionError
from .errors import RecalcError, Unsupported
from .recalc import Recalculated, recalculate, write_recalculated
from .references import normalise_formula, quote_sheet, tokenize, translate

__all__ = ["ExcelError", "FormulasVersionError", "Package", "PackageError", "RecalcError", "Recalculated",
           "Unsupported", "normalise_formula", "quote_sheet", "recalculate", "tokenize", "translate",
           "write_recalculated"]
