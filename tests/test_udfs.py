"""The GRID_* worksheet functions (gridxl.addin, registered for xlwings by udfs/gridxl_udfs.py): called as
plain Python for every built-in scheme and every rule kind and checked against `score_frame`; registered
through xlwings' own (Windows) registration code; their error strings; the headless engine; the xlwings
Lite bundle; the demo workbook."""
from __future__ import annotations

import functools
import inspect
import io
import json
import re
import subprocess
import sys
import types
from pathlib import Path
from unittest import mock

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gridxl import addin as A
from gridxl.addin import kind_functions
from gridxl.addin.build import demo, lite
from gridxl.core import REGISTRY, builtin_schemes, score_frame
from gridxl.core.expr import CountBetter, Env, Measure
from gridxl.core.scoring import field_env
from gridxl.io.inputs import read_table
from udfs import gridxl_udfs as U

from .conftest import DATA, ROOT, SAMPLES
from .strategies import scheme_inputs
from .test_kinds import CASES, make_scheme
from .tiers import scheme_sweep, slow

SCHEMES = builtin_schemes()
NAMES = list(A.FUNCTIONS)
CJK = re.compile(r"[\u4e00-\u9fff]")
# the committed generated files, in the checkout (an installed gridxl has neither)
LITE_DIR = ROOT / "udfs" / "lite"
DEMO_FILE = ROOT / "workbook_templates" / demo.DEMO_PATH.name
KIND_FUNCTIONS = {spec.function: kind for kind, spec in A.KINDS.items()}
# Words VBA will not take as a parameter name (classic xlwings writes one VBA Function per UDF),
# plus the names xlwings' generated wrapper itself uses.
VBA_RESERVED = set("""and as boolean byref byte byval call case cbool cbyte ccur cdate cdbl cdec cint clng clnglng
clngptr const csng cstr currency cvar cverr date decimal declare defbool defbyte defcur defdate defdbl defdec
defint deflng deflnglng deflngptr defobj defsng defstr defvar dim do double each else elseif empty end endif enum
eqv erase error event exit false for friend function get global gosub goto if imp implements in int integer is
let like long longlong longptr loop lset me mod new next not nothing null on optional or paramarray preserve
private property ptrsafe public raiseevent redim rem resume return rset select set single static step stop string
sub then to true type typeof until variant wend while with withevents xor k argsarray failed""".split())


# -- the contract: how xlwings registers them -------------------------------------------------
@pytest.fixture(scope="module")
def xlwings_windows():
    """xlwings' Windows UDF module (registration + VBA generation), importable here with pywin32 stubbed."""
    names = ["pythoncom", "pywintypes", "win32com", "win32com.client"]
    saved = {n: sys.modules.get(n) for n in names}
    sys.modules.update({n: mock.MagicMock(name=n) for n in names})
    try:
        sys.modules.pop("xlwings.udfs", None)
        import xlwings.udfs as xu
    finally:
        for n, module in saved.items():
            if module is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = module
    return xu


def _register_on_windows(xu, fn):
    """What @xw.func/@xw.arg do on Windows, replayed on a copy of the function."""
    copy = functools.wraps(fn)(lambda *args: fn(*args))
    for name, doc in fn.__gridxl_args__:
        copy = xu.xlarg(name, doc=doc[:U.DOC_LIMIT])(copy)
    return xu.xlfunc(category=U.CATEGORY)(copy)


def test_every_function_is_listed_and_every_kind_has_one():
    wanted = {"GRID_SCORE", "GRID_TOTAL", "GRID_GRADE", "GRID_STARS", "GRID_RANK", "GRID_RANK_CN", "GRID_EXPLAIN",
              "GRID_RATIO", "GRID_LINEAR", "GRID_STEPS", "GRID_SHORTFALL", "GRID_DEDUCT", "GRID_BANDS", "GRID_BONUS",
              "GRID_CHECKLIST", "GRID_ENTERED", "GRID_WEIGHTED", "GRID_RANK_DECAY"}
    assert wanted <= set(NAMES)
    assert set(KIND_FUNCTIONS.values()) == set(REGISTRY)
    assert len(NAMES) == len(set(NAMES))
    assert U.__all__ == NAMES  # the xlwings entry point registers every function, in the same order


