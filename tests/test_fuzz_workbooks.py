"""Fuzz: generated templates with random mutations go through check, recalc and score.

Every run ends in a result or a clear error (exit status 1 or 2 with a message), never an
uncaught exception; the input workbook is never changed. Fixed budget, derandomised.
"""
from __future__ import annotations

import hashlib

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gridxl.cli import main

from .conftest import SAMPLES
from .tiers import slow

pytestmark = slow  # the slow tier: --all, CI=1


JUNK = st.one_of(
    st.sampled_from(["", "  ", "１２", "1,234", "95%", "-3", "abc", "=1/0", "=A1", "#N/A", "TRUE",
                     "1e308", "=HYPERLINK(\"x\")", "@SUM(1)", None]),
    st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "yushui.xlsx"
    assert main(["template", "yushui-2022", "-o", str(path), "--data", str(SAMPLES / "yushui-2022.csv"),
                 "--period", "2022-11"]) == 0
    return path.read_bytes()


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(["录入", "评分", "汇总", "说明"]), st.integers(1, 30),
                                st.integers(1, 25), JUNK), min_size=1, max_size=6),
       rename=st.sampled_from([None, "录入", "评分"]), drop_rows=st.integers(0, 2))
def test_mutated_workbooks_give_results_or_clear_errors(tmp_path_factory, template, edits, rename, drop_rows, capsys):
    folder = tmp_path_factory.mktemp("fuzz")
    src = folder / "in.xlsx"
    src.write_bytes(template)
    wb = openpyxl.load_workbook(src)
    for sheet, row, col, value in edits:
        if sheet in wb.sheetnames:
            ws = wb[sheet]
            ws.protection.sheet = False
            cell = ws.cell(row=row, column=col)
            if not isinstance(cell, openpyxl.cell.cell.MergedCell):
                cell.value = value
    if drop_rows and "录入" in wb.sheetnames:
        wb["录入"].delete_rows(6, drop_rows)
    if rename and rename in wb.sheetnames:
        wb[rename].title = rename + "（改）"
    wb.save(src)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    codes = [main(["check", str(src)]),
             main(["recalc", str(src), "-o", str(folder / "out.xlsx"), "--export", str(folder / "s.csv")]),
             main(["score", "yushui-2022", str(src), "-o", str(folder / "score.csv")])]
    err = capsys.readouterr().err
    assert all(code in (0, 1, 2) for code in codes), codes
    assert "Traceback" not in err
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
