"""How a template's sheets print: A4, every column and the chart inside the print area, nothing cut.

Offices print the scoring tables and file them.  For each table sheet the layout here decides,
from the column widths and row heights the writer set:

* **one page wide** when the sheet fits at a readable scale (at least ``MIN_SCALE``), and one
  page tall too when its rows fit at that scale (30 units never print as 26 + 4);
* otherwise **pages that break at section boundaries**: the columns of a section (the band in
  row 3) stay on one page, the unit columns repeat on every page, and the scale is the largest
  that keeps that number of pages;
* titles and subtitles merged over the first page's printed width, wrapped when longer;
  header rows (the bands of row 3, the headers of row 4) as tall as their wrapped text;
* on 汇总, the ranking table on its page(s), the per-indicator table and the chart on a page
  of their own, inside the print area;
* footers with the sheet name and 第 N 页，共 M 页, so filed pages can be put back in order.

Sizes follow Excel's units: a column of width w characters is 7w + 5 pixels (Calibri 11, the
workbook default), a pixel is 0.75 pt, times ``WIDTH_SAFETY`` for LibreOffice; a CJK character at
10 pt is about two characters wide.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from gridxl.engine.cached_values import col_letters
from gridxl.io.sheet_text import display_width

# printable area of an A4 page with the margins below, in points, with a little room to spare
MARGIN_SIDE, MARGIN_TOP = 0.4, 0.5  # inches
PAGE_PT = {"landscape": ((11.69 - 2 * MARGIN_SIDE) * 72 * 0.97, (8.27 - 2 * MARGIN_TOP) * 72 * 0.95),
           "portrait": ((8.27 - 2 * MARGIN_SIDE) * 72 * 0.97, (11.69 - 2 * MARGIN_TOP) * 72 * 0.95)}
MIN_SCALE = 0.6  # below this a 10 pt table is hard to read on paper
FIT_TALL_FROM = 0.6  # fit the rows onto one page when that needs no smaller scale than this
DEFAULT_ROW_PT = 15.0
LINE_PT = {9: 12.5, 10: 13.5, 11: 15.0, 16: 21.0}  # a wrapped line of text at each font size
MAX_ROW_PT = 409.0  # Excel's limit
FOOTER = "&L&A&R第 &P 页，共 &N 页"


# LibreOffice prints columns about a fifth wider than Excel's 7w + 5 px rule (measured on these templates);
# plans made for the wider measure also fit Excel and WPS, with a little room to spare
WIDTH_SAFETY = 1.25


def column_pt(width: float) -> float:
    return (7 * width + 5) * 0.75 * WIDTH_SAFETY


def wrapped_lines(text: str, width: float, size: int = 10) -> int:
    """Lines ``text`` takes in a column ``width`` characters wide at ``size`` pt (its own newlines kept)."""
    per_line = max((width - 1) * 11 / size, 1)
    return sum(max(1, math.ceil(display_width(line) / per_line)) for line in str(text).split("\n"))


def text_height(text: str, width: float, size: int = 10) -> float:
    return min(wrapped_lines(text, width, size) * LINE_PT.get(size, size * 1.35) + 4, MAX_ROW_PT)


@dataclass
class PagePlan:
    """How one sheet prints: scale (fit or percent), the column breaks, what repeats."""

    orientation: str
    fit_wide: int | None  # 1: fit to one page wide; None: a fixed scale with column breaks
    fit_tall: int
    scale: int  # percent, when not fitted
    breaks: list[int]  # break after these (1-based) columns
    first_page_last_col: int
    body_pages: int = 1  # pages across that the table itself takes (its name columns repeat when > 1)


def _units(columns: list[tuple[int, float, str]]) -> list[list[tuple[int, float]]]:
    """Runs of columns that must print together: a section band's columns, or one column."""
    units: list[list[tuple[int, float]]] = []
    last_group = None
    for col, width, group in columns:
        if group and group == last_group:
            units[-1].append((col, width))
        else:
            units.append([(col, width)])
        last_group = group
    return units


def _pack(units, capacity: float) -> list[list[tuple[int, float]]]:
    """Units onto pages of ``capacity`` points, in order; a unit wider than a page gets a page of its own
    (and is then cut between its columns)."""
    pages: list[list[tuple[int, float]]] = [[]]
    used = 0.0
    for unit in units:
        w = sum(x for _, x in unit)
        if pages[-1] and used + w > capacity:
            pages.append([])
            used = 0.0
        if w > capacity:  # wider than a page: split between its columns
            for col, x in unit:
                if pages[-1] and used + x > capacity:
                    pages.append([])
                    used = 0.0
                pages[-1].append((col, x))
                used += x
            continue
        pages[-1].extend(unit)
        used += w
    return [p for p in pages if p]


