"""Headless recalculation of xlsx workbooks, fast enough for a district's worth of units.

Two engines:

* **columns** (the fast path).  A template repeats one formula down each
  column.  Every formula is read once as text, its cell references turned
  into offsets from its own cell, and the cells of a column whose formulas
  then read the same are one *group*.  Each group's formula is parsed once
  with the ``formulas`` parser (``formulas.Parser().ast``) into a tree that
  is evaluated over the whole group with numpy: a reference becomes a
  gathered vector, an absolute range a block shared by every row, and
  functions such as RANK, COUNTIF, AVERAGEIF or SMALL over a shared range
  are computed once per range with sorting and hashing instead of once per
  cell.  Groups are evaluated in dependency order.  Excel's semantics are
  kept where spreadsheets differ from numpy: 15-significant-digit ROUND
  (:mod:`gridxl.core.excel_math`), comparisons with LibreOffice's
  tolerance, text greater than numbers, empty cells as 0 or "", errors that
  propagate, booleans ignored in ranges.  Functions the engine does not know
  are called cell by cell through the ``formulas`` package (the GRID_* UDFs
  registered by ``gridxl.engine.formulas_udfs`` arrive that way).  Modules: :mod:`.references`
  (formula text), :mod:`.parser`, :mod:`.values` and :mod:`.operators`, :mod:`.functions` (one
  decorated definition per function, by category), :mod:`.nodes`, :mod:`.columns`.
* **formulas** (the fallback): ``formulas.ExcelModel`` over the whole
  workbook, for what the fast path does not read (array formulas over
  several cells, whole-column references, defined names, circular groups).
  It is about a hundred times slower (:mod:`.fallback`; :mod:`.compat` pins the ``formulas``
  versions whose internals both engines use).

:func:`recalculate` returns the values; :func:`write_recalculated` writes them as
cached values into a copy of the workbook (see :mod:`.cached_values`).  Before either engine,
:mod:`.limits` and :mod:`.links` refuse workbooks too large or reaching outside themselves.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from gridxl.i18n import _
from gridxl.io.outputs import atomic_path, refuse_overwrite

from .cached_values import Package, PackageError, write_cached_values
from .columns import ColumnsEngine
from .errors import RecalcError, Unsupported
from .fallback import excelmodel_values
from .limits import LimitError, check_fallback_box, check_sheet_bounds, check_workbook_size
from .links import LinkError, refuse_outside_references


@dataclass
class Recalculated:
    """Computed values of every formula cell, and a way to read any cell."""

    path: Path
    values: dict[str, dict[tuple[int, int], object]]
    engine: str  # "columns" or "formulas"
    seconds: float
    formula_cells: int
    notes: list[str]
    reason: str = ""  # why the formulas engine was used
    _pkg: Package | None = None

    def cell(self, sheet: str, row: int, col: int):
        if (row, col) in self.values.get(sheet, {}):
            return self.values[sheet][(row, col)]
        return self._constants(sheet).get((row, col))

    def _constants(self, sheet):
        if not hasattr(self, "_const_cache"):
            self._const_cache = {}
        if sheet not in self._const_cache:
            self._const_cache[sheet] = self._pkg.cells(sheet).values() if sheet in self._pkg.sheet_names else {}
        return self._const_cache[sheet]

    @property
    def package(self) -> Package:
        return self._pkg

    def summary(self, output, export=None) -> str:
        """What `gridxl recalc` prints: cells, time, engine (and why the fallback), then one line per note."""
        if self.engine == "columns":
            how = _("columns engine")
        elif self.reason:
            how = _("formulas engine ({reason})").format(reason=self.reason)
        else:
            how = _("formulas engine")
        text = _("recalculated {cells} formula cells in {seconds:.2f} s ({how}) -> {output}").format(
            cells=self.formula_cells, seconds=self.seconds, how=how, output=output)
        if export:
            text += _("; scores -> {export}").format(export=export)
        return "\n".join([text] + [_("note: {note}").format(note=note) for note in dict.fromkeys(self.notes)])


def recalculate(path: str | Path, engine: str = "auto") -> Recalculated:
    """Compute every formula of the workbook at ``path`` (nothing is written)."""
    path = Path(path)
    start = time.perf_counter()
    try:
        pkg = Package(path, formula_values=False)
        check_workbook_size(pkg)
        refuse_outside_references(pkg)  # before either engine: the formulas engine would load linked books
        check_sheet_bounds(pkg)
    except (PackageError, LinkError, LimitError) as exc:
        raise RecalcError(str(exc)) from None
    reason = ""
    if engine in ("auto", "columns"):
        try:
            eng = ColumnsEngine(pkg)
            eng.prepare()
            eng.run()
            return Recalculated(path, eng.values(), "columns", time.perf_counter() - start, eng.formula_cells,
                                eng.notes, _pkg=pkg)
        except Unsupported as exc:
            if engine == "columns":
                raise RecalcError(_("{path}: the columns engine cannot read this workbook: {reason}")
                                  .format(path=path, reason=exc)) from None
            reason = str(exc)
        except RecalcError:  # a formulas version the engine was not verified with: the fallback needs it too
            raise
        except Exception as exc:  # noqa: BLE001 - a workbook this engine misreads still gets computed
            if engine == "columns":
                raise
            reason = _("columns engine failed: {error}").format(error=f"{type(exc).__name__}: {exc}")
    try:
        check_fallback_box(pkg, reason or "--engine formulas")
    except LimitError as exc:
        raise RecalcError(str(exc)) from None
    try:
        values = excelmodel_values(pkg)
    except RecalcError:
        raise
    except Exception as exc:  # the formulas package raises many kinds of errors on odd workbooks
        raise RecalcError(_("{path}: cannot recalculate ({reason}formulas engine: {error})").format(
            path=path, reason=reason + "; " if reason else "", error=f"{type(exc).__name__}: {exc}")) from None
    count = sum(len(pkg.cells(s).formulas) for s in pkg.sheet_names)
    return Recalculated(path, values, "formulas", time.perf_counter() - start, count, [], reason, _pkg=pkg)


def write_recalculated(result: Recalculated, output: str | Path, fixed_time: bool = False):
    """The workbook with the computed values cached in its formula cells (written atomically)."""
    refuse_overwrite(output, [result.path])
    with atomic_path(output) as tmp:
        write_cached_values(result.path, tmp, result.values, fixed_time=fixed_time, compresslevel=3)
