"""Every function of the columns engine's registry against a table of expected values, which LibreOffice
(the reference spreadsheet engine) computes too; and the registry itself: one decorated definition adds one."""
from __future__ import annotations

import math
import re

import openpyxl
import pytest

from gridxl.engine import ExcelError, Package, recalculate
from gridxl.engine.functions import FUNCTIONS, SPECIAL_FORMS, function
from gridxl.workbook.libreoffice import convert

from .excel_helpers import soffice_or_skip
from .tiers import slow

# the data every case reads: A numbers, text and a blank; B numbers; C texts
DATA = {"A1": 1, "A2": 2, "A3": 3, "A4": "x", "A6": -2.5, "B1": 10, "B2": 20, "B3": 30, "C1": "a", "C2": "b",
        "C3": "a"}
NA, DIV0, NUM, VALUE, REF = (ExcelError(e) for e in ("#N/A", "#DIV/0!", "#NUM!", "#VALUE!", "#REF!"))

# (function, formula, expected): Excel's value, hand-computed from DATA; LibreOffice's agrees (test below)
CASES = [
    ("SUM", "=SUM(A1:A6)", 3.5), ("SUM", "=SUM(A1:A3,1/0)", DIV0), ("SUM", '=SUM(1,"2",TRUE)', 4.0),
    ("MIN", "=MIN(A1:A6)", -2.5), ("MIN", "=MIN(A4:A5)", 0.0),
    ("MAX", "=MAX(A1:A6)", 3.0),
    ("AVERAGE", "=AVERAGE(A1:A6)", 0.875), ("AVERAGE", "=AVERAGE(A4:A5)", DIV0),
    ("COUNT", "=COUNT(A1:A6)", 4.0), ("COUNT", '=COUNT(1,"2","x")', 2.0),
    ("COUNTA", "=COUNTA(A1:A6)", 5.0),
    ("COUNTBLANK", "=COUNTBLANK(A1:A6)", 1.0),
    ("AND", "=AND(A1>0,A2>1)", True), ("AND", "=AND(A1:A3)", True),
    ("OR", "=OR(A1>5,A2>5)", False),
    ("NOT", "=NOT(A1=1)", False),
    ("N", "=N(A2)", 2.0), ("N", "=N(A4)", 0.0),
    ("INT", "=INT(-2.5)", -3.0), ("INT", "=INT(A4)", VALUE),
    ("ABS", "=ABS(A6)", 2.5),
    ("SIGN", "=SIGN(A6)", -1.0),
    ("ROUND", "=ROUND(2.675,2)", 2.68), ("ROUND", "=ROUND(-2.5,0)", -3.0), ("ROUND", "=ROUND(1234.5675,-2)", 1200.0),
    ("ROUND", "=ROUND(45.3/80*100,2)", 56.63),
    ("ROUNDUP", "=ROUNDUP(1.001,2)", 1.01),
    ("ROUNDDOWN", "=ROUNDDOWN(-1.999,2)", -1.99),
    ("TRUNC", "=TRUNC(-2.57,1)", -2.5),
    ("MOD", "=MOD(-7,3)", 2.0), ("MOD", "=MOD(5,0)", DIV0),
    ("SQRT", "=SQRT(16)", 4.0), ("SQRT", "=SQRT(-1)", NUM),
    ("POWER", "=POWER(2,10)", 1024.0),
    ("SUMPRODUCT", "=SUMPRODUCT(A1:A3,B1:B3)", 140.0), ("SUMPRODUCT", "=SUMPRODUCT((B1:B3>15)*B1:B3)", 50.0),
    ("ISNUMBER", "=ISNUMBER(A4)", False), ("ISNUMBER", "=ISNUMBER(A1)", True),
    ("ISTEXT", "=ISTEXT(A4)", True),
    ("ISBLANK", "=ISBLANK(A5)", True), ("ISBLANK", "=ISBLANK(A1)", False),
    ("ISERROR", "=ISERROR(1/0)", True),
    ("ISNA", "=ISNA(NA())", True), ("ISNA", "=ISNA(1/0)", False),
    ("ISLOGICAL", "=ISLOGICAL(TRUE)", True),
    ("NA", "=NA()", NA),
    ("TRUE", "=TRUE()", True),
    ("FALSE", "=FALSE()", False),
    ("PI", "=PI()", math.pi),
    ("COUNTIF", '=COUNTIF(A1:A6,">=2")', 2.0), ("COUNTIF", '=COUNTIF(C1:C3,"a")', 2.0),
    ("COUNTIF", '=COUNTIF(A1:A6,"")', 1.0),
    ("SUMIF", '=SUMIF(C1:C3,"a",B1:B3)', 40.0), ("SUMIF", '=SUMIF(B1:B3,">15")', 50.0),
    ("AVERAGEIF", '=AVERAGEIF(C1:C3,"a",B1:B3)', 20.0), ("AVERAGEIF", '=AVERAGEIF(C1:C3,"z",B1:B3)', DIV0),
    ("COUNTIFS", '=COUNTIFS(C1:C3,"a",B1:B3,">10")', 1.0),
    ("SUMIFS", '=SUMIFS(B1:B3,C1:C3,"a",B1:B3,"<30")', 10.0),
    ("AVERAGEIFS", '=AVERAGEIFS(B1:B3,C1:C3,"b")', 20.0),
    ("RANK", "=RANK(2,A1:A3,0)", 2.0), ("RANK", "=RANK(9,A1:A3)", NA),
    ("RANK.EQ", "=_xlfn.RANK.EQ(3,A1:A3,1)", 3.0),
    ("SMALL", "=SMALL(A1:A6,2)", 1.0), ("SMALL", "=SMALL(A1:A3,5)", NUM),
    ("LARGE", "=LARGE(A1:A6,1)", 3.0),
    ("INDEX", "=INDEX(B1:B3,2)", 20.0), ("INDEX", "=INDEX(B1:B3,5)", REF), ("INDEX", "=INDEX(A1:C3,3,2)", 30.0),
    ("MATCH", "=MATCH(3,A1:A6,0)", 3.0), ("MATCH", "=MATCH(9,A1:A3,0)", NA), ("MATCH", "=MATCH(2.5,A1:A3,1)", 2.0),
    ("MATCH", '=MATCH("B",C1:C3,0)', 2.0),
    ("CHOOSE", '=CHOOSE(2,"a","b")', "b"), ("CHOOSE", "=CHOOSE(4,1,2)", VALUE),
    ("IF", '=IF(A1>0,"pos","neg")', "pos"), ("IF", "=IF(A1>5,1/0,7)", 7.0), ("IF", "=IF(A4,1,2)", VALUE),
    ("IFERROR", "=IFERROR(1/0,7)", 7.0), ("IFERROR", "=IFERROR(A1,7)", 1.0),
    ("IFNA", "=_xlfn.IFNA(NA(),8)", 8.0), ("IFNA", "=_xlfn.IFNA(1/0,8)", DIV0),
    ("ROW", "=ROW(B3)", 3.0), ("ROW", "=ROW()", None),  # None: the row of the cell itself, filled in below
    ("COLUMN", "=COLUMN(C1)", 3.0),
    ("ROWS", "=ROWS(A1:A6)", 6.0),
    ("COLUMNS", "=COLUMNS(A1:C1)", 3.0),
]
FIRST = 1  # cases go in column E from this row
# Where LibreOffice is not Excel.  Its "invalid argument" (Err:502) is saved in xlsx as #VALUE!, where Excel
# gives #NUM!, #N/A or #REF!; and it does not read a text argument typed into SUM as a number.  Templates
# never rely on either: they show error codes only through ISNUMBER/IFERROR guards, and SUM reads ranges.
LIBREOFFICE = {"=SQRT(-1)": VALUE, "=RANK(9,A1:A3)": VALUE, "=SMALL(A1:A3,5)": VALUE, "=INDEX(B1:B3,5)": VALUE,
               '=SUM(1,"2",TRUE)': VALUE}


