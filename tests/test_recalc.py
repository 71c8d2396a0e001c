"""Headless recalculation: `gridxl score` == recalc of a native template == recalc of a udf template.

Every built-in scheme (as `builtin_schemes()` lists them, so later schemes are covered), on its
sample file and on random valid inputs; then the engine's spreadsheet semantics one by one, the
file it writes, and the formulas-package fallback.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gridxl.core import excel_round, get_scheme
from gridxl.engine.cached_values import ExcelError, Package
from gridxl.engine import RecalcError, recalculate, translate, write_recalculated
from gridxl.workbook.export import scores_table

from .excel_helpers import (IDS, SAMPLES, SCHEMES, custom_inputs, custom_scheme, expected_table, needs_udfs,
                            sample_inputs, table_differences, template_with, udfs_available, workbook_scores)
from .strategies import frame_of, grids_respecting_shares, shares_respected, subunit_frame, unit_names, unit_rows
from .tiers import scheme_sweep, slow

DATA = SAMPLES.parent.parent / "tests" / "data"


# -- parity on the sample files ----------------------------------------------------------------
@pytest.mark.parametrize("scheme", SCHEMES, ids=IDS)
def test_sample_native_template_scores_as_gridxl_score(scheme, built_templates):
    inputs = sample_inputs(scheme)
    if inputs is None:
        pytest.skip(f"{scheme.id} has no sample file")
    frame, subs = inputs
    got = workbook_scores(built_templates.sample(scheme))
    assert table_differences(expected_table(scheme, frame, subs), got) == []


@needs_udfs
@pytest.mark.parametrize("scheme", scheme_sweep(SCHEMES))
def test_sample_udf_template_scores_as_gridxl_score(scheme, built_templates):
    inputs = sample_inputs(scheme)
    if inputs is None:
        pytest.skip(f"{scheme.id} has no sample file")
    frame, subs = inputs
    got = workbook_scores(built_templates.sample(scheme, formulas="udf"))
    assert table_differences(expected_table(scheme, frame, subs), got) == []


# -- parity on random valid inputs -------------------------------------------------------------
def _random_inputs(scheme, data):
    names = unit_names(scheme)
    most = min(6, len(names)) if names else 6
    rows = data.draw(unit_rows(scheme, 1, most), label="units")
    if names:
        names = data.draw(st.permutations(names), label="names")[:len(rows)]
    frame = shares_respected(scheme, frame_of(rows, names))
    subs = None
    if scheme.subunit_fields():
        sub_rows = data.draw(unit_rows(scheme, len(frame), len(frame) * 3, level="subunit"), label="grids")
        subs = grids_respecting_shares(scheme, subunit_frame(sub_rows, frame["unit"].tolist()), frame)
    return frame, subs


@slow
@pytest.mark.parametrize("scheme", SCHEMES, ids=IDS)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_inputs_score_alike_in_python_native_and_udf_workbooks(scheme, data, tmp_path_factory):
    frame, subs = _random_inputs(scheme, data)
    expected = expected_table(scheme, frame, subs)
    folder = tmp_path_factory.mktemp("random")
    native = workbook_scores(template_with(scheme, folder / "native.xlsx", frame, subs))
    assert table_differences(expected, native) == []
    if udfs_available():
        udf = workbook_scores(template_with(scheme, folder / "udf.xlsx", frame, subs, formulas="udf"))
        assert table_differences(expected, udf) == []


def test_every_rule_feature_at_once_native_and_udf(tmp_path):
    """Per-grid rank decay and bases by grid type, ascending rank decay, weighted scores, a bonus, grades,
    a forced grade, stars: in both kinds of workbook."""
    scheme = custom_scheme(tmp_path)
    frame, subs = custom_inputs()
    expected = expected_table(scheme, frame, subs)
    assert set(expected["grade"]) >= {"优秀", "不合格"}  # the example reaches both ends
    native = workbook_scores(template_with(scheme, tmp_path / "n.xlsx", frame, subs))
    assert table_differences(expected, native) == []
    if udfs_available():
        udf = workbook_scores(template_with(scheme, tmp_path / "u.xlsx", frame, subs, formulas="udf"))
        assert table_differences(expected, udf) == []


# -- seed 004 through the workbook path --------------------------------------------------------
def test_seed004_published_table_through_the_workbook(tmp_path, built_templates):
    scheme = get_scheme("yushui-2022")
    path = built_templates.sample(scheme, period="2022-11")
    out = tmp_path / "out.xlsx"
    export = tmp_path / "scores.csv"
    r = subprocess.run([sys.executable, "-m", "gridxl", "recalc", str(path), "-o", str(out), "--export", str(export)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(export).set_index("unit")
    published = pd.read_csv(DATA / "seed004_published.csv").set_index("unit")
    assert list(got.index) == list(published.index)
    for key in [i.key for i in scheme.indicators] + ["total"]:
        assert np.allclose(got[key].to_numpy(float), published[key].to_numpy(float), atol=1e-9), key
    ranks = published["published_rank"].copy()
    ranks.loc["罗坊镇"] = 4  # the bulletin prints 3: a typo, competition ranking gives 4
    assert got["rank"].tolist() == ranks.tolist()
    # the cached values of the written workbook say the same, for viewers that do not calculate
    wb = openpyxl.load_workbook(out, data_only=True, read_only=True)
    ws = wb["评分"]
    cached = {row[1]: row for row in ws.iter_rows(min_row=5, max_row=21, values_only=True)}
    assert cached["罗坊镇"][12] == pytest.approx(99.82) and cached["罗坊镇"][13] == 4
    assert cached["良山镇"][13] == 3 and cached["通洲办"][12] == pytest.approx(74.25)


def test_export_has_the_columns_of_gridxl_score(tmp_path, built_templates):
    scheme = get_scheme("yushui-2022")
    path = built_templates.sample(scheme)
    subprocess.run([sys.executable, "-m", "gridxl", "score", scheme.id, str(SAMPLES / "yushui-2022.csv"),
                    "-o", str(tmp_path / "score.csv")], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "gridxl", "recalc", str(path), "-o", str(tmp_path / "o.xlsx"),
                    "--export", str(tmp_path / "export.csv")], check=True, capture_output=True)
    a = pd.read_csv(tmp_path / "score.csv")
    b = pd.read_csv(tmp_path / "export.csv")
    assert list(a.columns) == list(b.columns)
    assert table_differences(a, b) == []


# -- the written file ------------------------------------------------------------------------------
def test_output_keeps_formulas_validation_merges_formats_and_carries_values(tmp_path, built_templates):
    scheme = get_scheme("yushui-2022")
    path = built_templates.copy(scheme, tmp_path / "t.xlsx")
    # a clerk's edit made with openpyxl drops every cached value; recalc brings them back
    wb = openpyxl.load_workbook(path)
    wb["录入"]["D5"] = 200  # 界水乡: 200 events on 27,687 people, 72.2 per 10,000 of the standard 100
    wb.save(tmp_path / "edited.xlsx")
    out = tmp_path / "out.xlsx"
    write_recalculated(recalculate(tmp_path / "edited.xlsx"), out)
    before = openpyxl.load_workbook(tmp_path / "edited.xlsx")
    after = openpyxl.load_workbook(out)
    for name in before.sheetnames:
        a, b = before[name], after[name]
        assert [[c.value for c in row] for row in a.iter_rows()] == [[c.value for c in row] for row in b.iter_rows()]
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
        assert [(v.sqref, v.formula1, v.prompt) for v in a.data_validations.dataValidation] == \
               [(v.sqref, v.formula1, v.prompt) for v in b.data_validations.dataValidation]
        assert a.protection.sheet == b.protection.sheet and a.freeze_panes == b.freeze_panes
    assert after["评分"]["C5"].number_format == "0.00"
    assert after["录入"]["C5"].protection.locked is False and after["评分"]["C5"].protection.locked is True
    values = openpyxl.load_workbook(out, data_only=True)["评分"]
    expected = excel_round(20 * (200 / (27687 / 10000) / 100), 2)
    assert values["C5"].value == pytest.approx(expected)
    # pandas reads the numbers too
    shown = pd.read_excel(out, sheet_name="评分", header=None, skiprows=4)
    assert shown.iloc[0, 2] == pytest.approx(expected)
    # the chart of 汇总 survives (the package is patched, not re-saved)
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/") for n in z.namelist())


def test_recalc_never_writes_over_its_input(tmp_path):
    scheme = get_scheme("yushui-2022")
    path = template_with(scheme, tmp_path / "t.xlsx")
    before = path.read_bytes()
    r = subprocess.run([sys.executable, "-m", "gridxl", "recalc", str(path), "-o", str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "never writes over its input" in r.stderr and "Traceback" not in r.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("content, expected", [(b"not a zip", "not an .xlsx workbook"), (b"", "not an .xlsx")])
def test_recalc_of_a_broken_file_is_one_clear_line(tmp_path, content, expected):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    r = subprocess.run([sys.executable, "-m", "gridxl", "recalc", str(bad), "-o", str(tmp_path / "o.xlsx")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and expected in r.stderr and "Traceback" not in r.stderr


def test_export_needs_a_gridxl_template(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 2
    wb.active["A2"] = "=A1*3"
    wb.save(tmp_path / "plain.xlsx")
    r = subprocess.run([sys.executable, "-m", "gridxl", "recalc", str(tmp_path / "plain.xlsx"), "-o",
                        str(tmp_path / "o.xlsx"), "--export", str(tmp_path / "s.csv")], capture_output=True, text=True)
    assert r.returncode == 2 and "not a gridxl template" in r.stderr
    r = subprocess.run([sys.executable, "-m", "gridxl", "recalc", str(tmp_path / "plain.xlsx"), "-o",
                        str(tmp_path / "o.xlsx")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert openpyxl.load_workbook(tmp_path / "o.xlsx", data_only=True).active["A2"].value == 6


# -- spreadsheet semantics of the columns engine ---------------------------------------------------------
def _sheet(tmp_path, cells: dict, name="S"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = name
    for ref, value in cells.items():
        ws[ref] = value
    path = tmp_path / "sem.xlsx"
    wb.save(path)
    return recalculate(path)


@pytest.mark.parametrize("formula, expected", [
    ("=ROUND(45.3/80*100,2)", 56.63),  # formulas' own ROUND says 56.62: 15 significant digits first
    ("=ROUND(5*113/200,2)", 2.83),
    ("=ROUND(8.125,2)", 8.13),
    ("=ROUND(-2.5,0)", -3.0),
    ("=ROUNDUP(1.001,2)", 1.01),
    ("=ROUNDDOWN(-1.999,2)", -1.99),
    ("=INT(-1.5)", -2.0),
    ("=MOD(-7,3)", 2.0),
    ('=IF("a">5,1,0)', 1.0),  # text sorts after every number
    ('=IF(A9="",1,0)', 1.0),  # an empty cell equals ""
    ("=A9+1", 1.0),  # and counts as 0
    ("=COUNT(A1:A5)", 3.0),  # numbers only: not text, not TRUE
    ("=COUNTA(A1:A5)", 5.0),
    ("=SUM(A1:A5)", 6.0),
    ("=SUMPRODUCT((A1:A5>1)*1)", 4.0),  # "x" > 1 and TRUE > 1 too: text and booleans sort after numbers
    ('=COUNTIF(A1:A5,">=2")', 2.0),
    ('=COUNTIF(A1:A5,"x")', 1.0),
    ("=RANK(2,A1:A3,0)", 2.0),
    ("=SMALL(A1:A5,2)", 2.0),
    ("=INDEX(A1:A5,4)", "x"),
    ("=MATCH(3,A1:A5,0)", 3.0),
    ("=1/0", ExcelError("#DIV/0!")),
    ("=IFERROR(1/0,7)", 7.0),
    ("=IF(TRUE,5,1/0)", 5.0),  # the branch not taken does not matter
    ('=AVERAGEIF(A1:A5,">1")', 2.5),
    ("=0.1+0.2=0.3", True),  # compared with LibreOffice's tolerance
    ('="n"&1.5', "n1.5"),
    ("=MAX(A1:A5)", 3.0),
    ("=NA()", ExcelError("#N/A")),
])
def test_spreadsheet_semantics(tmp_path, formula, expected):
    result = _sheet(tmp_path, {"A1": 1, "A2": 2, "A3": 3, "A4": "x", "A5": True, "B1": formula})
    got = result.values["S"][(1, 2)]
    if isinstance(expected, float):
        assert isinstance(got, float) and got == pytest.approx(expected, abs=1e-12)
    else:
        assert got == expected and type(got) is type(expected)


def test_ranks_with_ties_and_blank_rows(tmp_path):
    """The template's rank, 同分 and 中国式排名 formulas over totals with ties and a blank row."""
    totals = [90, 95, 90, None, 80, 95]
    cells = {}
    for i, t in enumerate(totals, start=1):
        cells[f"A{i}"] = t
        cells[f"M{i}"] = f'=IF(A{i}="","",A{i})'
        cells[f"N{i}"] = f'=IF(M{i}="","",RANK(M{i},$M$1:$M$6,0))'
        cells[f"P{i}"] = f'=IF(M{i}="",1,COUNTIF($M$1:$M$6,M{i}))'
        cells[f"O{i}"] = f'=IF(M{i}="","",SUMPRODUCT(ISNUMBER($M$1:$M$6)*($M$1:$M$6>M{i})/$P$1:$P$6)+1)'
    v = _sheet(tmp_path, cells).values["S"]
    assert [v[(i, 14)] for i in range(1, 7)] == [3.0, 1.0, 3.0, "", 5.0, 1.0]
    assert [v[(i, 15)] for i in range(1, 7)] == [2.0, 1.0, 2.0, "", 3.0, 1.0]


