"""Nothing lost (issue 12, point 2): no command writes over a file it was not told to replace, never over a
filled template; `gridxl template --refresh` rebuilds a template keeping every typed value."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import openpyxl
import pytest

from gridxl.core import get_scheme
from gridxl.engine.cached_values import Package
from gridxl.workbook.check import check_workbook
from gridxl.workbook.template import read_layout

from .excel_helpers import SAMPLES, custom_inputs, custom_scheme, sample_inputs, template_with
from .tiers import slow, sweep

YUSHUI = SAMPLES / "yushui-2022.csv"


def _gridxl(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# each case: (the arguments, with {out} where the existing file is named)
CASES = {
    "score": ["score", "yushui-2022", YUSHUI, "-o", "{out}.csv"],
    "template": ["template", "yushui-2022", "-o", "{out}.xlsx"],
    "bulletin": ["bulletin", "yushui-2022", YUSHUI, "-o", "{out}.docx"],
    "bulletin --xlsx": ["bulletin", "yushui-2022", YUSHUI, "-o", "{tmp}/b.docx", "--xlsx", "{out}.xlsx"],
    "history -o": ["history", "yushui-2022", "{tmp}/results", "-o", "{out}.xlsx"],
    "addin --demo": ["addin", "--demo", "{out}.xlsx"],
    "addin --lite": ["addin", "--lite", "{tmp}/lite"],
}


def _args(case, tmp_path):
    out = tmp_path / "existing"
    return [str(a).format(out=out, tmp=tmp_path) for a in CASES[case]]


def _existing(case, tmp_path):
    if case == "addin --lite":
        (tmp_path / "lite").mkdir()
        path = tmp_path / "lite" / "main.py"
    else:
        suffix = next(str(a)[len("{out}"):] for a in CASES[case] if str(a).startswith("{out}"))
        path = tmp_path / f"existing{suffix}"
    path.write_bytes(b"a month of work")
    return path


@pytest.mark.parametrize("case", sweep(CASES, keep=1))  # CI: every command
def test_an_existing_file_is_replaced_only_with_force(case, tmp_path):
    existing = _existing(case, tmp_path)
    (tmp_path / "results").mkdir()
    r = _gridxl(*_args(case, tmp_path))
    assert r.returncode == 2, r.stderr
    assert "already exists" in r.stderr and "--force" in r.stderr
    assert existing.read_bytes() == b"a month of work"
    if case == "history -o":  # history needs a stored period to write its tables
        assert _gridxl("history", "yushui-2022", tmp_path / "results", "--add", YUSHUI,
                       "--period", "2022-11").returncode == 0
    r = _gridxl(*_args(case, tmp_path), "--force")
    assert r.returncode == 0, r.stderr
    assert existing.read_bytes() != b"a month of work"


@slow
def test_recalc_outputs_are_replaced_only_with_force(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    filled = template_with(scheme, tmp_path / "filled.xlsx", frame)
    for flag in ("-o", "--export"):
        out, csv = tmp_path / "out.xlsx", tmp_path / "scores.csv"
        target = out if flag == "-o" else csv
        target.write_bytes(b"keep me")
        r = _gridxl("recalc", filled, "-o", out, "--export", csv)
        assert r.returncode == 2 and "already exists" in r.stderr
        assert target.read_bytes() == b"keep me"
        assert _gridxl("recalc", filled, "-o", out, "--export", csv, "--force").returncode == 0
        for p in (out, csv):
            p.unlink()


@slow
def test_a_filled_template_is_never_written_over(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    filled = template_with(scheme, tmp_path / "filled.xlsx", frame)
    before = _digest(filled)
    for args in (["template", "yushui-2022", "-o", filled, "--force"],
                 ["template", "--refresh", filled, "-o", filled, "--force"],
                 ["score", "yushui-2022", YUSHUI, "-o", filled, "--force"],
                 ["recalc", tmp_path / "filled.xlsx", "-o", filled, "--force"]):
        r = _gridxl(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert "filled.xlsx" in r.stderr
    other = template_with(scheme, tmp_path / "other.xlsx", frame)
    r = _gridxl("template", "yushui-2022", "-o", other, "--force")
    assert r.returncode == 2 and "gridxl template" in r.stderr and "--refresh" in r.stderr
    assert _digest(filled) == before


def test_history_output_is_not_its_add_input(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    source = tmp_path / "in.xlsx"
    import pandas as pd
    pd.read_csv(YUSHUI).to_excel(source, index=False)
    before = _digest(source)
    r = _gridxl("history", "yushui-2022", results, "--add", source, "--period", "2022-11", "-o", source, "--force")
    assert r.returncode == 2 and "input" in r.stderr
    assert _digest(source) == before
    assert not list(results.rglob("*.csv"))  # refused before anything was stored


# -- template --refresh ----------------------------------------------------------------------------
def _typed_values(path, sheet):
    """{(row, key): value} of the input cells, keys from the template's own layout."""
    with Package(path) as pkg:
        layout = read_layout(pkg)
        cols = {c: key for (s, role, key), c in layout.columns.items() if s == sheet and role in ("unit", "field",
                                                                                                  "subunit")}
        first, _ = layout.sheet_rows[sheet]
        return {(r, cols[c]): v for (r, c), v in pkg.cells(sheet).values().items()
                if c in cols and r >= first and v not in (None, "")}


