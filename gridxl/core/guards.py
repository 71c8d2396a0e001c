"""Zero denominators, guarded on the formula tree: the same guard in the core and in the printed formula.

A division ``a / (b + c)`` fails when its denominator *expression* is 0 — not when one field of it
is (``b = 0`` with ``c > 0`` is a fine denominator; ``b - c`` with ``b = c`` is not).  The guard
tests each non-constant denominator, innermost first, in nested IFs, so a spreadsheet never
evaluates a division whose own denominator is 0 (Excel's IF evaluates one branch; numpy
evaluates both, under ``errstate``, and keeps the guarded one).

* :func:`any_zero` — true when some denominator of the expression is 0 (None when it divides by none);
* :func:`guarded` — the expression with ``fallback`` in place of its value when that happens;
  conditions (``when``, flags) take ``False``: a rule about a rate does not fire without a rate.
"""
from __future__ import annotations

from .expr import IF, BinOp, Expr, Neg, Num, as_expr


def denominators(expr: Expr) -> list[Expr]:
    """The non-constant denominators of ``expr``, innermost first, each once."""
    found: list[Expr] = []
    seen: set[str] = set()

    def visit(node: Expr):
        for child in node.children():
            visit(child)
        if isinstance(node, BinOp) and node.op == "/" and node.right.constant() is None:
            d = _without_constant_factors(node.right)
            key = repr(d)  # frozen dataclasses: the repr is the tree
            if key not in seen:
                seen.add(key)
                found.append(d)

    visit(expr)
    return found


def _without_constant_factors(d: Expr) -> Expr:
    """``C/10000`` is 0 exactly when ``C`` is: guard the simpler expression (the formula a clerk reads)."""
    while True:
        if isinstance(d, Neg):
            d = d.operand
        elif isinstance(d, BinOp) and d.op in "*/" and d.right.constant() not in (None, 0.0):
            d = d.left
        elif isinstance(d, BinOp) and d.op == "*" and d.left.constant() not in (None, 0.0):
            d = d.right
        else:
            return d


def any_zero(expr: Expr) -> Expr | None:
    """A condition true when a denominator of ``expr`` is 0, short-circuited innermost first."""
    ds = denominators(expr)
    if not ds:
        return None
    out: Expr = ds[-1].eq(0)
    for d in reversed(ds[:-1]):
        out = IF(d.eq(0), Num(1.0), out)
    return out


def guarded(expr: Expr, fallback) -> Expr:
    """``expr``, or ``fallback`` when one of its denominators is 0."""
    zero = any_zero(expr)
    return expr if zero is None else IF(zero, as_expr(fallback), expr)


def guarded_condition(cond: Expr) -> Expr:
    """A condition that is false when it would divide by 0."""
    return guarded(cond, Num(0.0))


__all__ = ["denominators", "any_zero", "guarded", "guarded_condition"]
