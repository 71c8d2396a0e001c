"""LibreOffice headless, the real spreadsheet engine, computes what `gridxl recalc` writes.

Every formula cell of a native template of every built-in scheme — filled with the sample file,
left blank, and filled with random valid inputs — recalculated by LibreOffice (a private profile
that recalculates on load) holds the value gridxl's engine computes.  Several workbooks go through
one soffice start.  In CI LibreOffice is installed, and a missing soffice fails these tests.
"""
from __future__ import annotations

import random

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gridxl.engine.cached_values import Package
from gridxl.workbook.libreoffice import convert
from gridxl.engine import recalculate, write_recalculated

from .excel_helpers import (IDS, SCHEMES, cell_differences, custom_inputs, custom_scheme, sample_inputs,
                            soffice_or_skip, template_with)
from .strategies import frame_of, subunit_frame, unit_names, unit_rows

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

# A5 holds text here, not TRUE: LibreOffice stores TRUE as the number 1, so SUM, COUNT, SMALL and comparisons
# over a range holding TRUE differ from Excel (which ignores it in ranges and sorts it after numbers).  gridxl
# follows Excel (tests/test_recalc.py); templates never hold booleans (inputs are validated numbers).
SEMANTICS = [
    "=ROUND(45.3/80*100,2)", "=ROUND(5*113/200,2)", "=ROUND(8.125,2)", "=ROUND(-2.5,0)", "=ROUNDUP(1.001,2)",
    "=ROUNDDOWN(-1.999,2)", "=INT(-1.5)", "=MOD(-7,3)", '=IF("a">5,1,0)', '=IF(A9="",1,0)', "=A9+1",
    "=COUNT(A1:A5)", "=COUNTA(A1:A5)", "=SUM(A1:A5)", "=SUMPRODUCT((A1:A5>1)*1)", '=COUNTIF(A1:A5,">=2")',
    '=COUNTIF(A1:A5,"x")',
    "=RANK(2,A1:A3,0)", "=SMALL(A1:A5,2)", "=INDEX(A1:A5,4)", "=MATCH(3,A1:A5,0)", "=1/0", "=IFERROR(1/0,7)",
    "=IF(TRUE,5,1/0)", '=AVERAGEIF(A1:A5,">1")', "=0.1+0.2=0.3", "=MAX(A1:A5)", "=NA()", "=ROUND(1.005*1000,-1)",
    "=SUMPRODUCT(ISNUMBER(A1:A5)*(A1:A5>=2)/COUNTIF(A1:A5,A1:A5))", "=ROUND(2.675,2)", "=ROUND(1234.5675,3)",
]


def _semantics_workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in {"A1": 1, "A2": 2, "A3": 3, "A4": "x", "A5": "y"}.items():
        ws[ref] = value
    for i, formula in enumerate(SEMANTICS, start=1):
        ws[f"B{i}"] = formula
    # ROUND near halves, where a raw-double ROUND and Excel's disagree
    rng = random.Random(4)
    for i in range(1, 201):
        x = rng.randint(0, 99999) / 1000 + 0.0005 * rng.choice([1, -1, 0])
        ws[f"D{i}"] = x
        ws[f"E{i}"] = f"=ROUND(D{i}*{rng.randint(1, 97)}/{rng.randint(1, 89)},2)"
        ws[f"F{i}"] = f"=ROUND(D{i},2)"
    wb.save(path)
    return path


def _compare_with_libreoffice(files, outdir):
    """{file: differences} between what LibreOffice computes and the values `gridxl recalc` writes."""
    outputs = convert(files, outdir)
    problems = {}
    for src, out in zip(files, outputs):
        mine = recalculate(src)
        assert mine.engine == "columns", (src, mine.reason)
        written = src.with_name(src.stem + "-gridxl.xlsx")
        write_recalculated(mine, written)
        with Package(written) as ours:
            values = {sheet: {k: v for k, v in ours.cells(sheet).values().items() if k in cells}
                      for sheet, cells in mine.values.items()}
        with Package(out) as lo:
            diffs = cell_differences(values, lo)
        if diffs:
            problems[src.name] = diffs[:10]
    return problems


@pytest.fixture(scope="module")
def libreoffice_run(tmp_path_factory):
    """Sample-filled and blank native templates of every scheme, and the semantics sheet: one soffice run."""
    soffice_or_skip()
    folder = tmp_path_factory.mktemp("lo-in")
    files = [_semantics_workbook(folder / "semantics.xlsx"),
             template_with(custom_scheme(folder), folder / "custom.xlsx", *custom_inputs())]
    for scheme in SCHEMES:
        inputs = sample_inputs(scheme)
        if inputs is not None:
            files.append(template_with(scheme, folder / f"{scheme.id}-sample.xlsx", *inputs, period="2024-05"))
        files.append(template_with(scheme, folder / f"{scheme.id}-blank.xlsx", rows=3))
    return _compare_with_libreoffice(files, tmp_path_factory.mktemp("lo-out"))


@pytest.mark.parametrize("scheme", SCHEMES, ids=IDS)
def test_sample_template_every_formula_cell(libreoffice_run, scheme):
    assert libreoffice_run.get(f"{scheme.id}-sample.xlsx") is None, libreoffice_run[f"{scheme.id}-sample.xlsx"]


@pytest.mark.parametrize("scheme", SCHEMES, ids=IDS)
def test_blank_template_every_formula_cell(libreoffice_run, scheme):
    assert libreoffice_run.get(f"{scheme.id}-blank.xlsx") is None, libreoffice_run[f"{scheme.id}-blank.xlsx"]


def test_every_rule_feature_at_once(libreoffice_run):
    assert libreoffice_run.get("custom.xlsx") is None, libreoffice_run["custom.xlsx"]


def test_spreadsheet_semantics_and_rounding_near_halves(libreoffice_run):
    assert libreoffice_run.get("semantics.xlsx") is None, libreoffice_run["semantics.xlsx"]


@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_random_inputs_every_scheme_every_formula_cell(data, tmp_path_factory):
    soffice_or_skip()
    folder = tmp_path_factory.mktemp("lo-random")
    files = []
    for scheme in SCHEMES:
        names = unit_names(scheme)
        rows = data.draw(unit_rows(scheme, 2, min(8, len(names)) if names else 8), label=scheme.id)
        frame = frame_of(rows, names[:len(rows)] if names else None)
        subs = None
        if scheme.subunit_fields():
            subs = subunit_frame(data.draw(unit_rows(scheme, len(rows), 2 * len(rows), level="subunit")),
                                 frame["unit"].tolist())
        files.append(template_with(scheme, folder / f"{scheme.id}.xlsx", frame, subs))
    problems = _compare_with_libreoffice(files, tmp_path_factory.mktemp("lo-random-out"))
    assert problems == {}


def test_a_template_saved_again_by_libreoffice_checks_clean_and_scores_the_same(tmp_path):
    """A clerk opens the template in LibreOffice and saves it: shared strings, its own spelling of formulas."""
    soffice_or_skip()
    from gridxl.core import get_scheme
    from gridxl.workbook.check import check_workbook
    from gridxl.workbook.export import scores_table

    scheme = get_scheme("dongying-2018")
    original = template_with(scheme, tmp_path / "dy.xlsx", *sample_inputs(scheme))
    (resaved,) = convert([original], tmp_path / "resaved")
    assert [str(p) for p in check_workbook(resaved).problems] == []
    assert scores_table(recalculate(resaved)).equals(scores_table(recalculate(original)))
