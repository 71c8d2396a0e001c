"""Issue 10, point 2: no file other than the named input is opened — links to other workbooks are refused."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import openpyxl
import pytest
from .tiers import sweep

from gridxl.workbook.check import CheckError, check_workbook
from gridxl.engine import RecalcError, recalculate
from gridxl.workbook.template import build_template
from gridxl.core import get_scheme


def gridxl(*args):
    run = subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)
    assert "Traceback" not in run.stderr, run.stderr
    return run


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("links") / "t.xlsx"
    build_template(get_scheme("yushui-2022"), path, units=["甲镇", "乙镇"])
    return path


def plain(tmp_path, formula, name="plain.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 1
    ws["B2"] = formula
    path = tmp_path / name
    wb.save(path)
    return path


FORMULAS = {"[1]Sheet1!A1": "another workbook", "=SUM([1]Sheet1!A1:B2)+1": "another workbook",
            "='[1]My sheet'!A1": "another workbook",
            "='C:\\secret\\[other.xlsx]Sheet1'!A1": "another workbook",
            "='/tmp/secret/[other.xlsx]Sheet1'!A1": "another workbook",
            "=cmd|' /C calc'!A0": "DDE", '=WEBSERVICE("http://evil.example/")': "WEBSERVICE",
            '=INDIRECT("[other.xlsx]Sheet1!A1")': "INDIRECT"}


@pytest.mark.parametrize("formula", sweep(FORMULAS))
def test_recalc_refuses_formulas_reaching_outside(tmp_path, formula):
    expected = FORMULAS[formula]
    formula = formula if formula.startswith("=") else "=" + formula
    path = plain(tmp_path, formula)
    for engine in ("auto", "formulas"):
        with pytest.raises(RecalcError, match=f"sheet 'Sheet', cell B2: .*{expected}"):
            recalculate(path, engine=engine)
    run = gridxl("recalc", path, "-o", tmp_path / "out.xlsx")
    assert run.returncode == 2 and "cell B2" in run.stderr and "断开链接" in run.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_check_refuses_a_template_with_a_link(tmp_path, template):
    wb = openpyxl.load_workbook(template)
    wb["评分"]["C5"] = "=[1]Sheet1!A1*2"
    wb.save(tmp_path / "linked.xlsx")
    with pytest.raises(CheckError, match="sheet '评分', cell C5: refers to another workbook"):
        check_workbook(tmp_path / "linked.xlsx")
    run = gridxl("check", tmp_path / "linked.xlsx")
    assert run.returncode == 2 and "评分" in run.stderr and "C5" in run.stderr
    run = gridxl("recalc", tmp_path / "linked.xlsx", "-o", tmp_path / "out.xlsx", "--export", tmp_path / "s.csv")
    assert run.returncode == 2 and not (tmp_path / "out.xlsx").exists() and not (tmp_path / "s.csv").exists()


def test_external_link_parts_are_refused_naming_the_target(tmp_path, template):
    linked = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(linked, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/externalLinks/externalLink1.xml",
                     '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                     '<externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                     'relationships"/></externalLink>')
        dst.writestr("xl/externalLinks/_rels/externalLink1.xml.rels",
                     '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                     '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                     'relationships/externalLinkPath" Target="file:///C:/secret/other.xlsx" '
                     'TargetMode="External"/></Relationships>')
    for call, error in ((lambda: recalculate(linked), RecalcError), (lambda: check_workbook(linked), CheckError)):
        with pytest.raises(error, match="links to other files .*C:/secret/other.xlsx"):
            call()


def test_defined_name_to_another_workbook_is_refused(tmp_path):
    from openpyxl.workbook.defined_name import DefinedName
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=Elsewhere+1"
    wb.defined_names["Elsewhere"] = DefinedName("Elsewhere", attr_text="[1]Sheet1!$A$1")
    wb.save(tmp_path / "named.xlsx")
    with pytest.raises(RecalcError, match="defined name 'Elsewhere' refers to another workbook"):
        recalculate(tmp_path / "named.xlsx")


@pytest.mark.parametrize("formula", ["=Table1[Col]", '=IF(A1>0,"[1]Sheet1!A1","")', "=A1+1"])
def test_ordinary_formulas_are_not_mistaken_for_links(formula):
    from gridxl.engine.links import outside_reference
    assert outside_reference(formula.lstrip("=")) is None
