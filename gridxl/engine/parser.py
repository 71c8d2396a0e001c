"""Formula text as a plain tree (:class:`PNode`), read by the ``formulas`` package's parser.

The parser is ``formulas.Parser`` with its AST builder swapped for one that keeps the tokens as a
tree instead of compiling them (:mod:`.compat` checks the token classes this relies on).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .compat import internals
from .errors import Unsupported


@dataclass
class PNode:
    kind: str  # num, str, bool, err, ref, empty, op, fn
    name: str
    args: list = field(default_factory=list)
    value: object = None


def _parser():
    fx = internals()
    Function, Operator = fx.Function, fx.Operator

    class _TreeBuilder:
        """Collects the parser's output as a plain tree instead of compiling it."""

        def __init__(self, match=None):
            self.stack = []

        def __len__(self):
            return len(self.stack)

        def __getitem__(self, i):
            return self.stack[i]

        def pop(self):
            return self.stack.pop()

        def append(self, token):
            kind = type(token).__name__
            if isinstance(token, (Operator, Function)):
                n = token.get_n_args
                if len(self.stack) < n:
                    raise fx.FormulaError()
                args = [self.stack.pop() for _ in range(n)][::-1] if n else []
                if kind == "Intersect" or token.name in (":", ",", " "):
                    self.stack.append(PNode("unsupported", token.name, args))
                elif isinstance(token, Function):
                    self.stack.append(PNode("fn", token.name, args))
                else:
                    self.stack.append(PNode("op", token.name, args))
                return
            name = token.name
            if kind == "Number":
                if name.upper() in ("TRUE", "FALSE"):
                    self.stack.append(PNode("bool", name, value=name.upper() == "TRUE"))
                else:
                    self.stack.append(PNode("num", name, value=float(name)))
            elif kind == "String":
                self.stack.append(PNode("str", name, value=name))
            elif kind == "Error":
                self.stack.append(PNode("err", name, value=name))
            elif kind == "Range":
                m = re.fullmatch(r"GXREF(\d+)", name, re.I)
                self.stack.append(PNode("ref", name, value=int(m.group(1))) if m else PNode("unsupported", name))
            elif kind == "Empty":
                self.stack.append(PNode("empty", ""))
            else:
                self.stack.append(PNode("unsupported", name))

        def finish(self):
            pass

    class _Parser(fx.Parser):
        ast_builder = _TreeBuilder

    return _Parser()


_PARSER = None


def parse_formula(placeholder: str) -> PNode:
    """The tree of ``placeholder`` (formula text without '=', references as GXREF<i>)."""
    global _PARSER
    if _PARSER is None:
        _PARSER = _parser()
    try:
        _, builder = _PARSER.ast("=" + placeholder)
    except Exception as exc:  # the parser raises several types for text it cannot read
        raise Unsupported(f"cannot parse ={placeholder}: {type(exc).__name__}") from None
    return builder.stack[-1]


def function_name(name: str) -> str:
    """A function's name without the file format's prefixes (_xlfn.RANK.EQ -> RANK.EQ)."""
    up = name.upper()
    for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS."):
        if up.startswith(prefix):
            return up[len(prefix):]
    return up
