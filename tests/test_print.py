"""What an office prints: every built-in template (blank and prefilled) and the 通报, through LibreOffice.

All workbooks and documents are converted to PDF in one soffice run per test session (a module
fixture: soffice is slow on a shared machine).  Each printed page carries its sheet's name and
第 N 页 in the footer, which is how pages are counted per sheet.  Ceilings are what the layout
gives today (before this layout: chengnan's blank template printed 31 pages, dongying-2018's 26).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from gridxl.core.catalog import builtin_schemes
from gridxl.engine.cached_values import col_letters

from .conftest import ROOT, SAMPLES

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow,
              pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                                 reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)")]

SCHEMES = [s.id for s in builtin_schemes()]
TEMPLATES_DIR = ROOT / "workbook_templates"  # the committed blank templates (not in the wheel)
SHEETS_WITH_INPUT = ("录入", "网格录入")
# pages per sheet, blank templates (30 unit rows; dongying's grid sheet has 300 blank grid rows, of which
# the print area holds one page: before, they printed as 11 pages of empty tables)
BLANK_CEILING = {"说明": 2, "录入": 4, "网格录入": 1, "评分": 2, "汇总": 4}
# prefilled from the sample inputs (6-17 units)
PREFILLED_CEILING = {"说明": 2, "录入": 4, "网格录入": 2, "评分": 2, "汇总": 4}
DEVELOPER_WORDS = re.compile(r"seed\s*\d|if_zero|unspecified|\[\[|\(extra\)|gridxl (check|recalc)|--[a-z]")
FOOTER = re.compile(r"^\s*(\S+)\s+第 (\d+) 页，共 (\d+) 页\s*$")


def run(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)


def pdf_pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), str(pdf), "-"],
                           capture_output=True, text=True).stdout for p in range(1, n + 1)]


def pages_per_sheet(pages: list[str]) -> Counter:
    out = Counter()
    for text in pages:
        names = [m.group(1) for line in text.splitlines() if (m := FOOTER.match(line))]
        assert len(names) == 1, text[-300:]
        out[names[0]] += 1
    return out


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """{name: (xlsx or docx path, [page texts])} for every blank and prefilled template and the bulletin."""
    from gridxl.workbook.libreoffice import convert
    folder = tmp_path_factory.mktemp("print")
    files = {}
    for sid in SCHEMES:
        files[f"blank-{sid}"] = TEMPLATES_DIR / f"{sid}.xlsx"
        out = folder / f"filled-{sid}.xlsx"
        extra = []
        if (SAMPLES / f"{sid}-subunits.csv").exists():
            extra = ["--subunits", SAMPLES / f"{sid}-subunits.csv"]
        r = run("template", sid, "-o", out, "--data", SAMPLES / f"{sid}.csv", *extra)
        assert r.returncode == 0, r.stderr
        files[f"filled-{sid}"] = out
    docx_path = folder / "bulletin.docx"
    r = run("bulletin", "yushui-2022", SAMPLES / "yushui-2022.csv", "-o", docx_path, "--xlsx",
            folder / "bulletin-table.xlsx", "--period", "2022-11", "--date", "2022-12-01")
    assert r.returncode == 0, r.stderr
    files["bulletin"] = docx_path
    files["bulletin-table"] = folder / "bulletin-table.xlsx"
    staged = folder / "staged"
    staged.mkdir()
    names = {}
    for name, path in files.items():
        target = staged / f"{name}{path.suffix}"
        shutil.copy(path, target)
        names[name] = target
    pdfs = convert(list(names.values()), folder / "pdf", to="pdf")
    return {name: (files[name], pdf_pages(pdf)) for name, pdf in zip(names, pdfs)}


def _visible_sheets(path):
    wb = openpyxl.load_workbook(path)
    return wb, [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


@pytest.mark.parametrize("kind", ["blank", "filled"])
@pytest.mark.parametrize("sid", SCHEMES)
def test_every_sheet_prints_within_its_page_ceiling(printed, sid, kind):
    path, pages = printed[f"{kind}-{sid}"]
    counts = pages_per_sheet(pages)
    _, sheets = _visible_sheets(path)
    assert set(counts) == {ws.title for ws in sheets}  # every visible sheet prints, the hidden one does not
    ceiling = BLANK_CEILING if kind == "blank" else PREFILLED_CEILING
    for sheet, n in counts.items():
        assert n <= ceiling[sheet], (sid, kind, sheet, n)


@pytest.mark.parametrize("sid", SCHEMES)
def test_titles_print_whole(printed, sid):
    path, pages = printed[f"filled-{sid}"]
    _, sheets = _visible_sheets(path)
    flat = ["".join(text.split()) for text in pages]
    for ws in sheets:
        title = "".join(str(ws["A1"].value).split())
        assert any(title in text for text in flat), (sid, ws.title, title)


@pytest.mark.parametrize("sid", SCHEMES)
def test_print_area_covers_every_visible_column_and_the_chart(sid):
    wb, sheets = _visible_sheets(TEMPLATES_DIR / f"{sid}.xlsx")
    for ws in sheets:
        area = ws.print_area
        assert area, (sid, ws.title)
        m = re.search(r"\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", area)
        last_col = openpyxl.utils.column_index_from_string(m.group(3))
        last_row = int(m.group(4))
        used = max(c.column for row in ws.iter_rows() for c in row if c.value is not None
                   and not ws.column_dimensions[col_letters(c.column)].hidden)
        assert used <= last_col, (sid, ws.title, area)
        assert ws.page_setup.orientation == ("portrait" if ws.title == "说明" else "landscape")
        assert int(ws.page_setup.paperSize) == 9
        for chart in ws._charts:
            anchor = chart.anchor._from
            assert anchor.col + 1 <= last_col and anchor.row + 1 <= last_row, (sid, ws.title, area)
            # and its far corner too: the chart's extent (EMU) against the columns and rows it covers
            px_w = sum(7 * (ws.column_dimensions[col_letters(c)].width or 8.43) + 5
                       for c in range(anchor.col + 1, last_col + 1))
            px_h = sum((ws.row_dimensions[r].height or 15) / 0.75 for r in range(anchor.row + 1, last_row + 1))
            ext = chart.anchor.ext
            assert ext.width / 9525 <= px_w + 1 and ext.height / 9525 <= px_h + 1, (sid, ws.title, area)


@pytest.mark.parametrize("sid", SCHEMES)
def test_summary_shows_every_result_column(sid):
    from gridxl.core import get_scheme
    scheme = get_scheme(sid)
    wb = openpyxl.load_workbook(TEMPLATES_DIR / f"{sid}.xlsx")
    def headers(ws):
        return {str(ws.cell(row=r, column=c).value or "").split("\n")[0] for r in (3, 4)
                for c in range(1, ws.max_column + 1) if not ws.column_dimensions[col_letters(c)].hidden}
    score, summary = headers(wb["评分"]), headers(wb["汇总"])
    for must in ["名次", "中国式排名"] + (["星级"] if scheme.stars else []) + [f.label for f in scheme.flags]:
        assert must in score and must in summary, (sid, must)


@pytest.mark.parametrize("sid", SCHEMES)
def test_no_developer_words_for_the_clerk(sid):
    wb, sheets = _visible_sheets(TEMPLATES_DIR / f"{sid}.xlsx")
    for ws in sheets:  # what prints: the maintainers' notes on 说明 sit below its print area
        last_row = int(re.search(r"(\d+)$", ws.print_area).group(1))
        for row in ws.iter_rows(max_row=last_row):
            for c in row:
                if isinstance(c.value, str) and not c.value.startswith("="):
                    assert not DEVELOPER_WORDS.search(c.value), (sid, ws.title, c.coordinate, c.value)
    # helper columns (辅助列: computed measures, tie counts, sort keys) are hidden
    score = wb["评分"]
    for c in range(1, score.max_column + 1):
        if "辅助列" in str(score.cell(row=3, column=c).value or ""):
            assert score.column_dimensions[col_letters(c)].hidden, (sid, col_letters(c))


def test_wide_sheets_break_at_section_boundaries_with_the_unit_column_repeated():
    wb = openpyxl.load_workbook(TEMPLATES_DIR / "chengnan.xlsx")
    ws = wb["评分"]
    assert ws.print_title_cols == "$A:$B"
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks
    for brk in breaks:  # the band (row 3) left of a break ends there: no section is cut across pages
        for merged in ws.merged_cells.ranges:
            if merged.min_row == 3:
                assert not (merged.min_col <= brk < merged.max_col), (str(merged), brk)
    title = next(m for m in ws.merged_cells.ranges if m.min_row == 1)
    assert title.min_col == 1 and title.max_col == breaks[0]  # the title over the first page's columns


def test_band_rows_are_tall_enough_for_their_text():
    ws = openpyxl.load_workbook(TEMPLATES_DIR / "liujiaoting.xlsx")["评分"]
    band = next(m for m in ws.merged_cells.ranges if m.min_row == 3 and m.max_col > m.min_col)
    text = ws.cell(row=3, column=band.min_col).value
    width = sum(ws.column_dimensions[col_letters(c)].width for c in range(band.min_col, band.max_col + 1))
    per_line = (width - 1) * 11 / 10 / 2  # CJK characters per line at 10 pt
    assert ws.row_dimensions[3].height >= 13.5 * -(-len(text) // per_line)


def test_thirty_rows_print_on_one_page(printed):
    _, pages = printed["blank-yushui-2022"]
    assert pages_per_sheet(pages)["评分"] == 1
    score_page = next(p for p in pages if FOOTER.match(p.strip().splitlines()[-1]).group(1) == "评分")
    numbers = [int(line.split()[0]) for line in score_page.splitlines() if line.split() and line.split()[0].isdigit()]
    assert numbers[:30] == list(range(1, 31))


def test_bulletin_pdf_has_the_seed_004_form(printed):
    _, pages = printed["bulletin"]
    text = "".join("".join(p.split()) for p in pages)
    for part in ("各乡镇（街道、办事处）综治中心，区平安渝水建设领导小组各成员单位：", "二、存在的问题", "三、工作要求",
                 "一是个别单位总分偏低", "【请在此填写工作要求", "2022年12月1日印发", "—1—"):
        assert part in text, part
    assert "初稿" not in text and "gridxl" not in text
    last = "".join(pages[-1].split())
    assert "渝水区平安渝水建设领导小组办公室" in last and "2022年12月1日" in last  # signature with the date


def test_bulletin_xlsx_table_on_one_page_chart_on_its_own(printed):
    path, pages = printed["bulletin-table"]
    assert pages_per_sheet(pages) == {"排名": 1, "总分图": 1, "全区指标": 1}
    ranking = "".join(pages[0].split())
    for unit in ("界水乡", "通洲办", "74.25"):
        assert unit in ranking  # the whole table, first to last, on the first page
    assert "排名按总分从高到低排列" in ranking
    with zipfile.ZipFile(path) as z:
        setups = [re.search(r"<pageSetup [^>]*>", z.read(f"xl/worksheets/sheet{i}.xml").decode()).group(0)
                  for i in (1, 2, 3)]
        chart = z.read("xl/charts/chart1.xml").decode()
    for setup in setups:
        assert 'paperSize="9"' in setup and 'orientation="landscape"' in setup
    labels = re.search(r"<c:dLbls>.*?</c:dLbls>", chart).group(0)
    assert '<c:showVal val="1"/>' in labels and 'sz="900"' in labels  # each bar's total, in 9 pt
    assert 'rot="-2700000"' in chart  # 17 unit names slanted, not overlapping


def test_blank_grid_rows_stay_off_paper_but_every_typed_grid_prints(tmp_path):
    """300 grid rows: the print area is the page(s) the typed grids need, never the 300 empty rows."""
    blank = openpyxl.load_workbook(TEMPLATES_DIR / "dongying-2018.xlsx")["网格录入"]
    last_blank = int(re.search(r"(\d+)$", blank.print_area).group(1))
    assert blank.max_row == 304 and 15 <= last_blank - 4 <= 40  # one page of blank rows to write on
    out = tmp_path / "grids.xlsx"
    grids = SAMPLES / "dongying-2018-subunits.csv"
    r = run("template", "dongying-2018", "-o", out, "--data", SAMPLES / "dongying-2018.csv", "--subunits", grids,
            "--subunit-rows", 300)
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(out)["网格录入"]
    typed = 4 + sum(1 for line in grids.read_text(encoding="utf-8-sig").splitlines()[1:] if line.strip())
    last = int(re.search(r"(\d+)$", ws.print_area).group(1))
    assert ws.max_row == 304 and ws.cell(row=typed, column=2).value and not ws.cell(row=typed + 1, column=2).value
    assert typed <= last < typed + 40, (typed, last)


def test_check_says_when_typed_grids_lie_below_the_print_area(tmp_path):
    """A clerk who types more grids than the blank page holds is told they would not print, and how to fix it."""
    import csv
    wb = openpyxl.load_workbook(TEMPLATES_DIR / "dongying-2018.xlsx")
    ws = wb["网格录入"]
    last = int(re.search(r"(\d+)$", ws.print_area).group(1))
    grids = list(csv.DictReader((SAMPLES / "dongying-2018-subunits.csv").open(encoding="utf-8-sig")))
    assert len(grids) > last - 4
    for r, g in enumerate(grids, start=5):
        for col, key in enumerate(("unit", "subunit", "grid_type", "daily_reported", "general_reported",
                                   "major_reported"), start=2):
            ws.cell(row=r, column=col, value=g[key] if col <= 4 else int(g[key]))
    wb.save(tmp_path / "typed.xlsx")
    r = run("check", tmp_path / "typed.xlsx")
    assert (f"网格录入: rows {last + 1}–{4 + len(grids)} are typed but lie below the print area (which ends at row "
            f"{last}), so they do not print") in r.stderr, r.stderr
    # a refreshed template prints them all
    r = run("template", "--refresh", tmp_path / "typed.xlsx", "-o", tmp_path / "new.xlsx")
    area = openpyxl.load_workbook(tmp_path / "new.xlsx")["网格录入"].print_area
    assert int(re.search(r"(\d+)$", area).group(1)) >= 4 + len(grids), (r.stderr, area)