@pytest.mark.parametrize("name", NAMES)
def test_signature_as_xlwings_registers_it(name, xlwings_windows):
    fn = getattr(U, name)
    assert re.fullmatch(r"GRID_[A-Z0-9_]+", name) and fn.__name__ == name
    params = list(inspect.signature(fn).parameters.values())
    kinds = {p.kind for p in params}
    assert kinds <= {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL}
    optional = [p for p in params if p.default is not inspect.Parameter.empty]
    assert all(p.default is None for p in optional), "optional means: leave it to the rule's default"
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        assert not optional, "xlwings refuses *args together with optional arguments"
    # a required parameter never follows an optional one (Python enforces it; Excel's wizard relies on it)
    seen_optional = False
    for p in params:
        seen_optional |= p in optional
        assert not (seen_optional and p not in optional and p.kind != inspect.Parameter.VAR_POSITIONAL)

    info = _register_on_windows(xlwings_windows, fn).__xlfunc__  # raises on what xlwings rejects
    assert [a["name"] for a in info["args"]] == [p.name for p in params]
    assert info["category"] == U.CATEGORY
    description = info["ret"]["doc"][:255]
    assert CJK.search(description) and re.search(r"[A-Za-z]{4}", description), description
    for a in info["args"]:
        assert not a["doc"].startswith("Positional argument"), f"{name}({a['name']}) has no description"
        assert CJK.search(a["doc"]) and re.search(r"[A-Za-z]{3}", a["doc"]), a["doc"]
        assert len(a["doc"]) <= 255
        assert re.fullmatch(r"[a-z][a-z0-9_]*", a["name"]) and a["name"] not in VBA_RESERVED
        assert ("optional" in a) == (a["name"] in {p.name for p in optional})
        assert a["vararg"] == (a["name"] in {p.name for p in params if p.kind == p.VAR_POSITIONAL})


def test_xlwings_writes_valid_vba_for_the_module(xlwings_windows):
    xu = xlwings_windows
    module = types.SimpleNamespace(**{n: _register_on_windows(xu, getattr(U, n)) for n in NAMES})
    out = io.StringIO()
    xu.generate_vba_wrapper(U.__name__, module, out, types.SimpleNamespace(Name="demo.xlsm"))
    vba = out.getvalue()
    headers = dict(re.findall(r"^Function (\w+)\((.*)\)$", vba, re.M))
    assert set(headers) == set(NAMES)
    for name, params in headers.items():
        for param in filter(None, (p.strip() for p in params.split(","))):
            word = re.sub(r"^(Optional|ParamArray) ", "", param).removesuffix("()")
            assert word.lower() not in VBA_RESERVED, f"{name}: VBA reserves {word}"
    assert headers["GRID_SCORE"] == "scheme, indicator, ParamArray inputs()"
    assert headers["GRID_RATIO"] == "value, points, Optional standard, Optional digits"
    assert f'XLPy.CallUDF("{U.__name__}", "GRID_SCORE", argsArray' in vba


def test_decorators_leave_plain_functions_here():
    """Off Windows and outside xlwings Lite the decorators are no-ops: the functions are plain Python."""
    if sys.platform.startswith("win"):
        pytest.skip("on Windows the decorators register with Excel")
    assert not hasattr(U.GRID_SCORE, "__xlfunc__")
    assert U.GRID_RATIO(0.5, 10) == 5.0


# -- agreement with score_frame for every built-in scheme ---------------------------------------
def _reads_other_units(expr) -> bool:
    """The oracle: a score tree that counts better units or reads the measure column needs every unit."""
    return any(isinstance(node, (CountBetter, Measure)) for node in expr.walk())


def test_the_kind_fact_reads_other_units_matches_the_trees():
    """GRID_SCORE, GRID_TOTAL and the per-kind functions ask RuleKind.reads_other_units; the trees must agree."""
    seen = set()
    for scheme in SCHEMES:
        for key, comp in scheme.compiled().items():
            assert comp.indicator.rule_kind.reads_other_units == _reads_other_units(comp.score), (scheme.id, key)
            seen.add(comp.indicator.rule_kind.reads_other_units)
    assert seen == {True, False}
    for kind, spec in A.KINDS.items():  # a probe indicator of each kind: a values range exactly when it ranks
        ranks = _reads_other_units(kind_functions._probe(REGISTRY[kind], 1.0))
        assert REGISTRY[kind].reads_other_units == ranks == ("values" in [a.role for a in spec.args]), kind


def _row_value(frame, table, scheme, key, i):
    return table[key].iloc[i] if key in scheme.compiled() else frame[key].iloc[i]


