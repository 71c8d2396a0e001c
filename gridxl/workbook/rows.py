"""Rows of 录入 inserted, deleted or moved the way Excel does it, read from the formulas that follow them.

When a clerk inserts a row in 录入, Excel shifts the rows below and rewrites every formula that
pointed at them: 评分 row 10 now reads 录入 row 11.  Deleting a row turns the formulas that read
it into ``#REF!``; cutting a row and inserting it elsewhere permutes the rows the 评分 rows read.
So the unit cell of each 评分 row (``=IF(录入!B10="","",录入!B10)``) says which 录入 row it scores:

* a 录入 row holding a unit that no 评分 row reads was **inserted** (it is not scored);
* a 评分 row reading ``#REF!`` lost its 录入 row: that unit was **deleted**;
* 评分 rows reading 录入 rows out of order: those units were **moved** (still scored, by other rows).

:func:`input_rows` gives that map; `gridxl check` reports the changes as such (not as units removed
plus changed formulas), and `gridxl template --refresh` rebuilds a consistent template from them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from gridxl.engine.errors import Unsupported
from gridxl.engine.references import quote_sheet, tokenize
from gridxl.i18n import _


@dataclass
class RowMap:
    """score row -> the input row its formulas read (None: #REF!, the row was deleted)."""

    reads: dict[int, int | None] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(k != r for r, k in self.reads.items())

    def input_rows(self) -> set[int]:
        return {k for k in self.reads.values() if k is not None}

    def deleted(self) -> list[int]:
        return [r for r, k in self.reads.items() if k is None]

    def moved(self) -> list[tuple[int, int]]:
        """(score row, input row) of rows read out of order (a row cut and inserted elsewhere)."""
        out, last = [], 0
        for r in sorted(self.reads):
            k = self.reads[r]
            if k is None:
                continue
            if k < last:
                out.append((r, k))
            last = max(last, k)
        return out


def input_rows(plan, formulas: dict[tuple[int, int], str]) -> RowMap:
    """The 录入 row each 评分 row reads, from the unit cell's formula (``formulas`` of 评分 by (row, col))."""
    out = RowMap()
    score, source = plan.score, plan.input
    unit_col = score.get("unit").col
    for r in range(score.first, score.last + 1):
        text = formulas.get((r, unit_col))
        if text is None:
            continue  # typed over: check reports that cell
        out.reads[r] = _row_read(text, r, unit_col, source.name)
    return out


_DELETED = re.compile(r"#REF!", re.I)


def _row_read(text: str, row: int, col: int, sheet: str) -> int | None:
    if _DELETED.search(text):
        return None
    try:
        _, refs = tokenize(text[1:] if text.startswith("=") else text, row, col)
    except Unsupported:
        return row
    for spec in refs:
        if spec.sheet is not None and spec.sheet.casefold() == sheet.casefold():
            return spec.r1 if spec.r1abs else row + spec.r1
    return row


def retarget(expected: str, sheet: str, row: int, to_row: int) -> str:
    """The formula the generator wrote for ``row``, reading ``sheet`` row ``to_row`` instead (Excel's shift)."""
    if row == to_row:
        return expected
    name = re.escape(quote_sheet(sheet))
    return re.sub(rf"({name}!\$?[A-Z]{{1,3}}\$?){row}(?!\d)", lambda m: f"{m.group(1)}{to_row}", expected)


__all__ = ["GridRows", "RowMap", "grid_findings", "grid_rows", "input_rows", "retarget"]


def row_findings(plan, rows: RowMap, unit_names: dict[int, str], recorded_units: list[str]):
    """([(sheet, row, col, message)] problems, [notes], rows inserted, names deleted) for the row changes."""
    problems, notes, deleted = [], [], set()
    score_unit = plan.score.get("unit").col
    input_unit = plan.input.get("unit").col
    first = plan.score.first
    refresh = "`gridxl template --refresh FILE -o NEW.xlsx` rebuilds the template around every typed value"
    for r in rows.deleted():
        i = r - first
        name = recorded_units[i] if 0 <= i < len(recorded_units) and recorded_units[i] else None
        who = f"{name!r}" if name else _("the {unit}").format(unit=plan.scheme.unit)
        deleted.add(name)
        problems.append((plan.score.name, r, score_unit, _("{who} of row {r} was deleted on {name} (its formulas read #REF!); {refresh}").format(
                                                             who=who, r=r, name=plan.input.name, refresh=refresh)))
    inserted = set()
    if rows.changed:
        read = rows.input_rows()
        for r, name in unit_names.items():
            if r not in read:
                inserted.add(r)
                problems.append((plan.input.name, r, input_unit, _("{name!r} was inserted at row {r}: no {name2} row scores it; {refresh}").format(
                                                                     name=name, r=r, name2=plan.score.name,
                                                                     refresh=refresh)))
        for score_row, input_row in rows.moved():
            name = unit_names.get(input_row, "")
            notes.append(_("{name!r} was moved on {name2} (now row {input_row}); its scores are on {name3} "
                            "row {score_row}, out of the 录入 order").format(
                             name=name, name2=plan.input.name, input_row=input_row, name3=plan.score.name,
                             score_row=score_row))
    return problems, notes, inserted, deleted


# -- the per-grid sheet (网格录入) -------------------------------------------------------------------
# Its score cells read only their own row, so a row moved (cut and inserted) keeps every formula right
# and needs no finding.  A row inserted the way Excel inserts one has no formulas, while the ranges that
# average the grids on 评分 grow over it (网格录入!$B$5:$B$45 -> $B$5:$B$46); a row deleted shrinks them.


@dataclass
class GridRows:
    """The per-grid sheet's rows as planned (first, last) and as the averaging ranges read them now."""

    sheet: str
    first: int
    last: int
    start: int
    end: int
    inserted: list[int] = field(default_factory=list)  # rows without formulas that the change put there

    @property
    def changed(self) -> bool:
        return (self.start, self.end) != (self.first, self.last)

    @property
    def deleted(self) -> int:
        return max(0, (self.last - self.first) - (self.end - self.start))

    def without_formulas(self, row: int) -> bool:
        """The row lacks formulas because of the change (reported once, not cell by cell)."""
        return row in self.inserted or self.end < row <= self.last

    def retarget(self, formula: str) -> str:
        """A formula as the generator wrote it, with the grid ranges as Excel moved them."""
        if not self.changed:
            return formula
        name = re.escape(quote_sheet(self.sheet))
        return re.sub(rf"({name}!\$?[A-Z]{{1,3}}\$?){self.first}(:\$?[A-Z]{{1,3}}\$?){self.last}(?!\d)",
                      lambda m: f"{m.group(1)}{self.start}{m.group(2)}{self.end}", formula)


def grid_rows(plan, score_formulas: dict, grid_formulas: dict) -> GridRows | None:
    """How rows inserted or deleted on the per-grid sheet moved it, from the 评分 ranges that average it."""
    grid = plan.grid
    if grid is None:
        return None
    out = GridRows(grid.name, grid.first, grid.last, grid.first, grid.last)
    name = re.escape(quote_sheet(grid.name))
    pattern = re.compile(rf"{name}!\$?[A-Z]{{1,3}}\$?(\d+):\$?[A-Z]{{1,3}}\$?(\d+)")
    spans = {(int(a), int(b)) for text in score_formulas.values() for a, b in pattern.findall(text)}
    if len(spans) != 1:
        return out  # none, or ranges that disagree: the formula check names each cell
    start, end = spans.pop()
    formula_cols = [c.col for c in grid.columns if c.formula is not None]
    bare = [r for r in range(min(grid.first, start), end + 1)
            if not any((r, c) in grid_formulas for c in formula_cols)]
    grown = end - grid.last
    if (start, end) == (grid.first, grid.last) or start < grid.first:
        return out
    if grown > 0 and len(bare) == grown or grown < 0 and start == grid.first and not bare:
        out.start, out.end, out.inserted = start, end, bare if grown > 0 else []
    return out


def grid_findings(plan, rows: GridRows | None, values: dict):
    """[(sheet, row, col, message)] for the per-grid rows inserted or deleted."""
    if rows is None or not rows.changed:
        return []
    grid, sch = plan.grid, plan.scheme
    unit_col, sub_col = grid.get("unit").col, grid.find("subunit")
    refresh = "`gridxl template --refresh FILE -o NEW.xlsx` rebuilds the template around every typed value"
    out = []
    typed_cols = {c.col for c in grid.columns if c.role in ("unit", "subunit", "field")}
    for r in rows.inserted:
        if not any(values.get((r, c)) not in (None, "") for c in typed_cols):
            continue  # a blank row inserted: nothing is left out
        unit = values.get((r, unit_col))
        sub = values.get((r, sub_col.col)) if sub_col is not None else None
        who = f"{str(sub)!r} of {str(unit)!r}" if sub not in (None, "") else f"a {sch.subunit} of {str(unit)!r}"
        out.append((grid.name, r, sub_col.col if sub_col is not None else unit_col,
                    f"{who} was inserted at row {r}: no formula scores it, so {plan.score.name} leaves it out of "
                    f"{str(unit)!r}'s average; {refresh}"))
    if rows.deleted:
        out.append((grid.name, rows.end + 1, unit_col,
                    f"{rows.deleted} row(s) were deleted on {grid.name}: the {sch.subunit} rows now end at row "
                    f"{rows.end} and rows below have no formulas; {refresh}"))
    return out