def _workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "F"
    for ref, value in DATA.items():
        ws[ref] = value
    for i, (_name, formula, _expected) in enumerate(CASES):
        ws.cell(FIRST + i, 5, formula)
    wb.save(path)
    return path


def _expected(i):
    expected = CASES[i][2]
    return float(FIRST + i) if expected is None else expected


def _same(got, expected, booleans_as_numbers=False):
    if isinstance(expected, ExcelError) or isinstance(got, ExcelError):
        return str(got) == str(expected)
    if isinstance(expected, bool):
        if booleans_as_numbers and isinstance(got, float):
            return got == float(expected)
        return got is expected or got == expected and isinstance(got, bool)
    if isinstance(expected, float):
        return isinstance(got, float) and not isinstance(got, bool) and math.isclose(got, expected, rel_tol=1e-14)
    return got == expected


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return _workbook(tmp_path_factory.mktemp("functions") / "functions.xlsx")


def test_every_registered_function_has_cases():
    named = {name for name, _, _ in CASES}
    assert set(FUNCTIONS) | set(SPECIAL_FORMS) <= named, sorted(set(FUNCTIONS) | set(SPECIAL_FORMS) - named)
    assert named <= set(FUNCTIONS) | set(SPECIAL_FORMS), sorted(named - set(FUNCTIONS) - set(SPECIAL_FORMS))
    for name, formula, _ in CASES:
        assert name in formula.upper(), (name, formula)