def test_shared_formulas_as_excel_saves_them(tmp_path):
    """Excel writes a filled-down column as one shared formula; both engines read it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r in range(1, 6):
        ws[f"A{r}"] = r
        ws[f"B{r}"] = f"=A{r}*10+$A$1"
    wb.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("<f>A1*10+$A$1</f>", '<f t="shared" ref="B1:B5" si="0">A1*10+$A$1</f>')
    for r in range(2, 6):
        xml = xml.replace(f"<f>A{r}*10+$A$1</f>", '<f t="shared" si="0"/>')
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    shared = tmp_path / "shared.xlsx"
    with zipfile.ZipFile(shared, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    for engine in ("columns", "formulas"):
        values = recalculate(shared, engine=engine).values["S"]
        assert [values[(r, 2)] for r in range(1, 6)] == [11.0, 21.0, 31.0, 41.0, 51.0], engine
    assert translate("A1*10+$A$1", (1, 2), (4, 2)) == "A4*10+$A$1"


def test_the_formulas_engine_agrees_on_a_small_template(tmp_path):
    """The fallback (formulas.ExcelModel with Excel-exact ROUND) gives the columns engine's values."""
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "t.xlsx", frame.head(4))
    fast = recalculate(path, engine="columns")
    slow = recalculate(path, engine="formulas")
    assert slow.engine == "formulas"
    for sheet in ("评分",):
        for key, v in fast.values[sheet].items():
            w = slow.values[sheet][key]
            if isinstance(v, float):
                assert w == pytest.approx(v, abs=1e-9), (sheet, key)
            else:
                assert (w in ("", 0.0, None) and v == "") or w == v, (sheet, key, v, w)


