"""What a template holds and where: the sheets, their columns, and the formula tree of every formula cell.

:class:`Plan` lays the workbook out; each formula column holds a tree (gridxl.core.cells, ranks, summary, or
an indicator's compiled score) that :meth:`Column.formula` prints for a row.  No formula text is written here.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gridxl.core.catalog import builtin_paths
from gridxl.core.cells import (GridAverage, flag_cell, grade_cell, measure_cell, score_cell, stars_cell, total_cell,
                               unit_name_cell)
from gridxl.core.excel_math import format_number
from gridxl.core.expr import Expr, Field, Func, Measure, Num, Refs, Score, Text
from gridxl.core.ranks import DENSE_RANK, DENSE_RANK_PLAIN, CompetitionRank, SortKey, Ties
from gridxl.core.scheme import SUBUNIT_KEY, TOTAL_KEY, UNIT_KEY, FieldSpec, Indicator, Scheme
from gridxl.core.summary import STATS, ColumnStat, Mirror, SortedRow
from gridxl.engine.cached_values import col_letters
from gridxl.engine.references import quote_sheet
from gridxl.io.xlsx_safety import TEMPLATE_SHEET
from gridxl.io.periods import period_text as named_period

FIRST_ROW = 5
HEADER_ROWS = 4
INFO, INPUT, SCORE, SUMMARY, META = "说明", "录入", "评分", "汇总", TEMPLATE_SHEET  # META: the layout sheet
DEFAULT_ROWS = 30
MAX_UNIT_ROWS = 20_000  # a template's units (recalc and check measured at 10,000)
MAX_SUBUNIT_ROWS = 200_000  # ten grids per unit by default
DEFAULT_SUBUNITS_PER_UNIT = 10
MODES = ("native", "udf")


_ROW = "\x00"  # the row in a formula printed once for a whole column


class TemplateError(ValueError):
    """The template cannot be made as asked (message says why)."""


@dataclass
class Column:
    role: str  # seq unit subunit field score measure total rank rank_dense grade stars flag ties sortkey
    #            row (汇总: the 评分 row shown), sorted (汇总: a mirrored value)
    key: str
    header: str
    col: int = 0
    kind: str = "formula"  # formula, input, static
    tree: Expr | None = None  # the formula of every row (gridxl.core.cells, ranks, summary)
    number_format: str = "General"
    hidden: bool = False
    group: str = ""  # the section header above (row 3)
    hint: str = ""  # row 3 text for inputs (what to type)
    spec: FieldSpec | None = None
    points: float | None = None
    printer: Callable[[int], str] | None = field(default=None, repr=False, compare=False)

    @property
    def letter(self) -> str:
        return col_letters(self.col)

    def formula(self, row: int) -> str:
        """The formula text (without '=') of this column's cell in ``row``."""
        return self.printer(row)


@dataclass
class SheetPlan:
    name: str
    title: str
    subtitle: str
    first: int
    last: int
    columns: list[Column] = field(default_factory=list)
    freeze: str = "C5"

    def add(self, column: Column) -> Column:
        column.col = len(self.columns) + 1
        self.columns.append(column)
        return column

    def find(self, role: str, key: str = "") -> Column | None:
        for c in self.columns:
            if c.role == role and (c.key == key or not key and c.role != "field"):
                return c
        return None

    def get(self, role: str, key: str = "") -> Column:
        c = self.find(role, key)
        if c is None:
            raise TemplateError(f"sheet {self.name} has no {role} column {key!r}")
        return c

    @property
    def rows(self) -> int:
        return self.last - self.first + 1


class _ColumnRange(Expr):
    """The whole measure column of an indicator (GRID_RANK_DECAY's `values`)."""

    def __init__(self, key):
        self.key = key

    def to_excel(self, refs):
        return refs.column("measure", self.key)

def period_text(period: str | None, scheme: Scheme) -> str:
    """2026-11 -> 2026年11月 (as bulletins and history name periods); blank -> a line to fill in by hand."""
    if not period:
        return {"monthly": "____年__月", "quarterly": "____年第__季度", "annual": "____年度",
                "yearly": "____年度", "half-yearly": "____年__半年"}.get(scheme.period, "________")
    return named_period(unicodedata.normalize("NFKC", str(period)).strip())