def test_each_function_gives_the_expected_value(book):
    result = recalculate(book, engine="columns")
    assert result.notes == []  # every case ran in the columns engine's own functions, none through the bridge
    values = result.values["F"]
    wrong = [(CASES[i][1], values.get((FIRST + i, 5)), _expected(i)) for i in range(len(CASES))
             if not _same(values.get((FIRST + i, 5)), _expected(i))]
    assert not wrong, wrong


def test_filled_down_each_function_gives_the_same_value_on_every_row(tmp_path):
    """The same cases as groups of cells (the vectorised path): each formula in 4 rows, reading the same data."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "F"
    for ref, value in DATA.items():
        ws[ref] = value
    cases = [(n, f, e) for n, f, e in CASES if e is not None]
    for j, (_name, formula, _expected) in enumerate(cases):
        absolute = re.sub(r"(?<![\w$])([A-C])([1-6])(?!\d)", r"$\1$\2", formula)  # every row reads the same data
        for r in range(10, 14):
            ws.cell(r, 7 + j, absolute)
    wb.save(tmp_path / "down.xlsx")
    values = recalculate(tmp_path / "down.xlsx", engine="columns").values["F"]
    wrong = [(f, r, values.get((r, 7 + j)), e) for j, (_n, f, e) in enumerate(cases) for r in range(10, 14)
             if not _same(values.get((r, 7 + j)), e)]
    assert not wrong, wrong[:10]


@pytest.mark.libreoffice
@slow
def test_libreoffice_computes_the_expected_values(book, tmp_path):
    soffice_or_skip()
    [out] = convert([book], tmp_path)
    with Package(out) as lo:
        values = lo.cells("F").values()
    # LibreOffice has no boolean type: TRUE is the number 1 shown as TRUE
    expected = [LIBREOFFICE.get(CASES[i][1], _expected(i)) for i in range(len(CASES))]
    wrong = [(CASES[i][1], values.get((FIRST + i, 5)), expected[i]) for i in range(len(CASES))
             if not _same(values.get((FIRST + i, 5)), expected[i], booleans_as_numbers=True)]
    assert not wrong, wrong
    assert set(LIBREOFFICE) <= {formula for _, formula, _ in CASES}


def test_one_decorated_definition_adds_a_function(tmp_path):
    from gridxl.engine.values import Errors, finish, numeric

    @function("GXTWICE")
    def f_twice(ctx, v):
        errors = Errors(v.shape)
        return finish(numeric(v, errors) * 2, errors)

    try:
        wb = openpyxl.Workbook()
        wb.active["A1"] = 21
        for r in range(2, 6):
            wb.active[f"B{r}"] = f"=GXTWICE(A{r - 1})+0"
        wb.save(tmp_path / "w.xlsx")
        result = recalculate(tmp_path / "w.xlsx", engine="columns")
        assert [result.values["Sheet"][(r, 2)] for r in range(2, 6)] == [42.0, 0.0, 0.0, 0.0]
        assert result.notes == []
        with pytest.raises(ValueError, match="GXTWICE is registered twice"):
            function("GXTWICE")(f_twice)
        with pytest.raises(ValueError, match="IF is registered twice"):
            function("IF")(f_twice)
    finally:
        del FUNCTIONS["GXTWICE"]
