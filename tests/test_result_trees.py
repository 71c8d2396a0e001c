"""Every formula cell from a tree (issue 11, point 1) and a numerator above its denominator shown as 输入有误
(issue 12, point 1).

Oracles: the headless engine and LibreOffice computing the printed formulas, and `score` / `check` on the same
inputs; the trees' own evaluation (gridxl.core.cells, ranks, summary) must give what the sheet shows.
"""
from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from gridxl.core import get_scheme
from gridxl.core.cells import INVALID, numbers
from gridxl.core.expr import Env
from gridxl.core.scoring import score_frame
from gridxl.engine import recalculate
from gridxl.engine.cached_values import Package
from gridxl.workbook.check import check_workbook
from gridxl.workbook.libreoffice import convert
from gridxl.workbook.template import Plan, save_workbook, workbook

from .excel_helpers import cell_differences, sample_inputs, soffice_or_skip, template_with
from .tiers import slow


def _same(got: list, want: list) -> bool:
    """Cell by cell: blanks ("" / None / NaN) alike, numbers to 1e-9, text equal."""
    def norm(v):
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return float(v) if isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool) else v
    if len(got) != len(want):
        return False
    for a, b in zip(map(norm, got), map(norm, want)):
        if isinstance(a, float) and isinstance(b, float):
            if abs(a - b) > 1e-9 * max(1.0, abs(a)):
                return False
        elif a != b:
            return False
    return True


def _typed(tmp_path, scheme, cells: dict):
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame)
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb["录入"][ref] = value
    wb.save(tmp_path / "typed.xlsx")
    return frame, tmp_path / "typed.xlsx"


def test_a_numerator_above_its_denominator_shows_invalid_in_the_cells_that_read_it(tmp_path):
    scheme = get_scheme("yushui-2022")
    plan = Plan(scheme, "native", 1)
    s, i = plan.score, plan.input
    qualified, total_workers = i.get("field", "gw_qualified").letter, i.get("field", "gw_total").letter
    done, overdue = i.get("field", "new_events").letter, i.get("field", "overdue_events").letter
    # row 7: 300 qualified workers of 30; row 9: more overdue events than events (a rate below 0)
    frame, path = _typed(tmp_path, scheme, {f"{qualified}7": 300, f"{overdue}9": 10_000})
    assert frame.loc[2, "gw_total"] < 300 and frame.loc[4, "new_events"] < 10_000
    found = {p.cell for p in check_workbook(path).problems}
    assert found == {f"{qualified}7", f"{overdue}9"}
    values = recalculate(path).values["评分"]
    core = score_frame(scheme, frame).table
    for r, reads in ((7, {"gw_qualified"}), (9, {"new_events", "overdue_events"})):
        for ind in scheme.indicators:
            shown = values[(r, s.get("score", ind.key).col)]
            inputs = set(scheme.compiled()[ind.key].inputs)
            if reads <= inputs:
                assert shown == INVALID, (r, ind.key)
            elif not inputs & reads:  # cells that do not read the typed field keep the core's score
                assert shown == pytest.approx(core[ind.key].iloc[r - 5]), (r, ind.key)
        for role in ("total", "rank", "rank_dense"):
            assert values[(r, s.get(role).col)] == INVALID, (r, role)
    clean = [r for r in range(5, 5 + len(frame)) if r not in (7, 9)]
    assert all(isinstance(values[(r, s.get("total").col)], float) for r in clean)


@slow
def test_libreoffice_agrees_on_the_share_guard(tmp_path):
    soffice_or_skip()
    scheme = get_scheme("yushui-2022")
    i = Plan(scheme, "native", 1).input
    _, path = _typed(tmp_path, scheme, {f"{i.get('field', 'gw_qualified').letter}7": 300,
                                        f"{i.get('field', 'overdue_events').letter}9": 10_000})
    mine = recalculate(path)
    (lo,) = convert([path], tmp_path / "lo")
    assert cell_differences(mine.values, Package(lo)) == []


def test_a_template_written_before_the_share_guard_is_a_note_not_a_problem(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    old = Plan(scheme, "native", len(frame), shares=False)
    save_workbook(workbook(old, data=frame), tmp_path / "old.xlsx")
    result = check_workbook(tmp_path / "old.xlsx")
    assert result.problems == []
    assert any("earlier gridxl" in n for n in result.notes)
    new = Plan(scheme, "native", len(frame))
    changed = [a for a, b in zip(old.formula_cells(), new.formula_cells()) if a != b]
    assert changed and all(sheet == "评分" for sheet, *_ in changed)


@pytest.mark.parametrize("scheme_id", ["yushui-2022", "gridworker-stars", "dongying-2018", "xiangxi"])
def test_the_result_trees_evaluate_to_what_the_sheets_show(tmp_path, scheme_id):
    """The trees the template prints, evaluated over the core's columns, give the engine's values cell by cell:
    totals, ranks, ties, sort key, grades, stars, flags on 评分, and the sorted ranking and table on 汇总."""
    scheme = get_scheme(scheme_id)
    frame, subs = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame, subs)
    values = recalculate(path).values
    plan = Plan(scheme, "native", len(frame), None if subs is None else len(subs))
    s, m = plan.score, plan.summary
    n = len(frame)
    result = score_frame(scheme, frame, subs)
    table = result.table
    sheet = values["评分"]

    def shown(sheet_values, column, rows):
        return [sheet_values.get((r, column.col)) for r in rows]

    rows = range(s.first, s.first + n)
    columns = {"total": table["total"].to_numpy(float)}
    env = Env({"total": columns["total"]}, columns=columns)
    for role in ("rank", "rank_dense", "ties", "sortkey"):
        got = numbers(s.get(role).tree.evaluate(env))
        assert _same(got.tolist(), shown(sheet, s.get(role), rows)), role
        columns[role] = got
    fields = {k: frame[k].to_numpy() for k in frame.columns}
    extra = Env({**fields, "total": columns["total"]}, {k: table[k].to_numpy(float) for k in
                                                        [i.key for i in scheme.indicators]})
    for c in s.columns:
        if c.role in ("grade", "stars", "flag"):
            got = np.broadcast_to(np.asarray(c.tree.evaluate(extra), dtype=object), (n,)).tolist()
            assert _same(got, shown(sheet, c, rows)), c.key
    # 汇总: the rows of the ranking, the mirrored results and the per-indicator table
    space = {("result", "sortkey"): columns["sortkey"]}
    for c in s.columns:
        if c.role in ("unit", "total", "rank", "rank_dense", "grade", "stars"):
            space[("result", c.role)] = np.asarray(shown(sheet, c, rows), dtype=object)
        elif c.role in ("score", "flag"):
            space[(c.role, c.key)] = np.asarray(shown(sheet, c, rows), dtype=object)
    summary = values["汇总"]
    m_rows = range(m.first, m.first + n)
    order = numbers(m.get("row").tree.evaluate(Env({}, columns=space)))
    assert _same(order.tolist(), shown(summary, m.get("row"), m_rows))
    space[("summary", "row")] = order
    for c in m.columns:
        if c.role == "sorted":
            got = c.tree.evaluate(Env({}, columns=space)).tolist()
            assert _same(got, shown(summary, c, m_rows)), c.key
    row0, col0 = plan.block_origin()
    for k, (ind, trees) in enumerate(plan.indicator_trees()):
        for j, stat in enumerate(plan.BLOCK_HEADINGS[2:], start=2):
            want = summary.get((row0 + 1 + k, col0 + j))
            got = trees[stat].evaluate(Env({}, columns=space))
            assert _same([got], [want]), (ind.key, stat)