def _pts(x: float) -> str:
    return format_number(float(x), 2)


class Plan:
    """Where everything goes, and the formula of every formula cell."""

    def __init__(self, scheme: Scheme, formulas: str = "native", unit_rows: int = DEFAULT_ROWS,
                 subunit_rows: int | None = None, period: str | None = None, marks: bool = True,
                 shares: bool = True):
        if formulas not in MODES:
            raise TemplateError(f"--formulas must be one of {', '.join(MODES)}, got {formulas!r}")
        if unit_rows < 1:
            raise TemplateError("a template needs at least one unit row")
        self.scheme = scheme
        self.mode = formulas
        self.marks = marks  # 输入有误 in the cells an invalid input reaches (False: as gridxl wrote them before)
        self.shares = marks and shares  # … and where a numerator is above its denominator (False: as written before)
        self.period = period or ""
        self.period_text = period_text(period, scheme)
        self.compiled = scheme.compiled()
        # a grade column when the scheme has grade bands or flags that force a grade (as `gridxl score`)
        self.has_grade = bool(scheme.grades) or any(f.grade for f in scheme.flags)
        self.has_subunits = bool(scheme.subunit) and (
            any(i.per_subunit for i in scheme.indicators) or bool(scheme.subunit_fields()))
        if subunit_rows is None:
            subunit_rows = max(unit_rows * DEFAULT_SUBUNITS_PER_UNIT, 100)
        self.unit_rows = unit_rows
        self.subunit_rows = subunit_rows if self.has_subunits else 0
        last = FIRST_ROW + unit_rows - 1
        title = scheme.title or scheme.name
        who = f"考核对象：{scheme.unit}"
        self.input = SheetPlan(INPUT, f"{scheme.name}——数据录入表（{self.period_text}）",
                               f"{who}　　考核期：{self.period_text}　　白色单元格填写，灰色单元格自动生成，请勿改动。",
                               FIRST_ROW, last)
        self.grid = None
        if self.has_subunits:
            self.grid = SheetPlan(f"{scheme.subunit}录入", f"{scheme.name}——{scheme.subunit}数据录入表（{self.period_text}）",
                                  f"每个{scheme.subunit}一行；所属{scheme.unit}须与“{INPUT}”表中的名称一致。"
                                  f"灰色列为按{scheme.subunit}自动计算的得分。",
                                  FIRST_ROW, FIRST_ROW + self.subunit_rows - 1, freeze="D5")
        self.score = SheetPlan(SCORE, f"{title}（{self.period_text}）",
                               f"{who}　　满分：{_pts(scheme.total_points)}分　　本表全部由公式自动计算，请勿改动。",
                               FIRST_ROW, last)
        self.summary = SheetPlan(SUMMARY, f"{scheme.name}——排名汇总（{self.period_text}）",
                                 "按总分从高到低排列，同分同名次；低于该项满分的得分以红色标出。", FIRST_ROW, last)
        self._input_columns()
        if self.grid is not None:
            self._grid_columns()
        self._score_columns()
        self._summary_columns()
        for sheet in self.sheets():
            for c in sheet.columns:
                if c.tree is not None:
                    c.printer = self._printer(sheet, c)

    # -- references ---------------------------------------------------------------------
    def sheets(self) -> list[SheetPlan]:
        return [s for s in (self.input, self.grid, self.score, self.summary) if s is not None]

    @staticmethod
    def cell(target: SheetPlan, column: Column, row: int, home: SheetPlan) -> str:
        ref = f"{column.letter}{row}"
        return ref if target is home else f"{quote_sheet(target.name)}!{ref}"

    @staticmethod
    def span(target: SheetPlan, column: Column, home: SheetPlan, fixed_col=True) -> str:
        d = "$" if fixed_col else ""
        ref = f"{d}{column.letter}${target.first}:{d}{column.letter}${target.last}"
        return ref if target is home else f"{quote_sheet(target.name)}!{ref}"

    def _level_sheets(self, level: str):
        """(sheet holding the fields, sheet holding the scores) of a level."""
        if level == "subunit":
            return self.grid, self.grid
        return self.input, self.score

    def _printer(self, sheet: SheetPlan, column: Column) -> Callable[[int], str]:
        """Row -> formula text: the tree printed once with a row marker, the row put in per cell."""
        text = column.tree.to_excel(self.refs("subunit" if sheet is self.grid else "unit", _ROW, sheet))
        if _ROW not in text:
            return lambda row: text
        return lambda row: text.replace(_ROW, str(row))

    def refs(self, level: str, row, home: SheetPlan) -> Refs:
        fields_sheet, scores_sheet = self._level_sheets(level)

        def locate(space, key):
            if space == "result":
                return self.score, self.score.get(key)
            if space in ("flag", "summary"):
                sheet = self.score if space == "flag" else self.summary
                return sheet, sheet.get(key) if space == "summary" else sheet.get(space, key)
            if space in ("subunit_field", "subunit_score"):
                if key == UNIT_KEY:
                    return self.grid, self.grid.get("unit")
                return self.grid, self.grid.get(space.split("_")[1], key)
            if space == "field":
                if key == UNIT_KEY:
                    return fields_sheet, fields_sheet.get("unit")
                if key == TOTAL_KEY and level == "unit":
                    return self.score, self.score.get("total")
                c = fields_sheet.find("field", key)
                if c is None:
                    raise TemplateError(f"{self.scheme.id}: {key!r} is not an input of the {fields_sheet.name} sheet")
                return fields_sheet, c
            if space == "score":
                c = scores_sheet.find("score", key)
                if c is None:
                    raise TemplateError(f"{self.scheme.id}: indicator {key!r} has no score column on "
                                        f"{scores_sheet.name}")
                return scores_sheet, c
            return scores_sheet, scores_sheet.get("measure", key)

        def cell(space, key):
            sheet, c = locate(space, key)
            if space == "summary":  # 汇总's row column, column-absolute
                return f"${c.letter}{row}"
            return self.cell(sheet, c, row, home)

        def column(space, key):
            sheet, c = locate(space, key)
            return self.span(sheet, c, home)

        return Refs(cell, column)

    # -- 录入 ----------------------------------------------------------------------------
    def _input_columns(self):
        s = self.input
        s.add(Column("seq", "", "序号", kind="static", number_format="0"))
        s.add(Column("unit", UNIT_KEY, self.scheme.unit, kind="input", hint="名称"))
        for f in self.scheme.unit_fields():
            s.add(Column("field", f.key, f.header, kind="input", spec=f, hint=field_hint(f),
                         number_format=field_format(f)))

    def _grid_columns(self):
        g = self.grid
        g.add(Column("seq", "", "序号", kind="static", number_format="0"))
        g.add(Column("unit", UNIT_KEY, self.input.get("unit").header, kind="input", hint="名称"))
        g.add(Column("subunit", SUBUNIT_KEY, self.scheme.subunit, kind="input", hint="名称"))
        for f in self.scheme.subunit_fields():
            g.add(Column("field", f.key, f.header, kind="input", spec=f, hint=field_hint(f),
                         number_format=field_format(f)))
        for ind in self.scheme.indicators:
            if ind.per_subunit:
                g.add(Column("score", ind.key, indicator_header(ind), group=f"按{self.scheme.subunit}得分",
                             tree=self._score_tree(ind, "subunit"), number_format="0.00",
                             points=None if ind.extra else ind.points))
        for ind in self.scheme.indicators:
            if ind.per_subunit and self._needs_measure(ind):
                g.add(Column("measure", ind.key, f"{ind.name}计算值", group="辅助列", hidden=True,
                             tree=measure_cell(self.scheme, ind.key), number_format="0.0000"))

    # -- 评分 ----------------------------------------------------------------------------
    def _score_columns(self):
        s, sch, marks = self.score, self.scheme, self.marks
        sections = {sec.key: sec for sec in sch.sections}
        s.add(Column("seq", "", "序号", kind="static", number_format="0"))
        s.add(Column("unit", UNIT_KEY, self.input.get("unit").header, tree=unit_name_cell()))
        for ind in sch.indicators:
            sec = sections.get(ind.section)
            group = "加减分" if ind.extra and sec is None else (
                f"{sec.name}（{_pts(sec.points)}分）" if sec is not None and sec.points is not None
                else sec.name if sec is not None else "")
            tree = GridAverage(ind.key, ind.digits, marks) if ind.per_subunit else self._score_tree(ind, "unit")
            s.add(Column("score", ind.key, indicator_header(ind), group=group, tree=tree,
                         number_format="0.00", points=None if ind.extra else ind.points))
        s.add(Column("total", TOTAL_KEY, f"总分\n（{_pts(sch.total_points)}分）", number_format="0.00",
                     tree=total_cell(sch, marks)))
        s.add(Column("rank", "rank", "名次", number_format="0", tree=CompetitionRank(marks=marks)))
        s.add(Column("rank_dense", "rank_dense", "中国式排名", number_format="0",
                     tree=DENSE_RANK if marks else DENSE_RANK_PLAIN))
        if self.has_grade:
            s.add(Column("grade", "grade", "等次", tree=grade_cell(sch, marks)))
        if sch.stars is not None:
            s.add(Column("stars", "stars", "星级", number_format="0", tree=stars_cell(sch, marks)))
        for flag in sch.flags:
            s.add(Column("flag", flag.key, flag.label, tree=flag_cell(sch, flag, marks)))
        for ind in sch.indicators:
            if not ind.per_subunit and self._needs_measure(ind):
                s.add(Column("measure", ind.key, f"{ind.name}计算值", group="辅助列", hidden=True,
                             tree=measure_cell(sch, ind.key), number_format="0.0000"))
        s.add(Column("ties", "ties", "同分单位数", group="辅助列", hidden=True, number_format="0", tree=Ties()))
        s.add(Column("sortkey", "sortkey", "排序键", group="辅助列", hidden=True, number_format="0",
                     tree=SortKey(s.first, marks=marks)))

    def _needs_measure(self, ind: Indicator) -> bool:
        comp = self.compiled[ind.key]
        return comp.measure is not None and any(isinstance(n, Measure) for n in comp.score.walk())

    def _score_tree(self, ind: Indicator, level: str) -> Expr:
        return score_cell(self.scheme, ind.key, self._score_body(ind, self.compiled[ind.key]), self.marks, level,
                          shares=self.shares)

    def _score_body(self, ind: Indicator, comp) -> Expr:
        if self.mode == "native":
            return comp.score
        if any(isinstance(n, Measure) for n in comp.score.walk()):
            return _swap_raw(comp.score, self._cross_unit_call(ind))
        # GRID_SCORE finds a built-in scheme by id, any other by the path of its file
        scheme_ref = self.scheme.id if is_builtin(self.scheme) else str(Path(self.scheme.path).resolve())
        args = [Text(scheme_ref), Text(ind.key)]
        args += [Score(key) if key in self.compiled else Field(key) for key in comp.inputs]
        return Func("GRID_SCORE", tuple(args))

    def _cross_unit_call(self, ind: Indicator) -> Expr:
        if not ind.rule_kind.udf:
            raise TemplateError(f"{self.scheme.id} {ind.key}: GRID_* has no function for a {ind.kind} rule "
                                f"that reads other units")
        args = [Measure(ind.key), _ColumnRange(ind.key), ind.param_expr("standard"),
                Num(float(ind.param_value("step"))), Num(float(ind.points))]
        # the optional text parameters in the registry's order (GRID_RANK_DECAY takes them so), up to the last
        # one that differs from its default; then digits
        optional = [p for p in ind.rule_kind.params if not p.required]
        texts = [(ind.param_value(p.name), p.default) for p in optional]
        last = max([i for i, (v, d) in enumerate(texts) if v != d] + [len(texts) - 1 if ind.digits != 2 else -1])
        args += [Text(str(v)) for v, _ in texts[:last + 1]]
        if ind.digits != 2:
            args.append(Num(float(ind.digits)))
        return Func(ind.rule_kind.udf, tuple(args))

    # -- 汇总 ----------------------------------------------------------------------------
    def _summary_columns(self):
        m, s = self.summary, self.score
        m.add(Column("row", "row", "评分表行", hidden=True, number_format="0", tree=SortedRow(FIRST_ROW)))
        mirrored = [("rank", "rank", "名次", "0"), ("unit", UNIT_KEY, s.get("unit").header, "General"),
                    ("total", TOTAL_KEY, s.get("total").header, "0.00")]
        if self.has_grade:
            mirrored.append(("grade", "grade", "等次", "General"))
        mirrored.append(("rank_dense", "rank_dense", "中国式排名", "0"))
        if self.scheme.stars is not None:
            mirrored.append(("stars", "stars", "星级", "0"))
        for role, key, header, fmt in mirrored:
            m.add(Column("sorted", f"{role}:{key}", header, tree=Mirror("result", role), number_format=fmt))
        for c in s.columns:
            if c.role == "score":
                m.add(Column("sorted", f"score:{c.key}", c.header, tree=Mirror("score", c.key), number_format="0.00",
                             group=c.group, points=c.points))
        for flag in self.scheme.flags:  # every result column of 评分 shows on 汇总
            m.add(Column("sorted", f"flag:{flag.key}", flag.label, tree=Mirror("flag", flag.key),
                         number_format="General"))

    def indicator_block(self) -> list[tuple[str, float, dict[str, str]]]:
        """汇总's per-indicator table: (name, points, {heading: formula}) per base indicator."""
        refs = self.refs("unit", 0, self.summary)
        return [(ind.name, ind.points, {stat: tree.to_excel(refs) for stat, tree in trees.items()})
                for ind, trees in self.indicator_trees()]

    def indicator_trees(self) -> list[tuple[Indicator, dict[str, Expr]]]:
        return [(ind, {stat: ColumnStat(stat, ind.key, ind.points) for stat in STATS})
                for ind in self.scheme.indicators if not ind.extra]

    BLOCK_HEADINGS = ("指标", "满分") + STATS

    def block_origin(self) -> tuple[int, int]:
        """(row, col) of the per-indicator table's heading row on 汇总."""
        return HEADER_ROWS, len(self.summary.columns) + 2

    # -- every formula cell ---------------------------------------------------------------
    def formula_cells(self):
        """(sheet, row, col, '=formula') for every formula cell the generator writes."""
        for sheet in self.sheets():
            for c in sheet.columns:
                if c.tree is None:
                    continue
                for r in range(sheet.first, sheet.last + 1):
                    yield sheet.name, r, c.col, "=" + c.formula(r)
        row0, col0 = self.block_origin()
        for i, (_, _, formulas) in enumerate(self.indicator_block()):
            for j, heading in enumerate(self.BLOCK_HEADINGS[2:], start=2):
                yield self.summary.name, row0 + 1 + i, col0 + j, "=" + formulas[heading]


