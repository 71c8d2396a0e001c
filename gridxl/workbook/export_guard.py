"""Exports refuse what `gridxl check` finds: a scoring table is only as good as the template it comes from.

``checked_for_export(path, force)`` runs the check on a filled template.  With problems and
without ``force`` it raises :class:`ExportRefused`, listing them by sheet!cell; with ``force``
the caller exports anyway and :func:`mark_problems` adds a ``problems`` column naming, on each
unit's row, the cells that were wrong (sheet-wide findings go on every row).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from gridxl.engine.cached_values import Package
from gridxl.workbook.check import CheckResult, Problem, check_workbook
from gridxl.workbook.template import INPUT, plan_of, read_layout, scheme_of
from gridxl.i18n import _

MAX_LISTED = 20
PROBLEMS_COLUMN = "problems"


class ExportRefused(ValueError):
    """The template has problems; nothing was exported."""


def checked_for_export(path: str | Path, force: bool = False, scheme: str | None = None) -> CheckResult:
    result = check_workbook(path, scheme=scheme)
    if result.problems and not force:
        raise ExportRefused(refusal(path, result.problems))
    return result


def refusal(path, problems: list[Problem]) -> str:
    lines = [f"  {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(_("  … and {n_problems} more (`gridxl check {path}` lists every one)").format(
                         n_problems=len(problems) - MAX_LISTED, path=path))
    return (f"{path}: `gridxl check` finds {len(problems)} problem(s), so nothing was exported:\n"
            + "\n".join(lines) + "\nfix them in the workbook, or export anyway with --force "
            f"(each unit's problem cells are then listed in the {PROBLEMS_COLUMN!r} column)")


def mark_problems(table: pd.DataFrame, result: CheckResult) -> pd.DataFrame:
    """``table`` (one row per unit, column ``unit``) with the problems of each unit's rows named."""
    units = _unit_of_rows(result.path)
    per_unit: dict[str, list[str]] = {}
    everywhere: list[str] = []
    for p in result.problems:
        unit = units.get((p.sheet, p.row)) if p.row else None
        if unit:
            per_unit.setdefault(unit, []).append(f"{p.sheet}!{p.cell}")
        elif not p.row:
            everywhere.append(str(p))
    table = table.copy()
    table[PROBLEMS_COLUMN] = ["; ".join(everywhere + per_unit.get(str(u), [])) for u in table["unit"]]
    return table


def _unit_of_rows(path) -> dict[tuple[str, int], str]:
    """(sheet, row) -> the unit name typed on that row (the 评分 rows are the 录入 rows)."""
    import unicodedata
    with Package(path) as pkg:
        layout = read_layout(pkg)
        plan = plan_of(layout, scheme_of(layout))
        out = {}
        for sheet in (plan.input, plan.grid):
            if sheet is None or sheet.name not in pkg.sheet_names:
                continue
            values = pkg.cells(sheet.name).values()
            col = sheet.get("unit").col
            for r in range(sheet.first, sheet.last + 1):
                name = values.get((r, col))
                if name not in (None, ""):
                    name = unicodedata.normalize("NFKC", str(name)).strip()
                    out[(sheet.name, r)] = name
                    if sheet.name == INPUT:  # 汇总 is sorted by rank: its rows are no unit's
                        out.setdefault((plan.score.name, r), name)
        return out


__all__ = ["ExportRefused", "checked_for_export", "mark_problems", "refusal", "PROBLEMS_COLUMN"]
