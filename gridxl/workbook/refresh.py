"""`gridxl template --refresh FILLED.xlsx -o NEW.xlsx`: a new template around the inputs typed into an old one.

The scheme may have changed (a new version, points, indicators) and the clerk may have typed
more units than the template had rows: the new template is built from the scheme as it is now,
with one row per unit typed, and every typed value written back into the same field's cell as
it was typed — text stays text (``八十``), so `gridxl check` still names it.  A typed value with
no place in the new template (its field left the scheme) is refused, never dropped.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from gridxl.core.scheme import SUBUNIT_KEY, UNIT_KEY, Scheme
from gridxl.engine.cached_values import Package, PackageError, cell_name
from gridxl.workbook.template import INPUT, Layout, Plan, TemplateError, read_layout, save_workbook, scheme_of, workbook


def refresh_template(filled: str | Path, output: str | Path, scheme: str | None = None,
                     period: str | None = None, formulas: str | None = None) -> tuple[Plan, int, int]:
    """Write the refreshed template; (its plan, units kept, grid rows kept)."""
    filled, output = Path(filled), Path(output)
    if output.suffix.lower() != ".xlsx":
        raise TemplateError(f"{output}: a template is an .xlsx file")
    try:
        pkg = Package(filled)
    except PackageError as exc:
        raise TemplateError(str(exc)) from None
    with pkg:
        layout = read_layout(pkg)
        if layout is None:
            raise TemplateError(f"{filled}: not a gridxl template (it has no hidden _gridxl sheet); --refresh "
                                f"rebuilds templates made by `gridxl template`")
        new = scheme_of(layout, scheme)
        units = _typed_rows(pkg, layout, INPUT, ("unit", "field"))
        grid_sheet = next((s for (s, role, _k) in layout.columns if role == "subunit"), None)
        grids = _typed_rows(pkg, layout, grid_sheet, ("unit", "subunit", "field")) if grid_sheet else None
    _refuse_lost(filled, units, new, "unit", INPUT)
    if grids is not None and new.subunit_fields():
        _refuse_lost(filled, grids, new, "subunit", grid_sheet)
    elif grids is not None and grids[1]:
        raise TemplateError(f"{filled}: {grid_sheet} holds typed rows but {new.id} has no per-{new.subunit} inputs; "
                            f"nothing written")
    frame, _ = units
    rows = max(layout.unit_rows, len(frame), 1)
    sub_frame = grids[0] if grids is not None and new.subunit_fields() else None
    sub_rows = max(layout.subunit_rows or 0, len(sub_frame) if sub_frame is not None else 0) or None
    plan = Plan(new, formulas or layout.formulas, rows, sub_rows, period if period is not None else
                (layout.period or None))
    names = [str(u) for u in frame[UNIT_KEY].tolist() if u not in (None, "")]
    save_workbook(workbook(plan, names, frame, sub_frame), output)
    return plan, len(frame), 0 if sub_frame is None else len(sub_frame)


def _typed_rows(pkg: Package, layout: Layout, sheet: str, roles) -> tuple[pd.DataFrame, dict]:
    """(one row per sheet row holding anything typed, {key: [cells]} of the typed values), in row order.

    Rows typed below the template's last row are kept too (a clerk adding units at the bottom).
    """
    cols = {key if role == "field" else (UNIT_KEY if role == "unit" else SUBUNIT_KEY): c
            for (s, role, key), c in layout.columns.items() if s == sheet and role in roles}
    first, _last = layout.sheet_rows.get(sheet, (0, -1))
    values = pkg.cells(sheet).values() if sheet in pkg.sheet_names else {}
    by_row: dict[int, dict] = {}
    for (r, c), v in values.items():
        if r < first or v is None or v == "":
            continue
        for key, col in cols.items():
            if col == c:
                by_row.setdefault(r, {})[key] = v if isinstance(v, (float, bool)) else str(v)
    typed: dict[str, list[str]] = {}
    for r, row in by_row.items():
        for key in row:
            typed.setdefault(key, []).append(f"{sheet}!{cell_name(r, cols[key])}")
    frame = pd.DataFrame([by_row[r] for r in sorted(by_row)], columns=list(cols), dtype=object)
    frame = frame.astype(object).where(frame.notna(), None)
    if UNIT_KEY not in frame:
        frame[UNIT_KEY] = None
    return frame, typed


def _refuse_lost(filled, typed_rows, scheme: Scheme, level: str, sheet: str):
    _, typed = typed_rows
    keep = {UNIT_KEY, SUBUNIT_KEY} | {f.key for f in (scheme.unit_fields() if level == "unit"
                                                      else scheme.subunit_fields())}
    lost = {k: cells for k, cells in typed.items() if k not in keep}
    if lost:
        where = "; ".join(f"{k} ({', '.join(cells[:3])}{' …' if len(cells) > 3 else ''})" for k, cells in lost.items())
        raise TemplateError(f"{filled}: scheme {scheme.id} no longer has the field(s) typed on {sheet}: {where}; "
                            f"nothing written (the refreshed template would lose them)")


__all__ = ["refresh_template"]