@slow  # a command started several times over
def test_whole_column_references_go_to_the_formulas_engine(tmp_path):
    result = _sheet(tmp_path, {"A1": 2, "A2": 3, "B1": "=SUM(A:A)"})
    assert result.engine == "formulas" and "whole-column" in result.reason
    assert result.values["S"][(1, 2)] == 5.0


def test_unknown_functions_show_name_errors(tmp_path):
    result = _sheet(tmp_path, {"A1": 2, "B1": "=NOSUCHFUNCTION(A1)"})
    assert result.values["S"][(1, 2)] == ExcelError("#NAME?")


def test_columns_engine_refuses_what_it_cannot_read(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.active["B1"] = "=SUM(A:A)"
    wb.save(tmp_path / "w.xlsx")
    with pytest.raises(RecalcError, match="whole-column"):
        recalculate(tmp_path / "w.xlsx", engine="columns")


@needs_udfs
def test_udf_template_cells_call_grid_functions(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "u.xlsx", frame, formulas="udf")
    with Package(path) as pkg:
        text = pkg.cells("评分").formulas[(5, 3)].text
    comp = scheme.compiled()["events_per_10k"]
    assert text.startswith('IF(OR(') and ',"输入有误",IF(COUNT(' in text  # invalid inputs, then blanks
    assert 'GRID_SCORE("yushui-2022","events_per_10k",' in text
    assert text.split(',"输入有误",')[1].count("录入!") == 2 * len(comp.inputs)
    assert scores_table(recalculate(path))["total"].tolist() == \
        expected_table(scheme, frame, None)["total"].tolist()


def test_cached_values_read_back_by_the_package_reader(tmp_path):
    """Text, numbers, booleans and errors written into <v> read back with their types."""
    result = _sheet(tmp_path, {"A1": 1, "B1": '="t"', "B2": "=1.25", "B3": "=1>0", "B4": "=1/0", "B5": '=""'})
    out = tmp_path / "o.xlsx"
    write_recalculated(result, out)
    values = Package(out).cells("S").values()
    assert values[(1, 2)] == "t" and values[(2, 2)] == 1.25 and values[(3, 2)] is True
    assert values[(4, 2)] == ExcelError("#DIV/0!") and values[(5, 2)] == ""
    wb = openpyxl.load_workbook(out, data_only=True)
    assert [wb["S"][f"B{r}"].value for r in range(1, 5)] == ["t", 1.25, True, "#DIV/0!"]
