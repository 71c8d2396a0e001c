"""Compiled formulas: a parsed tree (:class:`~.parser.PNode`) as nodes evaluated over a group of cells.

A node that does not depend on the row (an absolute range, a constant, RANK's range) is computed
once per group and cached in the context; IF computes each branch only for the cells taking it.
"""
from __future__ import annotations

import numpy as np

from gridxl.i18n import _

from .cached_values import ERR, ExcelError
from .errors import Unsupported
from .fallback import formulas_error, formulas_function, from_formulas, to_formulas
from .functions import FUNCTIONS
from .operators import op_arith, op_compare, op_concat, op_unary
from .parser import PNode, function_name
from .references import RefSpec
from .values import XV, Errors, select, truth, with_errors, xv_const, xv_numbers


class Ctx:
    """The cells being computed (rows, cols arrays) and the cache of row-independent parts."""

    __slots__ = ("engine", "rows", "cols", "cache", "sheet")

    def __init__(self, engine, sheet, rows, cols, cache):
        self.engine = engine
        self.sheet = sheet
        self.rows = rows
        self.cols = cols
        self.cache = cache

    @property
    def n(self):
        return len(self.rows)

    def sub(self, idx):
        return Ctx(self.engine, self.sheet, self.rows[idx], self.cols[idx], self.cache)

    def ev(self, node) -> XV:
        if node.invariant:
            hit = self.cache.get(id(node))
            if hit is None:
                hit = self.cache[id(node)] = node.compute(self)
            return hit
        return node.compute(self)


class Node:
    invariant = True
    max_cells = 1
    per_cell_only = False  # true when a range's size depends on the cell (A$5:A5)

    def compute(self, ctx) -> XV:
        raise NotImplementedError


class Const(Node):
    def __init__(self, value):
        self.value = xv_const(value)

    def compute(self, ctx):
        return self.value


class Ref(Node):
    def __init__(self, spec: RefSpec, sheet: str | None):
        self.spec = spec
        self.sheet = sheet  # resolved name, None when the sheet does not exist
        self.invariant = spec.rows_absolute() and spec.fixed_shape()
        self.per_cell_only = not spec.fixed_shape()
        h = abs(spec.r2 - spec.r1) + 1 if spec.r1abs == spec.r2abs else 1
        w = abs(spec.c2 - spec.c1) + 1 if spec.c1abs == spec.c2abs else 1
        self.max_cells = h * w

    def compute(self, ctx):
        s = self.spec
        if self.sheet is None:
            return xv_const(ExcelError("#REF!")).broadcast((ctx.n, 1, 1))
        store = ctx.engine.stores[self.sheet]
        if s.fixed_shape():
            lo_r, hi_r = sorted((s.r1, s.r2))
            lo_c, hi_c = sorted((s.c1, s.c2))
            roff = np.arange(lo_r, hi_r + 1)
            coff = np.arange(lo_c, hi_c + 1)
            if s.r1abs:
                rows = roff[None, :]
            else:
                rows = ctx.rows[:, None] + roff[None, :]
            if s.c1abs:
                cols = coff[None, :]
            elif self.invariant:
                cols = ctx.cols[:1, None] + coff[None, :]
            else:
                cols = ctx.cols[:, None] + coff[None, :]
        else:  # one cell at a time: the range's corners move differently
            r1 = s.r1 if s.r1abs else int(ctx.rows[0]) + s.r1
            r2 = s.r2 if s.r2abs else int(ctx.rows[0]) + s.r2
            c1 = s.c1 if s.c1abs else int(ctx.cols[0]) + s.c1
            c2 = s.c2 if s.c2abs else int(ctx.cols[0]) + s.c2
            r1, r2 = sorted((r1, r2))
            c1, c2 = sorted((c1, c2))
            rows = np.arange(r1, r2 + 1)[None, :]
            cols = np.arange(c1, c2 + 1)[None, :]
        return store.get(rows, cols)


