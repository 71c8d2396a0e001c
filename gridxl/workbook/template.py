"""Template workbooks a clerk fills in, which score themselves.

``build_template(scheme, output, …)`` writes an xlsx with the sheets a clerk
recognises from the seed tables:

* 说明 — the scheme, the period, how to fill in, every indicator's rule text;
* 录入 — one row per unit, one column per input field (Chinese label and unit,
  data validation with Chinese input messages);
* 〈网格〉录入 — for schemes that score each grid and average (``per_subunit``):
  one row per grid, its inputs and its per-grid scores;
* 评分 — one column per indicator (grouped under their sections, points in
  the headers), total, rank (RANK), 中国式排名 (SUMPRODUCT/COUNTIF), grade,
  stars and flags where the scheme has them;
* 汇总 — the ranking sorted by formulas that Excel 2010 evaluates (SMALL on a
  rank-and-row key, INDEX), below-full-marks highlighted, how many units
  fall short on each indicator, and a bar chart of the totals;
* _gridxl — hidden: what gridxl needs to read the file back (scheme, mode,
  rows, units, and which column holds which field or indicator).

No rule's formula is written here: every score cell is
``scheme.compiled()[key].score.to_excel(refs)`` (native) or a ``GRID_SCORE``
call (``formulas="udf"``), behind a guard that leaves the cell empty until
the row's inputs are there.  :class:`Plan` lays the workbook out and knows
the formula of every cell; the writer styles it with openpyxl, and the
formula cells then get computed values (see :mod:`.recalc`) so that viewers
which do not calculate show numbers too.
"""
from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gridxl import __version__
from gridxl.core.excel_math import format_number
from gridxl.core.expr import Expr, Field, Func, Measure, Num, Refs, Score, Text
from gridxl.core.cells import (GridAverage, flag_cell, grade_cell, measure_cell, score_cell, stars_cell, total_cell,
                               unit_name_cell)
from gridxl.core.ranks import DENSE_RANK, DENSE_RANK_PLAIN, SORT_BASE, CompetitionRank, SortKey, Ties
from gridxl.core.summary import STATS, ColumnStat, Mirror, SortedRow
from gridxl.core.scheme import SUBUNIT_KEY, TOTAL_KEY, UNIT_KEY, FieldSpec, Indicator, Scheme
from gridxl.engine import recalculate
from gridxl.engine.cached_values import Package, col_letters, write_cached_values
from gridxl.engine.references import quote_sheet
from gridxl.workbook.clerk_text import clerk_text, condition_text
from gridxl.workbook.limits import LimitError, check_layout_bounds, layout_column, layout_number
from gridxl.workbook.print_layout import PagePlan, apply_page_setup, fit_text_rows, layout_table_sheet
from gridxl.io.periods import period_text as named
from gridxl.io.sheet_text import formula_cell, seal_text

FIRST_ROW = 5
HEADER_ROWS = 4
INFO, INPUT, SCORE, SUMMARY, META = "说明", "录入", "评分", "汇总", "_gridxl"
DEFAULT_ROWS = 30
MAX_UNIT_ROWS = 20_000  # a template's units (recalc and check measured at 10,000)
MAX_SUBUNIT_ROWS = 200_000  # ten grids per unit by default
DEFAULT_SUBUNITS_PER_UNIT = 10
MODES = ("native", "udf")


_ROW = "\x00"  # the row in a formula printed once for a whole column


class TemplateError(ValueError):
    """The template cannot be made as asked (message says why)."""


# =============================================================================
# Layout
# =============================================================================
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
    return named(unicodedata.normalize("NFKC", str(period)).strip())


def scheme_digest(scheme: Scheme) -> str:
    try:
        return hashlib.sha256(Path(scheme.path).read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


def _pts(x: float) -> str:
    return format_number(float(x), 2)


class Plan:
    """Where everything goes, and the formula of every formula cell."""

    def __init__(self, scheme: Scheme, formulas: str = "native", unit_rows: int = DEFAULT_ROWS,
                 subunit_rows: int | None = None, period: str | None = None, marks: bool = True):
        if formulas not in MODES:
            raise TemplateError(f"--formulas must be one of {', '.join(MODES)}, got {formulas!r}")
        if unit_rows < 1:
            raise TemplateError("a template needs at least one unit row")
        self.scheme = scheme
        self.mode = formulas
        self.marks = marks  # 输入有误 in the cells an invalid input reaches (False: as gridxl wrote them before)
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
                          shares=False)

    def _score_body(self, ind: Indicator, comp) -> Expr:
        if self.mode == "native":
            return comp.score
        if any(isinstance(n, Measure) for n in comp.score.walk()):
            return _swap_raw(comp.score, self._cross_unit_call(ind))
        # GRID_SCORE finds a built-in scheme by id, any other by the path of its file
        scheme_ref = self.scheme.id if _is_builtin(self.scheme) else str(Path(self.scheme.path).resolve())
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