def _swap_raw(expr: Expr, new: Expr) -> Expr:
    """The score tree with its rounded rule (inside the `when` and zero-denominator IFs) replaced."""
    if isinstance(expr, Func) and expr.name == "IF":
        return Func("IF", (expr.args[0], expr.args[1], _swap_raw(expr.args[2], new)))
    if isinstance(expr, Func) and expr.name == "ROUND":
        return new
    raise TemplateError("unexpected shape of a compiled score (expected IF…/ROUND)")


def indicator_header(ind: Indicator) -> str:
    if ind.extra:
        return f"{ind.name}\n（加减分）"
    return f"{ind.name}\n（{_pts(ind.points)}分）"


def field_hint(f: FieldSpec) -> str:
    lo, hi = f.bounds()
    if f.type == "count":
        return "整数≥0" if hi is None else f"整数{_pts(lo or 0)}～{_pts(hi)}"
    if f.type == "rate":
        return "0%～100%"
    if f.type == "flag":
        return "1是/0否"
    if f.type == "choice":
        return "/".join(f.choices)
    if f.type == "score":
        return f"{_pts(lo or 0)}～{_pts(hi)}分" if hi is not None else "分数"
    if lo is not None and hi is not None:
        return f"{_pts(lo)}～{_pts(hi)}"
    return "数字" + (f"≥{_pts(lo)}" if lo is not None else "")


def field_format(f: FieldSpec) -> str:
    return {"count": "0", "rate": "0.00%", "flag": "0", "score": "0.00", "choice": "@"}.get(f.type, "General")

def _num(x: float) -> str:
    return format_number(float(x), 10)


def is_builtin(scheme: Scheme) -> bool:
    p = builtin_paths().get(scheme.id)
    return p is not None and Path(scheme.path).resolve() == p.resolve()
