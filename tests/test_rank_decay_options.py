"""rank_decay: dense vs competition places, additive vs multiplicative steps — hand-computed, and the same
numbers from the core, the native template (gridxl's engine) and LibreOffice."""
from __future__ import annotations

import pandas as pd
import pytest

from gridxl.core import score_frame
from gridxl.core.scheme import scheme_from_dict, SchemeError
from gridxl.workbook.libreoffice import convert
from gridxl.engine import Package, recalculate, write_recalculated

from .excel_helpers import cell_differences, expected_table, soffice_or_skip, table_differences, template_with, \
    workbook_scores
from .tiers import slow

UNITS = ["甲", "乙", "丙", "丁", "戊", "己"]
VALUES = [1.0, 0.9, 0.9, 0.8, 0.7, 0.95]


def scheme(ranking=None, decay=None):
    ind = {"key": "rate", "name": "完成率", "points": 10, "kind": "rank_decay", "value": "done / tasks",
           "standard": 1, "step": 0.1}
    if ranking:
        ind["ranking"] = ranking
    if decay:
        ind["decay"] = decay
    return scheme_from_dict({"id": f"rd-{ranking}-{decay}", "name": "排名递减", "unit": "村", "total_points": 10,
                             "fields": [{"key": "done", "label": "完成数"}, {"key": "tasks", "label": "任务数"}],
                             "indicators": [ind]})


def frame():
    return pd.DataFrame({"unit": UNITS, "done": [v * 100 for v in VALUES], "tasks": [100] * len(UNITS)})


# Below the standard: 0.95 (place 1), 0.9 and 0.9 (tied), 0.8, 0.7.
#   competition places: 0.95 -> 1, 0.9 -> 2, 0.8 -> 4, 0.7 -> 5;  dense: 1, 2, 3, 4
#   additive: points × (1 - place × 0.1);  multiplicative: points × 0.9 ** place, rounded to 2 decimals
HAND = {
    (None, None): [10, 8, 8, 6, 5, 9],
    ("dense", None): [10, 8, 8, 7, 6, 9],
    (None, "multiplicative"): [10, 8.1, 8.1, 6.56, 5.9, 9],  # 6.561, 5.9049
    ("dense", "multiplicative"): [10, 8.1, 8.1, 7.29, 6.56, 9],
}


@pytest.mark.parametrize("ranking, decay", list(HAND))
def test_core_gives_the_hand_computed_scores(ranking, decay):
    got = score_frame(scheme(ranking, decay), frame()).table["rate"].tolist()
    assert got == pytest.approx(HAND[ranking, decay], abs=1e-12)


def test_defaults_are_the_competition_additive_reading():
    explicit = score_frame(scheme("competition", "additive"), frame()).table["rate"].tolist()
    assert explicit == score_frame(scheme(), frame()).table["rate"].tolist()


def test_unknown_choice_is_refused():
    with pytest.raises(SchemeError, match="ranking.*competition, dense"):
        scheme("chinese")


@pytest.mark.parametrize("ranking, decay", list(HAND))
def test_native_template_recalculates_to_the_core(tmp_path, ranking, decay):
    s = scheme(ranking, decay)
    path = template_with(s, tmp_path / "rd.xlsx", frame())
    assert table_differences(expected_table(s, frame(), None), workbook_scores(path)) == []


@pytest.mark.libreoffice
@slow
def test_libreoffice_computes_the_same_cells(tmp_path):
    soffice_or_skip()
    files = [template_with(scheme(r, d), tmp_path / f"rd-{r}-{d}.xlsx", frame()) for r, d in HAND]
    outputs = convert(files, tmp_path / "lo")
    for src, out in zip(files, outputs):
        mine = recalculate(src)
        written = src.with_name(src.stem + "-gridxl.xlsx")
        write_recalculated(mine, written)
        with Package(written) as ours:
            values = {sheet: {k: v for k, v in ours.cells(sheet).values().items() if k in cells}
                      for sheet, cells in mine.values.items()}
        with Package(out) as lo:
            assert cell_differences(values, lo) == [], src.name


@pytest.mark.parametrize("ranking, decay", list(HAND))
def test_udf_takes_the_options_in_the_order_the_udf_template_writes_them(tmp_path, ranking, decay):
    from udfs import gridxl_udfs
    s = scheme(ranking, decay)
    template_with(s, tmp_path / "udf.xlsx", frame(), formulas="udf")
    import openpyxl
    wb = openpyxl.load_workbook(tmp_path / "udf.xlsx")
    formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and "GRID_RANK_DECAY" in c.value]
    assert formulas
    wanted = [v for v in ("desc" if ranking or decay else None, ranking or ("competition" if decay else None),
                          decay) if v]
    assert all(all(f'"{w}"' in f for w in wanted) for f in formulas)
    column = [[v] for v in VALUES]
    got = [gridxl_udfs.GRID_RANK_DECAY(v, column, 1, 0.1, 10, *wanted) for v in VALUES]
    assert got == pytest.approx(HAND[ranking, decay], abs=1e-12)