def field_validation(f: FieldSpec) -> dict:
    """openpyxl DataValidation keywords for an input field, with the Chinese messages."""
    lo, hi = f.bounds()
    unit = f"（单位：{f.unit}）" if f.unit and f.unit != "%" else ""
    extra = f"\n{f.help}" if f.help else ""
    if f.type == "choice":
        listed = ",".join(f.choices)
        return dict(type="list", formula1=f'"{listed}"', prompt=f"请从下拉列表中选择：{'、'.join(f.choices)}。{extra}",
                    error=f"只能选择：{'、'.join(f.choices)}。")
    if f.type == "flag":
        return dict(type="whole", operator="between", formula1="0", formula2="1",
                    prompt=f"请输入 1（是）或 0（否）。{extra}", error="只能输入 1（是）或 0（否）。")
    kind = "whole" if f.type == "count" else "decimal"
    what = "整数" if f.type == "count" else "比率" if f.type == "rate" else "分数" if f.type == "score" else "数字"
    if f.type == "rate":
        lo, hi = (0.0 if lo is None else lo), (1.0 if hi is None else hi)
        text = f"请输入 {_pts(lo * 100)}%～{_pts(hi * 100)}% 之间的{what}，例如 95%。"
    elif lo is not None and hi is not None:
        text = f"请输入 {_pts(lo)}～{_pts(hi)} 之间的{what}{unit}。"
    elif lo is not None:
        text = f"请输入不小于 {_pts(lo)} 的{what}{unit}。"
    elif hi is not None:
        text = f"请输入不大于 {_pts(hi)} 的{what}{unit}。"
    else:
        text = f"请输入{what}{unit}。"
    if lo is not None and hi is not None:
        rule = dict(operator="between", formula1=_num(lo), formula2=_num(hi))
    elif lo is not None:
        rule = dict(operator="greaterThanOrEqual", formula1=_num(lo))
    elif hi is not None:
        rule = dict(operator="lessThanOrEqual", formula1=_num(hi))
    else:
        rule = dict(operator="between", formula1="-1E+300", formula2="1E+300")
    return dict(type=kind, **rule, prompt=text + extra, error="输入无效：" + text)


def _num(x: float) -> str:
    return format_number(float(x), 10)


# =============================================================================
# The marker (_gridxl sheet)
# =============================================================================
@dataclass
class Layout:
    """What gridxl wrote into a template about itself, read back from its _gridxl sheet."""

    scheme: str
    scheme_file: str
    scheme_digest: str
    version: str
    formulas: str
    period: str
    unit_rows: int
    subunit_rows: int
    units: list[str]
    columns: dict[tuple[str, str, str], int]  # (sheet, role, key) -> column number
    sheet_rows: dict[str, tuple[int, int]]  # sheet -> (first, last) data row

    def column(self, sheet: str, role: str, key: str) -> int | None:
        return self.columns.get((sheet, role, key))


META_KEYS = ("gridxl", "scheme", "scheme_file", "scheme_digest", "formulas", "period", "unit_rows", "subunit_rows")


def meta_rows(plan: Plan, units: list[str] | None) -> list[list]:
    s = plan.scheme
    builtin = _is_builtin(s)
    rows = [["gridxl", __version__, "本表供 gridxl 读取（recalc / check / score），请勿修改或删除。"],
            ["scheme", s.id, s.name],
            ["scheme_file", "" if builtin else str(Path(s.path).resolve()), "内置方案" if builtin else "方案文件"],
            ["scheme_digest", scheme_digest(s), "方案文件 SHA-256（前16位）"],
            ["formulas", plan.mode, "native：原生公式；udf：GRID_* 自定义函数"],
            ["period", plan.period, plan.period_text],
            ["unit_rows", plan.unit_rows, ""],
            ["subunit_rows", plan.subunit_rows, ""],
            [],
            ["sheet", "column", "role", "key", "first_row", "last_row", "header"]]
    for sheet in plan.sheets():
        for c in sheet.columns:
            rows.append([sheet.name, c.letter, c.role, c.key, sheet.first, sheet.last, c.header.replace("\n", "")])
    rows.append([])
    rows.append(["units", len(units or [])])
    for u in units or []:
        rows.append(["unit", u])
    return rows


