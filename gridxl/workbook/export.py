"""The scores of a recalculated template as the table `gridxl score` writes (``recalc --export``).

Template-aware, so it lives here and not in :mod:`gridxl.engine`: the engine computes any
workbook; reading which cells are the 评分 sheet's units, scores and ranks needs the layout a
gridxl template records (:func:`gridxl.workbook.template.read_layout`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from gridxl.core.scoring import integer_columns
from gridxl.engine import RecalcError, Recalculated
from gridxl.i18n import _
from gridxl.workbook.template import SCORE, read_layout


def scores_table(result: Recalculated):
    """The 评分 sheet as the table `gridxl score` writes (unit, indicators, total, rank, rank_dense, …).

    Needs the layout gridxl records in its templates; rows without a unit name are left out.
    """
    layout = read_layout(result.package)
    if layout is None:
        raise RecalcError(_("{path}: not a gridxl template (no _gridxl sheet), so there is no scoring table "
                            "to export; recalculate without --export").format(path=result.path))
    first, last = layout.sheet_rows.get(SCORE, (0, -1))
    cols = [(role, key, c) for (sheet, role, key), c in layout.columns.items() if sheet == SCORE]
    order = {"unit": 0, "score": 1, "total": 2, "rank": 3, "rank_dense": 4, "grade": 5, "stars": 6, "flag": 7}
    cols = sorted([x for x in cols if x[0] in order], key=lambda x: (order[x[0]], x[2]))
    unit_col = next((c for role, _key, c in cols if role == "unit"), None)
    if unit_col is None or SCORE not in result.package.sheet_names:
        raise RecalcError(_("{path}: the hidden _gridxl sheet is damaged (no {sheet} sheet or no unit column "
                            "recorded for it), so there is no scoring table to export; make the template again "
                            "with `gridxl template`").format(path=result.path, sheet=SCORE))
    rows = []
    for r in range(first, last + 1):
        unit = result.cell(SCORE, r, unit_col)
        if unit in (None, ""):
            continue
        rows.append(r)
    data = {}
    for role, key, c in cols:
        name = "unit" if role == "unit" else key
        values = [result.cell(SCORE, r, c) for r in rows]
        if role in ("unit", "grade", "flag"):
            data[name] = ["" if v is None else (str(v) if not isinstance(v, float) else f"{v:g}") for v in values]
        else:
            data[name] = [v if isinstance(v, float) else np.nan for v in values]
    return integer_columns(pd.DataFrame(data))
