"""The xlsx reader parses XML: every way a writer may spell a workbook reads the same cells.

The oracle for each variant is the original file (written by openpyxl, read before the rewrite)
and `gridxl score` on the same inputs (the scoring core).
"""
from __future__ import annotations

import numpy as np
import pytest

from gridxl.core import get_scheme
from gridxl.engine.cached_values import Package, PackageError
from gridxl.workbook.check import check_workbook
from gridxl.workbook.formula_meaning import same_formula
from gridxl.engine import recalculate, write_recalculated
from gridxl.engine.columns import ColumnsEngine
from gridxl.workbook.export import scores_table

from .excel_helpers import expected_table, sample_inputs, table_differences, template_with
from .xlsx_variants import VARIANTS, all_at_once, rewrite


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    scheme = get_scheme("yushui-2022")
    frame, _ = sample_inputs(scheme)
    path = template_with(scheme, tmp_path_factory.mktemp("xml") / "filled.xlsx", frame, period="2022-11")
    return scheme, frame, path


def _expanded_formulas(pkg, sheet):
    from gridxl.engine import translate
    formulas = pkg.cells(sheet).formulas
    masters = {f.si: (rc, f.text) for rc, f in formulas.items() if f.kind == "shared" and f.text is not None}
    out = {}
    for rc, f in formulas.items():
        out[rc] = f.text if f.text is not None else translate(masters[f.si][1], masters[f.si][0], rc)
    return out


VARIANT_NAMES = list(VARIANTS) + ["all-at-once"]


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_every_spelling_reads_the_same_cells(filled, tmp_path, variant):
    _, _, path = filled
    change = all_at_once if variant == "all-at-once" else VARIANTS[variant]
    other = rewrite(path, tmp_path / f"{variant}.xlsx", change)
    a, b = Package(path), Package(other)
    assert a.sheet_names == b.sheet_names
    respelled = 0
    for sheet in a.sheet_names:
        assert b.cells(sheet).values() == a.cells(sheet).values(), sheet
        fa, fb = _expanded_formulas(a, sheet), _expanded_formulas(b, sheet)
        assert set(fa) == set(fb), sheet
        differ = [rc for rc in fa if fa[rc] != fb[rc]]
        if variant in ("rank-eq", "all-at-once"):
            assert all("RANK.EQ" in fb[rc] for rc in differ)
            respelled += len(differ)
        else:
            assert differ == [], sheet
    assert respelled > 0 or variant not in ("rank-eq", "all-at-once")


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_every_spelling_checks_clean_and_scores_as_the_core(filled, tmp_path, variant):
    scheme, frame, path = filled
    change = all_at_once if variant == "all-at-once" else VARIANTS[variant]
    other = rewrite(path, tmp_path / f"{variant}.xlsx", change)
    result = check_workbook(other)
    assert result.problems == [], [str(p) for p in result.problems[:5]]
    recalculated = recalculate(other)
    assert recalculated.engine == "columns", recalculated.reason
    assert recalculated.formula_cells == recalculate(path).formula_cells > 500
    assert table_differences(expected_table(scheme, frame, None), scores_table(recalculated)) == []
    # the values written back land in that writer's XML, and read back as computed
    out = tmp_path / f"{variant}-out.xlsx"
    write_recalculated(recalculated, out)
    cached = Package(out)
    for sheet, values in recalculated.values.items():
        got = cached.cells(sheet).values()
        assert all(got.get(k) == v or (v == "" and got.get(k) in ("", None)) for k, v in values.items()), sheet


def test_a_cell_far_away_costs_its_own_size_not_the_grid_up_to_it(filled, tmp_path):
    """A value typed at XFD2440 (the last column) must not make the engine allocate 2440 × 16384 cells."""
    _, _, path = filled
    from lxml import etree
    from .xlsx_variants import Q

    def far_cell(root, strings):
        data = root.find(Q + "sheetData")
        row = etree.SubElement(data, Q + "row", r="2440")
        c = etree.SubElement(row, Q + "c", r="XFD2440")
        etree.SubElement(c, Q + "v").text = "7"

    other = rewrite(path, tmp_path / "far.xlsx", far_cell)
    pkg = Package(other, formula_values=False)
    engine = ColumnsEngine(pkg)
    engine.prepare()
    engine.run()
    sizes = [store.typ.size for store in engine.stores.values()]
    cells = sum(len(pkg.cells(s).rows) for s in pkg.sheet_names)
    assert max(sizes) < 4 * cells, sizes  # compact: rows × columns in use, not 40 million
    assert engine.cell("录入", 2440, 16384) == 7.0
    assert engine.cell("录入", 2439, 16383) is None


