"""A tiny formula language that is both evaluated in Python and written as Excel.

Every rule kind builds its score as an :class:`Expr` tree.  The same tree is

* evaluated over whole numpy columns by :meth:`Expr.evaluate` (the batch
  scorer, the UDFs), and
* printed as an Excel formula by :meth:`Expr.to_excel` (the templates).

Because both come from one tree, the Python score and the spreadsheet score
perform the same floating-point operations in the same order; that is what
makes the parity tests meaningful rather than lucky.

Only functions that Excel 2010, WPS and LibreOffice all evaluate are emitted:
IF, AND, OR, NOT, MIN, MAX, INT, ABS, ROUND, ROUNDUP, ROUNDDOWN, SUMPRODUCT,
AVERAGEIF, COUNT, NA.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from .excel_math import excel_round, excel_rounddown, excel_roundup
from .translate import _
from .expr_text import ARITY, MANY_ARGS, MAX_EXPR_CHARS, MAX_EXPR_DEPTH, tree_depth, excel_to_python, shorten

# Excel operator precedence (higher binds tighter).
_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4}


class ExprError(ValueError):
    """An expression in a scheme file cannot be understood."""


class Expr:
    """Base node. Python operators build trees: ``Field('a') / Field('b') * 5``."""

    precedence = 10

    # -- building -------------------------------------------------------
    def _bin(self, op, other, swap=False):
        other = as_expr(other)
        left, right = (other, self) if swap else (self, other)
        if op in "*/" and right.constant() == 1:  # x*1 and x/1 add nothing to a clerk's formula
            return left
        if op == "*" and left.constant() == 1:
            return right
        return BinOp(op, left, right)

    def __add__(self, o):
        return self._bin("+", o)

    def __radd__(self, o):
        return self._bin("+", o, True)

    def __sub__(self, o):
        return self._bin("-", o)

    def __rsub__(self, o):
        return self._bin("-", o, True)

    def __mul__(self, o):
        return self._bin("*", o)

    def __rmul__(self, o):
        return self._bin("*", o, True)

    def __truediv__(self, o):
        return self._bin("/", o)

    def __rtruediv__(self, o):
        return self._bin("/", o, True)

    def __neg__(self):
        return Neg(self)

    def __ge__(self, o):
        return Compare(">=", self, as_expr(o))

    def __gt__(self, o):
        return Compare(">", self, as_expr(o))

    def __le__(self, o):
        return Compare("<=", self, as_expr(o))

    def __lt__(self, o):
        return Compare("<", self, as_expr(o))

    def eq(self, o):
        return Compare("=", self, as_expr(o))

    def ne(self, o):
        return Compare("<>", self, as_expr(o))

    # -- interface -------------------------------------------------------
    def evaluate(self, env: "Env"):
        raise NotImplementedError

    def to_excel(self, refs: "Refs") -> str:
        raise NotImplementedError

    def children(self) -> Sequence["Expr"]:
        return ()

    def walk(self):
        yield self
        for child in self.children():
            yield from child.walk()

    def fields(self) -> list[str]:
        """Input fields and indicator scores this expression reads, in order."""
        seen: dict[str, None] = {}
        for node in self.walk():
            if isinstance(node, (Field, Score, Measure)):
                seen.setdefault(node.key, None)
        return list(seen)

    def constant(self):
        """The value if this is a number literal, else None."""
        return None


class Env:
    """What :meth:`Expr.evaluate` reads: numpy columns by key."""

    def __init__(self, fields: Mapping[str, np.ndarray], scores: Mapping[str, np.ndarray] | None = None,
                 measures: Mapping[str, np.ndarray] | None = None, columns: Mapping[str, np.ndarray] | None = None):
        self.fields = fields
        self.scores = scores if scores is not None else {}
        self.measures = measures if measures is not None else {}
        self.columns = columns if columns is not None else {}


class Refs:
    """What :meth:`Expr.to_excel` writes for each key: a cell (same row) or a column range."""

    def __init__(self, cell: Callable[[str, str], str], column: Callable[[str, str], str] | None = None):
        self._cell = cell
        self._column = column

    def cell(self, space: str, key: str) -> str:
        return self._cell(space, key)

    def column(self, space: str, key: str) -> str:
        if self._column is None:
            raise ExprError(f"{space} {key!r} needs the whole column, which this sheet does not have")
        return self._column(space, key)


def _num_text(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


@dataclass(frozen=True, eq=False)
class Num(Expr):
    value: float

    def evaluate(self, env):
        return float(self.value)

    def to_excel(self, refs):
        return _num_text(self.value)

    def constant(self):
        return float(self.value)

    @property
    def precedence(self):
        return 10 if self.value >= 0 else 5


@dataclass(frozen=True, eq=False)
class Text(Expr):
    value: str

    def evaluate(self, env):
        return self.value

    def to_excel(self, refs):
        return '"' + self.value.replace('"', '""') + '"'


@dataclass(frozen=True, eq=False)
class Field(Expr):
    """An input field of the current unit (row)."""

    key: str

    def evaluate(self, env):
        return env.fields[self.key]

    def to_excel(self, refs):
        return refs.cell("field", self.key)


@dataclass(frozen=True, eq=False)
class Score(Expr):
    """The rounded score of another indicator of the same unit."""

    key: str

    def evaluate(self, env):
        return env.scores[self.key]

    def to_excel(self, refs):
        return refs.cell("score", self.key)


@dataclass(frozen=True, eq=False)
class Measure(Expr):
    """The measured value of an indicator (its 'value' expression), for cross-unit rules."""

    key: str

    def evaluate(self, env):
        return env.measures[self.key]

    def to_excel(self, refs):
        return refs.cell("measure", self.key)


@dataclass(frozen=True, eq=False)
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr

    @property
    def precedence(self):
        return _PRECEDENCE[self.op]

    def children(self):
        return (self.left, self.right)

    def evaluate(self, env):
        a, b = self.left.evaluate(env), self.right.evaluate(env)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.op == "+":
                return np.add(a, b)
            if self.op == "-":
                return np.subtract(a, b)
            if self.op == "*":
                return np.multiply(a, b)
            if self.op == "/":
                return np.true_divide(a, b)
        raise ExprError(f"unknown operator {self.op}")

    def to_excel(self, refs):
        left = self.left.to_excel(refs)
        right = self.right.to_excel(refs)
        if self.left.precedence < self.precedence:
            left = f"({left})"
        # Left-associative: a-(b-c) and a/(b*c) need their brackets.
        if self.right.precedence < self.precedence or (
                self.right.precedence == self.precedence and self.op in "-/"):
            right = f"({right})"
        if isinstance(self.right, Num) and self.right.value < 0:
            right = f"({right})"
        return f"{left}{self.op}{right}"


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    operand: Expr
    precedence = 5

    def children(self):
        return (self.operand,)

    def evaluate(self, env):
        return np.negative(self.operand.evaluate(env))

    def to_excel(self, refs):
        inner = self.operand.to_excel(refs)
        if self.operand.precedence < 10:
            inner = f"({inner})"
        return f"-{inner}"


@dataclass(frozen=True, eq=False)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr
    precedence = 1

    def children(self):
        return (self.left, self.right)

    def evaluate(self, env):
        a, b = self.left.evaluate(env), self.right.evaluate(env)
        if isinstance(a, str) or isinstance(b, str) or getattr(a, "dtype", None) == object:
            a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        ops = {"=": np.equal, "<>": np.not_equal, "<": np.less, "<=": np.less_equal,
               ">": np.greater, ">=": np.greater_equal}
        with np.errstate(invalid="ignore"):
            return ops[self.op](a, b)

    def to_excel(self, refs):
        left, right = self.left.to_excel(refs), self.right.to_excel(refs)
        if self.left.precedence <= self.precedence:
            left = f"({left})"
        if self.right.precedence <= self.precedence:
            right = f"({right})"
        return f"{left}{self.op}{right}"


def _as_bool(x):
    return np.asarray(x).astype(bool)


@dataclass(frozen=True, eq=False)
class Func(Expr):
    """A spreadsheet function applied row by row."""

    name: str
    args: tuple

    def children(self):
        return self.args

    def to_excel(self, refs):
        return f"{self.name}({','.join(a.to_excel(refs) for a in self.args)})"

    def evaluate(self, env):
        name = self.name
        if name == "IF":
            cond = _as_bool(self.args[0].evaluate(env))
            with np.errstate(all="ignore"):
                yes, no = self.args[1].evaluate(env), self.args[2].evaluate(env)
            if isinstance(yes, str) or isinstance(no, str):
                return np.where(cond, np.asarray(yes, dtype=object), np.asarray(no, dtype=object))
            return np.where(cond, yes, no)
        vals = [a.evaluate(env) for a in self.args]
        with np.errstate(all="ignore"):
            if name == "MIN":
                return _reduce(np.minimum, vals)
            if name == "MAX":
                return _reduce(np.maximum, vals)
            if name == "AND":
                return _reduce(np.logical_and, [_as_bool(v) for v in vals])
            if name == "OR":
                return _reduce(np.logical_or, [_as_bool(v) for v in vals])
            if name == "NOT":
                return np.logical_not(_as_bool(vals[0]))
            if name == "INT":
                return np.floor(vals[0])
            if name == "ABS":
                return np.abs(vals[0])
            if name == "POWER":
                return np.power(np.asarray(vals[0], dtype=float), np.asarray(vals[1], dtype=float))
            if name == "ROUND":
                return excel_round(vals[0], int(self.args[1].constant()))
            if name == "ROUNDUP":
                return excel_roundup(vals[0], int(self.args[1].constant()))
            if name == "ROUNDDOWN":
                return excel_rounddown(vals[0], int(self.args[1].constant()))
            if name == "NA":
                return np.nan
            if name in _CELL_TESTS:  # what a typed cell holds (check reads text, TRUE/FALSE as typed)
                return _CELL_TESTS[name](*vals)
        raise ExprError(f"function {name} is not available")


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.floating, np.integer)) and not isinstance(x, (bool, np.bool_)) \
        and bool(np.isfinite(x))


def _cells(fn, otype, numeric=None):
    """A cell test over whole columns; ``numeric`` is its vectorised form for float columns (the core's case:
    no text, no TRUE/FALSE, NaN for a blank)."""
    def apply(*vals):
        if numeric is not None and len(vals) == 1 and np.asarray(vals[0]).dtype.kind in "fiu":
            return numeric(np.asarray(vals[0], dtype=float))
        return np.vectorize(fn, otypes=[otype])(*[np.asarray(v, dtype=object) for v in vals])
    return apply


_ISNUMBER = _cells(_is_number, bool, np.isfinite)

_CELL_TESTS = {
    "ISNUMBER": _ISNUMBER,
    "ISBLANK": _cells(lambda x: x is None or (isinstance(x, float) and bool(np.isnan(x))), bool, np.isnan),
    "N": _cells(lambda x: float(x) if _is_number(x) else 1.0 if x is True else 0.0, float,
                lambda a: np.where(np.isfinite(a), a, 0.0)),
    "COUNT": lambda *vals: sum(_ISNUMBER(v).astype(float) for v in vals),
}


def _reduce(fn, vals):
    out = vals[0]
    for v in vals[1:]:
        out = fn(out, v)
    return out


@dataclass(frozen=True, eq=False)
class CountBetter(Expr):
    """How many units' measure lies strictly between this unit's value and a bound.

    Written as SUMPRODUCT so comparisons are numeric and exact in every engine
    (COUNTIFS would turn the value into criteria text and lose digits).
    ``descending`` counts the units with a larger value (below ``limit``).
    """

    key: str
    value: Expr
    limit: Expr
    descending: bool = True
    distinct: bool = False  # count distinct values (dense places 1,1,2) rather than units (1,1,3)

    def children(self):
        return (self.value, self.limit)

    def evaluate(self, env):
        column = np.asarray(env.measures[self.key], dtype=float)
        value = np.broadcast_to(np.asarray(self.value.evaluate(env), dtype=float), column.shape)
        limit = float(np.asarray(self.limit.evaluate(env)).reshape(-1)[0])
        pool = np.sort(column[np.isfinite(column) & (column < limit if self.descending else column > limit)])
        if self.distinct:
            pool = np.unique(pool)
        if self.descending:
            # values v with value < v < limit
            return (len(pool) - np.searchsorted(pool, value, side="right")).astype(float)
        return np.searchsorted(pool, value, side="left").astype(float)

    def to_excel(self, refs):
        rng = refs.column("measure", self.key)
        v, lim = self.value.to_excel(refs), self.limit.to_excel(refs)
        each = f"/COUNTIF({rng},{rng})" if self.distinct else ""  # each distinct value counted once
        if self.descending:
            return f"SUMPRODUCT(({rng}>{v})*({rng}<{lim}){each})"
        return f"SUMPRODUCT(({rng}<{v})*({rng}>{lim}){each})"


def as_expr(x) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, bool):
        return Num(1.0 if x else 0.0)
    if isinstance(x, (int, float)):
        return Num(float(x))
    if isinstance(x, str):
        return Text(x)
    raise ExprError(f"cannot use {x!r} in a formula")


# -- convenience constructors used by the rule kinds ------------------------
def IF(cond, yes, no) -> Expr:
    return Func("IF", (as_expr(cond), as_expr(yes), as_expr(no)))


def MIN(*args) -> Expr:
    return Func("MIN", tuple(as_expr(a) for a in args))


def MAX(*args) -> Expr:
    return Func("MAX", tuple(as_expr(a) for a in args))


def AND(*args) -> Expr:
    return args[0] if len(args) == 1 else Func("AND", tuple(as_expr(a) for a in args))


def OR(*args) -> Expr:
    return args[0] if len(args) == 1 else Func("OR", tuple(as_expr(a) for a in args))


def NOT(arg) -> Expr:
    return Func("NOT", (as_expr(arg),))


def INT(arg) -> Expr:
    return Func("INT", (as_expr(arg),))


def ROUND(arg, digits: int) -> Expr:
    return Func("ROUND", (as_expr(arg), Num(float(digits))))


def ROUNDUP(arg, digits: int) -> Expr:
    return Func("ROUNDUP", (as_expr(arg), Num(float(digits))))


def SUM(*args) -> Expr:
    """A plain chain of additions (kept as + so both engines add in the same order)."""
    args = [as_expr(a) for a in args]
    if not args:
        return Num(0.0)
    out = args[0]
    for a in args[1:]:
        out = out + a
    return out


def NA() -> Expr:
    return Func("NA", ())


COMPARE_DIGITS = 10


def settled(x) -> Expr:
    """x taken to 10 decimals before a threshold comparison.

    Spreadsheets compare with a tolerance of their own (LibreOffice's
    approxEqual), numpy compares exact doubles; comparing rounded values makes
    every engine agree on which side of 98% a ratio like 49/50 falls.
    """
    x = as_expr(x)
    if isinstance(x, (Num, Field)):
        return x
    return ROUND(x, COMPARE_DIGITS)


# -- parsing the expressions written in scheme files -------------------------
_FUNCS = {"min": MIN, "max": MAX, "if": IF, "and": AND, "or": OR, "not": NOT, "int": INT,
          "round": lambda x, d: ROUND(x, int(d.constant())), "abs": lambda x: Func("ABS", (x,))}
_CMP = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def parse(text: str, resolve: Callable[[str], Expr]) -> Expr:
    """Parse a scheme expression such as ``(new_events - overdue_events) / new_events``.

    ``resolve`` turns a name into a Field/Score node (or raises ExprError).
    A single ``=`` is accepted for equality, as clerks write it in Excel.
    """
    text = str(text)
    if len(text) > MAX_EXPR_CHARS:
        raise ExprError(_("the expression is {n} characters long; at most {most} (Excel's limit for a formula): "
                          "split it into several indicators").format(n=len(text), most=MAX_EXPR_CHARS))
    source = excel_to_python(text)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as exc:
        why = getattr(exc, "msg", None) or _("nested deeper than {most} operations").format(most=MAX_EXPR_DEPTH)
        raise ExprError(_("cannot read the expression {text}: {why}").format(text=shorten(text), why=why)) from None
    depth = tree_depth(tree)
    if depth > MAX_EXPR_DEPTH:
        raise ExprError(_("the expression {text} nests {depth} operations deep; at most {most}: split it into "
                          "several indicators").format(text=shorten(text), depth=depth, most=MAX_EXPR_DEPTH))

    def conv(node) -> Expr:
        if isinstance(node, ast.Expression):
            return conv(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return Num(float(node.value))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return Text(node.value)
        if isinstance(node, ast.Name):
            return resolve(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            left, right = conv(node.left), conv(node.right)
            if isinstance(left, Text) or isinstance(right, Text):
                raise ExprError(_("text cannot be added, subtracted, multiplied or divided, in {text}")
                                .format(text=shorten(text)))
            return BinOp(_BIN[type(node.op)], left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = conv(node.operand)
            if isinstance(inner, Text):
                raise ExprError(_("text cannot be negated, in {text}").format(text=shorten(text)))
            return Num(-inner.value) if isinstance(inner, Num) else Neg(inner)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return NOT(conv(node.operand))
        if isinstance(node, ast.BoolOp):
            parts = [conv(v) for v in node.values]
            return AND(*parts) if isinstance(node.op, ast.And) else OR(*parts)
        if isinstance(node, ast.Compare):
            parts, left = [], conv(node.left)
            for op, comp in zip(node.ops, node.comparators):
                if type(op) not in _CMP:
                    break
                right = conv(comp)
                parts.append(Compare(_CMP[type(op)], left, right))
                left = right
            else:
                return AND(*parts)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.lower() in _FUNCS \
                and not node.keywords:
            name = node.func.id.lower()
            lo, hi = ARITY[name]
            if not lo <= len(node.args) <= hi:
                takes = f"{lo}" if lo == hi else _("at least {lo}").format(lo=lo) if hi == MANY_ARGS else \
                    _("{lo} to {hi}").format(lo=lo, hi=hi)
                message = _("{name}() takes {takes} argument, got {got}, in {text}") if lo == 1 and hi in (1, MANY_ARGS) \
                    else _("{name}() takes {takes} arguments, got {got}, in {text}")
                raise ExprError(message.format(name=name, takes=takes, got=len(node.args), text=shorten(text)))
            args = [conv(a) for a in node.args]
            if name == "round" and (args[1].constant() is None or not float(args[1].constant()).is_integer()
                                    or abs(args[1].constant()) > 10):
                raise ExprError(_("round(x, digits): digits must be a whole number from -10 to 10, in {text}")
                                .format(text=shorten(text)))
            if name not in ("if",) and any(isinstance(a, Text) for a in args):
                raise ExprError(_("{name}() cannot take text, in {text}").format(name=name, text=shorten(text)))
            return _FUNCS[name](*args)
        raise ExprError(_("cannot use {part!r} in {text!r}: only numbers, field names, + - * /, comparisons, "
                          "and/or/not and min/max/if/int/round/abs are allowed").format(part=ast.unparse(node), text=text))

    return conv(tree)


def divisors(expr: Expr) -> list[Expr]:
    """The non-constant right-hand sides of divisions: what must not be zero."""
    out = []
    for node in expr.walk():
        if isinstance(node, BinOp) and node.op == "/" and node.right.constant() is None:
            out.append(node.right)
    return out