def _value_of(env, frame_len, i):
    """What a sheet passes for a formula tree of the scheme: its value in unit i (or in every unit)."""
    def value_of(role, expr):
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(expr.evaluate(env), dtype=float), (frame_len,))
        return values.tolist() if role == "values" else float(values[i])
    return value_of


def _check_kind_functions(scheme, ind, frame, scores, level_fields, rows):
    """The per-kind function of the indicator's rule, given the same parameters, scores every unit alike."""
    comp = scheme.compiled()[ind.key]
    env = Env(level_fields, {k: np.asarray(v, dtype=float) for k, v in scores.items()})
    guard = (np.broadcast_to(np.asarray(comp.zero_guard.evaluate(env), dtype=bool), (len(frame),))
             if comp.zero_guard is not None else np.zeros(len(frame), dtype=bool))
    checked = 0
    for i in rows:
        if guard[i] or np.isnan(scores[ind.key][i]):
            continue
        args = A.kind_arguments(ind, _value_of(env, len(frame), i))
        if args is None:
            return checked
        got = getattr(A, A.KINDS[ind.kind].function)(*args)
        assert got == scores[ind.key][i], (scheme.id, ind.key, i, args, got, scores[ind.key][i])
        checked += 1
    return checked


def _check_scheme(scheme, frame, subs):
    result = score_frame(scheme, frame, subs, explain=True)
    table = result.table
    compiled = scheme.compiled()
    whole_table = [k for k, c in compiled.items()
                   if c.indicator.per_subunit or _reads_other_units(c.score)]
    fields = field_env(scheme, frame, "unit")
    scores = {i.key: table[i.key].to_numpy(dtype=float) for i in scheme.indicators}
    for i in range(len(frame)):
        for ind in scheme.indicators:
            comp = compiled[ind.key]
            if ind.per_subunit or _reads_other_units(comp.score):
                continue
            args = [_row_value(frame, table, scheme, k, i) for k in comp.inputs]
            expected = table[ind.key].iloc[i]
            got = A.GRID_SCORE(scheme.id, ind.key, *args)
            assert got == ("" if np.isnan(expected) else expected), (scheme.id, ind.key, args, got, expected)
            assert A.GRID_EXPLAIN(scheme.id, ind.key, *args) == result.explain[ind.key].iloc[i]
        total = table["total"].iloc[i]
        if not whole_table:
            row = [frame[f.key].iloc[i] for f in scheme.unit_fields()]
            assert A.GRID_TOTAL(scheme.id, row) == total
            assert A.GRID_TOTAL(scheme.id, [frame["unit"].iloc[i]] + row) == total
        assert A.GRID_RANK(total, table["total"].tolist()) == table["rank"].iloc[i]
        assert A.GRID_RANK_CN(total, table["total"].tolist()) == table["rank_dense"].iloc[i]
        if scheme.grades and not any(f.grade and table[f.key].iloc[i] for f in scheme.flags):
            assert A.GRID_GRADE(scheme.id, total) == table["grade"].iloc[i]
        if scheme.stars:
            assert A.GRID_STARS(scheme.id, total) == table["stars"].iloc[i]
    rows = range(len(frame))
    for ind in scheme.indicators:
        if not ind.per_subunit:
            _check_kind_functions(scheme, ind, frame, scores, fields, rows)
    if result.subunit_table is not None:  # per-grid indicators: GRID_SCORE on one grid's inputs
        sub_table = result.subunit_table
        sub_fields = field_env(scheme, subs, "subunit")
        sub_scores = {k: sub_table[k].to_numpy(dtype=float) for k in sub_table.columns if k in compiled}
        for ind in scheme.indicators:
            if not ind.per_subunit:
                continue
            for j in range(len(subs)):
                args = [sub_table[k].iloc[j] if k in compiled else subs[k].iloc[j] for k in compiled[ind.key].inputs]
                assert A.GRID_SCORE(scheme.id, ind.key, *args) == sub_table[ind.key].iloc[j]
            _check_kind_functions(scheme, ind, subs, sub_scores, sub_fields, range(len(subs)))
    return table


@pytest.mark.parametrize("scheme", scheme_sweep(SCHEMES))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_functions_agree_with_score_frame_on_random_units(scheme, data):
    frame, subs = scheme_inputs(scheme, data, 2, 6)
    _check_scheme(scheme, frame, subs)


