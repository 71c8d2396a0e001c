"""The engine's two exceptions: one for the user, one between its own two engines."""
from __future__ import annotations


class RecalcError(ValueError):
    """The workbook cannot be recalculated; the message names the sheet and cell."""


class Unsupported(Exception):
    """Something the columns engine does not read; the workbook goes to the formulas engine."""