def _is_builtin(scheme: Scheme) -> bool:
    from gridxl.core.catalog import builtin_paths
    p = builtin_paths().get(scheme.id)
    return p is not None and Path(scheme.path).resolve() == p.resolve()


def read_layout(pkg: Package) -> Layout | None:
    """The layout recorded in a template, or None when the file has no _gridxl sheet.

    Every number is checked against the cells the workbook holds (a TemplateError names the damage).
    """
    try:
        layout = _read_layout(pkg)
        if layout is not None:
            check_layout_bounds(layout, pkg, META)  # a tampered unit_rows = 1000000 must not run for minutes
    except LimitError as exc:
        raise TemplateError(str(exc)) from None
    return layout


def _read_layout(pkg: Package) -> Layout | None:
    if META not in pkg.sheet_names:
        return None
    values = pkg.cells(META).values()
    rows: dict[int, dict[int, object]] = {}
    for (r, c), v in values.items():
        rows.setdefault(r, {})[c] = v
    meta = {}
    rows_of: dict[int, str] = {}
    columns: dict[tuple[str, str, str], int] = {}
    sheet_rows = {}
    units = []
    table = False
    for r in sorted(rows):
        row = rows[r]
        first = row.get(1)
        if first == "sheet" and row.get(2) == "column":
            table = True
            continue
        if first == "units":
            table = False
            continue
        if first == "unit" and not table:
            units.append("" if row.get(2) is None else str(row.get(2)))
            continue
        if table and first is not None and row.get(2):
            key = "" if row.get(4) is None else str(row.get(4))
            columns[(str(first), str(row.get(3)), key)] = layout_column(pkg, r, row.get(2))
            sheet_rows[str(first)] = (layout_number(pkg, r, 5, row.get(5)), layout_number(pkg, r, 6, row.get(6)))
        elif not table and first in META_KEYS:
            meta[first] = row.get(2)
            rows_of[r] = first
    if "scheme" not in meta:
        return None

    def text(k):
        v = meta.get(k)
        return "" if v is None else (format_number(v, 0) if isinstance(v, float) else str(v))
    def rows(k):
        r = next((r for r in sorted(rows_of) if rows_of[r] == k), 0)
        return layout_number(pkg, r, 2, meta.get(k) or 0)
    return Layout(scheme=text("scheme"), scheme_file=text("scheme_file"), scheme_digest=text("scheme_digest"),
                  version=text("gridxl"), formulas=text("formulas") or "native", period=text("period"),
                  unit_rows=rows("unit_rows"), subunit_rows=rows("subunit_rows"),
                  units=units, columns=columns, sheet_rows=sheet_rows)


def read_unit_names(path: str | Path) -> list[str]:
    """Unit names from a .txt (one per line) or the unit column of a .csv/.xlsx (else its first column)."""
    from gridxl.io import inputs

    p = Path(path)
    if p.suffix.lower() == ".txt":
        if not p.exists():
            raise inputs.InputError(f"{p}: no such file")
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = p.read_text(encoding="gb18030", errors="replace")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # not splitlines(): \x0b is no line end
        return [unicodedata.normalize("NFKC", line).strip() for line in lines if line.strip()]
    raw, _ = inputs.read_raw(p)
    heads = {inputs.normalise_header(h) for h in inputs.UNIT_HEADERS}
    col, start = 0, 0
    if len(raw):
        first = [inputs.normalise_header(c) if isinstance(c, str) else "" for c in raw.iloc[0].tolist()]
        for j, h in enumerate(first):
            if h in heads:
                col, start = j, 1
                break
    out = []
    for v in raw.iloc[start:, col].tolist() if len(raw) else []:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        name = unicodedata.normalize("NFKC", str(v)).strip()
        if name:
            out.append(name)
    return out


