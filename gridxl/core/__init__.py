"""The scoring core: pure Python (numpy/pandas), no spreadsheet library.

It must not import xlwings, openpyxl or formulas: the UDFs, the template
generator and the headless engine are adapters over it, and it also runs in
Pyodide (xlwings Lite).
"""
from .catalog import builtin_paths, builtin_schemes, get_scheme
from .excel_math import excel_round, excel_rounddown, excel_roundup, format_number
from .kinds import REGISTRY, kinds_by_category
from .scheme import Scheme, SchemeError, load_scheme
from .scoring import ScoreResult, ScoringError, score_frame, score_indicator

__all__ = ["Scheme", "SchemeError", "load_scheme", "get_scheme", "builtin_schemes", "builtin_paths",
           "excel_round", "excel_roundup", "excel_rounddown", "format_number", "REGISTRY",
           "kinds_by_category", "ScoreResult", "ScoringError", "score_frame", "score_indicator"]