@pytest.mark.parametrize("scheme", SCHEMES, ids=[s.id for s in SCHEMES])
def test_functions_agree_with_score_frame_on_the_sample(scheme):
    path = SAMPLES / f"{scheme.id}.csv"
    if not path.exists():
        pytest.skip(f"no sample for {scheme.id}")
    try:
        frame = read_table(path, scheme)
        sub_path = SAMPLES / f"{scheme.id}-subunits.csv"
        subs = read_table(sub_path, scheme, level="subunit") if scheme.subunit_fields() else None
    except Exception as exc:  # samples are another file's business; the random units above still run
        pytest.skip(f"sample of {scheme.id} does not read: {exc}")
    _check_scheme(scheme, frame, subs)


# -- every rule kind, on the hand-computed cases of test_kinds ----------------------------------
def _case_calls(indicator, fields, rows):
    """(row, function, arguments) for each row of a test_kinds case the per-kind function can take."""
    scheme = make_scheme(indicator, fields)
    ind = scheme.indicators[0]
    comp = scheme.compiled()["x"]
    frame = pd.DataFrame([{"unit": f"单位{i}", **r} for i, r in enumerate(rows)])
    env = Env(field_env(scheme, frame, "unit"))
    guard = np.zeros(len(rows), dtype=bool) if comp.zero_guard is None else np.broadcast_to(
        np.asarray(comp.zero_guard.evaluate(env), dtype=bool), (len(rows),))
    fn = getattr(A, A.KINDS[ind.kind].function)
    for i in range(len(rows)):
        args = A.kind_arguments(ind, _value_of(env, len(rows), i))
        if args is not None and not guard[i]:  # a zero denominator is the scheme's rule, not the kind's
            yield i, fn, args


@pytest.mark.parametrize("case_id,indicator,fields,rows,expected", CASES, ids=[c[0] for c in CASES])
def test_kind_functions_give_the_hand_computed_scores(case_id, indicator, fields, rows, expected):
    for i, fn, args in _case_calls(indicator, fields, rows):
        assert fn(*args) == expected[i], (case_id, i, args)


def test_every_kind_function_is_checked_by_a_case():
    covered = {c[1]["kind"] for c in CASES if any(True for _ in _case_calls(c[1], c[2], c[3]))}
    assert covered == set(REGISTRY)


def test_rank_decay_for_one_unit_among_a_column():
    # 100% full; two units at 90% share the first place below the standard: 95% of 20; 80% is third: 85%
    values = [1.0, 0.9, 0.9, 0.8, None, "n/a"]
    assert A.GRID_RANK_DECAY(0.9, values, 1, 0.05, 20) == 19.0
    assert A.GRID_RANK_DECAY(0.8, values, 1, 0.05, 20) == 17.0
    assert A.GRID_RANK_DECAY(1.0, values, 1, 0.05, 20) == 20.0
    assert A.GRID_RANK_DECAY(0.5, values, 1, 0.05, 20) == 16.0  # not in the column: fourth place, 80%
    assert A.GRID_RANK_DECAY(0.5, values, 1, 0.05, 20, "asc") == 19.0  # smallest first: it leads


def test_ranks_by_hand():
    totals = [100, 100, 99.86, 99.82, 99, None, "缺报"]
    assert [A.GRID_RANK(t, totals) for t in totals[:5]] == [1, 1, 3, 4, 5]
    assert [A.GRID_RANK_CN(t, totals) for t in totals[:5]] == [1, 1, 2, 3, 4]
    assert A.GRID_RANK(None, totals) == ""


def test_ranges_are_read_row_by_row_and_blanks_give_empty_cells():
    # patrol_rate reads gw_patrol_qualified, then gw_total: 54/55 of 10 points
    assert A.GRID_SCORE("yushui-2022", "patrol_rate", [[54, 55]]) == 9.82
    assert A.GRID_SCORE("yushui-2022", "patrol_rate", np.array([[54], [55]], dtype=object)) == 9.82
    assert A.GRID_SCORE("yushui-2022", "网格巡查", 54, 55) == 9.82  # by Chinese name
    assert A.GRID_SCORE("yushui-2022", "patrol_rate", "54", "55") == 9.82  # numbers typed as text
    assert A.GRID_SCORE("yushui-2022", "patrol_rate", None, 55) == ""
    assert A.GRID_SCORE("yushui-2022", "patrol_rate", "", 55) == ""
    assert A.GRID_LINEAR(None, 80, 98, 20, 100) == ""
    assert A.GRID_EXPLAIN("yushui-2022", "patrol_rate", None, 55) == "网格巡查: 缺少输入 gw_patrol_qualified"


