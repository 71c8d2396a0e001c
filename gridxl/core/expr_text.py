"""Scheme-file expression text before it is parsed: Excel spellings, limits, depth.

Kept apart from :mod:`.expr` (the formula trees) so both stay small; nothing here
builds a tree.
"""
from __future__ import annotations

import ast
import re

MAX_EXPR_CHARS = 8192  # Excel's formula length
MAX_EXPR_DEPTH = 200  # operations inside operations; Python's own recursion limit is far above this
MANY_ARGS = 255  # Excel's argument limit
ARITY = {"min": (1, MANY_ARGS), "max": (1, MANY_ARGS), "if": (3, 3), "and": (1, MANY_ARGS), "or": (1, MANY_ARGS),
         "not": (1, 1), "int": (1, 1), "round": (2, 2), "abs": (1, 1)}
_STRING_LITERAL = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'""")


def excel_to_python(text: str) -> str:
    """Excel spellings (= for equality, <>, if) to Python's, outside string literals only."""
    out, last = [], 0
    for m in _STRING_LITERAL.finditer(text):
        out.append(_excel_ops(text[last:m.start()]))
        out.append(m.group())
        last = m.end()
    out.append(_excel_ops(text[last:]))
    return "".join(out)


def _excel_ops(code: str) -> str:
    code = re.sub(r"(?<![<>=!])=(?!=)", "==", code).replace("<>", "!=")
    return re.sub(r"(?<![\w.])if\s*\(", "IF(", code)  # `if` is a Python keyword


def tree_depth(tree) -> int:
    """How deep the syntax tree goes, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def shorten(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "…")
