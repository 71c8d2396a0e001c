"""Bad typing visible in the workbook: conditional formatting marks each input cell that is not a valid value.

The rule of each input column is :func:`gridxl.core.validity.invalid_value` printed for its first row
(the same tree `gridxl check` evaluates), and each rate's numerator cell is marked when it is above
its denominator (the pairs `check` knows).  Conditional formatting changes no value, so the scores
and the parity with the core are untouched; Excel, WPS, LibreOffice and Gnumeric all show it.
"""
from __future__ import annotations

from gridxl.core.expr import Field
from gridxl.core.validity import invalid_value, numerator_above
from gridxl.core.shares import rate_divisions

FILL, TEXT = "FFC7CE", "9C0006"  # Excel's own "light red fill with dark red text"


def mark_invalid_inputs(ws, plan, sheet) -> int:
    """Add the rules to ``ws`` (the sheet of ``sheet``, 录入 or 网格录入); returns how many."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill


    level = "unit" if sheet is plan.input else "subunit"
    first, last = sheet.first, sheet.last
    refs = plan.refs(level, first, sheet)
    fill = PatternFill("solid", start_color=FILL, end_color=FILL)
    font = Font(color=TEXT)
    added = 0
    for c in sheet.columns:
        if c.role != "field":
            continue
        tree = invalid_value(c.spec, Field(c.key))
        if tree is None:
            continue
        ws.conditional_formatting.add(f"{c.letter}{first}:{c.letter}{last}",
                                      FormulaRule(formula=[tree.to_excel(refs)], fill=fill, font=font))
        added += 1
    for _ind, num, den in rate_divisions(plan.scheme, level):
        keys = [k for k in num.fields() if sheet.find("field", k) is not None]
        if not keys:
            continue
        c = sheet.get("field", keys[0])
        ws.conditional_formatting.add(f"{c.letter}{first}:{c.letter}{last}",
                                      FormulaRule(formula=[numerator_above(num, den).to_excel(refs)], fill=fill,
                                                  font=font))
        added += 1
    return added


__all__ = ["mark_invalid_inputs"]