def test_malformed_xml_is_a_clear_error_naming_the_part(filled, tmp_path):
    import zipfile
    _, _, path = filled
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(broken, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]
            zout.writestr(name, data)
    pkg = Package(broken)
    with pytest.raises(PackageError, match=r"sheet2\.xml is not well-formed XML"):
        for sheet in pkg.sheet_names:
            pkg.cells(sheet)


@pytest.mark.parametrize("a, b, same", [
    ('IF(M5="","",_xlfn.RANK.EQ(M5,$M$5:$M$21,0))', 'IF(M5="","",RANK(M5,$M$5:$M$21,0))', True),
    ("'录入'!C5*.5+((1))", "录入!$C$5*0.5+1", True),
    ("评分!M5", "M5", True),
    ('IF(M5="","",RANK(M5,$M$5:$M$21,1))', 'IF(M5="","",RANK(M5,$M$5:$M$21,0))', False),  # another order
    ("录入!C6*0.5", "录入!C5*0.5", False),  # another cell
    ("录入!C5-1-2", "录入!C5-(1-2)", False),  # parentheses that change the result
    ('IF(M5="a","",1)', 'IF(M5="A","",1)', False),  # text inside quotes counts
])
def test_formulas_compared_by_meaning(a, b, same):
    assert same_formula(a, b, (5, 14), "评分") is same


def test_counts_of_cells_read(filled):
    """The reader drops formatting-only cells and keeps every value and formula (counted independently)."""
    import zipfile
    from lxml import etree
    from .xlsx_variants import Q
    _, _, path = filled
    pkg = Package(path)
    with zipfile.ZipFile(path) as z:
        for sheet in pkg.sheet_names:
            root = etree.fromstring(z.read(pkg.sheet_parts[sheet]))
            cells = [c for c in root.iter(Q + "c") if len(c) or c.get("t") == "inlineStr"]
            formulas = [c for c in cells if c.find(Q + "f") is not None]
            read = pkg.cells(sheet)
            assert len(read.f_rows) == len(formulas), sheet
            empty_values = sum(1 for c in cells if c.find(Q + "f") is None and c.get("t") != "inlineStr"
                               and not (c.findtext(Q + "v") or "").strip())
            assert len(read.rows) == len(cells) - empty_values, sheet
            assert np.all(read.rows >= 1) and np.all(read.cols >= 1)


def test_dense_rank_as_an_earlier_gridxl_wrote_it_is_a_note_not_a_problem(filled, tmp_path):
    """Templates made before the portable 中国式排名 hold ISNUMBER(range): nobody changed them."""
    from .xlsx_variants import Q
    _, _, path = filled

    def earlier(root, strings):  # 中国式排名 exactly as gridxl wrote it before
        for f in root.iter(Q + "f"):
            if f.text and '<>"")*' in f.text:
                v = f.text.split("(", 2)[2].split(")")[0]  # IF(ISNUMBER(M7),… -> M7
                f.text = f'IF({v}="","",SUMPRODUCT(ISNUMBER($M$5:$M$21)*($M$5:$M$21>{v})/$P$5:$P$21)+1)'

    def really_changed(root, strings):
        for f in root.iter(Q + "f"):
            if f.text and '<>"")*' in f.text and "M7" in f.text:
                f.text = f.text.replace("$M$5:$M$21>M7", "$M$5:$M$21>=M7")

    old = rewrite(path, tmp_path / "earlier.xlsx", earlier)
    result = check_workbook(old)
    assert result.problems == [] and any("earlier gridxl" in n and n.startswith("17 ") for n in result.notes)
    changed = rewrite(path, tmp_path / "changed.xlsx", really_changed)
    assert [f"{p.sheet}!{p.cell}" for p in check_workbook(changed).problems] == ["评分!O7"]
