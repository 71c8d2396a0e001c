"""Issue 10, point 1: no text from a scheme file or an option ever becomes a formula.

Every workbook gridxl writes (template native and UDF, its recalculated copy, `score -o .xlsx`,
`bulletin --xlsx`, `history -o`) is made from a scheme whose every label, rule, unit word and
ambiguity is a formula-like payload, with unit names, --period, --area, --title and --issuer
hostile too. The test reads the XML of each workbook: no formula element (``<f>``, validation
``<formula1>``, conditional ``<formula>``, chart ``<c:f>``) carries a payload outside a quoted string
literal, and each payload is present as text (so the test cannot pass by dropping it).
"""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from .conftest import SAMPLES
from .hostile import MARKERS, all_text, formula_code, hostile_scheme_dict, write_scheme
from .tiers import sweep

HOSTILE_UNITS = ['=HYPERLINK("http://evil.example/u","x")', "+1+1", "@SUM(A1)", "-3+3", "=cmd|' /C calc'!A0",
                 # XlsxWriter writes a text shaped <r>…</r> as raw rich-text markup: in an inline-string
                 # cell this one would close the text and open a formula element
                 '<r><t>x</t></r></is><f>HYPERLINK("http://evil.example/r")</f><is><r><t>y</t></r>']


def gridxl(*args, cwd=None):
    run = subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def assert_no_code_from_text(xlsx, expected_texts):
    code = formula_code(xlsx)
    leaked = [(part, f) for part, f in code if any(m in f for m in MARKERS)]
    assert not leaked, f"{xlsx.name}: text became formula code: {leaked[:3]}"
    text = all_text(xlsx)
    missing = [t for t in expected_texts if t.replace('"', "&quot;") not in text and t not in text]
    assert not missing, f"{xlsx.name}: hostile text not written as text: {missing}"


def hostile_names(scheme_id):
    units = pd.read_csv(SAMPLES / f"{scheme_id}.csv", dtype=object)["unit"].tolist()
    return {u: HOSTILE_UNITS[i] if i < len(HOSTILE_UNITS) else f"{HOSTILE_UNITS[i % len(HOSTILE_UNITS)]}#{i}"
            for i, u in enumerate(units)}


def rename_unit_cases(data, names):
    """Tables by unit name ({by = "unit", 六户镇 = 500}) follow the renamed units."""
    for ind in data["indicators"]:
        for key, value in list(ind.items()):
            if isinstance(value, dict) and value.get("by") == "unit":
                ind[key] = {names.get(k, k) if k != "by" else k: v for k, v in value.items()}


def hostile_data(scheme_id, tmp_path, names):
    frame = pd.read_csv(SAMPLES / f"{scheme_id}.csv", dtype=object)
    frame["unit"] = frame["unit"].map(names)
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    sub = None
    if (SAMPLES / f"{scheme_id}-subunits.csv").exists():
        grids = pd.read_csv(SAMPLES / f"{scheme_id}-subunits.csv", dtype=object)
        grids["unit"] = grids["unit"].map(names)
        sub = tmp_path / "grids.csv"
        grids.to_csv(sub, index=False)
    return path, sub, list(names.values())


@pytest.mark.parametrize("scheme_id", sweep(["gridworker-stars", "liujiaoting", "dongying-2018"], keep=1))  # dongying: 300 grid rows
def test_no_workbook_gets_a_formula_from_text(tmp_path, scheme_id):
    names = hostile_names(scheme_id)
    data = hostile_scheme_dict(scheme_id)
    rename_unit_cases(data, names)
    scheme = write_scheme(data, tmp_path / "hostile.toml")
    labels = [f["label"] for f in data["fields"]] + [data["name"]]
    inputs, grids, units = hostile_data(scheme_id, tmp_path, names)
    (tmp_path / "units.txt").write_text("\n".join(units), encoding="utf-8")
    # --period must be one of the scheme's period forms (2022-11, 2022 …): no free text reaches the sheet
    periods = ["2021", "2022"] if data.get("period") == "annual" else ["2022-10", "2022-11"]
    period = periods[-1]
    made = {}
    for mode in ("native", "udf"):
        out = tmp_path / f"template-{mode}.xlsx"
        run = gridxl("template", scheme, "-o", out, "--units", tmp_path / "units.txt", "--period", period,
                     "--formulas", mode)
        assert run.returncode == 0, run.stderr
        made[out] = labels + units[:3]
    run = gridxl("template", scheme, "-o", tmp_path / "prefilled.xlsx", "--data", inputs,
                 *(["--subunits", grids] if grids else []))
    assert run.returncode == 0, run.stderr
    made[tmp_path / "prefilled.xlsx"] = labels + units[:3]
    run = gridxl("recalc", tmp_path / "prefilled.xlsx", "-o", tmp_path / "recalc.xlsx")
    assert run.returncode == 0, run.stderr
    made[tmp_path / "recalc.xlsx"] = labels + units[:3]
    extra = ["--subunits", grids] if grids else []
    run = gridxl("score", scheme, inputs, "-o", tmp_path / "scores.xlsx", *extra)
    assert run.returncode == 0, run.stderr
    made[tmp_path / "scores.xlsx"] = units[:3]
    store = tmp_path / "store"
    for month in periods:
        run = gridxl("bulletin", scheme, inputs, "-o", tmp_path / f"b{month}.docx", "--xlsx",
                     tmp_path / f"b{month}.xlsx", "--period", month, "--store", store, "--area", "+SUM(1)",
                     "--title", "=HYPERLINK(\"http://evil.example/t\")", "--issuer", "@SUM(A1)", *extra)
        assert run.returncode == 0, run.stderr
    made[tmp_path / f"b{period}.xlsx"] = units[:3] + [data["name"]]
    weights = [] if periods[0] == "2022-10" else ["--weights", "2021=40%,2022=60%"]  # years: a composite table
    run = gridxl("history", scheme, store, "-o", tmp_path / "history.xlsx", *weights)
    assert run.returncode == 0, run.stderr
    made[tmp_path / "history.xlsx"] = units[:3]
    for path, texts in made.items():
        assert_no_code_from_text(path, texts)


def test_csv_header_and_rows_are_guarded(tmp_path):
    from gridxl.io.outputs import write_table
    frame = pd.DataFrame({"unit": ["=1+1", "ok"], "@SUM(A1)": [1.0, 2.0], "+x": ["-2", "3"]})
    write_table(frame, tmp_path / "out.csv")
    import csv
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["unit", "'@SUM(A1)", "'+x"]
    assert rows[1][0] == "'=1+1" and float(rows[1][1]) == 1.0 and rows[1][2] == "'-2"


@pytest.mark.parametrize("key", ["a-b", "1abc", "总分", "a b", "x.y", ""])
def test_keys_must_be_identifiers(tmp_path, key):
    from gridxl.core.scheme import SchemeError, load_scheme
    data = hostile_scheme_dict("yushui-2022")
    data["fields"][0]["key"] = key
    with pytest.raises(SchemeError, match="letters, digits and _"):
        load_scheme(write_scheme(data, tmp_path / "s.toml"))