class Op(Node):
    def __init__(self, name, args):
        self.name = name
        self.args = args
        self.invariant = all(a.invariant for a in args)
        self.max_cells = max([a.max_cells for a in args] + [1])
        self.per_cell_only = any(a.per_cell_only for a in args)

    def compute(self, ctx):
        vals = [ctx.ev(a) for a in self.args]
        if len(vals) == 1:
            return op_unary(self.name, vals[0])
        if self.name in ("+", "-", "*", "/", "^"):
            return op_arith(self.name, *vals)
        if self.name == "&":
            return op_concat(*vals)
        return op_compare(self.name, *vals)


class Call(Node):
    def __init__(self, name, impl, args):
        self.name = name
        self.impl = impl
        self.args = args
        self.invariant = all(a.invariant for a in args)
        self.max_cells = max([a.max_cells for a in args] + [1])
        self.per_cell_only = any(a.per_cell_only for a in args)

    def compute(self, ctx):
        return self.impl(ctx, *[ctx.ev(a) if a is not None else None for a in self.args])


class Missing(Node):
    """An omitted argument (IF(c,,x)): 0 where a value is needed."""

    def compute(self, ctx):
        return xv_const(0.0)


class If(Node):
    """IF(c, a, b): each branch is computed only for the cells that take it."""

    def __init__(self, args):
        self.args = list(args) + [None] * (3 - len(args))
        present = [a for a in self.args if a is not None]
        self.invariant = all(a.invariant for a in present)
        self.max_cells = max([a.max_cells for a in present] + [1])
        self.per_cell_only = any(a.per_cell_only for a in present)

    def _branch(self, ctx, node):
        if node is None:
            return xv_const(False)
        return ctx.ev(node)

    def compute(self, ctx):
        cond = ctx.ev(self.args[0])
        errors = Errors(cond.shape)
        c = truth(cond, errors)
        n = ctx.n
        if cond.shape == (n, 1, 1) and n > 1 and not self.invariant:
            flat = c.reshape(n) & (errors.free().reshape(n) if errors.mask is not None else True)
            yes, no = np.nonzero(flat)[0], np.nonzero(~flat)[0]
            if len(no) == 0 and errors.mask is None:
                return self._branch(ctx, self.args[1])
            if len(yes) == 0 and errors.mask is None:
                return self._branch(ctx, self.args[2])
            a = self._branch(ctx.sub(yes), self.args[1]) if len(yes) else None
            b = self._branch(ctx.sub(no), self.args[2]) if len(no) else None
            if (a is None or a.cells == 1) and (b is None or b.cells == 1):
                typ = np.zeros((n, 1, 1), np.uint8)
                num = np.zeros((n, 1, 1))
                obj = None
                for idx, part in ((yes, a), (no, b)):
                    if part is None:
                        continue
                    part = part.broadcast((len(idx), 1, 1))
                    typ[idx] = part.typ
                    num[idx] = part.num
                    if part.obj is not None:
                        if obj is None:
                            obj = np.full((n, 1, 1), None, object)
                        obj[idx] = part.obj
                return with_errors(XV(typ, num, obj), errors)
        a = self._branch(ctx, self.args[1])
        b = self._branch(ctx, self.args[2])
        return with_errors(select(c, a, b), errors)


class IfError(Node):
    def __init__(self, args, only_na=False):
        self.args = args
        self.only_na = only_na
        self.invariant = all(a.invariant for a in args)
        self.max_cells = max(a.max_cells for a in args)
        self.per_cell_only = any(a.per_cell_only for a in args)

    def compute(self, ctx):
        v = ctx.ev(self.args[0])
        bad = v.typ == ERR
        if self.only_na and v.obj is not None:
            bad = bad & (v.obj == "#N/A")
        if not bad.any():
            return v
        alt = ctx.ev(self.args[1])
        return select(bad, alt, v)


