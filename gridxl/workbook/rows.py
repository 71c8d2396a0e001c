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


__all__ = ["RowMap", "input_rows", "retarget"]


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