def test_scheme_given_as_a_toml_path():
    path = str(ROOT / "gridxl" / "schemes" / "yushui-2022.toml")
    assert A.GRID_SCORE(path, "patrol_rate", 54, 55) == A.GRID_SCORE("yushui-2022", "patrol_rate", 54, 55)


# -- error strings -------------------------------------------------------------------------
def test_error_strings_name_the_problem(tmp_path):
    assert A.GRID_SCORE("x", "patrol_rate", 1, 2).startswith("#GRIDXL! scheme 'x' not found (built-in: ")
    assert "yushui-2022" in A.GRID_SCORE("x", "patrol_rate", 1, 2)
    assert A.GRID_SCORE("yushui-2022", "nope", 1).startswith(
        "#GRIDXL! scheme 'yushui-2022' has no indicator 'nope' (indicators: events_per_10k,")
    msg = A.GRID_SCORE("yushui-2022", "patrol_rate", 1)
    assert msg.startswith("#GRIDXL! GRID_SCORE yushui-2022 patrol_rate takes 2 input(s) in this order: "
                          "gw_patrol_qualified（每日巡查不少于1小时的网格员数）, gw_total（网格员总数）; got 1")
    assert A.GRID_SCORE("yushui-2022", "patrol_rate", "abc", 3) == (
        "#GRIDXL! input 1 gw_patrol_qualified（每日巡查不少于1小时的网格员数） is not a number: 'abc'")
    assert A.GRID_TOTAL("yushui-2022", [1, 2, 3]).startswith("#GRIDXL! GRID_TOTAL yushui-2022 takes the 17 input fields")
    assert A.GRID_GRADE("yushui-2022", 90) == "#GRIDXL! scheme yushui-2022 has no grades (等次)"
    assert A.GRID_STARS("yushui-2022", 90) == "#GRIDXL! scheme yushui-2022 has no stars (星级)"
    assert A.GRID_LINEAR(0.9, None, 98, 20).startswith("#GRIDXL! GRID_LINEAR: low is required")
    assert A.GRID_ENTERED(9, 0, 8) == "#GRIDXL! GRID_ENTERED: 9 is outside the allowed range 0..8"
    assert A.GRID_DEDUCT([1, 2], [0.5, 1, 2], 10) == "#GRIDXL! GRID_DEDUCT: 2 items but 3 points_each and 2 caps"
    assert A.GRID_BANDS(0.9, [90, 80], [0, 1], 2, "both").startswith("#GRIDXL! GRID_BANDS: mode must be")
    broken = tmp_path / "broken.toml"
    broken.write_text("id = 'broken'\nname = ", encoding="utf-8")
    assert A.GRID_SCORE(str(broken), "x", 1).startswith(f"#GRIDXL! {broken}: not valid TOML")


def test_cross_unit_indicators_point_to_grid_rank_decay():
    for scheme in SCHEMES:
        for key, comp in scheme.compiled().items():
            if _reads_other_units(comp.score) and not comp.indicator.per_subunit:
                msg = A.GRID_SCORE(scheme.id, key, *([1] * len(comp.inputs)))
                assert msg.startswith("#GRIDXL! ") and "GRID_RANK_DECAY" in msg
                assert "GRID_RANK_DECAY" in A.GRID_TOTAL(scheme.id, [1] * len(scheme.unit_fields()))
                return
    pytest.skip("no built-in scheme ranks units against each other")


@pytest.mark.parametrize("name", NAMES)
def test_nothing_raises_into_a_cell(name):
    fn = getattr(A, name)
    params = inspect.signature(fn).parameters
    n = sum(p.default is inspect.Parameter.empty for p in params.values() if p.kind != p.VAR_POSITIONAL)
    for junk in (object(), "", "#DIV/0!", [[1, "x"], [None, 2]], float("inf"), -1e308, True):
        out = fn(*([junk] * (n + 1)))
        assert isinstance(out, (str, float)), (name, junk, out)
        assert not isinstance(out, str) or out == "" or out.startswith("#GRIDXL! ") or name == "GRID_EXPLAIN"
        assert "Traceback" not in str(out)