class RowCol(Node):
    """ROW(), COLUMN(), ROW(ref), ROWS(ref), COLUMNS(ref)."""

    def __init__(self, name, ref: Ref | None):
        self.name = name
        self.ref = ref
        self.invariant = ref is not None and (ref.spec.rows_absolute() if name in ("ROW", "ROWS") else
                                              ref.spec.c1abs and ref.spec.c2abs) \
            or (name in ("ROWS", "COLUMNS") and ref is not None and ref.spec.fixed_shape())

    def compute(self, ctx):
        s = self.ref.spec if self.ref is not None else None
        if self.name in ("ROWS", "COLUMNS"):
            size = (abs(s.r2 - s.r1) + 1) if self.name == "ROWS" else (abs(s.c2 - s.c1) + 1)
            return xv_const(float(size))
        if self.name == "ROW":
            here, first, absolute = ctx.rows, (None if s is None else min(s.r1, s.r2)), s is not None and s.r1abs
        else:
            here, first, absolute = ctx.cols, (None if s is None else min(s.c1, s.c2)), s is not None and s.c1abs
        base = here if s is None else (np.full(ctx.n, first) if absolute else here + first)
        return xv_numbers(np.asarray(base, dtype=float).reshape(-1, 1, 1))


class Bridge(Node):
    """A function this engine does not implement, called cell by cell through the formulas package."""

    def __init__(self, name, fn, args):
        self.name = name
        self.fn = fn
        self.args = args
        self.invariant = False
        self.max_cells = max([a.max_cells for a in args] + [1])
        self.per_cell_only = any(a.per_cell_only for a in args)

    def compute(self, ctx):
        n = ctx.n
        if self.fn is None:  # as Excel shows a function it does not know
            ctx.engine.notes.append(_("unknown function {name}: the cells show #NAME?").format(name=self.name))
            return xv_const(ExcelError("#NAME?")).broadcast((n, 1, 1))
        vals = [ctx.ev(a) for a in self.args]
        typ = np.zeros((n, 1, 1), np.uint8)
        num = np.zeros((n, 1, 1))
        obj = np.full((n, 1, 1), None, object)
        for i in range(n):
            args = [to_formulas(v, i) for v in vals]
            try:
                result = self.fn(*args)
            except Exception as exc:  # a UDF that raises: the cell shows #VALUE!, as in Excel
                result = formulas_error("#VALUE!")
                ctx.engine.notes.append(_("{name} raised {error}").format(name=self.name,
                                                                          error=f"{type(exc).__name__}: {exc}"))
            t, x, o = from_formulas(result)
            typ[i, 0, 0], num[i, 0, 0], obj[i, 0, 0] = t, x, o
        return XV(typ, num, obj)


def compile_tree(node: PNode, refs: list[RefSpec], resolve_sheet, home_sheet: str) -> Node:
    def build(p: PNode) -> Node | None:
        if p.kind == "num":
            return Const(p.value)
        if p.kind == "str":
            return Const(p.value)
        if p.kind == "bool":
            return Const(bool(p.value))
        if p.kind == "err":
            return Const(ExcelError(p.value))
        if p.kind == "empty":
            return None
        if p.kind == "ref":
            spec = refs[p.value]
            return Ref(spec, resolve_sheet(spec.sheet) if spec.sheet is not None else home_sheet)
        if p.kind == "op":
            return Op(p.name, [build(a) or Missing() for a in p.args])
        if p.kind == "fn":
            name = function_name(p.name)
            if name == "IF":
                return If([build(a) or Missing() for a in p.args])
            if name in ("IFERROR", "IFNA"):
                return IfError([build(a) or Missing() for a in p.args], only_na=name == "IFNA")
            if name in ("ROW", "COLUMN", "ROWS", "COLUMNS"):
                ref = build(p.args[0]) if p.args else None
                if ref is not None and not isinstance(ref, Ref):
                    raise Unsupported(f"{name} of an expression")
                return RowCol(name, ref)
            args = [build(a) for a in p.args]
            if name in FUNCTIONS:
                return Call(name, FUNCTIONS[name], [a if a is not None else Missing() for a in args])
            fn = formulas_function(p.name)
            return Bridge(name, fn, [a if a is not None else Missing() for a in args])
        raise Unsupported(f"{p.kind} {p.name}")

    root = build(node)
    return root if root is not None else Missing()