def plan_pages(name_cols: list[tuple[int, float]], body: list[tuple[int, float, str]], height_pt: float,
               orientation: str = "landscape", own_pages: list[list[tuple[int, float]]] = ()) -> PagePlan:
    """The print plan of a table: ``name_cols`` (col, pt) repeat on every page, ``body`` (col, pt, band)
    breaks at band boundaries; ``own_pages`` are blocks that print on pages of their own (汇总's chart)."""
    page_w, page_h = PAGE_PT[orientation]
    names_w = sum(w for _, w in name_cols)
    body_w = sum(w for _, w, _ in body)
    extra_w = max([sum(w for _, w in block) for block in own_pages] or [0])
    if not own_pages and (names_w + body_w) * MIN_SCALE <= page_w:
        scale_w = min(1.0, page_w / (names_w + body_w))
        tall = 1 if min(scale_w, page_h / max(height_pt, 1)) >= FIT_TALL_FROM else 0
        last = max([c for c, _ in name_cols] + [c for c, _, _ in body])
        return PagePlan(orientation, 1, tall, 100, [], last)
    units = _units(body)
    n = len(_pack(units, page_w / MIN_SCALE - names_w))
    # the same number of pages, balanced: the narrowest page width that still packs into n pages
    capacity = max(body_w / n, max(sum(w for _, w in u) for u in units))
    while len(_pack(units, capacity)) > n:
        capacity *= 1.02
    pages = _pack(units, capacity)
    widest = max(sum(w for _, w in page) for page in pages)
    scale = min(1.0, page_w / (names_w + widest), page_w / extra_w if extra_w else 1.0)
    if height_pt * scale > page_h and page_h / height_pt >= FIT_TALL_FROM:
        scale = page_h / height_pt  # the rows on one page too, at a still readable size
    breaks = [page[-1][0] for page in pages]
    if not own_pages:
        breaks = breaks[:-1]
    for block in own_pages[:-1]:
        breaks.append(block[-1][0])
    first_last = pages[0][-1][0] if pages else max(c for c, _ in name_cols)
    return PagePlan(orientation, None, 0, max(10, int(scale * 100)), breaks, first_last, len(pages))


def apply_page_setup(ws, plan: PagePlan, print_area: str, title_rows: str | None = None,
                     title_cols: str | None = None):
    from openpyxl.worksheet.pagebreak import Break, ColBreak
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = plan.orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if plan.fit_wide:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = plan.fit_wide
        ws.page_setup.fitToHeight = plan.fit_tall
    else:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
        ws.page_setup.scale = plan.scale
        ws.col_breaks = ColBreak()
        for col in plan.breaks:
            ws.col_breaks.append(Break(id=col, max=1048575, man=True))
    ws.print_options.horizontalCentered = bool(plan.fit_wide)
    ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE
    ws.page_margins.top = ws.page_margins.bottom = MARGIN_TOP
    ws.page_margins.header = ws.page_margins.footer = 0.2
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "第 &P 页，共 &N 页"
    for part in (ws.oddFooter.left, ws.oddFooter.right):
        part.size = 9
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols
    ws.print_area = print_area


def widths_pt(ws, columns) -> list[tuple[int, float]]:
    return [(c.col, column_pt(ws.column_dimensions[c.letter].width or 8.43)) for c in columns]


def table_height_pt(ws, last_row: int) -> float:
    return sum(ws.row_dimensions[r].height or DEFAULT_ROW_PT for r in range(1, last_row + 1))


def fit_header_rows(ws, sheet, header_row: int = 4, band_row: int = 3):
    """Band row and header row as tall as their wrapped texts (bands over their merged width)."""
    width = {c.col: ws.column_dimensions[c.letter].width or 8.43 for c in sheet.columns}
    band = header = 0.0
    i, cols = 0, sheet.columns
    while i < len(cols):
        c = cols[i]
        if c.group:
            j = i
            while j + 1 < len(cols) and cols[j + 1].group == c.group:
                j += 1
            span = sum(width[cols[k].col] for k in range(i, j + 1) if not cols[k].hidden)
            band = max(band, text_height(c.group, span, 10))
            for k in range(i, j + 1):
                if not cols[k].hidden:
                    header = max(header, text_height(cols[k].header, width[cols[k].col], 10))
            i = j + 1
            continue
        if not c.hidden:
            if c.kind == "input":
                band = max(band, text_height(c.hint, width[c.col], 9))
                header = max(header, text_height(c.header, width[c.col], 10))
            else:  # merged over both rows
                need = text_height(c.header, width[c.col], 10)
                header = max(header, need - (band or DEFAULT_ROW_PT))
        i += 1
    ws.row_dimensions[band_row].height = max(band, DEFAULT_ROW_PT)
    ws.row_dimensions[header_row].height = max(header, DEFAULT_ROW_PT)


def fit_title(ws, row: int, last_col: int, text: str, size: int):
    """A title row merged over the printed width (done by the caller), tall enough for its wrapped text."""
    from copy import copy
    span = sum(ws.column_dimensions[col_letters(c)].width or 8.43 for c in range(1, last_col + 1))
    cell = ws.cell(row=row, column=1)
    alignment = copy(cell.alignment)
    alignment.wrap_text = True
    cell.alignment = alignment
    ws.row_dimensions[row].height = max(text_height(text, span, size), ws.row_dimensions[row].height or 0)