# -- the headless engine ------------------------------------------------------------------------
def test_formulas_engine_computes_grid_functions():
    formulas = pytest.importorskip("formulas")
    from gridxl.engine.formulas_udfs import PYTHON_FUNCTIONS, register_grid_functions
    assert set(register_grid_functions()) == set(NAMES) == set(PYTHON_FUNCTIONS)

    def run(text):
        out = formulas.Parser().ast(text)[1].compile()()
        return np.asarray(out, dtype=object).reshape(-1)[0]
    assert run('=GRID_SCORE("yushui-2022","patrol_rate",54,55)') == 9.82
    assert run('=GRID_LINEAR((2000-49)/2000,80,98,20,100)') == 19.5
    assert run('=GRID_RANK(99.82,{100,100,99.86,99.82})') == 4
    assert str(run('=GRID_SCORE("yushui-2022","patrol_rate",1/0,55)')) == "#DIV/0!"
    assert run('=GRID_SCORE("nope","patrol_rate",1,2)').startswith("#GRIDXL! scheme 'nope' not found")


# -- the demo workbook --------------------------------------------------------------------------
def _cells(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb}


def test_demo_workbook_is_current(tmp_path):
    fresh = demo.build_demo_workbook(tmp_path / "demo.xlsx", demo.DEMO_SCHEME)
    assert _cells(DEMO_FILE) == _cells(fresh), (
        f"{DEMO_FILE.name} is stale: run gridxl addin --force --demo workbook_templates/{DEMO_FILE.name}")


def test_demo_workbook_recomputes_to_the_published_table(tmp_path):
    formulas = pytest.importorskip("formulas")
    from gridxl.engine.formulas_udfs import register_grid_functions
    register_grid_functions()
    published = pd.read_csv(DATA / "seed004_published.csv").set_index("unit")
    model = formulas.ExcelModel().loads(str(DEMO_FILE)).finish()
    solution = model.calculate()
    values = {k.upper(): np.asarray(getattr(v, "value", v), dtype=object).reshape(-1)[0] for k, v in solution.items()}
    book = f"[{DEMO_FILE.name.upper()}]"
    wb = openpyxl.load_workbook(DEMO_FILE)

    def sheet_table(title):
        ws = wb[title]
        keys = [c.value for c in ws[4]]
        out = {}
        for r in range(5, ws.max_row + 1):
            unit = ws.cell(r, 1).value
            unit = published.index[r - 5] if str(unit).startswith("=") else unit
            out[unit] = {k: values[f"'{book}{title}'!{openpyxl.utils.get_column_letter(j)}{r}".upper()]
                         for j, k in enumerate(keys, 1) if k and j > 1 and isinstance(ws.cell(r, j).value, str)
                         and ws.cell(r, j).value.startswith("=")}
        return pd.DataFrame(out).T

    scores = sheet_table("评分")
    assert sorted(scores.index) == sorted(published.index)
    scores = scores.loc[published.index]
    keys = [k for k in published.columns if k not in ("total", "published_rank")]
    for key in keys + ["total"]:
        assert scores[key].astype(float).tolist() == published[key].tolist(), key
    totals = published["total"].tolist()
    competition = [1 + sum(t > x for t in totals) for x in totals]
    dense = [1 + len({t for t in totals if t > x}) for x in totals]
    assert scores["rank"].astype(int).tolist() == competition
    assert scores["rank_dense"].astype(int).tolist() == dense
    assert scores.loc["罗坊镇", "rank"] == 4 and published.loc["罗坊镇", "published_rank"] == 3  # the typo
    assert scores.loc["良山镇", "rank"] == 3
    assert all(str(text).startswith("网格巡查") for text in scores["explain"])

    rules = sheet_table("按规则")
    rules.index = published.index
    assert set(rules.columns) == set(keys)  # every indicator has its per-kind formula
    for key in keys:
        assert rules[key].astype(float).tolist() == published[key].tolist(), key
    formulas_used = {v for sheet in _cells(DEMO_FILE).values() for v in sheet.values()
                     if isinstance(v, str) and v.startswith("=")}
    assert any("GRID_RATIO(" in f for f in formulas_used) and any("GRID_LINEAR(" in f for f in formulas_used)


# -- the add-in files ---------------------------------------------------------------------------
def test_committed_lite_bundle_is_current():
    committed = (LITE_DIR / "main.py").read_text(encoding="utf-8")
    code, files = lite.split_lite_main(committed)
    fresh_code, fresh_files = lite.split_lite_main(lite.lite_main())
    stale = sorted(n for n in set(files) | set(fresh_files) if files.get(n) != fresh_files.get(n))
    assert not stale and code == fresh_code, (
        f"udfs/lite/main.py is stale ({', '.join(stale) or 'loader'}): run gridxl addin --force --lite udfs/lite")
    assert '_BUNDLE = "gridxl-' in code and lite.payload_digest(files) in code  # the name matches the content
    assert (LITE_DIR / "requirements.txt").read_text(encoding="utf-8") == lite.lite_requirements()