def test_refresh_keeps_every_typed_value_and_units_added_below(tmp_path):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path / "filled.xlsx", frame)
    wb = openpyxl.load_workbook(path)
    ws = wb["录入"]
    ws["C5"], ws["D6"], ws["E7"], ws["F8"], ws["G9"] = "八十", "36998", "４６５８", -5, True
    last = 4 + len(frame)
    ws.cell(last + 1, 2).value = "新增镇"  # a unit typed below the template's last row
    ws.cell(last + 1, 3).value = 1234
    wb["评分"]["C10"] = 3  # a typed-over formula: the refreshed template has its formula back
    wb.save(tmp_path / "typed.xlsx")
    r = _gridxl("template", "--refresh", tmp_path / "typed.xlsx", "-o", tmp_path / "new.xlsx")
    assert r.returncode == 0, r.stderr
    old = _typed_values(tmp_path / "typed.xlsx", "录入")
    new = _typed_values(tmp_path / "new.xlsx", "录入")
    assert new == old
    assert "八十" in new.values() and "新增镇" in new.values() and True in new.values()
    problems = {f"{p.sheet}!{p.cell}" for p in check_workbook(tmp_path / "new.xlsx").problems}
    assert {"录入!C5", "录入!D6", "录入!E7", "录入!F8", "录入!G9"} <= problems
    assert not any(p.startswith("评分") for p in problems)  # every formula is the generator's again
    with Package(tmp_path / "new.xlsx") as pkg:
        layout = read_layout(pkg)
        assert layout.unit_rows == len(frame) + 1 and "新增镇" in layout.units


def test_refresh_takes_the_new_version_of_the_scheme(tmp_path):
    from .excel_helpers import CUSTOM_TOML
    scheme = custom_scheme(tmp_path)
    frame, subs = custom_inputs()
    path = template_with(scheme, tmp_path / "filled.xlsx", frame, subs)
    (tmp_path / "custom-test.toml").write_text(CUSTOM_TOML.replace("points = 30\nkind = \"rank_decay\"\nvalue = "
                                                                   "\"visits / households\"",
                                                                   "points = 40\nkind = \"rank_decay\"\nvalue = "
                                                                   "\"visits / households\""), encoding="utf-8")
    assert "points = 40" in (tmp_path / "custom-test.toml").read_text(encoding="utf-8")
    r = _gridxl("template", "--refresh", path, "-o", tmp_path / "new.xlsx")
    assert r.returncode == 0, r.stderr
    for sheet in ("录入", f"{scheme.subunit}录入"):
        assert _typed_values(tmp_path / "new.xlsx", sheet) == _typed_values(path, sheet)
    assert check_workbook(tmp_path / "new.xlsx").notes == []  # made with the scheme as it is now
    from gridxl.core import load_scheme, score_frame
    from .excel_helpers import expected_table, table_differences, workbook_scores
    new_scheme = load_scheme(tmp_path / "custom-test.toml")
    assert table_differences(expected_table(new_scheme, frame, subs), workbook_scores(tmp_path / "new.xlsx")) == []
    assert score_frame(new_scheme, frame, subs).table["visit_rank"].max() > 30


def test_refresh_refuses_to_drop_a_typed_field(tmp_path):
    from .excel_helpers import CUSTOM_TOML
    scheme = custom_scheme(tmp_path)
    frame, subs = custom_inputs()
    path = template_with(scheme, tmp_path / "filled.xlsx", frame, subs)
    start = CUSTOM_TOML.index('[[indicators]]\nkey = "bonus"')
    end = CUSTOM_TOML.index("[[grades]]")
    text = CUSTOM_TOML[:start] + CUSTOM_TOML[end:]
    text = text.replace('[[fields]]\nkey = "bonus_items"\nlabel = "加分项"\n', "")
    (tmp_path / "custom-test.toml").write_text(text, encoding="utf-8")
    r = _gridxl("template", "--refresh", path, "-o", tmp_path / "new.xlsx")
    assert r.returncode == 2 and "bonus_items" in r.stderr and "nothing written" in r.stderr
    assert not (tmp_path / "new.xlsx").exists()