def fit_text_rows(ws, rows: range, columns: list[int], size: int = 10):
    """Rows of wrapped text (说明) as tall as the longest cell in them."""
    width = {c: ws.column_dimensions[col_letters(c)].width or 8.43 for c in columns}
    merged = {(m.min_row, m.min_col) for m in ws.merged_cells.ranges}
    for r in rows:
        need = 0.0
        for c in columns:
            v = ws.cell(row=r, column=c).value
            if v is None or (r, c) in merged:
                continue
            need = max(need, text_height(str(v), width[c], size))
        if need:
            ws.row_dimensions[r].height = max(need, DEFAULT_ROW_PT)


def layout_table_sheet(ws, sheet, name_col: int, own_pages: list[list[int]] = (), last_row: int | None = None,
                       filled_rows: int | None = None):
    """Print setup of one table sheet (录入, 网格录入, 评分, 汇总): the page plan, titles merged over
    the first page's width, header rows fitted, the print area over every visible column and block.

    ``own_pages``: lists of columns (汇总's indicator table and chart) printed on pages of their own.
    ``filled_rows``: for a sheet whose row count is a guess (网格录入: 300 blank grid rows), the rows
    holding data; the print area then ends with the last page those rows need (at least one), so blank
    rows never print as pages of empty tables while a row typed onto that page still prints.
    """
    fit_header_rows(ws, sheet)
    visible = [c for c in sheet.columns if not c.hidden]
    names = [c for c in visible if c.col <= name_col]
    body = [c for c in visible if c.col > name_col]
    body_pt = [(col, w, c.group) for (col, w), c in zip(widths_pt(ws, body), body)]
    blocks = [[(col, column_pt(ws.column_dimensions[col_letters(col)].width or 8.43)) for col in cols]
              for cols in own_pages]
    last_row = max(last_row or sheet.last, sheet.last)
    plan = plan_pages(widths_pt(ws, names), body_pt, table_height_pt(ws, last_row), own_pages=blocks)
    if filled_rows is not None and plan.fit_wide:
        last_row = _last_printed_row(ws, sheet, plan, body_pt, widths_pt(ws, names), filled_rows)
        plan = plan_pages(widths_pt(ws, names), body_pt, table_height_pt(ws, last_row), own_pages=blocks)
    span = plan.first_page_last_col
    for row, text, size in ((1, sheet.title, 16), (2, sheet.subtitle, 10)):
        if span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        fit_title(ws, row, span, text, size)
    last_col = max([c.col for c in visible] + [cols[-1] for cols in own_pages])
    # rows 3-4 (bands and headers) repeat.  A table one page wide prints its title rows on the first
    # page; a wider one repeats its unit columns, which would show a cut piece of the merged title on
    # every later page: there the title goes to the page header instead, whole on each page
    across = plan.body_pages > 1
    apply_page_setup(ws, plan, f"A{3 if across else 1}:{col_letters(last_col)}{last_row}", title_rows="3:4",
                     title_cols=f"A:{col_letters(name_col)}" if across else None)
    if across:
        ws.oddHeader.center.text = _header_text(sheet.title)  # (the subtitle is guidance for the screen)
        ws.oddHeader.center.size = 14
        ws.page_margins.top = HEADED_TOP
    return plan


def _last_printed_row(ws, sheet, plan: PagePlan, body_pt, names_pt, filled: int) -> int:
    """The last row of the page on which the ``filled`` data rows end (one page at least).

    Pages hold rows 1-4 (titles, bands, headers) then data; later pages repeat rows 3-4.  The scale
    is the fit-to-width one; rows are counted a little short of the page (``ROWS_SAFETY``) so a
    renderer that lays rows out slightly taller never spills the last one onto a page of its own.
    """
    page_w, page_h = PAGE_PT[plan.orientation]
    scale = min(1.0, page_w / max(sum(w for _, w in names_pt) + sum(w for _, w, _ in body_pt), 1))
    room = page_h / scale * ROWS_SAFETY
    height = {r: ws.row_dimensions[r].height or DEFAULT_ROW_PT for r in range(1, sheet.first)}
    repeated = height.get(3, DEFAULT_ROW_PT) + height.get(4, DEFAULT_ROW_PT)
    used, row, page_end = sum(height.values()), sheet.first, sheet.first - 1
    target = sheet.first + max(filled, 1) - 1
    while row <= sheet.last:
        h = ws.row_dimensions[row].height or DEFAULT_ROW_PT
        if used + h > room:  # a new page
            if row > target:
                break
            used = repeated
        used += h
        page_end = row
        row += 1
    return max(page_end, min(target, sheet.last))


ROWS_SAFETY = 0.93
HEADED_TOP = 0.75  # inches: room for the page header


def _header_text(text: str) -> str:
    """Text in a header or footer: & starts a field code there, so it is doubled."""
    return str(text).replace("&", "&&")