# What the bundle may import, as in Pyodide with only numpy and pandas installed (and their own needs).
PYODIDE_LIKE = '''
import importlib.abc, json, runpy, sys, tempfile

ALLOWED = {"numpy", "pandas", "dateutil", "pytz", "tzdata", "six", "gridxl", "udfs"}
blocked = []


class Pyodide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ALLOWED or top in sys.stdlib_module_names or top.startswith("_"):
            return None  # the usual finders look it up
        blocked.append(top)
        raise ModuleNotFoundError(f"No module named {name!r} (not in Pyodide here)", name=name)


sys.meta_path.insert(0, Pyodide())
ns = runpy.run_path("main.py", run_name="main")
for name, module in sys.modules.items():  # every gridxl module is the bundle's, none the checkout's
    if name.split(".")[0] in ("gridxl", "udfs"):
        assert (module.__file__ or "").startswith(tempfile.gettempdir()), (name, module.__file__)
cases = json.load(open("cases.json", encoding="utf-8"))
got = {"scores": [[ns["GRID_SCORE"](cases["scheme"], key, *inputs) for key, inputs in row] for row in cases["rows"]],
       "totals": [ns["GRID_TOTAL"](cases["scheme"], row) for row in cases["totals"]],
       "ratio": ns["GRID_RATIO"](0.5, 10),
       "names": sorted(n for n in ns if n.startswith("GRID_")),
       "schemes": len(sys.modules["gridxl.core"].builtin_paths()),
       "addin": sys.modules["gridxl.addin"].__file__,
       "blocked": sorted(set(blocked)),
       "loaded": sorted({n.split(".")[0] for n in sys.modules})}
print(json.dumps(got))
'''