def scheme_of(layout: Layout, override: str | None = None) -> Scheme:
    """The scheme a template was made with (a built-in by id, or the recorded file), or ``override``."""
    from gridxl.core.catalog import get_scheme
    if override:
        return get_scheme(override)
    recorded = Path(layout.scheme_file) if layout.scheme_file else None
    if recorded is not None and recorded.suffix.lower() == ".toml" and recorded.is_file():  # never another kind of file
        return get_scheme(str(recorded))
    return get_scheme(layout.scheme)


def plan_of(layout: Layout, scheme: Scheme, marks: bool = True) -> Plan:
    """The plan a template was made with; ``marks=False``: its formulas as gridxl wrote them before 输入有误."""
    return Plan(scheme, layout.formulas, layout.unit_rows, layout.subunit_rows or None, layout.period or None, marks)


# =============================================================================
# Writing the workbook
# =============================================================================
def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _styles():
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    grey = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
    head = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    font = "宋体"
    out = {}

    def style(name, **kw):
        st = NamedStyle(name=name)
        st.font = kw.get("font", Font(name=font, size=11))
        st.border = kw.get("border", border)
        st.alignment = kw.get("alignment", Alignment(vertical="center"))
        if "fill" in kw:
            st.fill = kw["fill"]
        st.number_format = kw.get("number_format", "General")
        st.protection = Protection(locked=kw.get("locked", True))
        out[name] = st

    style("gx_title", font=Font(name=font, size=16, bold=True), border=Border(),
          alignment=Alignment(horizontal="center", vertical="center"))
    style("gx_title_left", font=Font(name=font, size=16, bold=True), border=Border(),
          alignment=Alignment(horizontal="left", vertical="center"))
    style("gx_subtitle", font=Font(name=font, size=10, color="555555"), border=Border(),
          alignment=Alignment(horizontal="left", vertical="center"))
    style("gx_head", font=Font(name=font, size=10, bold=True), fill=head, alignment=centre)
    style("gx_hint", font=Font(name=font, size=9, italic=True, color="666666"), alignment=centre)
    style("gx_text", font=Font(name=font, size=10), border=Border(),
          alignment=Alignment(vertical="top", wrap_text=True))
    style("gx_cell", font=Font(name=font, size=10), alignment=Alignment(vertical="top", wrap_text=True))
    for fmt, suffix in (("General", "general"), ("0", "int"), ("0.00", "2dp"), ("0.00%", "pct"),
                        ("0.0000", "4dp"), ("@", "text")):
        style(f"gx_in_{suffix}", number_format=fmt, locked=False,
              alignment=Alignment(horizontal="left" if fmt in ("General", "@") else "right", vertical="center"))
        style(f"gx_f_{suffix}", number_format=fmt, fill=grey,
              alignment=Alignment(horizontal="center", vertical="center"))
    return out


_SUFFIX = {"General": "general", "0": "int", "0.00": "2dp", "0.00%": "pct", "0.0000": "4dp", "@": "text"}


def column_width(c: Column, values: list | None = None) -> float:
    """A width that fits the column's label (wrapped onto up to three lines for inputs) and names."""
    lines = [display_width(line) for line in c.header.split("\n")]
    if c.role == "seq":
        return 6
    if c.role in ("unit", "subunit") or c.key.startswith(("unit:", "subunit:")):
        names = [display_width(v) for v in values or [] if v]
        return min(max([max(lines) + 2, 10] + [n + 2 for n in names]), 24)
    if c.kind == "input":
        return min(max(math.ceil(sum(lines) / 3) + 3, 9), 16)
    return min(max(max(lines) + 2, 8), 14)


def _style_name(column: Column) -> str:
    prefix = "gx_in_" if column.kind == "input" else "gx_f_"
    return prefix + _SUFFIX.get(column.number_format, "general")


def _merge(ws, r1, c1, r2, c2, value, style):
    cell = ws.cell(row=r1, column=c1, value=value)
    cell.style = style
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (r1, c1):
                ws.cell(row=r, column=c).style = style
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


WIDE = 20  # more visible columns than this print across several pages, names repeated on each


