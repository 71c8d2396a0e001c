"""Whether two formulas in a cell mean the same, however the program that saved them spelled them.

Excel, LibreOffice and Gnumeric each write a formula back in their own spelling: quotes around
sheet names or not, ``_xlfn.`` before newer functions, ``RANK.EQ`` for ``RANK``, ``$`` signs,
``0.5`` for ``.5``, spaces and redundant parentheses.  :func:`same_formula` compares the parse
trees of the two formulas in the cell that holds them: every reference resolved to the cells it
names, every function to one name, every number to its value.
"""
from __future__ import annotations

import functools

from gridxl.engine.errors import Unsupported
from gridxl.engine.parser import function_name, parse_formula
from gridxl.engine.references import normalise_formula, tokenize

# Functions that are one function under two names (the newer name is what Excel 2010+ saves).
SAME_FUNCTION = {"RANK.EQ": "RANK", "STDEV.S": "STDEV", "VAR.S": "VAR", "MODE.SNGL": "MODE",
                 "PERCENTILE.INC": "PERCENTILE", "QUARTILE.INC": "QUARTILE"}


def same_formula(a: str, b: str, cell: tuple[int, int], sheet: str) -> bool:
    """True when the formulas ``a`` and ``b``, both held in ``cell`` of ``sheet``, compute the same thing."""
    if a == b or normalise_formula(a) == normalise_formula(b):
        return True
    try:
        return meaning(a, cell, sheet) == meaning(b, cell, sheet)
    except Unsupported:
        return False


def meaning(text: str, cell: tuple[int, int], sheet: str):
    """The formula as a nested tuple that ignores spelling (see the module docstring)."""
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    row, col = cell
    placeholder, refs = tokenize(text, row, col)
    resolved = []
    for spec in refs:
        r1 = spec.r1 if spec.r1abs else spec.r1 + row
        r2 = spec.r2 if spec.r2abs else spec.r2 + row
        c1 = spec.c1 if spec.c1abs else spec.c1 + col
        c2 = spec.c2 if spec.c2abs else spec.c2 + col
        name = (spec.sheet if spec.sheet is not None else sheet).casefold()
        resolved.append(("ref", name, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    return _tree(_parsed(placeholder), resolved)


@functools.lru_cache(maxsize=512)
def _parsed(placeholder: str):
    """The parse tree of a formula with its references numbered: the same for every row of a column."""
    return parse_formula(placeholder)


def _tree(node, refs):
    if node.kind == "ref":
        return refs[node.value]
    if node.kind == "fn":
        name = function_name(node.name)
        return ("fn", SAME_FUNCTION.get(name, name), tuple(_tree(a, refs) for a in node.args))
    if node.kind == "op":
        return ("op", node.name, tuple(_tree(a, refs) for a in node.args))
    if node.kind == "unsupported":
        raise Unsupported(f"cannot compare {node.name}")
    if node.kind == "err":
        return ("err", str(node.value).upper())
    return (node.kind, node.value)


__all__ = ["same_formula", "meaning", "SAME_FUNCTION"]