def test_lite_bundle_runs_with_only_numpy_and_pandas(tmp_path):
    """main.py alone (as pasted into xlwings Lite) brings the core, the schemes and the functions, and runs where
    only numpy and pandas can be imported: no xlwings (its decorators fall back), no openpyxl, no formulas."""
    scheme = next(s for s in SCHEMES if s.id == demo.DEMO_SCHEME)
    frame = read_table(SAMPLES / f"{scheme.id}.csv", scheme)
    table = score_frame(scheme, frame).table
    compiled = scheme.compiled()

    def plain(v):
        return v.item() if isinstance(v, np.generic) else v
    rows = [[(i.key, [plain(frame[k].iloc[r]) for k in compiled[i.key].inputs]) for i in scheme.indicators]
            for r in range(len(frame))]
    totals = [[plain(frame[f.key].iloc[r]) for f in scheme.unit_fields()] for r in range(len(frame))]
    (tmp_path / "cases.json").write_text(json.dumps({"scheme": scheme.id, "rows": rows, "totals": totals}),
                                         encoding="utf-8")
    (tmp_path / "main.py").write_text((LITE_DIR / "main.py").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pyodide_like.py").write_text(PYODIDE_LIKE, encoding="utf-8")
    run = subprocess.run([sys.executable, "-I", "pyodide_like.py"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert got["scores"] == [[table[i.key].iloc[r] for i in scheme.indicators] for r in range(len(frame))]
    assert got["totals"] == table["total"].tolist()
    assert got["ratio"] == 5.0 and got["names"] == sorted(NAMES) and got["schemes"] == len(SCHEMES)
    assert Path(got["addin"]).parent.name == "addin"  # gridxl.addin travels in the bundle
    assert "xlwings" in got["blocked"], "the entry point should have tried xlwings and carried on without it"
    assert not {"xlwings", "openpyxl", "formulas", "schedula"} & set(got["loaded"])


def test_lite_requirements_are_pyodide_installable():
    assert lite.lite_requirements().split() == ["xlwings", "numpy", "pandas"]


@slow  # a command started several times over
def test_addin_command_prints_and_writes(tmp_path):
    run = subprocess.run([sys.executable, "-m", "gridxl", "addin"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    for text in ("udfs.gridxl_udfs", "xlwings addin install", "Import Functions", "xlwings Lite", "WPS",
                 "gridxl template"):
        assert text in run.stdout
    out = tmp_path / "addin"
    run = subprocess.run([sys.executable, "-m", "gridxl", "addin", "--out", str(out), "--python", r"C:\Py\python.exe"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (out / "lite" / "main.py").read_text(encoding="utf-8") == lite.lite_main()
    assert '"UDF MODULES","udfs.gridxl_udfs"' in (out / "xlwings.conf").read_text(encoding="utf-8")
    conf = openpyxl.load_workbook(out / "gridxl-udfs.xlsx")["xlwings.conf"]
    settings_ = {r[0]: r[1] for r in conf.iter_rows(values_only=True)}
    assert settings_["UDF Modules"] == "udfs.gridxl_udfs" and settings_["Interpreter_Win"] == r"C:\Py\python.exe"
    assert Path(settings_["PYTHONPATH"], "udfs", "gridxl_udfs.py").exists()


def test_docs_cover_both_routes_and_wps():
    text = (ROOT / "docs" / "addin.md").read_text(encoding="utf-8")
    for needle in ("xlwings addin install", "Import Functions", "xlwings.conf", "xlwings Lite", "requirements.txt",
                   "WPS 不运行 xlwings", "gridxl template", "Alt+F11"):
        assert needle in text


# -- the layering: gridxl.addin is the logic, udfs/ only the xlwings entry point ---------------------
def _python_files(*folders):
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py")) if "lite" not in p.parts]


def _imported_modules(path):
    import ast
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_nothing_in_gridxl_imports_udfs():
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p in _python_files("gridxl") for m in _imported_modules(p)
                 if m == "udfs" or m.startswith("udfs.")]
    assert not offenders


def test_no_exec_or_eval_in_the_addin():
    """The per-kind functions get their signatures from inspect.Signature objects, not from generated source."""
    import ast
    calls = [f"{p.relative_to(ROOT)}:{n.lineno}" for p in _python_files("gridxl/addin", "udfs")
             for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("exec", "eval", "compile")]
    assert not calls
    for spec in A.KINDS.values():
        fn = A.FUNCTIONS[spec.function]
        assert inspect.unwrap(fn).__signature__ == inspect.signature(fn)
        assert list(inspect.signature(fn).parameters) == [a.name for a in spec.args]


def test_addin_does_not_import_xlwings_openpyxl_or_formulas():
    script = ("import sys; import gridxl.addin, gridxl.engine.formulas_udfs\n"
              "print(sorted({'xlwings', 'openpyxl', 'formulas'} & {n.split('.')[0] for n in sys.modules}))")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["[]"]


def test_every_parameter_has_a_chinese_label_for_the_function_wizard():
    for kind in REGISTRY.values():
        for p in kind.params:
            assert CJK.search(p.label), (kind.name, p.name)
    linear = {a.name: a.doc for a in A.KINDS["linear"].args}
    assert linear["low"].startswith("下限（低于此不得分） / low: below this")
    assert linear["scale"].startswith("换算倍数（100 把比率换成百分数）（默认 1） / scale: multiply")
    assert {a.name: a.doc for a in A.KINDS["rank_decay"].args}["rank_step"].startswith("每降一名少得的比例")


# -- generated files: marked as such, and the Lite bundle stays out of the wheel -----------------------
def test_generated_files_are_marked_in_gitattributes():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    files = ["udfs/lite/main.py", f"workbook_templates/{DEMO_FILE.name}"]
    run = subprocess.run(["git", "check-attr", "linguist-generated", "diff", "--", *files], cwd=ROOT,
                         capture_output=True, text=True)
    if run.returncode != 0:
        pytest.skip(f"git check-attr: {run.stderr.strip()}")
    attrs = {tuple(line.split(": ")[:2]): line.split(": ")[2] for line in run.stdout.splitlines()}
    for f in files:
        assert attrs[(f, "linguist-generated")] == "set" and attrs[(f, "diff")] == "unset", f


def test_the_wheel_carries_the_entry_point_but_not_the_lite_bundle():
    import tomllib

    import setuptools
    find = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]
    finder = setuptools.find_namespace_packages if find.get("namespaces", True) else setuptools.find_packages
    packages = finder(where=str(ROOT), include=find.get("include", ("*",)), exclude=find.get("exclude", ()))
    assert {"gridxl", "gridxl.addin", "gridxl.core", "udfs"} <= set(packages)
    assert not [p for p in packages if p.startswith("udfs.lite")]
