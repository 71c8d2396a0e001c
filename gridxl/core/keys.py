"""Names every layer of the core shares, kept apart so that no module needs the scheme model to know them."""
from __future__ import annotations

UNIT_KEY = "unit"  # the unit's name column
SUBUNIT_KEY = "subunit"  # a grid's name column
TOTAL_KEY = "total"  # the total, which flags may read


class SchemeError(ValueError):
    """A scheme file is malformed; the message names file, indicator and field."""


__all__ = ["UNIT_KEY", "SUBUNIT_KEY", "TOTAL_KEY", "SchemeError"]
