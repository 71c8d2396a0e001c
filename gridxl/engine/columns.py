"""The columns engine: every formula read once per column, each group of cells computed with numpy.

A template repeats one formula down each column.  Every formula is read as text, its references
turned into offsets from its own cell (:class:`~.references.FormulaShapes`), and the consecutive
cells of a column whose formulas then read the same are one :class:`Run`, parsed and compiled
once (:mod:`.nodes`).  Runs are computed in dependency order; a column reading its own cells above
(or below) is computed cell by cell in that direction.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cached_values import EMPTY, ERR, NUM, STR, ExcelError, Package, col_letters, decode
from .errors import Unsupported
from .nodes import Ctx, Node, compile_tree
from .parser import PNode, parse_formula
from .references import FormulaShapes, RefSpec, tokenize
from .values import XV, xv_const

CHUNK_CELLS = 2_000_000  # elements per temporary array when a formula broadcasts rows against a range
MAX_STORE_CELLS = 40_000_000


class Store:
    """One sheet's values as 2-D arrays over the rows and columns that hold a cell.

    Rows and columns are 1-based sheet coordinates; they map to compact indexes (0 is a cell
    that is always empty), so a sheet with one cell at XFD2440 costs a 2×2 array, not 40 million cells.
    """

    def __init__(self, rows_used: np.ndarray, cols_used: np.ndarray):
        rows_used, cols_used = np.unique(rows_used), np.unique(cols_used)
        self.maxr = int(rows_used.max(initial=0))
        self.maxc = int(cols_used.max(initial=0))
        self.row_index = np.zeros(self.maxr + 2, np.int64)
        self.row_index[rows_used] = np.arange(1, len(rows_used) + 1)
        self.col_index = np.zeros(self.maxc + 2, np.int64)
        self.col_index[cols_used] = np.arange(1, len(cols_used) + 1)
        shape = (len(rows_used) + 1, len(cols_used) + 1)
        self.typ = np.zeros(shape, np.uint8)
        self.num = np.zeros(shape)
        self.obj = np.full(shape, None, object)
        self.col_has_obj = np.zeros(self.maxc + 2, bool)

    def _index(self, rows, cols):
        R = self.row_index[np.clip(rows, 0, self.maxr + 1)]
        C = self.col_index[np.clip(cols, 0, self.maxc + 1)]
        return R, C

    def get(self, rows, cols) -> XV:
        used = np.unique(cols)
        R = np.asarray(rows)[:, :, None]
        C = np.asarray(cols)[:, None, :]
        R, C = self._index(*np.broadcast_arrays(R, C))
        typ = self.typ[R, C]
        num = self.num[R, C]
        obj = self.obj[R, C] if self.col_has_obj[np.clip(used, 0, self.maxc + 1)].any() else None
        return XV(typ, num, obj, ref=True)

    def at(self, rows, cols):
        """(typ, num, obj) arrays of the cells (rows[i], cols[i])."""
        R, C = self._index(rows, cols)
        return self.typ[R, C], self.num[R, C], self.obj[R, C]

    def set(self, rows, cols, typ, num, obj):
        """Values of cells that hold a cell in the sheet (the rows and columns the store was made for)."""
        R, C = self._index(rows, cols)
        self.typ[R, C] = typ
        self.num[R, C] = num
        if obj is not None:
            self.obj[R, C] = obj
            self.col_has_obj[np.unique(cols)] = True
        else:
            self.obj[R, C] = None


@dataclass
class Run:
    """Cells of one column, consecutive rows, holding the same formula (relative to each cell)."""

    sheet: str
    col: int
    rows: np.ndarray
    key: tuple
    node: Node | None = None
    per_cell: bool = False
    self_ref: bool = False
    descending: bool = False

    @property
    def rmin(self):
        return int(self.rows[0])

    @property
    def rmax(self):
        return int(self.rows[-1])


class ColumnsEngine:
    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.names = {n.lower(): n for n in pkg.sheet_names}
        self.stores: dict[str, Store] = {}
        self.notes: list[str] = []
        self.runs: list[Run] = []
        self.formula_cells = 0

    def resolve_sheet(self, name: str | None):
        if name is None:
            return None
        return self.names.get(name.lower())

    # -- reading ------------------------------------------------------------------
    def prepare(self):
        parsed: dict[str, PNode] = {}
        compiled: dict[tuple, Node] = {}
        for sheet in self.pkg.sheet_names:
            cells = self.pkg.cells(sheet)
            real = (cells.typ != EMPTY)
            if real.sum() + len(cells.f_rows) > MAX_STORE_CELLS:
                raise Unsupported(f"sheet {sheet!r} holds {real.sum() + len(cells.f_rows)} cells")
            store = Store(np.concatenate([cells.rows[real], cells.f_rows]),
                          np.concatenate([cells.cols[real], cells.f_cols]))
            sel = real & ~cells.is_formula  # formula cells are computed; their cached values are not read
            objs = np.asarray(cells.obj, dtype=object)[sel] if len(cells.obj) else np.zeros(0, object)
            has = np.asarray([o is not None for o in objs], bool)
            r, c = cells.rows[sel], cells.cols[sel]
            store.set(r, c, cells.typ[sel], np.where(np.isnan(cells.num[sel]), 0.0, cells.num[sel]), None)
            if has.any():
                store.set(r[has], c[has], cells.typ[sel][has], store.at(r[has], c[has])[1], objs[has])
            self.stores[sheet] = store
            self._group(sheet, cells, parsed, compiled)
        self._order()

    def _group(self, sheet, cells, parsed, compiled):
        masters = {}
        for r, c, text, attr in zip(cells.f_rows.tolist(), cells.f_cols.tolist(), cells.f_text, cells.f_attr):
            if attr and attr.get("t") == "shared" and text is not None and attr.get("si") is not None:
                masters[attr["si"]] = (r, c, text)
        master_keys = {}
        shapes = FormulaShapes()
        groups: dict[tuple, list[int]] = {}
        for r, c, text, attr in zip(cells.f_rows.tolist(), cells.f_cols.tolist(), cells.f_text, cells.f_attr):
            if attr:
                kind = attr.get("t", "normal")
                if kind == "dataTable":
                    raise Unsupported(f"data table at {sheet}!{col_letters(c)}{r}")
                ref = attr.get("ref") or ""
                if kind == "array" and ":" in ref and ref.split(":")[0] != ref.split(":")[1]:
                    raise Unsupported(f"array formula over {sheet}!{ref}")
                if text is None:
                    si = attr.get("si")
                    if si not in masters:
                        raise Unsupported(f"shared formula {si} without its first cell in {sheet}")
                    if si not in master_keys:
                        mr, mc, mtext = masters[si]
                        master_keys[si] = shapes.intern(*tokenize(mtext, mr, mc))
                    groups.setdefault((c, master_keys[si]), []).append(r)
                    continue
            groups.setdefault((c, shapes.read(text, r, c)), []).append(r)
        self.formula_cells += len(cells.f_text)
        for (c, form), rows in groups.items():
            placeholder, refs = shapes.forms[form]
            if placeholder not in parsed:
                parsed[placeholder] = parse_formula(placeholder)
            ckey = (sheet, c, placeholder, refs)
            if ckey not in compiled:
                compiled[ckey] = compile_tree(parsed[placeholder], list(refs), self.resolve_sheet, sheet)
            node = compiled[ckey]
            rows = np.sort(np.asarray(rows, np.int64))
            breaks = np.nonzero(np.diff(rows) != 1)[0] + 1
            for part in np.split(rows, breaks):
                self.runs.append(Run(sheet, c, part, ckey, node, per_cell=node.per_cell_only))

    # -- ordering -------------------------------------------------------------------
    def _reads(self, run: Run):
        """(sheet, r1, r2, c1, c2, spec) boxes of cells the run's formula reads."""
        _, _, _, refs = run.key
        for spec in refs:
            sheet = self.resolve_sheet(spec.sheet) if spec.sheet is not None else run.sheet
            if sheet is None:
                continue
            ra = [spec.r1] if spec.r1abs else [run.rmin + spec.r1, run.rmax + spec.r1]
            rb = [spec.r2] if spec.r2abs else [run.rmin + spec.r2, run.rmax + spec.r2]
            ca = spec.c1 if spec.c1abs else run.col + spec.c1
            cb = spec.c2 if spec.c2abs else run.col + spec.c2
            yield sheet, min(ra + rb), max(ra + rb), min(ca, cb), max(ca, cb), spec

    def _order(self):
        index: dict[tuple[str, int], list[int]] = {}
        for i, run in enumerate(self.runs):
            index.setdefault((run.sheet, run.col), []).append(i)
        bounds = {k: (np.asarray([self.runs[i].rmin for i in v]), np.asarray([self.runs[i].rmax for i in v]),
                      np.asarray(v)) for k, v in index.items()}
        deps: list[set[int]] = [set() for _ in self.runs]
        for i, run in enumerate(self.runs):
            for sheet, r1, r2, c1, c2, spec in self._reads(run):
                for col in range(c1, c2 + 1):
                    b = bounds.get((sheet, col))
                    if b is None:
                        continue
                    lo, hi, ids = b
                    hit = ids[(lo <= r2) & (hi >= r1)]
                    for j in hit:
                        j = int(j)
                        if j == i:
                            self._self_reference(run, sheet, spec)
                        else:
                            deps[i].add(j)
        users: list[list[int]] = [[] for _ in self.runs]
        indeg = [len(d) for d in deps]
        for i, d in enumerate(deps):
            for j in d:
                users[j].append(i)
        ready = [i for i, k in enumerate(indeg) if k == 0]
        order = []
        while ready:
            i = ready.pop()
            order.append(i)
            for u in users[i]:
                indeg[u] -= 1
                if indeg[u] == 0:
                    ready.append(u)
        if len(order) != len(self.runs):
            stuck = [self.runs[i] for i in range(len(self.runs)) if indeg[i] > 0][:3]
            raise Unsupported("circular references among " + ", ".join(
                f"{r.sheet}!{col_letters(r.col)}{r.rmin}:{col_letters(r.col)}{r.rmax}" for r in stuck))
        self.runs = [self.runs[i] for i in order]

    def _self_reference(self, run: Run, sheet: str, spec: RefSpec):
        """A column reading its own cells: fine cell by cell when every read is above (or every one below)."""
        where = f"{run.sheet}!{col_letters(run.col)}{run.rmin}"
        if spec.r1abs or spec.r2abs:
            raise Unsupported(f"{where} reads a block of its own column")
        lo, hi = min(spec.r1, spec.r2), max(spec.r1, spec.r2)
        if hi < 0 and not (run.self_ref and run.descending):
            run.per_cell, run.self_ref, run.descending = True, True, False
        elif lo > 0 and not (run.self_ref and not run.descending):
            run.per_cell, run.self_ref, run.descending = True, True, True
        else:
            raise Unsupported(f"{where} reads its own cell or cells on both sides")

    # -- computing ------------------------------------------------------------------
    def run(self):
        for run in self.runs:
            store = self.stores[run.sheet]
            rows = run.rows[::-1] if run.descending else run.rows
            cols = np.full(len(rows), run.col, np.int64)
            cache: dict = {}
            if run.per_cell:
                chunks = [slice(i, i + 1) for i in range(len(rows))]
            else:
                step = max(1, CHUNK_CELLS // max(1, run.node.max_cells))
                chunks = [slice(i, i + step) for i in range(0, len(rows), step)]
            for sl in chunks:
                ctx = Ctx(self, run.sheet, rows[sl], cols[sl], cache)
                if run.self_ref:
                    cache.clear()
                v = ctx.ev(run.node)
                typ, num, obj = _cell_results(v, ctx.n)
                store.set(rows[sl], cols[sl], typ, num, obj)

    def values(self) -> dict[str, dict[tuple[int, int], object]]:
        out = {}
        for sheet in self.pkg.sheet_names:
            cells = self.pkg.cells(sheet)
            if not len(cells.f_rows):
                continue
            store = self.stores[sheet]
            r, c = cells.f_rows, cells.f_cols
            typ, num, obj = store.at(r, c)
            keys = list(zip(r.tolist(), c.tolist()))
            if (typ == NUM).all():
                out[sheet] = dict(zip(keys, num.tolist()))
                continue
            out[sheet] = {key: (x if t == NUM else decode(t, x, o))
                          for key, t, x, o in zip(keys, typ.tolist(), num.tolist(), obj.tolist())}
        return out

    def cell(self, sheet: str, row: int, col: int):
        store = self.stores[sheet]
        typ, num, obj = store.at(np.asarray([row]), np.asarray([col]))
        return decode(int(typ[0]), float(num[0]), obj[0])


def _cell_results(v: XV, n: int):
    """A formula's value per cell: one value each; an empty reference shows 0; a block is #VALUE!."""
    if v.cells != 1:
        v = xv_const(ExcelError("#VALUE!"))
    v = v.broadcast((n, 1, 1))
    typ = v.typ.reshape(n).copy()
    num = v.num.reshape(n).copy()
    obj = None
    if v.obj is not None and ((typ == STR) | (typ == ERR)).any():
        obj = np.asarray(v.obj).reshape(n).copy()
    empty = typ == EMPTY
    if empty.any():
        typ[empty] = NUM
        num[empty] = 0.0
    return typ, num, obj
