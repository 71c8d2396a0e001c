"""Which inputs are a share of which: the numerator of a rate cannot exceed its denominator.

The relation is read off the indicators' value expressions (``gw_qualified /
gw_total``), so a scheme declares it simply by computing a rate; the reader of
exports (``gridxl score``) and the workbook check (``gridxl check``) both refuse
a unit whose part is larger than its whole, from this one definition.
"""
from __future__ import annotations

from .expr import BinOp, Score
from .scheme import Indicator, Scheme


def is_share(ind: Indicator) -> bool:
    """Whether an indicator's value is a share of a whole (so its numerator cannot exceed its denominator)."""
    return ind.rule_kind.measure_is_share(ind)


def rate_divisions(scheme: Scheme, level: str):
    """(indicator, numerator Expr, denominator Expr) of rates that are one division (part / whole).

    Only a rate's top-level division is a share of a whole: a ratio inside min(1, …) or
    an average of several ratios may be a count per person, capped on purpose.
    """
    out = []
    for ind in scheme.indicators:
        comp = scheme.compiled()[ind.key]
        if comp.measure is None or not is_share(ind) or (level == "subunit") != ind.per_subunit:
            continue
        node = comp.measure
        if isinstance(node, BinOp) and node.op == "/" and node.right.constant() is None \
                and not any(isinstance(n, Score) for n in node.walk()):
            out.append((ind, node.left, node.right))
    return out
