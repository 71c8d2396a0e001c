"""Template workbooks a clerk fills in, which score themselves.

``build_template(scheme, output, …)`` writes an xlsx with the sheets a clerk
recognises from the seed tables:

* 说明 — the scheme, the period, how to fill in, every indicator's rule text;
* 录入 — one row per unit, one column per input field (Chinese label and unit,
  data validation with Chinese input messages);
* 〈网格〉录入 — for schemes that score each grid and average (``per_subunit``):
  one row per grid, its inputs and its per-grid scores;
* 评分 — one column per indicator (grouped under their sections, points in
  the headers), total, rank (RANK), 中国式排名 (SUMPRODUCT/COUNTIF), grade,
  stars and flags where the scheme has them;
* 汇总 — the ranking sorted by formulas that Excel 2010 evaluates (SMALL on a
  rank-and-row key, INDEX), below-full-marks highlighted, how many units
  fall short on each indicator, and a bar chart of the totals;
* _gridxl — hidden: what gridxl needs to read the file back (scheme, mode,
  rows, units, and which column holds which field or indicator).

No formula text is written here: every formula cell prints a tree (a score
cell is ``gridxl.core.cells.score_cell`` around the indicator's compiled
score, or a ``GRID_SCORE`` call with ``formulas="udf"``).  The parts:
:mod:`.template_plan` (the Plan: sheets, columns, trees), :mod:`.template_layout`
(the hidden _gridxl sheet), :mod:`.template_styles`, :mod:`.template_sheets`
(the openpyxl writer); this module builds and saves, and re-exports their
names.  Formula cells get computed values (gridxl.engine.recalc) so that
viewers which do not calculate show numbers too.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from gridxl.core.catalog import builtin_schemes
from gridxl.core.scheme import UNIT_KEY, Scheme
from gridxl.engine import recalculate
from gridxl.engine.cached_values import write_cached_values
from gridxl.io.outputs import atomic_path, new_temp_file, refuse_overwrite
from gridxl.io.sheet_text import check_frame_texts, check_text, check_texts
from gridxl.workbook.template_layout import (META_KEYS, Layout, meta_rows, plan_of, read_layout,  # noqa: F401
                                             read_unit_names, scheme_digest, scheme_of)
from gridxl.workbook.template_plan import (DEFAULT_ROWS, DEFAULT_SUBUNITS_PER_UNIT, FIRST_ROW,  # noqa: F401
                                           HEADER_ROWS, INFO, INPUT, MAX_SUBUNIT_ROWS, MAX_UNIT_ROWS, META, MODES,
                                           SCORE, SUMMARY, Column, Plan, SheetPlan, TemplateError, field_format,
                                           field_hint, indicator_header, period_text)
from gridxl.workbook.template_sheets import field_validation, workbook  # noqa: F401
from gridxl.workbook.template_styles import column_width, display_width  # noqa: F401


def build_template(scheme: Scheme, output: str | Path, *, formulas: str = "native", units: list[str] | None = None,
                   rows: int | None = None, data=None, subunits=None, subunit_rows: int | None = None,
                   period: str | None = None, inputs=(), progress: Callable[[str], None] | None = None) -> Plan:
    """Write the template of ``scheme`` to ``output`` (atomically; never over one of ``inputs``).

    ``data``/``subunits``: frames from :func:`gridxl.io.inputs.read_table` to prefill the inputs;
    ``units``: unit names for blank rows; ``rows``: how many unit rows (default: the units, or 30);
    ``progress``: called with the name of each stage as it starts (gridxl.progress.Stages).
    """
    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise TemplateError(f"{output}: a template is an .xlsx file")
    refuse_overwrite(output, inputs)
    check_text(period, "--period")  # text a workbook cannot hold is refused before anything is written
    check_texts(units or [], "unit name")
    for frame, what in ((data, "--data"), (subunits, "--subunits")):
        if frame is not None:
            check_frame_texts(frame, what)
    if data is not None:
        units = [str(u) for u in data[UNIT_KEY].tolist()]
    if units is not None:
        dup = sorted({u for u in units if units.count(u) > 1})
        if dup:
            raise TemplateError(f"unit name(s) listed twice: {', '.join(dup)}")
    n = rows if rows is not None else (len(units) if units else DEFAULT_ROWS)
    if subunit_rows is not None and subunit_rows < 1:
        raise TemplateError(f"--subunit-rows {subunit_rows}: must be at least 1")
    for what, count, limit in (("unit rows", n, MAX_UNIT_ROWS), ("grid rows", subunit_rows or 0, MAX_SUBUNIT_ROWS)):
        if count > limit:
            raise TemplateError(f"{count:,} {what}: a template holds at most {limit:,} (split the units over "
                                f"several templates)")
    if units and n < len(units):
        raise TemplateError(f"--rows {n} is fewer than the {len(units)} units given")
    if subunit_rows is None and subunits is not None and len(subunits):
        subunit_rows = len(subunits)
    plan = Plan(scheme, formulas, n, subunit_rows, period)
    if subunits is not None and plan.grid is not None and len(subunits) > plan.grid.rows:
        raise TemplateError(f"--subunit-rows {plan.grid.rows} is fewer than the {len(subunits)} "
                            f"{scheme.subunit} given")
    step = progress or (lambda stage: None)
    step("布局")
    save_workbook(workbook(plan, units, data, subunits), output, step)
    return plan


def save_workbook(wb, output: Path, step=None):
    """Save the openpyxl workbook of a template with its formulas' values cached (atomically)."""
    step = step or (lambda stage: None)
    with atomic_path(output) as tmp:
        raw = new_temp_file(output.parent, ".xlsx")
        try:
            step("写入工作簿")
            wb.save(raw)
            step("计算公式")
            result = recalculate(raw)
            step("写入计算结果")
            write_cached_values(raw, tmp, result.values, fixed_time=True)
        finally:
            os.unlink(raw)


# The committed blank templates are a checkout's files, not package data: an installed gridxl has no copy,
# and refreshing them is a developer's command run in the checkout.
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "workbook_templates"


def write_builtin_templates(folder: str | Path | None = None) -> list[Path]:
    """The blank template of every built-in scheme, as committed in workbook_templates/.

    ``python -c "from gridxl.workbook.template import write_builtin_templates as w; w()"`` refreshes them
    (from the checkout; an installed gridxl needs ``folder``).
    """
    if folder is None:
        if not (TEMPLATES_DIR.parent / "pyproject.toml").is_file():
            raise ValueError(f"{Path(__file__).resolve()} is not in a gridxl checkout: say which folder to write "
                             f"the templates into")
        folder = TEMPLATES_DIR
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for scheme in builtin_schemes():
        path = folder / f"{scheme.id}.xlsx"
        build_template(scheme, path)
        out.append(path)
    return out