def _protect(ws):
    """Protected without a password: locked (formula) cells cannot be typed over, widths can change."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _write_table(ws, sheet: SheetPlan, prefill: dict[str, list] | None = None, layout: bool = True):
    """Title, header rows, data rows, validation, widths, print setup of one table sheet."""
    from openpyxl.worksheet.datavalidation import DataValidation

    ncol = len(sheet.columns)
    visible_last = max(c.col for c in sheet.columns if not c.hidden)
    # titles: merged over the first printed page's width by the page layout (print_layout)
    ws.cell(row=1, column=1, value=sheet.title).style = "gx_title" if visible_last <= WIDE else "gx_title_left"
    ws.cell(row=2, column=1, value=sheet.subtitle).style = "gx_subtitle"
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 20
    # header rows: a group over its columns (row 3) or the header over both rows
    i = 0
    while i < ncol:
        c = sheet.columns[i]
        if c.group:
            j = i
            while j + 1 < ncol and sheet.columns[j + 1].group == c.group:
                j += 1
            _merge(ws, 3, c.col, 3, sheet.columns[j].col, c.group, "gx_head")
            for k in range(i, j + 1):
                ws.cell(row=4, column=sheet.columns[k].col, value=sheet.columns[k].header).style = "gx_head"
            i = j + 1
            continue
        if c.kind == "input":
            ws.cell(row=3, column=c.col, value=c.hint).style = "gx_hint"
            ws.cell(row=4, column=c.col, value=c.header).style = "gx_head"
        else:
            _merge(ws, 3, c.col, 4, c.col, c.header, "gx_head")
        i += 1
    prefill = prefill or {}
    for c in sheet.columns:
        style = _style_name(c)
        values = prefill.get(c.key if c.role != "unit" else UNIT_KEY) if c.kind == "input" else None
        for n, r in enumerate(range(sheet.first, sheet.last + 1)):
            if c.kind == "static":
                value = n + 1
            elif c.kind == "input":
                value = values[n] if values is not None and n < len(values) else None
            else:
                formula_cell(ws, r, c.col, c.formula(r)).style = style
                continue
            cell = ws.cell(row=r, column=c.col, value=value)  # text stays text: seal_text(wb)
            cell.style = style
    # validation with Chinese input messages
    for c in sheet.columns:
        if c.kind != "input":
            continue
        if c.role == "field":
            kw = field_validation(c.spec)
            prompt, error = kw.pop("prompt"), kw.pop("error")
            title = c.spec.label[:32]
        elif c.role == "unit" and sheet.name == INPUT:
            kw = dict(type="custom", formula1=f"COUNTIF(${c.letter}${sheet.first}:${c.letter}${sheet.last},"
                                               f"{c.letter}{sheet.first})<=1")
            prompt, error, title = "请输入名称，每行一个，不要重复。", "名称重复：每个单位只填一行。", c.header[:32]
        elif c.role == "unit":
            continue  # a grid's unit: a list of the unit sheet's names (_grid_unit_validation)
        else:
            kw = dict(type="textLength", operator="lessThanOrEqual", formula1="100")
            prompt, error, title = "请输入名称。", "名称过长。", c.header[:32]
        dv = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=True,
                            promptTitle=title, prompt=prompt[:255], errorTitle="输入有误", error=error[:255], **kw)
        dv.add(f"{c.letter}{sheet.first}:{c.letter}{sheet.last}")
        ws.add_data_validation(dv)
    # widths that fit the labels
    for c in sheet.columns:
        letter = c.letter
        if c.hidden:
            ws.column_dimensions[letter].hidden = True
        width = column_width(c, prefill.get(c.key if c.role != "unit" else UNIT_KEY))
        ws.column_dimensions[letter].width = width
    # header row heights: print_layout.fit_header_rows
    ws.freeze_panes = sheet.freeze
    if layout:
        layout_table_sheet(ws, sheet, _name_col(sheet))
    _protect(ws)


def _name_col(sheet: SheetPlan) -> int:
    """The last of the columns that name the row (序号, unit, grid): they repeat on every printed page."""
    return max(c.col for c in sheet.columns if c.role in ("unit", "subunit") or c.key.startswith("unit:"))


def _grid_unit_validation(ws, plan: Plan):
    from openpyxl.worksheet.datavalidation import DataValidation

    g = plan.grid
    c = g.get("unit")
    units = f"{quote_sheet(INPUT)}!${plan.input.get('unit').letter}${plan.input.first}:" \
            f"${plan.input.get('unit').letter}${plan.input.last}"
    dv = DataValidation(type="list", formula1=units, allow_blank=True, showInputMessage=True, showErrorMessage=True,
                        promptTitle=c.header[:32], prompt=f"请选择所属{plan.scheme.unit}（取自“{INPUT}”表）。",
                        errorTitle="输入有误", error=f"所属{plan.scheme.unit}须是“{INPUT}”表中已填的名称。")
    dv.add(f"{c.letter}{g.first}:{c.letter}{g.last}")
    ws.add_data_validation(dv)


def _write_summary(ws, plan: Plan):
    from openpyxl.chart import BarChart, Reference
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    m = plan.summary
    _write_table(ws, m, layout=False)
    red = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
    for c in m.columns:
        if c.role == "sorted" and c.points is not None:
            ws.conditional_formatting.add(f"{c.letter}{m.first}:{c.letter}{m.last}",
                                          CellIsRule(operator="lessThan", formula=[_num(c.points)], fill=red,
                                                     font=Font(color="9C0006")))
    row0, col0 = plan.block_origin()
    _merge(ws, row0 - 1, col0, row0 - 1, col0 + len(plan.BLOCK_HEADINGS) - 1, "各项指标完成情况", "gx_head")
    ws.column_dimensions[col_letters(col0 - 1)].width = 2  # the gap before the block
    for j, heading in enumerate(plan.BLOCK_HEADINGS):
        ws.cell(row=row0, column=col0 + j, value=heading).style = "gx_head"
        ws.column_dimensions[col_letters(col0 + j)].width = BLOCK_WIDTHS[0] if j == 0 else BLOCK_WIDTHS[1]
    block = plan.indicator_block()
    for i, (name, points, formulas) in enumerate(block):
        r = row0 + 1 + i
        ws.cell(row=r, column=col0, value=name).style = "gx_f_general"
        ws.cell(row=r, column=col0 + 1, value=float(points)).style = "gx_f_2dp"
        for j, heading in enumerate(plan.BLOCK_HEADINGS[2:], start=2):
            formula_cell(ws, r, col0 + j, formulas[heading]).style = "gx_f_int" if "单位数" in heading else "gx_f_2dp"
    chart = BarChart()
    chart.type = "col"
    chart.title = "总分"
    chart.y_axis.title = "总分"
    chart.legend = None
    total = m.get("sorted", f"total:{TOTAL_KEY}")
    unit = m.get("sorted", f"unit:{UNIT_KEY}")
    chart.add_data(Reference(ws, min_col=total.col, min_row=m.first, max_row=m.last), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=unit.col, min_row=m.first, max_row=m.last))
    # the chart sits under the indicator table, as wide as it, on the page the two print on
    block_px = sum(7 * ws.column_dimensions[col_letters(col0 + j)].width + 5 for j in range(len(plan.BLOCK_HEADINGS)))
    chart.width = block_px / 96 * 2.54
    chart.height = CHART_ROWS * 20 / 96 * 2.54
    chart_row = row0 + len(block) + 3
    ws.add_chart(chart, f"{col_letters(col0)}{chart_row}")
    block_cols = list(range(col0 - 1, col0 + len(plan.BLOCK_HEADINGS)))
    layout_table_sheet(ws, m, _name_col(m), own_pages=[block_cols], last_row=chart_row + CHART_ROWS)


BLOCK_WIDTHS = (20, 11)  # 指标 and the figure columns of 汇总's indicator table
CHART_ROWS = 18  # the chart's height in default rows (20 px)


def _write_info(ws, plan: Plan):

    s = plan.scheme
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90
    rows: list[tuple[str, str]] = [
        ("方案", s.name), ("依据", clerk_text(s.source)), ("考核对象", s.unit + (f"（按{s.subunit}计分后取平均）"
                                                                       if plan.has_subunits else "")),
        ("考核期", plan.period_text), ("满分", f"{_pts(s.total_points)}分"), ("说明", clerk_text(s.description)),
        ("", ""),
        ("填表步骤", f"1. 在“{INPUT}”表逐行填写各{s.unit}的名称和数据（白色单元格）；鼠标停在单元格上可看到填写要求。"),
        ("", (f"2. 在“{plan.grid.name}”表逐个{s.subunit}填写，所属{s.unit}从下拉列表选择。\n"
              if plan.grid is not None else "") +
         f"{'3' if plan.grid is not None else '2'}. “{SCORE}”表自动计算各项得分、总分和排名；“{SUMMARY}”表按名次排列并作图。"),
        ("", "灰色单元格是公式，工作表已保护（无密码），防止误改；如确需修改，可在“审阅—撤消工作表保护”。"),
        ("", "填写完成后保存文件，交负责汇总的同志检查并导出得分。"),
        ("公式", "Excel 2010 及以上、WPS、LibreOffice 打开即自动计算" if plan.mode == "native"
         else "需加载本系统的 Excel 加载项后计算"),
        ("", ""),
    ]
    ws.cell(row=1, column=1, value=f"{s.name}——填表说明").style = "gx_title"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    r = 3
    for a, b in rows:
        ws.cell(row=r, column=1, value=a or None).style = "gx_text"
        ws.cell(row=r, column=2, value=b or None).style = "gx_text"
        r += 1
    ws.cell(row=r, column=1, value="考核指标").style = "gx_head"
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    r += 1
    for n, ind in enumerate(s.indicators, 1):
        head = f"{n}. {ind.name}（{'加减分' if ind.extra else _pts(ind.points) + '分'}）"
        body = clerk_text(ind.rule, s) or "（原文未给出计分方法，由检查组打分）"
        if ind.per_subunit:
            body += f"\n按{s.subunit}计分后取平均。"
        ws.cell(row=r, column=1, value=head).style = "gx_cell"
        ws.cell(row=r, column=2, value=body).style = "gx_cell"
        r += 1
    if s.grades:
        ws.cell(row=r, column=1, value="等次").style = "gx_cell"
        ws.cell(row=r, column=2, value="；".join(f"{g.label} {g.band_text}" for g in s.grades)).style = "gx_cell"
        r += 1
    for f in s.flags:
        ws.cell(row=r, column=1, value=f.label).style = "gx_cell"
        ws.cell(row=r, column=2, value=f"条件：{condition_text(f.condition, s)}" +
                (f"（等次定为{f.grade}）" if f.grade else "")).style = "gx_cell"
        r += 1
    printed_last = r - 1
    if s.ambiguities:  # notes for whoever maintains the scheme: on the sheet, below what prints
        r += 1
        ws.cell(row=r, column=1, value="方案口径说明（供维护考核方案的同志参考，不打印）").style = "gx_head"
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        r += 1
        for text in s.ambiguities:
            ws.cell(row=r, column=2, value=clerk_text(text, s)).style = "gx_cell"
            r += 1
    fit_text_rows(ws, range(3, r), [1, 2])
    apply_page_setup(ws, PagePlan("portrait", 1, 0, 100, [], 2), f"A1:B{printed_last}")
    _protect(ws)


def _column_values(frame, keys, specs) -> dict[str, list]:
    out = {}
    for key in keys:
        if frame is None or key not in frame.columns:
            continue
        spec = specs.get(key)
        values = []
        for v in frame[key].tolist():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                values.append(None)
            elif isinstance(v, (str, bool)):  # as typed (a refreshed template keeps text and TRUE/FALSE)
                values.append(v)
            else:
                x = float(v)
                values.append(int(x) if x.is_integer() and (spec is None or spec.type in ("count", "flag"))
                              else x)
        out[key] = values
    return out


def workbook(plan: Plan, units: list[str] | None = None, data=None, subunits=None):
    """The openpyxl workbook of a plan (formula cells without values yet)."""
    import openpyxl

    wb = openpyxl.Workbook()
    for st in _styles().values():
        wb.add_named_style(st)
    specs = {f.key: f for f in plan.scheme.fields}
    info = wb.active
    info.title = INFO
    _write_info(info, plan)
    keys = [UNIT_KEY] + [f.key for f in plan.scheme.unit_fields()]
    prefill = _column_values(data, keys, specs) if data is not None else {}
    if units and UNIT_KEY not in prefill:
        prefill[UNIT_KEY] = list(units)
    from gridxl.workbook.input_marks import mark_invalid_inputs

    _write_table(ws := wb.create_sheet(INPUT), plan.input, prefill)
    mark_invalid_inputs(ws, plan, plan.input)
    if plan.grid is not None:
        ws = wb.create_sheet(plan.grid.name)
        sub_keys = [UNIT_KEY, SUBUNIT_KEY] + [f.key for f in plan.scheme.subunit_fields()]
        _write_table(ws, plan.grid, _column_values(subunits, sub_keys, specs) if subunits is not None else {})
        _grid_unit_validation(ws, plan)
        mark_invalid_inputs(ws, plan, plan.grid)
    _write_table(wb.create_sheet(SCORE), plan.score)
    _write_summary(wb.create_sheet(SUMMARY), plan)
    meta = wb.create_sheet(META)
    for row in meta_rows(plan, units):
        meta.append(row)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 1
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == INPUT
    seal_text(wb)  # only formula_cell() writes formulas: every label, name and option is a string cell
    return wb


def build_template(scheme: Scheme, output: str | Path, *, formulas: str = "native", units: list[str] | None = None,
                   rows: int | None = None, data=None, subunits=None, subunit_rows: int | None = None,
                   period: str | None = None, inputs=(), progress: Callable[[str], None] | None = None) -> Plan:
    """Write the template of ``scheme`` to ``output`` (atomically; never over one of ``inputs``).

    ``data``/``subunits``: frames from :func:`gridxl.io.inputs.read_table` to prefill the inputs;
    ``units``: unit names for blank rows; ``rows``: how many unit rows (default: the units, or 30);
    ``progress``: called with the name of each stage as it starts (gridxl.progress.Stages).
    """
    from gridxl.io.outputs import refuse_overwrite

    from gridxl.io.sheet_text import check_frame_texts, check_text, check_texts

    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise TemplateError(f"{output}: a template is an .xlsx file")
    refuse_overwrite(output, inputs)
    check_text(period, "--period")  # text a workbook cannot hold is refused before anything is written
    check_texts(units or [], "unit name")
    for frame, what in ((data, "--data"), (subunits, "--subunits")):
        if frame is not None:
            check_frame_texts(frame, what)
    if data is not None:
        units = [str(u) for u in data[UNIT_KEY].tolist()]
    if units is not None:
        dup = sorted({u for u in units if units.count(u) > 1})
        if dup:
            raise TemplateError(f"unit name(s) listed twice: {', '.join(dup)}")
    n = rows if rows is not None else (len(units) if units else DEFAULT_ROWS)
    if subunit_rows is not None and subunit_rows < 1:
        raise TemplateError(f"--subunit-rows {subunit_rows}: must be at least 1")
    for what, count, limit in (("unit rows", n, MAX_UNIT_ROWS), ("grid rows", subunit_rows or 0, MAX_SUBUNIT_ROWS)):
        if count > limit:
            raise TemplateError(f"{count:,} {what}: a template holds at most {limit:,} (split the units over "
                                f"several templates)")
    if units and n < len(units):
        raise TemplateError(f"--rows {n} is fewer than the {len(units)} units given")
    if subunit_rows is None and subunits is not None and len(subunits):
        subunit_rows = len(subunits)
    plan = Plan(scheme, formulas, n, subunit_rows, period)
    if subunits is not None and plan.grid is not None and len(subunits) > plan.grid.rows:
        raise TemplateError(f"--subunit-rows {plan.grid.rows} is fewer than the {len(subunits)} "
                            f"{scheme.subunit} given")
    step = progress or (lambda stage: None)
    step("布局")
    save_workbook(workbook(plan, units, data, subunits), output, step)
    return plan


def save_workbook(wb, output: Path, step=None):
    """Save the openpyxl workbook of a template with its formulas' values cached (atomically)."""
    import os

    from gridxl.io.outputs import atomic_path, new_temp_file

    step = step or (lambda stage: None)
    with atomic_path(output) as tmp:
        raw = new_temp_file(output.parent, ".xlsx")
        try:
            step("写入工作簿")
            wb.save(raw)
            step("计算公式")
            result = recalculate(raw)
            step("写入计算结果")
            write_cached_values(raw, tmp, result.values, fixed_time=True)
        finally:
            os.unlink(raw)


TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "workbook_templates"


def write_builtin_templates(folder: str | Path = TEMPLATES_DIR) -> list[Path]:
    """The blank template of every built-in scheme, as committed in workbook_templates/.

    ``python -c "from gridxl.workbook.template import write_builtin_templates as w; w()"`` refreshes them.
    """
    from gridxl.core.catalog import builtin_schemes

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for scheme in builtin_schemes():
        path = folder / f"{scheme.id}.xlsx"
        build_template(scheme, path)
        out.append(path)
    return out
