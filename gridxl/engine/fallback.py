"""The ``formulas`` package as fallback engine and as bridge for single functions.

* :func:`excelmodel_values`: ``formulas.ExcelModel`` over the whole workbook, for what the columns
  engine does not read (about a hundred times slower), with Excel-exact ROUND registered into it.
* :func:`formulas_function`, :func:`to_formulas`, :func:`from_formulas`: a function the columns
  engine does not implement (the GRID_* UDFs among them) called cell by cell (:class:`~.nodes.Bridge`).

``formulas`` is imported on first use only (:func:`.compat.internals`).
"""
from __future__ import annotations

import re

import numpy as np

from gridxl.core.excel_math import excel_round, excel_rounddown, excel_roundup
from gridxl.progress import formulas_bar, large_file, wanted as bar_wanted

from .cached_values import BOOL, ERR, NUM, STR, ExcelError, Package, col_number
from .compat import excel_model, internals
from .parser import function_name
from .values import XV


def formulas_error(code):
    return internals().excel_errors[code]


def to_formulas(v: XV, i: int):
    """Cell ``i``'s value of ``v`` as the formulas package passes arguments (a 2-D array for a range)."""
    empty = internals().EMPTY
    row = 0 if v.shape[0] == 1 else i

    def one(t, x, o):
        if t == NUM:
            return float(x)
        if t == BOOL:
            return bool(x)
        if t == STR:
            return str(o)
        if t == ERR:
            return formulas_error(str(o))
        return empty

    obj = v.obj
    if v.is_range():
        h, w = v.shape[1], v.shape[2]
        out = np.empty((h, w), object)
        for a in range(h):
            for b in range(w):
                out[a, b] = one(v.typ[row, a, b], v.num[row, a, b], obj[row, a, b] if obj is not None else None)
        return out
    return one(v.typ[row, 0, 0], v.num[row, 0, 0], obj[row, 0, 0] if obj is not None else None)


def from_formulas(result):
    """(type, number, object) of a value the formulas package returns."""
    fx = internals()
    if isinstance(result, np.ndarray):
        result = result.ravel()[0] if result.size else fx.EMPTY
    if isinstance(result, fx.XlError):
        return ERR, 0.0, str(result)
    if result is fx.EMPTY or result is None:
        return NUM, 0.0, None
    if isinstance(result, (bool, np.bool_)):
        return BOOL, float(result), None
    if isinstance(result, str):
        return STR, 0.0, result
    try:
        x = float(result)
    except (TypeError, ValueError):
        return ERR, 0.0, "#VALUE!"
    if not np.isfinite(x):
        return ERR, 0.0, "#NUM!"
    return NUM, x, None


def formulas_function(name: str):
    """The formulas package's implementation of a function (GRID_* once registered), or None."""
    fx = internals()
    if name.upper().startswith(("GRID_", "_XLUDF.")):
        register_udfs()
    funcs = fx.get_functions()
    for key in (name.upper(), function_name(name), "_XLFN." + function_name(name)):
        if key in funcs and funcs[key] is not fx.not_implemented:
            return funcs[key]
    return None


_REGISTERED = False
_UDFS: bool | None = None


def register_excel_functions():
    """Excel-exact ROUND/ROUNDUP/ROUNDDOWN in the formulas package (its own rounds the raw double)."""
    global _REGISTERED
    if _REGISTERED:
        return
    fx = internals()
    funcs = fx.get_functions()
    for name, fn in (("ROUND", excel_round), ("ROUNDUP", excel_roundup), ("ROUNDDOWN", excel_rounddown)):
        funcs[name] = fx.wrap_ufunc(lambda x, d, fn=fn: fn(float(x), int(d)))
    _REGISTERED = True


def register_udfs() -> bool:
    """GRID_* functions from gridxl.engine.formulas_udfs (once), when that module is installed."""
    global _UDFS
    if _UDFS is None:
        try:  # importing gridxl.addin builds every per-kind function: only workbooks with GRID_* calls pay
            from gridxl.engine.formulas_udfs import register_grid_functions
        except ImportError:
            _UDFS = False
        else:
            register_grid_functions()
            _UDFS = True
    return _UDFS


_KEY = re.compile(r"^'?\[(?P<book>[^\]]*)\](?P<sheet>.*?)'?!(?P<a>[A-Z]+\d+)(?::(?P<b>[A-Z]+\d+))?$")


def excelmodel_values(pkg: Package) -> dict[str, dict[tuple[int, int], object]]:
    """The value of every formula cell, computed by ``formulas.ExcelModel``."""
    fx = internals()
    register_excel_functions()
    register_udfs()
    wanted = {s: set(pkg.cells(s).formulas) for s in pkg.sheet_names}
    names = {s.upper(): s for s in pkg.sheet_names}
    with formulas_bar(bar_wanted(large_file(pkg.path))):  # its own bar, through gridxl's terminal-only switch
        model = excel_model()().loads(str(pkg.path)).finish()
        solution = model.calculate()
    out: dict[str, dict[tuple[int, int], object]] = {s: {} for s in pkg.sheet_names}
    for key, ranges in solution.items():
        m = _KEY.match(str(key))
        if not m:
            continue
        sheet = names.get(m.group("sheet").replace("''", "'").upper())
        if sheet is None:
            continue
        r0, c0 = _rc(m.group("a"))
        values = np.asarray(getattr(ranges, "value", ranges), dtype=object)
        if values.ndim != 2:
            values = values.reshape(1, -1)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                cell = (r0 + i, c0 + j)
                if cell not in wanted[sheet]:
                    continue
                v = values[i, j]
                if isinstance(v, fx.XlError):
                    v = ExcelError(str(v))
                elif v is fx.EMPTY or v is None:
                    v = 0.0
                elif isinstance(v, (bool, np.bool_)):
                    v = bool(v)
                elif isinstance(v, str):
                    pass
                else:
                    v = float(v)
                out[sheet][cell] = v
    return {s: v for s, v in out.items() if v}


def _rc(ref: str):
    m = re.match(r"([A-Z]+)(\d+)", ref)
    return int(m.group(2)), col_number(m.group(1))
