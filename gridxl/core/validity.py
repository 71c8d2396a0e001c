"""What a valid typed input is, as a formula tree: printed into templates (conditional formatting marks the
cells), evaluated by `gridxl check` on the cells a clerk typed — one definition for both.

A cell is *invalid* when it holds something and that something is not a value of its field:
text (``八十``, a number stored as text ``'36998``, full-width ``４６５８``), TRUE/FALSE, a negative
or a fraction in a count, a rate outside 0–100%, a value outside the field's min/max.  A blank is
not invalid (blanks are reported on their own).  A numerator above its denominator is invalid on
the numerator's cell.  Only functions Excel 2010, WPS, LibreOffice and Gnumeric all evaluate:
IF, ISNUMBER, ISBLANK, NOT, N, INT, OR, COUNT.
"""
from __future__ import annotations

from .expr import IF, NOT, OR, Expr, Field, Func, Num

WHOLE_TYPES = ("count", "flag")
INVALID = "输入有误"  # what a score cell shows when an input it reads is not a valid value


def invalid_value(spec, x: Expr) -> Expr | None:
    """True when the cell ``x`` of field ``spec`` holds something that is not one of its values.

    None for fields whose cells data validation already restricts to a list (choices).
    """
    if spec.type == "choice":
        return None
    n = Func("N", (x,))  # the number itself; evaluated only where ISNUMBER(x) holds
    lo, hi = spec.bounds()
    wrong = []
    if lo is not None:
        wrong.append(n < lo)
    if hi is not None:
        wrong.append(n > hi)
    if spec.type in WHOLE_TYPES:
        wrong.append(n.ne(Func("INT", (n,))))
    numeric = (OR(*wrong) if len(wrong) > 1 else wrong[0]) if wrong else Num(0.0)
    # not a number and not blank: text, TRUE/FALSE, an error value (LEN would turn #N/A into an error)
    return IF(Func("ISNUMBER", (x,)), numeric, NOT(Func("ISBLANK", (x,))))


def numerator_above(num: Expr, den: Expr) -> Expr:
    """True when both sides of a rate are typed and the part is above the whole (300 qualified of 30)."""
    keys = list(dict.fromkeys(num.fields() + den.fields()))
    typed = Func("COUNT", tuple(Field(k) for k in keys)).eq(len(keys))
    return IF(typed, num > den, Num(0.0))


def share_invalid(num: Expr, den: Expr) -> Expr:
    """True when both sides of a rate are typed and the part is above the whole, or (a difference such as
    ``done - overdue``) below 0: what `gridxl score` and `gridxl check` refuse, for the score cells."""
    keys = list(dict.fromkeys(num.fields() + den.fields()))
    typed = Func("COUNT", tuple(Field(k) for k in keys)).eq(len(keys))
    wrong = num > den if isinstance(num, Field) else OR(num > den, num < 0)  # a field below 0: invalid_value
    return IF(typed, wrong, Num(0.0))


def any_invalid(conditions: list[Expr]) -> Expr | None:
    """One condition true when any of ``conditions`` is (None for none)."""
    conditions = [c for c in conditions if c is not None]
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else OR(*conditions)


__all__ = ["invalid_value", "numerator_above", "share_invalid", "any_invalid", "INVALID"]
